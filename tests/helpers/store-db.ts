import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { newId } from "../../src/domain/ids.js";
import { AgentRecord, TaskRecord, WorkspaceRecord } from "../../src/domain/records.js";
import type { TaskStatus } from "../../src/domain/terms.js";
import { openDatabase, type Database } from "../../src/infra/db/orm.js";
import { createTestDatabase } from "./pg.js";
import type { ProfileName } from "./profiles.js";

/** A migrated, empty database of the profile, for a store's conformance suite; close() removes it. */
export async function storeDatabase(profile: ProfileName): Promise<{ db: Database; close(): Promise<void> }> {
  if (profile === "postgres") {
    const pg = await createTestDatabase();
    const db = await openDatabase({ url: pg.url, dataDir: "" });
    await db.migrate();
    return {
      db,
      async close() {
        await db.close();
        await pg.drop();
      },
    };
  }
  const dir = mkdtempSync(join(tmpdir(), "store-"));
  const db = await openDatabase({ url: undefined, dataDir: dir });
  await db.migrate();
  return {
    db,
    async close() {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const now = () => new Date();

/** Rows for store tests, written straight through the ORM. */
export const fixtures = {
  async agent(db: Database, o: Partial<AgentRecord> = {}): Promise<AgentRecord> {
    const row: AgentRecord = Object.assign(new AgentRecord(), {
      id: newId(),
      name: `agent-${Math.random().toString(36).slice(2)}`,
      status: "AVAILABLE",
      kind: "BUILTIN",
      minComplexity: 1,
      maxComplexity: 10,
      maxConcurrentTasks: 5,
      activeTasks: 0,
      lastActiveAt: null,
      lastHeartbeatAt: null,
      toolPolicy: null,
      model: null,
      instructions: null,
      tools: null,
      requiresApproval: false,
      createdAt: now(),
      updatedAt: now(),
      ...o,
    });
    await db.fork().insert(AgentRecord, row);
    return row;
  },
  async task(db: Database, o: Partial<TaskRecord> & { status?: TaskStatus } = {}): Promise<TaskRecord> {
    const row: TaskRecord = Object.assign(new TaskRecord(), {
      id: newId(),
      title: "a task",
      description: "",
      complexity: 3,
      priority: 50,
      status: "PENDING",
      assignedAgentId: null,
      assignedAt: null,
      parentId: null,
      eventSeq: 0,
      toolPolicy: null,
      maxCostUsd: null,
      maxTokens: null,
      model: null,
      requiresApproval: null,
      pausedAt: null,
      pauseReason: null,
      approvalRequestedAt: null,
      summary: null,
      stoppedIn: null,
      createdAt: now(),
      updatedAt: now(),
      ...o,
    });
    await db.fork().insert(TaskRecord, row);
    return row;
  },
  async workspace(
    db: Database,
    o: Partial<WorkspaceRecord> & { taskId: string; agentId: string },
  ): Promise<WorkspaceRecord> {
    const row: WorkspaceRecord = Object.assign(new WorkspaceRecord(), {
      id: newId(),
      path: `/ws/${o.agentId}/tasks/${o.taskId}`,
      status: "CREATING",
      error: null,
      holderId: null,
      createdAt: now(),
      updatedAt: now(),
      ...o,
    });
    await db.fork().insert(WorkspaceRecord, row);
    return row;
  },
};
