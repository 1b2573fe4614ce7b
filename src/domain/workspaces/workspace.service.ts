import { WorkspaceEntity } from "../../infra/db/entities.js";
import { placeholders, sql } from "../../infra/db/reader.js";
import { isId } from "../ids.js";
import { inTransaction, type Deps } from "../shared/deps.js";

/** Workspace rows; the row is written on assignment by the assignment engine, the files by a job. */
export class WorkspaceService {
  constructor(private readonly deps: Deps) {}

  async get(id: string): Promise<WorkspaceEntity | null> {
    if (!isId(id)) return null;
    const [row] = await this.deps.db.read.select(WorkspaceEntity, sql("id = ?", [id]));
    return row ?? null;
  }

  async byTaskIds(taskIds: readonly string[]): Promise<Map<string, WorkspaceEntity>> {
    const valid = taskIds.filter(isId);
    if (valid.length === 0) return new Map();
    const rows = await this.deps.db.read.select(
      WorkspaceEntity,
      sql(`task_id in (${placeholders(valid.length)})`, valid),
    );
    return new Map(rows.map((w) => [w.taskId, w]));
  }

  /** Records the outcome of creating the files; false when the workspace moved on meanwhile (reassigned). */
  async markCreated(id: string, path: string, outcome: { ok: true } | { ok: false; error: string }): Promise<boolean> {
    return inTransaction(this.deps, async (em) => {
      const n = await em.nativeUpdate(
        WorkspaceEntity,
        { id, path, status: "CREATING" },
        {
          status: outcome.ok ? "READY" : "FAILED",
          error: outcome.ok ? null : outcome.error.slice(0, 4000),
          updatedAt: this.deps.now?.() ?? new Date(),
        },
      );
      return n > 0;
    });
  }

  /** Workspaces still CREATING after `olderThanMs` (their job was lost before it was queued). */
  async stuck(olderThanMs: number): Promise<WorkspaceEntity[]> {
    const cutoff = new Date((this.deps.now?.() ?? new Date()).getTime() - olderThanMs);
    const at = this.deps.db.dialect === "sqlite" ? cutoff.getTime() : cutoff;
    return this.deps.db.read.select(WorkspaceEntity, sql("status = 'CREATING' and updated_at < ?", [at]), {
      orderBy: "updated_at asc",
      limit: 100,
    });
  }
}
