import { buildSchema, parse, type ExecutionResult } from "graphql";
import { describe, expect, it } from "vitest";
import { Channel } from "../../src/domain/shared/channel.js";
import { createSharedSubscribe } from "../../src/ws/shared-subscribe.js";

/** A tiny schema whose resolvers count how often the event's selection set is executed. */
function fixture() {
  const schema = buildSchema(`
    type Event { seq: Int! tag: String! }
    type Query { ok: Boolean }
    type Subscription { events: Event! }
  `);
  const channels: Channel<{ seq: number }>[] = [];
  let executions = 0;
  const Subscription = schema.getSubscriptionType();
  const events = Subscription?.getFields().events;
  if (!events) throw new Error("schema fixture");
  events.subscribe = () => {
    const c = new Channel<{ seq: number }>(() => {});
    channels.push(c);
    return c;
  };
  events.resolve = (e: { seq: number }) => e;
  const Event = schema.getType("Event") as import("graphql").GraphQLObjectType;
  const tag = Event.getFields().tag;
  if (tag) {
    tag.resolve = (e: { seq: number }, _args, ctx: { principal: { role: string } | null }) => {
      executions++;
      return `${ctx.principal?.role ?? "none"}:${e.seq}`;
    };
  }
  return { schema, channels, executions: () => executions };
}

const next = async (it: AsyncGenerator<ExecutionResult>) => (await it.next()).value as ExecutionResult;

describe("shared subscription execution", () => {
  it("runs the selection once per event for equal operations, roles and variables, and separately otherwise", async () => {
    const f = fixture();
    const subscribe = createSharedSubscribe();
    const doc = parse("subscription { events { seq tag } }");
    const other = parse("subscription { events { tag } }");
    const ctx = (role: string) => ({ principal: { role, agentId: null } });
    const subs = (await Promise.all([
      subscribe({ schema: f.schema, document: doc, contextValue: ctx("VIEWER") }),
      subscribe({ schema: f.schema, document: doc, contextValue: ctx("VIEWER") }),
      subscribe({ schema: f.schema, document: doc, contextValue: ctx("ADMIN") }),
      subscribe({ schema: f.schema, document: other, contextValue: ctx("VIEWER") }),
    ])) as AsyncGenerator<ExecutionResult>[];

    const event = { seq: 1 };
    for (const c of f.channels) c.push(event); // the feed hands every subscriber the same row object
    const results = await Promise.all(subs.map(next));
    expect(results.map((r) => r.data)).toEqual([
      { events: { seq: 1, tag: "VIEWER:1" } },
      { events: { seq: 1, tag: "VIEWER:1" } },
      { events: { seq: 1, tag: "ADMIN:1" } },
      { events: { tag: "VIEWER:1" } },
    ]);
    expect(f.executions()).toBe(3); // VIEWER/doc shared; ADMIN and the other document on their own

    // A different object (a replayed row) is never shared.
    for (const c of f.channels) c.push({ seq: 2 });
    await Promise.all(subs.map(next));
    expect(f.executions()).toBe(7);

    // return() reaches the source stream, so unsubscribing releases the feed.
    await subs[0]?.return(undefined);
    expect(f.channels[0]?.isClosed).toBe(true);
    expect(f.channels[1]?.isClosed).toBe(false);
  });

  it("passes errors from subscribe() through as a result", async () => {
    const f = fixture();
    const subscribe = createSharedSubscribe();
    const r = await subscribe({ schema: f.schema, document: parse("subscription { nope }") });
    expect(r).toMatchObject({ errors: [expect.objectContaining({ message: expect.stringContaining("nope") })] });
  });
});
