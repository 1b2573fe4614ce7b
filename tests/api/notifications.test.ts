import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  CreateAgentDocument,
  CreateApiKeyDocument,
  CreateTaskDocument,
  MarkNotificationsReadDocument,
  NotificationAddedDocument,
  NotificationNodeDocument,
  NotificationsDocument,
  NotificationSubscriptionsDocument,
  SubscribeNotificationsDocument,
  UnreadNotificationCountDocument,
  UnsubscribeNotificationsDocument,
  UpdateTaskStatusDocument,
  type NotificationAddedSubscription,
  type NotificationEvent,
  type SubscribeNotificationsInput,
  type Role,
  type TaskStatus,
} from "../generated/graphql.js";
import { describeProfiles } from "../helpers/profiles.js";
import { collect, startTestServer, type Collector, type TestServer } from "../helpers/server.js";

const seqs = (items: NotificationAddedSubscription[]) => items.map((i) => i.notificationAdded.seq);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const TASK_EVENTS: NotificationEvent[] = ["TASK_ASSIGNED", "TASK_COMPLETED", "TASK_FAILED"];

describeProfiles("notifications", (profile) => {
  let s: TestServer;
  let agentA: string;
  let agentB: string;
  const keys = { k1: "", k2: "", k3: "", agent: "" };
  let t1: string;
  let t2: string;
  const subs: Record<string, string> = {};
  let witness: Collector<NotificationAddedSubscription>;
  /** What the EMAIL and WEBHOOK channel was handed. */
  const delivered: Array<{ channel: string; address: string | null; event: string; taskId: string | null }> = [];
  const handedOver = new Set<string>();

  const key = async (name: string, role: Role, agentId?: string) =>
    (await s.ok(CreateApiKeyDocument, { input: { name, role, ...(agentId ? { agentId } : {}) } })).createApiKey.key;
  const move = async (id: string, ...statuses: TaskStatus[]) => {
    for (const status of statuses) await s.ok(UpdateTaskStatusDocument, { id, status });
  };
  const listOf = async (k: string, unreadOnly = false) =>
    (await s.ok(NotificationsDocument, { unreadOnly, first: 100 }, k)).notifications.edges.map((e) => e.node);

  beforeAll(async () => {
    s = await startTestServer(profile, {
      notificationChannel: {
        // Like the outbox: one hand-over per dedupe key.
        deliver: async (sub, n) => {
          if (handedOver.has(n.dedupeKey)) return false;
          handedOver.add(n.dedupeKey);
          delivered.push({ channel: sub.channel, address: sub.address, event: n.event, taskId: n.taskId });
          return true;
        },
      },
    });
    agentA = (await s.ok(CreateAgentDocument, { input: { name: "ada", minComplexity: 1, maxComplexity: 5 } }))
      .createAgent.id;
    agentB = (await s.ok(CreateAgentDocument, { input: { name: "bob", minComplexity: 6, maxComplexity: 10 } }))
      .createAgent.id;
    for (const k of ["k1", "k2", "k3"] as const) keys[k] = await key(k, "VIEWER");
    keys.agent = await key("agent-key", "AGENT", agentA);
    t2 = (await s.ok(CreateTaskDocument, { input: { title: "low", complexity: 8, priority: 10 } })).createTask.id;
  });
  afterAll(() => s?.stop());

  it("names every bad field of a subscription at once; AGENT keys may not subscribe", async () => {
    const r = await s.gql(SubscribeNotificationsDocument, {
      input: {
        channel: "EMAIL",
        address: "not an address",
        events: [],
        filter: { agentId: "nope", taskId: randomUUID(), minPriority: 500 },
      },
    });
    expect(r.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    const paths = (r.errors?.[0]?.extensions?.fields as Array<{ path: string }>).map((f) => f.path).sort();
    expect(paths).toEqual(
      [
        "input.address",
        "input.events",
        "input.filter.agentId",
        "input.filter.minPriority",
        "input.filter.taskId",
      ].sort(),
    );
    const hook = await s.gql(SubscribeNotificationsDocument, {
      input: { channel: "WEBHOOK", address: "ftp://example.com/x", events: ["TASK_FAILED"] },
    });
    expect(hook.errors?.[0]?.extensions?.fields).toEqual([
      { path: "input.address", message: "must be an http or https URL" },
    ]);
    const inApp = await s.gql(SubscribeNotificationsDocument, {
      input: { channel: "IN_APP", address: "a@example.com", events: ["TASK_FAILED"] },
    });
    expect(inApp.errors?.[0]?.extensions?.fields).toEqual([
      { path: "input.address", message: "must be empty for IN_APP" },
    ]);
    const agent = await s.gql(
      SubscribeNotificationsDocument,
      { input: { channel: "IN_APP", events: ["TASK_FAILED"] } },
      keys.agent,
    );
    expect(agent.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
  });

  it("records IN_APP notifications for the matching subscriptions only", async () => {
    const sub = async (k: string | undefined, v: { input: SubscribeNotificationsInput }) =>
      (await s.ok(SubscribeNotificationsDocument, v, k)).subscribeNotifications;
    subs.k1 = (
      await sub(keys.k1, { input: { channel: "IN_APP", events: TASK_EVENTS, filter: { agentId: agentA } } })
    ).id;
    await sub(keys.k1, { input: { channel: "EMAIL", address: "k1@example.com", events: TASK_EVENTS } });
    subs.k2 = (
      await sub(keys.k2, {
        input: { channel: "IN_APP", events: ["TASK_COMPLETED", "TASK_FAILED"], filter: { minPriority: 50 } },
      })
    ).id;
    subs.k3 = (
      await sub(keys.k3, { input: { channel: "IN_APP", events: ["TASK_FAILED"], filter: { taskId: t2 } } })
    ).id;
    // The witness subscribes last: each happening reaches it after every other subscription.
    await sub(undefined, { input: { channel: "IN_APP", events: TASK_EVENTS } });
    witness = collect(s.ws(), NotificationAddedDocument, { afterSeq: 0 });

    t1 = (await s.ok(CreateTaskDocument, { input: { title: "high", complexity: 3, priority: 80 } })).createTask.id;
    await move(t1, "BUILD", "TEST", "REVIEW", "COMPLETE");
    await move(t2, "FAILED");
    await witness.waitFor(3);
    // A task's notifications keep its order; two tasks' may interleave.
    const seen = witness.items.map((i) => [i.notificationAdded.event, i.notificationAdded.taskId]);
    expect(seen.filter(([, t]) => t === t1)).toEqual([
      ["TASK_ASSIGNED", t1],
      ["TASK_COMPLETED", t1],
    ]);
    expect(seen.filter(([, t]) => t === t2)).toEqual([["TASK_FAILED", t2]]);

    const k1 = await listOf(keys.k1);
    expect(k1.map((n) => [n.seq, n.event, n.taskId, n.agentId])).toEqual([
      [2, "TASK_COMPLETED", t1, agentA],
      [1, "TASK_ASSIGNED", t1, agentA],
    ]);
    expect(k1[0]!.title).toBe('Task "high" is complete');
    expect((await listOf(keys.k2)).map((n) => [n.event, n.taskId])).toEqual([["TASK_COMPLETED", t1]]);
    expect((await listOf(keys.k3)).map((n) => [n.event, n.taskId])).toEqual([["TASK_FAILED", t2]]);
    expect(k1[1]!.data).toMatchObject({ taskId: t1, from: "PENDING", to: "DESIGN" });
    // The EMAIL subscription (no filter, made before the witness's) went to the channel.
    expect(delivered.map((d) => [d.channel, d.address, d.event, d.taskId]).sort()).toEqual([
      ["EMAIL", "k1@example.com", "TASK_ASSIGNED", t1],
      ["EMAIL", "k1@example.com", "TASK_COMPLETED", t1],
      ["EMAIL", "k1@example.com", "TASK_FAILED", t2],
    ]);
  });

  it("records a happening once however often the trigger sees it", async () => {
    const trigger = s.app.services.notificationTrigger;
    const before = (await listOf(keys.k1)).length;
    const again = await Promise.all([
      trigger.onTaskEvent(t1, 1),
      trigger.onTaskEvent(t1, 2),
      trigger.onTaskEvent(t1, 2),
    ]);
    const events = (await s.app.services.tasks.events(t1, 0, 100)).filter((e) => e.type === "STATUS_CHANGE");
    for (const e of events) await trigger.onTaskEvent(t1, e.seq);
    expect(again.every((n) => n === 0)).toBe(true);
    expect(await listOf(keys.k1)).toHaveLength(before);
    expect(delivered).toHaveLength(3);
  });

  it("counts unread notifications and marks them read by ids or all, for their owner only", async () => {
    const [newer, older] = await listOf(keys.k1);
    expect((await s.ok(UnreadNotificationCountDocument, {}, keys.k1)).unreadNotificationCount).toBe(2);
    // Another key's ids change nothing, and it never sees them.
    expect((await s.ok(MarkNotificationsReadDocument, { ids: [older!.id] }, keys.k2)).markNotificationsRead).toBe(0);
    expect((await listOf(keys.k2)).map((n) => n.id)).not.toContain(older!.id);
    expect((await s.ok(MarkNotificationsReadDocument, { ids: [older!.id] }, keys.k1)).markNotificationsRead).toBe(1);
    expect((await s.ok(MarkNotificationsReadDocument, { ids: [older!.id] }, keys.k1)).markNotificationsRead).toBe(0);
    expect((await s.ok(UnreadNotificationCountDocument, {}, keys.k1)).unreadNotificationCount).toBe(1);
    expect((await listOf(keys.k1, true)).map((n) => n.id)).toEqual([newer!.id]);
    expect((await s.ok(MarkNotificationsReadDocument, { all: true }, keys.k1)).markNotificationsRead).toBe(1);
    expect((await s.ok(UnreadNotificationCountDocument, {}, keys.k1)).unreadNotificationCount).toBe(0);
    expect((await listOf(keys.k1)).every((n) => n.readAt !== null)).toBe(true);
    // node(id) finds a notification for its owner only, a subscription for its owner or an ADMIN.
    expect((await s.ok(NotificationNodeDocument, { id: older!.id }, keys.k1)).node).toMatchObject({
      __typename: "Notification",
      seq: 1,
    });
    expect((await s.ok(NotificationNodeDocument, { id: older!.id }, keys.k2)).node).toBeNull();
    expect((await s.ok(NotificationNodeDocument, { id: older!.id })).node).toBeNull();
    expect((await s.ok(NotificationNodeDocument, { id: subs.k1! }, keys.k2)).node).toBeNull();
    expect((await s.ok(NotificationNodeDocument, { id: subs.k1! })).node).toMatchObject({ channel: "IN_APP" });
    const both = await s.gql(MarkNotificationsReadDocument, { ids: [older!.id], all: true }, keys.k1);
    expect(both.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
  });

  it("notificationAdded replays after afterSeq, then goes on live with no gap or duplicate", async () => {
    // k3 has seq 1 (T2 failed). Each PENDING → FAILED bounce of T2 is one more.
    const bounce = async (n: number) => {
      for (let i = 0; i < n; i++) await move(t2, "PENDING", "FAILED");
    };
    await bounce(4);
    const replayed = collect(s.ws(keys.k3), NotificationAddedDocument, { afterSeq: 0 });
    const fromTwo = collect(s.ws(keys.k3), NotificationAddedDocument, { afterSeq: 2 });
    const writer = bounce(10);
    const mid = collect(s.ws(keys.k3), NotificationAddedDocument, { afterSeq: 3 });
    await writer;
    await replayed.waitFor(15);
    await fromTwo.waitFor(13);
    await mid.waitFor(12);
    expect(seqs(replayed.items)).toEqual(range(1, 15));
    expect(seqs(fromTwo.items)).toEqual(range(3, 15));
    expect(seqs(mid.items)).toEqual(range(4, 15));
    expect(replayed.items.every((i) => i.notificationAdded.event === "TASK_FAILED")).toBe(true);
    // Another key's stream has none of them.
    const other = collect(s.ws(keys.k2), NotificationAddedDocument, { afterSeq: 0 });
    await other.waitFor(1);
    expect(other.items.map((i) => i.notificationAdded.taskId)).toEqual([t1]);
    for (const c of [replayed, fromTwo, mid, other]) c.stop();
  });

  it("lists a key's own subscriptions (ADMIN: everyone's); unsubscribing stops its notifications", async () => {
    const own = (await s.ok(NotificationSubscriptionsDocument, {}, keys.k1)).notificationSubscriptions;
    expect(own.totalCount).toBe(2);
    expect(own.edges.map((e) => e.node.channel).sort()).toEqual(["EMAIL", "IN_APP"]);
    expect(own.edges.find((e) => e.node.channel === "IN_APP")!.node.filter).toEqual({
      agentId: agentA,
      taskId: null,
      minPriority: null,
    });
    expect((await s.gql(NotificationSubscriptionsDocument, { all: true }, keys.k1)).errors?.[0]?.extensions?.code).toBe(
      "FORBIDDEN",
    );
    expect((await s.ok(NotificationSubscriptionsDocument, { all: true })).notificationSubscriptions.totalCount).toBe(5);
    // k2 may not remove k1's subscription (NOT_FOUND, as for none).
    expect(
      (await s.gql(UnsubscribeNotificationsDocument, { id: subs.k1! }, keys.k2)).errors?.[0]?.extensions?.code,
    ).toBe("NOT_FOUND");
    await s.ok(UnsubscribeNotificationsDocument, { id: subs.k2! }, keys.k2);
    const seen = witness.items.length;
    const t4 = (await s.ok(CreateTaskDocument, { input: { title: "later", complexity: 4, priority: 90 } })).createTask
      .id;
    await move(t4, "BUILD", "TEST", "REVIEW", "COMPLETE");
    await witness.waitFor(seen + 2);
    expect(witness.items.slice(seen).map((i) => [i.notificationAdded.event, i.notificationAdded.taskId])).toEqual([
      ["TASK_ASSIGNED", t4],
      ["TASK_COMPLETED", t4],
    ]);
    expect((await listOf(keys.k2)).map((n) => n.taskId)).toEqual([t1]);
    expect((await listOf(keys.k1)).slice(0, 2).map((n) => [n.event, n.taskId])).toEqual([
      ["TASK_COMPLETED", t4],
      ["TASK_ASSIGNED", t4],
    ]);
    witness.stop();
  });
});
