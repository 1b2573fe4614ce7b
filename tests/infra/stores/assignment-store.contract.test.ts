import { afterAll, beforeAll, expect, it } from "vitest";
import { newId } from "../../../src/domain/ids.js";
import { activeStatuses } from "../../../src/domain/tasks/task-state.js";
import type { Database } from "../../../src/infra/db/orm.js";
import { SqlAssignmentStore } from "../../../src/infra/db/stores/assignment.store.js";
import { transactor } from "../../../src/infra/db/transactions.js";
import { MemoryPubSub } from "../../../src/infra/pubsub/memory.js";
import { describeProfiles } from "../../helpers/profiles.js";
import { fixtures, storeDatabase } from "../../helpers/store-db.js";

const logger = { info() {}, warn() {}, error() {}, debug() {} };

describeProfiles("AssignmentStore", (profile) => {
  let db: Database;
  let close: () => Promise<void>;
  let store: SqlAssignmentStore;
  const transact = () => transactor({ db, pubsub: new MemoryPubSub(), logger });
  const now = new Date();

  beforeAll(async () => {
    ({ db, close } = await storeDatabase(profile));
    store = new SqlAssignmentStore(db);
  });
  afterAll(() => close?.());

  it("never gives out more slots than an agent has, with 20 claims at once", async () => {
    const agent = await fixtures.agent(db, { maxConcurrentTasks: 3, minComplexity: 42, maxComplexity: 42 });
    const claims = await Promise.all(
      Array.from({ length: 20 }, () => transact()((tx) => store.claimAgentFor(tx, 42, now))),
    );
    // On PostgreSQL a claim skips an agent row another claim has locked (SKIP LOCKED: it does not
    // wait) and gets nothing, so how many of the 20 win depends on how they interleave: at least
    // one, never more than the 3 slots. Claims one after another then take what is left.
    const won = claims.filter((c) => c !== null);
    expect(won.length).toBeGreaterThanOrEqual(1);
    expect(won.length).toBeLessThanOrEqual(3);
    expect(won[0]).toMatchObject({ id: agent.id, minComplexity: 42, maxComplexity: 42 });
    for (let left = 3 - won.length; left > 0; left--) {
      expect(await transact()((tx) => store.claimAgentFor(tx, 42, now))).toMatchObject({ id: agent.id });
    }
    expect(await transact()((tx) => store.claimAgentFor(tx, 42, now))).toBeNull();
    const [row] = await db
      .fork()
      .execute<Array<{ active_tasks: number; status: string }>>("select active_tasks, status from agent where id = ?", [
        agent.id,
      ]);
    expect(row).toMatchObject({ active_tasks: 3, status: "BUSY" });
    await transact()((tx) => store.releaseAgent(tx, agent.id, now));
    expect(await transact()((tx) => store.claimAgent(tx, agent.id, 42, now))).toMatchObject({ id: agent.id });
    expect(await transact()((tx) => store.claimAgent(tx, agent.id, null, now))).toBeNull();
  });

  it("gives one pending task to one claimer only, highest priority first, then oldest", async () => {
    const agent = await fixtures.agent(db, { minComplexity: 43, maxComplexity: 43 });
    const low = await fixtures.task(db, { complexity: 43, priority: 1 });
    const high = await fixtures.task(db, { complexity: 43, priority: 99 });
    const highLater = await fixtures.task(db, { complexity: 43, priority: 99 });
    const claims = await Promise.all(
      Array.from({ length: 10 }, () => transact()((tx) => store.claimPendingTask(tx, agent.id, 43, 43, now))),
    );
    const taken = claims.filter((c) => c !== null).map((c) => c?.id);
    expect(taken.sort()).toEqual([low.id, high.id, highLater.id].sort());
    const first = await transact()(async (tx) => store.tasksOf(tx, agent.id, activeStatuses));
    expect(first.map((t) => t.id)).toEqual([low.id, high.id, highLater.id]);
    // Back in the queue: taken again by a claim, highest priority first, then oldest.
    await transact()(async (tx) => {
      for (const t of [low, high, highLater]) await store.requeueTask(tx, t.id, now);
    });
    expect(await store.anyPending()).toBe(true);
    const order = [];
    for (let i = 0; i < 3; i++)
      order.push((await transact()((tx) => store.claimPendingTask(tx, agent.id, 43, 43, now)))?.id);
    expect(order).toEqual([high.id, highLater.id, low.id]);
    expect(await transact()((tx) => store.takeTask(tx, low.id, agent.id, now))).toBe(false);
  });

  it("moves a task's workspace to its new agent, and finds silent agents and agents with room", async () => {
    const a = await fixtures.agent(db);
    const b = await fixtures.agent(db);
    const task = await fixtures.task(db);
    const first = await transact()((tx) => store.placeWorkspace(tx, task.id, a.id, `/w/${a.id}`, now));
    const again = await transact()((tx) => store.placeWorkspace(tx, task.id, b.id, `/w/${b.id}`, now));
    expect(again).toBe(first);
    const [ws] = await db
      .fork()
      .execute<Array<{ agent_id: string; path: string; status: string }>>(
        "select agent_id, path, status from workspace where task_id = ?",
        [task.id],
      );
    expect(ws).toMatchObject({ agent_id: b.id, path: `/w/${b.id}`, status: "CREATING" });

    const later = new Date(Date.now() + 60_000);
    expect(await store.silentAgents(later)).toEqual(expect.arrayContaining([a.id, b.id]));
    expect(await transact()((tx) => store.markOffline(tx, a.id, later, later))).toBe(a.name);
    expect(await transact()((tx) => store.markOffline(tx, a.id, later, later))).toBeNull();
    expect(await store.silentAgents(later)).not.toContain(a.id);
    expect(await store.agentsWithRoom()).toContain(b.id);
    expect(await store.agentsWithRoom()).not.toContain(a.id);
    expect((await transact()((tx) => store.agentIn(tx, a.id, true)))?.status).toBe("OFFLINE");
    expect(await transact()((tx) => store.lockTask(tx, newId()))).toBeNull();
    expect(await transact()((tx) => store.pendingComplexity(tx, task.id))).toBe(3);
  });
});
