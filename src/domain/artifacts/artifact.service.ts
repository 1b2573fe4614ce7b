import { newId } from "../ids.js";
import { ArtifactRecord } from "../records.js";
import type { Deps } from "../shared/deps.js";
import type { ArtifactStore } from "./artifact.store.js";

export type NewArtifact = Omit<ArtifactRecord, "id" | "taskId">;

/** The files a task produced that the service recorded (`task { artifacts }`): PDF reports. */
export class ArtifactService {
  constructor(
    private readonly deps: Pick<Deps, "transact">,
    private readonly store: ArtifactStore,
  ) {}

  /** Records a file the task produced; a file at the same path made again replaces the earlier record. */
  async record(taskId: string, artifact: NewArtifact): Promise<ArtifactRecord> {
    const row = Object.assign(new ArtifactRecord(), { id: newId(), taskId, ...artifact });
    await this.deps.transact(async (tx) => {
      await this.store.deleteAtPath(tx, taskId, artifact.path);
      await this.store.insertIn(tx, row);
    });
    return row;
  }

  async ofTasks(taskIds: readonly string[]): Promise<Map<string, ArtifactRecord[]>> {
    const byTask = new Map<string, ArtifactRecord[]>();
    for (const row of await this.store.ofTasks(taskIds)) {
      const list = byTask.get(row.taskId) ?? [];
      list.push(row);
      byTask.set(row.taskId, list);
    }
    return byTask;
  }
}
