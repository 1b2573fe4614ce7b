import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CreateTaskDocument,
  NotificationAddedDocument,
  NotificationsDocument,
  SubscribeNotificationsDocument,
  UpdateTaskStatusDocument,
} from "../generated/graphql.js";
import { pgBaseUrl } from "../helpers/pg.js";
import { startServerPair, type ServerPair } from "../helpers/server-pair.js";
import { collect, type TestServer } from "../helpers/server.js";

describe.skipIf(!pgBaseUrl)("notifications across two processes on one PostgreSQL [postgres]", () => {
  let a: TestServer;
  let b: TestServer;
  let pair: ServerPair | undefined;

  beforeAll(async () => {
    pair = await startServerPair();
    ({ a, b } = pair);
  });
  afterAll(() => pair?.stop());

  it("both processes' triggers record each happening once; the other process streams them in order", async () => {
    await a.ok(SubscribeNotificationsDocument, { input: { channel: "IN_APP", events: ["TASK_FAILED"] } });
    const task = (await a.ok(CreateTaskDocument, { input: { title: "flaky", complexity: 3 } })).createTask.id;
    const live = collect(b.ws(), NotificationAddedDocument, { afterSeq: 0 });
    for (let i = 0; i < 10; i++) {
      await a.ok(UpdateTaskStatusDocument, { id: task, status: "FAILED" });
      await a.ok(UpdateTaskStatusDocument, { id: task, status: "PENDING" });
    }
    await live.waitFor(10);
    expect(live.items.map((i) => i.notificationAdded.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    // Both triggers again, at once, for every event of the task: nothing new.
    const seqs = Array.from({ length: 21 }, (_, i) => i + 1);
    const made = await Promise.all(
      seqs.flatMap((seq) => [a, b].map((s) => s.app.services.notificationTrigger.onTaskEvent(task, seq))),
    );
    expect(made.reduce((x, y) => x + y, 0)).toBe(0);
    const list = (await b.ok(NotificationsDocument, { first: 100 })).notifications;
    expect(list.totalCount).toBe(10);
    expect(new Set(list.edges.map((e) => (e.node.data as { eventSeq: number }).eventSeq)).size).toBe(10);
    live.stop();
  });
});
