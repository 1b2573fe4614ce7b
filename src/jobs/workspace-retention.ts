/**
 * WORKSPACE_RETENTION_DAYS: the folders of tasks finished long ago are removed from disk; their
 * workspace rows stay, marked REMOVED (file routes and tools then answer WORKSPACE_REMOVED).
 *
 * A folder can hold several tasks: a delegated child with a shared workspace has a workspace row
 * whose path is its parent's folder. So the unit is the folder (workspace rows grouped by path),
 * and one is removed only when every task with a row at that path is COMPLETE, FAILED or
 * CANCELLED and its row was last changed more than N days ago (a finished task's row changes no
 * more: updated_at is when it finished, as for RETENTION_DAYS).
 *
 * Order: the rows are marked REMOVED first, by one conditional UPDATE that checks the rule again
 * (two processes racing: one marks, the other finds nothing and removes nothing), then the folder
 * is removed through WorkspaceFs.remove (confined: only <root>/<agentId>/tasks/<taskId>, no
 * symlink followed; after any creation of that path in progress, and only if no row at the path
 * has left REMOVED meanwhile: a task assigned again to the same agent), and so is each of its workspaces' git mirror (the service's bare
 * repository in <WORKSPACES_DIR>/.git-mirrors, see GitMirrors). A removal that fails is logged;
 * the rows stay REMOVED.
 */
import { DEFAULT_PASS_INTERVAL_MS, startPeriodic } from "./periodic.js";
import type { SqlEntityManager } from "@mikro-orm/knex";
import type { Logger } from "../domain/shared/deps.js";
import type { Database } from "../infra/db/orm.js";
import type { GitMirrors } from "../infra/git/mirror.js";
import type { WorkspaceFs } from "../infra/workspace-fs/workspace-fs.js";

/** A folder that may go: its path and the workspace rows (tasks) that use it. */
export interface RetentionFolder {
  path: string;
  workspaces: Array<{ id: string; taskId: string; agentId: string }>;
}

/**
 * Whether this process may remove a folder (it can reach it on its disk). Default: every folder.
 * A cluster without a shared file system plugs in the holder of each workspace here.
 */
export type FolderFilter = (folder: RetentionFolder) => boolean | Promise<boolean>;

export interface WorkspaceRetentionCounts {
  folders: number;
  workspaces: number;
  failed: number;
}

export interface RemoveOptions {
  /** Folders whose tasks all finished before this moment are removed. */
  before: Date;
  reachable?: FolderFilter;
  /** Folders looked at per query. */
  batchSize?: number;
  /** The workspaces' git mirrors, removed with their folder. */
  mirrors?: Pick<GitMirrors, "remove">;
  logger: Logger;
}

const finished = "t.status in ('COMPLETE', 'FAILED', 'CANCELLED')";

/** Folders (paths after `?`, in order) whose every task finished before `?`. */
const candidates = `select w.path as path from workspace w join task t on t.id = w.task_id
  where w.status <> 'REMOVED' and w.path > ?
  group by w.path
  having sum(case when ${finished} and t.updated_at < ? then 0 else 1 end) = 0
  order by w.path
  limit ?`;

/** Marks a folder's rows REMOVED if every task at that path still finished before the cutoff. */
const markRemoved = `update workspace set status = 'REMOVED', updated_at = ?
  where path = ? and status <> 'REMOVED'
    and not exists (select 1 from workspace w2 join task t on t.id = w2.task_id
      where w2.path = ? and w2.status <> 'REMOVED' and not (${finished} and t.updated_at < ?))`;

/** Whether a workspace row at `path` is not REMOVED (the folder is wanted again). */
async function inUse(em: SqlEntityManager, path: string): Promise<boolean> {
  const [row] = await em.execute<Array<{ n: unknown }>>(
    `select count(*) as n from workspace where path = ? and status <> 'REMOVED'`,
    [path],
  );
  return Number(row?.n ?? 0) > 0;
}

const affected = (r: unknown): number => Number((r as { affectedRows?: number }).affectedRows ?? 0);

/** One pass over every folder due for removal. */
export async function removeFinishedWorkspaces(
  db: Database,
  fs: Pick<WorkspaceFs, "remove">,
  o: RemoveOptions,
): Promise<WorkspaceRetentionCounts> {
  const counts: WorkspaceRetentionCounts = { folders: 0, workspaces: 0, failed: 0 };
  const time = (d: Date) => (db.dialect === "sqlite" ? d.getTime() : d);
  const batch = Math.max(1, o.batchSize ?? 200);
  let after = "";
  for (;;) {
    const em: SqlEntityManager = db.fork();
    const rows = await em.execute<Array<{ path: string }>>(candidates, [after, time(o.before), batch]);
    for (const { path } of rows) {
      after = path;
      const workspaces = await em.execute<Array<{ id: string; taskId: string; agentId: string }>>(
        `select id, task_id as "taskId", agent_id as "agentId" from workspace where path = ? and status <> 'REMOVED'`,
        [path],
      );
      if (o.reachable && !(await o.reachable({ path, workspaces }))) continue;
      const marked = affected(await em.execute(markRemoved, [time(new Date()), path, path, time(o.before)], "run"));
      if (marked === 0) continue; // a sharer came back to work, or another process took it
      counts.workspaces += marked;
      try {
        // Asked again just before the folder goes (after any creation of it in progress): a task
        // assigned again to its agent meanwhile has a row at this path that is not REMOVED.
        let wanted = false;
        await fs.remove(path, { keep: async () => (wanted = await inUse(em, path)) });
        if (wanted) continue;
        for (const w of workspaces) await o.mirrors?.remove(w.id);
        counts.folders++;
      } catch (err) {
        counts.failed++;
        o.logger.warn({ err, path }, "workspace retention: could not remove a folder (its rows are REMOVED)");
      }
    }
    if (rows.length < batch) return counts;
  }
}

export interface WorkspaceRetentionOptions {
  db: Database;
  workspaceFs: Pick<WorkspaceFs, "remove">;
  mirrors?: Pick<GitMirrors, "remove">;
  logger: Logger;
  /** WORKSPACE_RETENTION_DAYS (0: this is not started). */
  days: number;
  reachable?: FolderFilter;
  /** How often it runs (default hourly; the first run is at start). */
  intervalMs?: number;
}

/** Runs the removal at start and then periodically; stop() waits for a run in progress. */
export function startWorkspaceRetention(o: WorkspaceRetentionOptions): { stop(): Promise<void> } {
  return startPeriodic("workspace retention", o.logger, o.intervalMs ?? DEFAULT_PASS_INTERVAL_MS, async () => {
    const started = Date.now();
    const counts = await removeFinishedWorkspaces(o.db, o.workspaceFs, {
      before: new Date(started - o.days * 86_400_000),
      reachable: o.reachable,
      mirrors: o.mirrors,
      logger: o.logger,
    });
    if (counts.workspaces > 0) {
      o.logger.info(
        { ...counts, workspaceRetentionDays: o.days, ms: Date.now() - started },
        "workspace retention removed the folders of finished tasks",
      );
    }
  });
}
