import { WorkspaceRecord } from "../records.js";
import { placeholders, sql } from "../../infra/db/reader.js";
import { isId } from "../ids.js";
import { inTransaction, type Deps } from "../shared/deps.js";
import { activeStatuses } from "../tasks/task-state.js";

/** Workspace rows; the row is written on assignment by the assignment engine, the files by a job. */
export class WorkspaceService {
  constructor(private readonly deps: Deps) {}

  async get(id: string): Promise<WorkspaceRecord | null> {
    if (!isId(id)) return null;
    const [row] = await this.deps.db.read.select(WorkspaceRecord, sql("id = ?", [id]));
    return row ?? null;
  }

  async byTaskIds(taskIds: readonly string[]): Promise<Map<string, WorkspaceRecord>> {
    const valid = taskIds.filter(isId);
    if (valid.length === 0) return new Map();
    const rows = await this.deps.db.read.select(
      WorkspaceRecord,
      sql(`task_id in (${placeholders(valid.length)})`, valid),
    );
    return new Map(rows.map((w) => [w.taskId, w]));
  }

  /** Records the outcome of creating the files; false when the workspace moved on meanwhile (reassigned). */
  async markCreated(id: string, path: string, outcome: { ok: true } | { ok: false; error: string }): Promise<boolean> {
    return inTransaction(this.deps, async (em, out) => {
      const n = await em.nativeUpdate(
        WorkspaceRecord,
        { id, path, status: "CREATING" },
        {
          status: outcome.ok ? "READY" : "FAILED",
          error: outcome.ok ? null : outcome.error.slice(0, 4000),
          updatedAt: this.deps.now?.() ?? new Date(),
        },
      );
      // Its task changed too: list views and agentAssignments learn that its workspace is ready.
      if (n > 0) out.push({ topic: "TASK_CHANGED", payload: { taskId: await this.taskOf(em, id) } });
      return n > 0;
    });
  }

  private async taskOf(em: Parameters<Parameters<typeof inTransaction>[1]>[0], id: string): Promise<string> {
    const row = await em.findOneOrFail(WorkspaceRecord, { id }, { fields: ["taskId"] });
    return row.taskId;
  }

  /**
   * Tasks a builtin agent should be working on and that no run holds for sure: active, not
   * paused, not waiting for approval, with a READY workspace. Workers queue their runs (a run
   * already queued or running is kept by its singleton key), so no task is left at work with
   * no worker after a crash or a lost job.
   */
  async idleBuiltinTasks(limit = 100): Promise<string[]> {
    const rows = await this.deps.db.fork().execute<Array<{ id: string }>>(
      `select t.id from task t
         join agent a on a.id = t.assigned_agent_id
         join workspace w on w.task_id = t.id
         where t.status in ('DESIGN', 'BUILD', 'TEST', 'REVIEW') and t.paused_at is null
           and t.approval_requested_at is null and a.kind = 'BUILTIN' and w.status = 'READY'
         order by t.id limit ?`,
      [limit],
      "all",
    );
    return rows.map((r) => r.id);
  }

  /** The active tasks `agentId` works on in a READY workspace (their READMEs name the agent). */
  async activeTasksOf(agentId: string): Promise<string[]> {
    const rows = await this.deps.db.fork().execute<Array<{ id: string }>>(
      `select t.id from task t
         join workspace w on w.task_id = t.id and w.agent_id = t.assigned_agent_id
         where t.assigned_agent_id = ? and t.status in (${placeholders(activeStatuses.length)})
           and w.status = 'READY'
         order by t.id`,
      [agentId, ...activeStatuses],
      "all",
    );
    return rows.map((r) => r.id);
  }

  /** Workspaces still CREATING after `olderThanMs` (their job was lost before it was queued). */
  async stuck(olderThanMs: number): Promise<WorkspaceRecord[]> {
    const cutoff = new Date((this.deps.now?.() ?? new Date()).getTime() - olderThanMs);
    const at = this.deps.db.dialect === "sqlite" ? cutoff.getTime() : cutoff;
    return this.deps.db.read.select(WorkspaceRecord, sql("status = 'CREATING' and updated_at < ?", [at]), {
      orderBy: "updated_at asc",
      limit: 100,
    });
  }
}
