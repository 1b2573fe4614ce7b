import { WorkspaceEntity } from "../../infra/db/entities.js";
import { placeholders, sql } from "../../infra/db/reader.js";
import { isId } from "../ids.js";
import type { Deps } from "../shared/deps.js";

/** Read side of workspaces; creation on assignment belongs to the assignment engine. */
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
}
