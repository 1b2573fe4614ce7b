import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { MemoryPubSub } from "../../src/infra/pubsub/memory.js";
import { PostgresPubSub } from "../../src/infra/pubsub/postgres.js";
import type { Message, PubSub, Topic, TopicPayloads } from "../../src/infra/pubsub/pubsub.js";
import { createTestDatabase, pgBaseUrl } from "../helpers/pg.js";

/** Polls `cond` until it holds; fails with `what` after timeoutMs. */
async function waitUntil(cond: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Lets anything already in flight arrive (used only to assert that nothing more does). */
async function settle(ps: PubSub[]): Promise<void> {
  // A marker published after everything else, on a topic nobody under test uses, arrives last.
  const seen = new Set<number>();
  const offs = ps.map((p, i) => p.subscribe("API_KEY_REVOKED", ({ apiKeyId }) => apiKeyId === "marker" && seen.add(i)));
  await ps[0]!.publish([{ topic: "API_KEY_REVOKED", payload: { apiKeyId: "marker" } }]);
  await waitUntil(() => seen.size === ps.length, "the settle marker");
  for (const off of offs) off();
}

function recorder<T extends Topic>(ps: PubSub, topic: T) {
  const got: TopicPayloads[T][] = [];
  const off = ps.subscribe(topic, (p) => got.push(p));
  return { got, off };
}

const event = (taskId: string, seq: number): Message => ({ topic: "TASK_EVENT", payload: { taskId, seq } });

interface Implementation {
  name: string;
  enabled: boolean;
  /** Whether separate instances (processes) share messages. */
  crossProcess: boolean;
  setup(): Promise<{ create(): Promise<PubSub>; teardown(): Promise<void> }>;
}

const implementations: Implementation[] = [
  {
    name: "MemoryPubSub",
    enabled: true,
    crossProcess: false,
    setup: async () => ({ create: async () => new MemoryPubSub(), teardown: async () => {} }),
  },
  {
    name: "PostgresPubSub",
    enabled: pgBaseUrl !== undefined,
    crossProcess: true,
    async setup() {
      // A database of its own: NOTIFY channels are per database, so parallel test files cannot interfere.
      const db = await createTestDatabase();
      const errors: Error[] = [];
      return {
        create: () => PostgresPubSub.connect({ url: db.url, onError: (e) => errors.push(e) }),
        async teardown() {
          await db.drop();
          expect(errors).toEqual([]);
        },
      };
    },
  },
];

for (const impl of implementations) {
  describe.skipIf(!impl.enabled)(`PubSub contract [${impl.name}]`, () => {
    let env: Awaited<ReturnType<Implementation["setup"]>>;
    const open: PubSub[] = [];
    const create = async () => {
      const p = await env.create();
      open.push(p);
      return p;
    };

    beforeAll(async () => {
      env = await impl.setup();
    });
    afterEach(async () => {
      for (const p of open.splice(0)) await p.close();
    });
    afterAll(async () => {
      await env?.teardown();
    });

    it("delivers a message to every handler of its topic, none of other topics, in publish order", async () => {
      const ps = await create();
      const a = recorder(ps, "TASK_EVENT");
      const b = recorder(ps, "TASK_EVENT");
      const changed = recorder(ps, "TASK_CHANGED");
      const agents = recorder(ps, "AGENT_CHANGED");
      await ps.publish([event("t1", 1), event("t1", 2)]);
      await ps.publish([{ topic: "AGENT_CHANGED", payload: { agentId: "a1" } }, event("t2", 1)]);
      await ps.publish([event("t1", 3)]);
      const want = [
        { taskId: "t1", seq: 1 },
        { taskId: "t1", seq: 2 },
        { taskId: "t2", seq: 1 },
        { taskId: "t1", seq: 3 },
      ];
      await waitUntil(() => a.got.length >= 4 && b.got.length >= 4 && agents.got.length >= 1, "delivery");
      await settle([ps]);
      expect(a.got).toEqual(want);
      expect(b.got).toEqual(want);
      expect(agents.got).toEqual([{ agentId: "a1" }]);
      expect(changed.got).toEqual([]);
    });

    it("delivers a large batch whole and in order (more than one notification's worth)", async () => {
      const ps = await create();
      const got = recorder(ps, "TASK_EVENT");
      const batch = Array.from({ length: 400 }, (_, i) => event("big-batch-task-with-a-long-id", i + 1));
      await ps.publish(batch);
      await waitUntil(() => got.got.length >= 400, "the whole batch");
      await settle([ps]);
      expect(got.got).toEqual(batch.map((m) => m.payload));
    });

    it("a throwing handler does not stop delivery to the others", async () => {
      const ps = await create();
      ps.subscribe("TASK_CHANGED", () => {
        throw new Error("subscriber bug");
      });
      const ok = recorder(ps, "TASK_CHANGED");
      await ps.publish([
        { topic: "TASK_CHANGED", payload: { taskId: "x" } },
        { topic: "TASK_CHANGED", payload: { taskId: "y" } },
      ]);
      await waitUntil(() => ok.got.length === 2, "both messages");
      expect(ok.got).toEqual([{ taskId: "x" }, { taskId: "y" }]);
    });

    it("unsubscribe stops delivery to that handler only", async () => {
      const ps = await create();
      const gone = recorder(ps, "TASK_EVENT");
      const stays = recorder(ps, "TASK_EVENT");
      await ps.publish([event("u", 1)]);
      await waitUntil(() => gone.got.length === 1 && stays.got.length === 1, "first message");
      gone.off();
      gone.off(); // idempotent
      await ps.publish([event("u", 2)]);
      await waitUntil(() => stays.got.length === 2, "second message");
      await settle([ps]);
      expect(gone.got).toEqual([{ taskId: "u", seq: 1 }]);
      expect(stays.got).toEqual([
        { taskId: "u", seq: 1 },
        { taskId: "u", seq: 2 },
      ]);
    });

    it.skipIf(!impl.crossProcess)("two instances on one database see each other's messages", async () => {
      const one = await create();
      const two = await create();
      const at1 = recorder(one, "TASK_EVENT");
      const at2 = recorder(two, "TASK_EVENT");
      await one.publish([event("from-one", 1)]);
      await two.publish([event("from-two", 1)]);
      await waitUntil(() => at1.got.length === 2 && at2.got.length === 2, "cross-instance delivery");
      for (const got of [at1.got, at2.got]) {
        expect(got).toEqual([
          { taskId: "from-one", seq: 1 },
          { taskId: "from-two", seq: 1 },
        ]);
      }
    });

    it("publishing an empty list is a no-op", async () => {
      const ps = await create();
      const all = (["TASK_EVENT", "TASK_CHANGED", "AGENT_CHANGED"] as const).map((t) => recorder(ps, t));
      await expect(ps.publish([])).resolves.toBeUndefined();
      await settle([ps]);
      for (const r of all) expect(r.got).toEqual([]);
    });

    it("close() stops delivery, does not throw, and may be called twice", async () => {
      const ps = await create();
      const r = recorder(ps, "TASK_EVENT");
      await ps.publish([event("c", 1)]);
      await waitUntil(() => r.got.length === 1, "message before close");
      await expect(ps.close()).resolves.toBeUndefined();
      await expect(ps.close()).resolves.toBeUndefined();
      await expect(ps.publish([event("c", 2)])).resolves.toBeUndefined();
      if (impl.crossProcess) {
        // Messages from another, still open instance no longer reach the closed one.
        const other = await create();
        await other.publish([event("c", 3)]);
        await settle([other]);
      } else {
        await new Promise((res) => setTimeout(res, 20));
      }
      expect(r.got).toEqual([{ taskId: "c", seq: 1 }]);
    });

    it("1,000 messages in 10 batches all arrive, in order", async () => {
      const ps = await create();
      const listeners = impl.crossProcess ? [ps, await create()] : [ps];
      const rs = listeners.map((p) => recorder(p, "TASK_EVENT"));
      for (let b = 0; b < 10; b++) {
        await ps.publish(Array.from({ length: 100 }, (_, i) => event("bulk", b * 100 + i + 1)));
      }
      await waitUntil(() => rs.every((r) => r.got.length >= 1_000), "1,000 messages", 15_000);
      await settle(listeners);
      const want = Array.from({ length: 1_000 }, (_, i) => i + 1);
      for (const r of rs) {
        expect(r.got.every((p) => p.taskId === "bulk")).toBe(true);
        expect(r.got.map((p) => p.seq)).toEqual(want);
      }
    }, 30_000);
  });
}
