import type { WorkspaceRecord } from "../records.js";
import { isId } from "../ids.js";
import type { Deps } from "../shared/deps.js";
import { activeStatuses } from "../tasks/task-state.js";
import type { CreationOutcome, Placement, WorkspaceStore } from "./workspace.store.js";

/** Workspace rows; the row is written on assignment by the assignment engine, the files by a job. */
export class WorkspaceService {
  constructor(
    private readonly deps: Deps,
    private readonly store: WorkspaceStore,
  ) {}

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  get(id: string): Promise<WorkspaceRecord | null> {
    return isId(id) ? this.store.get(id) : Promise.resolve(null);
  }

  byTaskIds(taskIds: readonly string[]): Promise<Map<string, WorkspaceRecord>> {
    return this.store.byTaskIds(taskIds.filter(isId));
  }

  /**
   * Records the outcome of creating the files of the workspace placed at `path`, and where they
   * were made (`placed`, default: there, by no holder); false when the workspace moved on meanwhile (reassigned).
   */
  markCreated(id: string, path: string, outcome: CreationOutcome, placed?: Placement): Promise<boolean> {
    return this.deps.transact(async (tx, out) => {
      const where = placed ?? { path, holderId: null };
      const taskId = await this.store.markCreated(tx, id, path, outcome, this.now(), where);
      // Its task changed too: list views and agentAssignments learn that its workspace is ready.
      if (taskId !== null) out.push({ topic: "TASK_CHANGED", payload: { taskId } });
      return taskId !== null;
    });
  }

  /**
   * Tasks a builtin agent should be working on and that no run holds for sure: active, not
   * paused, not waiting for approval, with a READY workspace. Workers queue their runs (a run
   * already queued or running is kept by its singleton key), so no task is left at work with
   * no worker after a crash or a lost job.
   */
  idleBuiltinTasks(limit = 100): Promise<string[]> {
    return this.store.idleBuiltinTasks(activeStatuses, limit);
  }

  /** The active tasks `agentId` works on in a READY workspace (their READMEs name the agent). */
  activeTasksOf(agentId: string): Promise<string[]> {
    return this.store.activeTasksOf(agentId, activeStatuses);
  }

  /** Workspaces still CREATING after `olderThanMs` (their job was lost before it was queued). */
  stuck(olderThanMs: number): Promise<WorkspaceRecord[]> {
    return this.store.stuck(new Date(this.now().getTime() - olderThanMs), 100);
  }
}
