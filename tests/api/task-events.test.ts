import { afterAll, beforeAll, expect, it } from "vitest";
import { WebSocket } from "ws";
import {
  CancelTaskDocument,
  CreateAgentDocument,
  CreateTaskDocument,
  TaskChangedWithAgentDocument,
  UpdateAgentDocument,
  UpdateTaskDocument,
  TaskDocument,
  TaskEventsDocument,
  UpdateTaskStatusDocument,
  type TaskEventsSubscription,
} from "../generated/graphql.js";
import { describeProfiles } from "../helpers/profiles.js";
import { collect, startTestServer, type TestServer } from "../helpers/server.js";

const seqs = (items: TaskEventsSubscription[]) => items.map((i) => i.taskEvents.seq);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describeProfiles("taskEvents", (profile) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer(profile);
  });
  afterAll(() => s?.stop());

  async function newTask(title = "t") {
    return (await s.ok(CreateTaskDocument, { input: { title, complexity: 3 } })).createTask;
  }

  /** Appends `n` events by bouncing the task between FAILED and PENDING (no agent takes complexity 3). */
  async function writeEvents(taskId: string, n: number, start: "PENDING" | "FAILED" = "PENDING") {
    let status = start;
    for (let i = 0; i < n; i++) {
      status = status === "PENDING" ? "FAILED" : "PENDING";
      await s.ok(UpdateTaskStatusDocument, { id: taskId, status, note: `step ${i}` });
    }
  }

  it("numbers events 1, 2, 3 … per task and lists them after afterSeq", async () => {
    const a = await newTask("a");
    const b = await newTask("b");
    await writeEvents(a.id, 3);
    await writeEvents(b.id, 1);
    const ta = (await s.ok(TaskDocument, { id: a.id })).task!;
    expect(ta.events.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    expect(ta.lastEventSeq).toBe(4);
    expect(ta.events[1]).toMatchObject({
      type: "STATUS_CHANGE",
      data: { from: "PENDING", to: "FAILED", note: "step 0" },
    });
    const after2 = (await s.ok(TaskDocument, { id: a.id, afterSeq: 2, first: 1 })).task!;
    expect(after2.events.map((e) => e.seq)).toEqual([3]);
    const tb = (await s.ok(TaskDocument, { id: b.id })).task!;
    expect(tb.events.map((e) => e.seq)).toEqual([1, 2]);
  });

  it("replays after afterSeq, then continues live, with no gap or duplicate under concurrent writes", async () => {
    const task = await newTask("replay");
    await writeEvents(task.id, 20);
    // 21 events stored. Subscribe from 5 while another writer keeps appending.
    const client = s.ws();
    const writer = writeEvents(task.id, 40, "PENDING");
    const sub = collect(client, TaskEventsDocument, { taskId: task.id, afterSeq: 5 });
    const late = collect(s.ws(), TaskEventsDocument, { taskId: task.id, afterSeq: 0 });
    await writer;
    const last = (await s.ok(TaskDocument, { id: task.id, first: 0 })).task!.lastEventSeq;
    expect(last).toBe(61);
    await sub.waitFor(last - 5);
    await late.waitFor(last);
    expect(seqs(sub.items)).toEqual(range(6, last));
    expect(seqs(late.items)).toEqual(range(1, last));
    // nothing extra arrives afterwards
    await new Promise((r) => setTimeout(r, 100));
    expect(sub.items).toHaveLength(last - 5);
    sub.stop();
    late.stop();
  });

  it("two subscribers to one task see the same sequence", async () => {
    const task = await newTask("two");
    const one = collect(s.ws(), TaskEventsDocument, { taskId: task.id });
    const two = collect(s.ws(), TaskEventsDocument, { taskId: task.id });
    await Promise.all([one.waitFor(1), two.waitFor(1)]);
    await Promise.all([writeEvents(task.id, 10), writeEvents(task.id, 0)]);
    await Promise.all([one.waitFor(11), two.waitFor(11)]);
    expect(one.items.map((i) => i.taskEvents.id)).toEqual(two.items.map((i) => i.taskEvents.id));
    expect(seqs(one.items)).toEqual(range(1, 11));
    one.stop();
    two.stop();
  });

  it("concurrent writers of one task get consecutive seqs", async () => {
    const task = await newTask("concurrent");
    const sub = collect(s.ws(), TaskEventsDocument, { taskId: task.id });
    // Many status changes at once: some are illegal after others win, but every one that
    // commits writes exactly one event with the next seq.
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        s.gql(UpdateTaskStatusDocument, { id: task.id, status: i % 2 === 0 ? "FAILED" : "PENDING" }),
      ),
    );
    const okCount = results.filter((r) => !r.errors).length;
    const failed = results.filter((r) => r.errors);
    for (const f of failed) expect(f.errors?.[0]?.extensions?.code).toMatch(/INVALID_TRANSITION|CONFLICT/);
    const last = (await s.ok(TaskDocument, { id: task.id, first: 0 })).task!.lastEventSeq;
    expect(last).toBe(1 + okCount);
    await sub.waitFor(last);
    expect(seqs(sub.items)).toEqual(range(1, last));
    sub.stop();
  });

  it("answers each live event with rows read for it: a renamed agent shows its new name", async () => {
    const agent = (await s.ok(CreateAgentDocument, { input: { name: "old-name", minComplexity: 9, maxComplexity: 9 } }))
      .createAgent;
    const task = (await s.ok(CreateTaskDocument, { input: { title: "watched", complexity: 9 } })).createTask;
    const live = collect(s.ws(), TaskChangedWithAgentDocument, { filter: { taskId: task.id } });
    const titled = async (title: string) => {
      for (let n = 1; ; n++) {
        const items = await live.waitFor(n);
        const hit = items.find((i) => i.taskChanged.title === title);
        if (hit) return hit.taskChanged.assignedAgent?.name;
      }
    };
    await new Promise((r) => setTimeout(r, 200)); // subscribed
    await s.ok(UpdateTaskDocument, { id: task.id, input: { title: "watched 1" } });
    expect(await titled("watched 1")).toBe("old-name");
    await s.ok(UpdateAgentDocument, { id: agent.id, input: { name: "new-name" } });
    await s.ok(UpdateTaskDocument, { id: task.id, input: { title: "watched 2" } });
    expect(await titled("watched 2")).toBe("new-name");
    live.stop();
  });

  it("completes after the event moving the task into a final status (CANCELLED, COMPLETE), not at FAILED", async () => {
    const task = await newTask("ends");
    const sub = collect(s.ws(), TaskEventsDocument, { taskId: task.id });
    await writeEvents(task.id, 2); // FAILED, then PENDING again: FAILED is no end
    await sub.waitFor(3);
    expect(sub.completed).toBe(false);
    await s.ok(CancelTaskDocument, { id: task.id });
    await sub.ended;
    expect(sub.completed).toBe(true);
    expect(seqs(sub.items)).toEqual([1, 2, 3, 4]);
    expect(sub.items.at(-1)?.taskEvents).toMatchObject({ type: "STATUS_CHANGE", data: { to: "CANCELLED" } });

    // Subscribed once the task is final: its stored events, then complete (also with nothing left).
    const late = collect(s.ws(), TaskEventsDocument, { taskId: task.id, afterSeq: 2 });
    await late.ended;
    expect({ completed: late.completed, seqs: seqs(late.items) }).toEqual({ completed: true, seqs: [3, 4] });
    const none = collect(s.ws(), TaskEventsDocument, { taskId: task.id, afterSeq: 4 });
    await none.ended;
    expect({ completed: none.completed, items: none.items.length, errors: none.errors }).toEqual({
      completed: true,
      items: 0,
      errors: [],
    });
  });

  it("resumes after a dropped connection with graphql-ws's retry, without a duplicate or a gap", async () => {
    const task = await newTask("reconnect");
    const sockets: WebSocket[] = [];
    const client = s.ws(s.adminKey, {
      retryAttempts: 5,
      retryWait: () => Promise.resolve(),
      shouldRetry: () => true,
      on: { connected: (socket) => sockets.push(socket as WebSocket) },
    });
    // The documented pattern: the payload's afterSeq follows the last seq received…
    const resuming = collect(client, TaskEventsDocument, { taskId: task.id, afterSeq: 0 }, (e) => e.taskEvents.seq);
    // …and what a client that does not do it receives.
    const naive = collect(client, TaskEventsDocument, { taskId: task.id, afterSeq: 0 });
    await writeEvents(task.id, 4);
    await resuming.waitFor(5);
    await naive.waitFor(5);

    sockets[0]!.terminate(); // the connection drops mid-stream, as a network failure would
    await writeEvents(task.id, 4);
    await s.ok(CancelTaskDocument, { id: task.id });
    await resuming.ended;
    expect(sockets.length).toBeGreaterThanOrEqual(2);
    expect({ completed: resuming.completed, seqs: seqs(resuming.items) }).toEqual({
      completed: true,
      seqs: range(1, 10),
    });
    await naive.ended;
    expect(seqs(naive.items).slice(0, 10)).toEqual([1, 2, 3, 4, 5, 1, 2, 3, 4, 5]);
  });

  it("rejects a subscription to an unknown task with NOT_FOUND", async () => {
    const sub = collect(s.ws(), TaskEventsDocument, { taskId: "01a211fa-0000-7000-8000-000000000000" });
    await sub.ended;
    expect(JSON.stringify(sub.errors)).toContain("NOT_FOUND");
  });

  it("shares a read of a changed task only until its next change notification", async () => {
    const task = await newTask("before");
    const tasks = s.app.services.tasks;
    const heard = new Promise<void>((resolve) => {
      const off = s.app.pubsub.subscribe("TASK_CHANGED", ({ taskId }) => {
        if (taskId !== task.id) return;
        off();
        resolve();
      });
    });
    const first = tasks.getShared(task.id);
    expect(tasks.getShared(task.id), "overlapping reads share one query").toBe(first);
    // A notification says the task changed after that read may have started: readers after it
    // start anew. (In-process bus: `first` is still reading here; on PostgreSQL the notification
    // comes back through the listening connection, and `first` may be done by then.)
    await s.app.pubsub.publish([{ topic: "TASK_CHANGED", payload: { taskId: task.id } }]);
    await heard;
    const next = tasks.getShared(task.id);
    expect(next).not.toBe(first);
    expect((await next)?.id).toBe(task.id);
    await first;
  });
});
