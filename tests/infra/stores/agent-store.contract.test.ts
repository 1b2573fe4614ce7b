import type { Keyset } from "../../../src/domain/shared/pagination.js";
import { afterAll, beforeAll, expect, it } from "vitest";
import { newAgentRow } from "../../../src/domain/agents/agent.service.js";
import { activeStatuses } from "../../../src/domain/tasks/task-state.js";
import type { Database } from "../../../src/infra/db/orm.js";
import { SqlAgentStore } from "../../../src/infra/db/stores/agent.store.js";
import { transactor } from "../../../src/infra/db/transactions.js";
import { MemoryPubSub } from "../../../src/infra/pubsub/memory.js";
import { describeProfiles } from "../../helpers/profiles.js";
import { fixtures, storeDatabase } from "../../helpers/store-db.js";

/** The first `n` in the default order (newest first), from the start. */
const newest = (n: number): Keyset => ({ olderThan: null, newerThan: null, newestFirst: true, limit: n });

const logger = { info() {}, warn() {}, error() {}, debug() {} };

describeProfiles("AgentStore", (profile) => {
  let db: Database;
  let close: () => Promise<void>;
  let store: SqlAgentStore;
  const transact = () => transactor({ db, pubsub: new MemoryPubSub(), logger });
  const row = (name: string) =>
    newAgentRow({ name, kind: "EXTERNAL", minComplexity: 1, maxComplexity: 10, maxConcurrentTasks: 1 }, new Date());

  beforeAll(async () => {
    ({ db, close } = await storeDatabase(profile));
    store = new SqlAgentStore(db);
  });
  afterAll(() => close?.());

  it("inserts and updates, and turns a name clash into CONFLICT on name, leaving nothing half done", async () => {
    const a = row("alpha");
    await transact()((tx) => store.insert(tx, a));
    await expect(transact()((tx) => store.insert(tx, row("alpha")))).rejects.toMatchObject({
      code: "CONFLICT",
      details: { field: "name" },
    });
    const b = row("beta");
    await transact()((tx) => store.insert(tx, b));
    await expect(transact()((tx) => store.update(tx, b.id, { name: "alpha" }))).rejects.toMatchObject({
      code: "CONFLICT",
    });
    expect((await store.get(b.id))?.name).toBe("beta");
    await transact()(async (tx) => {
      const inTx = await store.getIn(tx, b.id);
      expect(inTx?.name).toBe("beta");
      await store.update(tx, b.id, { name: "gamma", status: "PAUSED" });
    });
    expect(await store.get(b.id)).toMatchObject({ name: "gamma", status: "PAUSED" });
    expect((await store.byIds([a.id, b.id])).map((x) => x.id).sort()).toEqual([a.id, b.id].sort());
  });

  it("pages newest first by status, counts, and finds each agent's tasks at work", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = row(`page-${i}`);
      await transact()((tx) => store.insert(tx, r));
      ids.push(r.id);
    }
    const all = await store.page([], newest(100));
    expect(all.map((a) => a.id).slice(0, 3)).toEqual([...ids].reverse());
    const after = await store.page([], { ...newest(100), olderThan: ids[2] as string });
    expect(after.map((a) => a.id)).not.toContain(ids[2]);
    expect(after.map((a) => a.id)).toContain(ids[1]);
    // Backward: oldest first from just after a bound, between two bounds.
    const back = await store.page([], { olderThan: null, newerThan: ids[0] as string, newestFirst: false, limit: 100 });
    expect(back.map((a) => a.id)).toEqual([ids[1], ids[2]]);
    const between = await store.page([], { ...newest(100), olderThan: ids[2] as string, newerThan: ids[0] as string });
    expect(between.map((a) => a.id)).toEqual([ids[1]]);
    expect((await store.page(["PAUSED"], newest(100))).every((a) => a.status === "PAUSED")).toBe(true);
    expect(await store.count(["PAUSED"])).toBe(1);
    const working = await fixtures.task(db, { assignedAgentId: ids[0], status: "BUILD" });
    await fixtures.task(db, { assignedAgentId: ids[0], status: "COMPLETE" });
    expect((await store.tasksOf([ids[0] as string, ids[1] as string], activeStatuses)).map((t) => t.id)).toEqual([
      working.id,
    ]);
  });
});
