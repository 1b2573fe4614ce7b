import { existsSync } from "node:fs";
import { hostname } from "node:os";
import type { WorkspaceRecord } from "../domain/records.js";
import type { Logger } from "../domain/shared/deps.js";
import { holderHeartbeatMs } from "../domain/workspaces/workspace-holders.js";
import type { AppServices } from "../services.js";
import { holderIdOf } from "../infra/workspace-fs/holder-id.js";

export interface WorkspaceHolderOptions {
  services: Pick<AppServices, "workspaceRouter" | "workspaceHolders" | "workspaces" | "commands">;
  workspacesDir: string;
  /** Silence after which a holder's workspaces are LOST (WORKSPACE_HOLDER_TIMEOUT). */
  lostAfterMs: number;
  logger: Logger;
}

/**
 * A process with workers holds the workspaces it makes: its id (stable across restarts, kept in
 * WORKSPACES_DIR), its heartbeat, its LOST workspaces reclaimed when their folders are intact, its
 * peers' requests served, and (cluster profile) the workspaces of silent holders marked LOST. Runs
 * left RUNNING by a holder's previous life, or in a LOST workspace, are recorded as FAILED (their
 * output streams end), as the embedded profile does at start.
 */
export async function startWorkspaceHolder(o: WorkspaceHolderOptions): Promise<{ id: string; stop(): Promise<void> }> {
  const { workspaceRouter: router, workspaceHolders: holders, workspaces, commands } = o.services;
  const id = holderIdOf(o.workspacesDir);
  router.becomeHolder(id);
  await holders.beat(id, `${hostname()}:${process.pid}`, true);
  const reclaimed = await holders.reclaim(id, async (path) => existsSync(path));
  o.logger.info({ holderId: id, reclaimed }, "holding workspaces");
  const failRunsIn = async (picks: (ws: WorkspaceRecord) => boolean, why: string) => {
    const failed = await commands.failOrphanedRuns(async (run) => {
      const ws = await workspaces.get(run.workspaceId);
      return ws !== null && picks(ws);
    }, why);
    if (failed > 0) o.logger.warn({ runs: failed }, `command runs recorded as FAILED: ${why}`);
  };
  if (router.routes) await failRunsIn((ws) => ws.holderId === id, "the process holding its workspace stopped");
  const stopServing = await router.serve();
  let busy = false;
  const tick = async () => {
    if (busy) return;
    busy = true;
    try {
      await holders.beat(id, `${hostname()}:${process.pid}`);
      const lost = await holders.sweepLost(o.lostAfterMs);
      if (lost > 0) {
        o.logger.warn({ lost }, "workspaces of a silent holder marked LOST");
        await failRunsIn((ws) => ws.status === "LOST", "the process holding its workspace is gone");
      }
    } catch (err) {
      o.logger.warn({ err }, "workspace holder heartbeat failed");
    } finally {
      busy = false;
    }
  };
  // Heartbeats matter only where peers route to this process: none on the embedded profile or a shared folder.
  const timer = router.routes ? setInterval(() => void tick(), holderHeartbeatMs(o.lostAfterMs)) : undefined;
  timer?.unref();
  return {
    id,
    async stop() {
      clearInterval(timer);
      await stopServing();
    },
  };
}
