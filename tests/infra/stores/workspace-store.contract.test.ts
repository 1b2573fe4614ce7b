import { afterAll, beforeAll, expect, it } from "vitest";
import { activeStatuses } from "../../../src/domain/tasks/task-state.js";
import type { Database } from "../../../src/infra/db/orm.js";
import { SqlWorkspaceStore } from "../../../src/infra/db/stores/workspace.store.js";
import { transactor } from "../../../src/infra/db/transactions.js";
import { MemoryPubSub } from "../../../src/infra/pubsub/memory.js";
import { describeProfiles } from "../../helpers/profiles.js";
import { fixtures, storeDatabase } from "../../helpers/store-db.js";

const logger = { info() {}, warn() {}, error() {}, debug() {} };

describeProfiles("WorkspaceStore", (profile) => {
  let db: Database;
  let close: () => Promise<void>;
  let store: SqlWorkspaceStore;

  beforeAll(async () => {
    ({ db, close } = await storeDatabase(profile));
    store = new SqlWorkspaceStore(db);
  });
  afterAll(() => close?.());

  const transact = () => transactor({ db, pubsub: new MemoryPubSub(), logger });

  it("reads a workspace by id and by task ids", async () => {
    const agent = await fixtures.agent(db);
    const task = await fixtures.task(db, { assignedAgentId: agent.id, status: "DESIGN" });
    const ws = await fixtures.workspace(db, { taskId: task.id, agentId: agent.id });
    expect((await store.get(ws.id))?.path).toBe(ws.path);
    expect(await store.get("01a249b9-0000-7000-8000-000000000000")).toBeNull();
    const byTask = await store.byTaskIds([task.id, "01a249b9-0000-7000-8000-000000000001"]);
    expect([...byTask.keys()]).toEqual([task.id]);
    expect(await store.byTaskIds([])).toEqual(new Map());
  });

  it("records a creation's outcome once, only at the path and while CREATING", async () => {
    const agent = await fixtures.agent(db);
    const task = await fixtures.task(db, { assignedAgentId: agent.id, status: "DESIGN" });
    const ws = await fixtures.workspace(db, { taskId: task.id, agentId: agent.id });
    const at = new Date();
    const placed = { path: ws.path, holderId: null };
    expect(await transact()((tx) => store.markCreated(tx, ws.id, "/elsewhere", { ok: true }, at, placed))).toBeNull();
    expect(await transact()((tx) => store.markCreated(tx, ws.id, ws.path, { ok: true }, at, placed))).toBe(task.id);
    expect(await transact()((tx) => store.markCreated(tx, ws.id, ws.path, { ok: true }, at, placed))).toBeNull();
    expect((await store.get(ws.id))?.status).toBe("READY");
    const failed = await fixtures.workspace(db, {
      taskId: (await fixtures.task(db)).id,
      agentId: agent.id,
    });
    await transact()((tx) =>
      store.markCreated(tx, failed.id, failed.path, { ok: false, error: "x".repeat(5000) }, at, {
        path: "/made/here",
        holderId: "holder-1",
      }),
    );
    const row = await store.get(failed.id);
    expect(row?.status).toBe("FAILED");
    expect(row?.error?.length).toBe(4000);
    expect([row?.path, row?.holderId]).toEqual(["/made/here", "holder-1"]);
  });

  it("finds builtin tasks at work with a READY workspace, the active tasks of an agent, and stuck creations", async () => {
    const builtin = await fixtures.agent(db, { kind: "BUILTIN" });
    const external = await fixtures.agent(db, { kind: "EXTERNAL" });
    const working = await fixtures.task(db, { assignedAgentId: builtin.id, status: "BUILD" });
    const paused = await fixtures.task(db, { assignedAgentId: builtin.id, status: "BUILD", pausedAt: new Date() });
    const done = await fixtures.task(db, { assignedAgentId: builtin.id, status: "COMPLETE" });
    const theirs = await fixtures.task(db, { assignedAgentId: external.id, status: "TEST" });
    for (const t of [working, paused, done]) {
      await fixtures.workspace(db, { taskId: t.id, agentId: builtin.id, status: "READY" });
    }
    await fixtures.workspace(db, { taskId: theirs.id, agentId: external.id, status: "READY" });
    const idle = await store.idleBuiltinTasks(activeStatuses, 100);
    expect(idle).toContain(working.id);
    expect(idle).not.toContain(paused.id);
    expect(idle).not.toContain(done.id);
    expect(idle).not.toContain(theirs.id);
    expect(await store.activeTasksOf(builtin.id, activeStatuses)).toEqual([paused.id, working.id].sort());
    expect(await store.activeTasksOf(external.id, activeStatuses)).toEqual([theirs.id]);

    const old = await fixtures.workspace(db, {
      taskId: (await fixtures.task(db)).id,
      agentId: builtin.id,
      updatedAt: new Date(Date.now() - 120_000),
    });
    const stuck = await store.stuck(new Date(Date.now() - 60_000), 100);
    expect(stuck.map((w) => w.id)).toContain(old.id);
    expect(stuck.every((w) => w.status === "CREATING")).toBe(true);
    expect(await store.stuck(new Date(0), 100)).toEqual([]);
  });
});
