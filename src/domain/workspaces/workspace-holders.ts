import type { WorkspaceRecord } from "../records.js";
import type { Deps } from "../shared/deps.js";
import type { TransactionHandle } from "../shared/transaction.js";
import { appendEvent } from "../tasks/task-events.js";
import type { WorkspaceStatus } from "../terms.js";

/** How often a holder writes its heartbeat, at most (it beats a sixth of the lost threshold). */
export const HOLDER_HEARTBEAT_MAX_MS = 5_000;

/** The heartbeat interval for a lost threshold: six beats fit in it, never more often than every 250 ms. */
export const holderHeartbeatMs = (lostAfterMs: number): number =>
  Math.max(250, Math.min(HOLDER_HEARTBEAT_MAX_MS, Math.floor(lostAfterMs / 6)));

/** Where holders and their heartbeats live (src/infra/db/stores/workspace-holder.store.ts). */
export interface WorkspaceHolderStore {
  /** Creates or refreshes the holder's row; `started` also sets its start time. */
  beat(id: string, name: string, at: Date, started: boolean): Promise<void>;
  heartbeatOf(id: string): Promise<Date | null>;
  /** READY workspaces whose holder has no heartbeat since `before`. */
  orphaned(before: Date, limit: number): Promise<WorkspaceRecord[]>;
  /** The holder's workspaces in `status`. */
  heldBy(holderId: string, status: WorkspaceStatus): Promise<WorkspaceRecord[]>;
  /** Moves a workspace from `from` to `to` in `tx`; false when it was not in `from` any more. */
  setStatus(tx: TransactionHandle, id: string, from: WorkspaceStatus, to: WorkspaceStatus, at: Date): Promise<boolean>;
}

/**
 * Holders of workspaces (processes that make them, on their own disk): heartbeats, LOST when a
 * holder goes silent past the threshold, READY again when it comes back with the folder.
 */
export class WorkspaceHolderService {
  constructor(
    private readonly deps: Deps,
    private readonly store: WorkspaceHolderStore,
  ) {}

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  beat(id: string, name: string, started = false): Promise<void> {
    return this.store.beat(id, name, this.now(), started);
  }

  async alive(id: string, lostAfterMs: number): Promise<boolean> {
    const at = await this.store.heartbeatOf(id);
    return at !== null && this.now().getTime() - at.getTime() <= lostAfterMs;
  }

  /** Marks the READY workspaces of holders silent for `lostAfterMs` LOST, each with an event on its task. */
  async sweepLost(lostAfterMs: number): Promise<number> {
    const now = this.now();
    const orphans = await this.store.orphaned(new Date(now.getTime() - lostAfterMs), 100);
    let n = 0;
    for (const ws of orphans) {
      const moved = await this.move(ws, "READY", "LOST", {
        type: "ERROR",
        content: `Workspace lost: the process holding its files has not been heard from for ${Math.round(lostAfterMs / 1000)} s. Its files are out of reach until it comes back.`,
        data: { workspaceId: ws.id, holderId: ws.holderId, code: "WORKSPACE_LOST" },
      });
      if (moved) n++;
    }
    return n;
  }

  /** A holder back at work: its LOST workspaces whose folder is intact are READY again. */
  async reclaim(holderId: string, intact: (path: string) => Promise<boolean>): Promise<number> {
    let n = 0;
    for (const ws of await this.store.heldBy(holderId, "LOST")) {
      if (!(await intact(ws.path))) continue;
      const moved = await this.move(ws, "LOST", "READY", {
        type: "PROGRESS",
        content: "Workspace available again: the process holding its files is back",
        data: { workspaceId: ws.id, holderId },
      });
      if (moved) n++;
    }
    return n;
  }

  private move(
    ws: WorkspaceRecord,
    from: WorkspaceStatus,
    to: WorkspaceStatus,
    event: { type: "ERROR" | "PROGRESS"; content: string; data: Record<string, string | null> },
  ): Promise<boolean> {
    const now = this.now();
    return this.deps.transact(async (tx, out) => {
      if (!(await this.store.setStatus(tx, ws.id, from, to, now))) return false;
      await appendEvent(this.deps, tx, out, ws.taskId, event, now);
      out.push({ topic: "TASK_CHANGED", payload: { taskId: ws.taskId } });
      return true;
    });
  }
}
