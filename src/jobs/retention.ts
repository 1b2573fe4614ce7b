/**
 * RETENTION_DAYS: the bulky history of tasks finished long ago is pruned, their record kept.
 *
 * Pruned, for a task COMPLETE/FAILED/CANCELLED whose row was last changed more than N days ago
 * (a finished task's row changes no more: updated_at is when it finished):
 * - its command runs' output chunks (command_output); the command_run rows stay (program, exit
 *   code, sizes, durations);
 * - its runtime conversation (run_message);
 * - its events, except the last one and the last STATUS_CHANGE (the final status, its reason).
 *
 * Kept: the task row (status, summary, eventSeq, so lastEventSeq and `afterSeq` subscriptions
 * stay consistent: seqs only gain gaps), usage (model_call), tool_call rows, command_run rows,
 * artifacts, messages sent to the task (task_message), links, workspaces.
 */
import { DEFAULT_PASS_INTERVAL_MS, startPeriodic } from "./periodic.js";
import type { SqlEntityManager } from "@mikro-orm/knex";
import type { Logger } from "../domain/shared/deps.js";
import type { Database } from "../infra/db/orm.js";

export interface RetentionCounts {
  tasks: number;
  events: number;
  outputChunks: number;
  messages: number;
}

export interface PruneOptions {
  /** Tasks finished before this moment are pruned. */
  before: Date;
  /** Tasks per transaction (a short one: SQLite has one writer). */
  batchSize?: number;
}

const finished = "status in ('COMPLETE', 'FAILED', 'CANCELLED')";

/** Tasks with something left to prune: a task pruned once is not met again. */
const candidates = `select t.id from task t
  where t.${finished} and t.updated_at < ?
    and (exists (select 1 from run_message m where m.task_id = t.id)
      or exists (select 1 from command_run r join command_output o on o.run_id = r.id where r.task_id = t.id)
      or exists (select 1 from task_event e where e.task_id = t.id
        and e.seq < (select max(e2.seq) from task_event e2 where e2.task_id = t.id)
        and e.seq <> coalesce((select max(e3.seq) from task_event e3
          where e3.task_id = t.id and e3.type = 'STATUS_CHANGE'), -1)))
  order by t.updated_at asc
  limit ?`;

const affected = (r: unknown): number => Number((r as { affectedRows?: number }).affectedRows ?? 0);

/** Prunes in batches until nothing is left; each batch is its own short transaction. */
export async function pruneFinishedTasks(db: Database, opts: PruneOptions): Promise<RetentionCounts> {
  const total: RetentionCounts = { tasks: 0, events: 0, outputChunks: 0, messages: 0 };
  const at = db.dialect === "sqlite" ? opts.before.getTime() : opts.before;
  const batch = Math.max(1, opts.batchSize ?? 200);
  for (;;) {
    const em = db.fork();
    const rows = await em.execute<Array<{ id: string }>>(candidates, [at, batch]);
    if (rows.length === 0) return total;
    const ids = rows.map((r) => r.id);
    const marks = ids.map(() => "?").join(", ");
    await em.transactional(async (tx: SqlEntityManager) => {
      total.outputChunks += affected(
        await tx.execute(
          `delete from command_output where run_id in (select id from command_run where task_id in (${marks}))`,
          ids,
          "run",
        ),
      );
      total.messages += affected(await tx.execute(`delete from run_message where task_id in (${marks})`, ids, "run"));
      total.events += affected(
        await tx.execute(
          `delete from task_event where task_id in (${marks})
            and seq < (select max(e2.seq) from task_event e2 where e2.task_id = task_event.task_id)
            and seq <> coalesce((select max(e3.seq) from task_event e3
              where e3.task_id = task_event.task_id and e3.type = 'STATUS_CHANGE'), -1)`,
          ids,
          "run",
        ),
      );
    });
    total.tasks += ids.length;
    if (ids.length < batch) return total;
  }
}

export interface RetentionOptions {
  db: Database;
  logger: Logger;
  /** RETENTION_DAYS (0: this is not started). */
  days: number;
  /** How often it runs (default hourly; the first run is at start). */
  intervalMs?: number;
}

/** Runs the pruning at start and then periodically; stop() waits for a run in progress. */
export function startRetention(o: RetentionOptions): { stop(): Promise<void> } {
  return startPeriodic("retention pruning", o.logger, o.intervalMs ?? DEFAULT_PASS_INTERVAL_MS, async () => {
    const started = Date.now();
    const counts = await pruneFinishedTasks(o.db, { before: new Date(started - o.days * 86_400_000) });
    if (counts.tasks > 0) {
      o.logger.info({ ...counts, retentionDays: o.days, ms: Date.now() - started }, "retention pruned finished tasks");
    }
  });
}
