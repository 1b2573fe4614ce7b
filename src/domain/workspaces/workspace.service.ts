import { WorkspaceEntity } from "../../infra/db/entities.js";
import { isId } from "../ids.js";
import type { Deps } from "../shared/deps.js";

/** Read side of workspaces; creation on assignment belongs to the assignment engine. */
export class WorkspaceService {
  constructor(private readonly deps: Deps) {}

  async get(id: string): Promise<WorkspaceEntity | null> {
    if (!isId(id)) return null;
    return this.deps.db.fork().findOne(WorkspaceEntity, { id }, { disableIdentityMap: true });
  }

  async byTaskIds(taskIds: readonly string[]): Promise<Map<string, WorkspaceEntity>> {
    const rows = await this.deps.db
      .fork()
      .find(WorkspaceEntity, { taskId: { $in: taskIds.filter(isId) } }, { disableIdentityMap: true });
    return new Map(rows.map((w) => [w.taskId, w]));
  }
}
