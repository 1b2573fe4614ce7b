import type { Keyset } from "../../../src/domain/shared/pagination.js";
import { afterAll, beforeAll, expect, it } from "vitest";
import { newId } from "../../../src/domain/ids.js";
import { TaskMessageRecord } from "../../../src/domain/records.js";
import { activeStatuses } from "../../../src/domain/tasks/task-state.js";
import type { Database } from "../../../src/infra/db/orm.js";
import { SqlTaskStore } from "../../../src/infra/db/stores/task.store.js";
import { transactor } from "../../../src/infra/db/transactions.js";
import { MemoryPubSub } from "../../../src/infra/pubsub/memory.js";
import { describeProfiles } from "../../helpers/profiles.js";
import { fixtures, storeDatabase } from "../../helpers/store-db.js";

/** The first `n` in the default order (newest first), from the start. */
const newest = (n: number): Keyset => ({ olderThan: null, newerThan: null, newestFirst: true, limit: n });

const logger = { info() {}, warn() {}, error() {}, debug() {} };
const every = { statuses: [], agentId: null, onlyAgent: null };

describeProfiles("TaskStore", (profile) => {
  let db: Database;
  let close: () => Promise<void>;
  let store: SqlTaskStore;
  const transact = () => transactor({ db, pubsub: new MemoryPubSub(), logger });

  beforeAll(async () => {
    ({ db, close } = await storeDatabase(profile));
    store = new SqlTaskStore(db);
  });
  afterAll(() => close?.());

  it("inserts, locks, updates in a transaction and keeps nothing of one that fails", async () => {
    const agent = await fixtures.agent(db, { requiresApproval: true });
    const task = await fixtures.task(db);
    expect(await store.get(task.id)).toMatchObject({ id: task.id, status: "PENDING", title: "a task" });
    await transact()(async (tx) => {
      const locked = await store.lockedIn(tx, task.id);
      expect(locked?.id).toBe(task.id);
      await store.update(tx, task.id, { status: "DESIGN", assignedAgentId: agent.id, summary: "begun" });
      expect(await store.ownerIn(tx, task.id)).toMatchObject({ id: task.id, assignedAgentId: agent.id });
      expect(await store.existsIn(tx, task.id)).toBe(true);
      expect(await store.existsIn(tx, newId())).toBe(false);
      expect(await store.agentRequiresApproval(tx, agent.id)).toBe(true);
    });
    expect(await store.get(task.id)).toMatchObject({ status: "DESIGN", assignedAgentId: agent.id, summary: "begun" });

    await expect(
      transact()(async (tx) => {
        await store.update(tx, task.id, { status: "BUILD" });
        throw new Error("stop");
      }),
    ).rejects.toThrow("stop");
    expect((await store.get(task.id))?.status).toBe("DESIGN");
    expect(await store.get(newId())).toBeNull();
    expect(await store.eventSeq(task.id)).toBe(0);
  });

  it("pages newest first, filters by status and agent, counts, and finds what an agent holds", async () => {
    const a = await fixtures.agent(db);
    const b = await fixtures.agent(db);
    const mine = [
      await fixtures.task(db, { assignedAgentId: a.id, status: "BUILD" }),
      await fixtures.task(db, { assignedAgentId: a.id, status: "REVIEW" }),
      await fixtures.task(db, { assignedAgentId: a.id, status: "COMPLETE" }),
    ];
    const theirs = await fixtures.task(db, { assignedAgentId: b.id, status: "BUILD" });

    const page = await store.page(every, newest(2));
    expect(page.map((t) => t.id)).toEqual([theirs.id, mine[2]?.id]);
    const next = await store.page(every, { ...newest(100), olderThan: page[1]?.id ?? null });
    expect(next.map((t) => t.id)).toContain(mine[1]?.id);
    expect(next.map((t) => t.id)).not.toContain(theirs.id);
    const back = await store.page(every, { olderThan: null, newerThan: mine[0]!.id, newestFirst: false, limit: 2 });
    expect(back.map((t) => t.id)).toEqual([mine[1]?.id, mine[2]?.id]);

    const ofA = { statuses: ["BUILD" as const], agentId: a.id, onlyAgent: null };
    expect((await store.page(ofA, newest(100))).map((t) => t.id)).toEqual([mine[0]?.id]);
    expect(await store.count(ofA)).toBe(1);
    expect(await store.count({ statuses: [], agentId: null, onlyAgent: b.id })).toBe(1);
    // An AGENT key's scope and a filter on another agent: nothing holds both.
    expect(await store.count({ statuses: [], agentId: a.id, onlyAgent: b.id })).toBe(0);

    expect((await store.heldBy(a.id, activeStatuses, 100)).map((t) => t.id)).toEqual([mine[0]?.id, mine[1]?.id]);
    expect((await store.byIds([mine[0]?.id as string, theirs.id])).map((t) => t.id).sort()).toEqual(
      [mine[0]?.id, theirs.id].sort(),
    );
    expect(await store.byIds([])).toEqual([]);
  });

  it("keeps messages for the agent until they are delivered, oldest first", async () => {
    const task = await fixtures.task(db);
    const message = (text: string, deliveredAt: Date | null = null) =>
      Object.assign(new TaskMessageRecord(), {
        id: newId(),
        taskId: task.id,
        author: "operator",
        text,
        createdAt: new Date(),
        deliveredAt,
      });
    await transact()(async (tx) => {
      await store.insertMessage(tx, message("first"));
      await store.insertMessage(tx, message("seen", new Date()));
      await store.insertMessage(tx, message("second"));
    });
    expect((await store.pendingMessages(task.id)).map((m) => m.text)).toEqual(["first", "second"]);
  });
});
