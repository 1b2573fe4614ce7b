import type { SqlEntityManager } from "@mikro-orm/knex";
import { newId } from "../../../domain/ids.js";
import { CommandOutputRecord, CommandRunRecord } from "../../../domain/records.js";
import type { TransactionHandle } from "../../../domain/shared/transaction.js";
import type { CommandRunStore, OutputChunk, RunUsage } from "../../../domain/tools/command-run.store.js";
import type { Database } from "../orm.js";
import { sql } from "../reader.js";

const em = (tx: TransactionHandle) => tx as SqlEntityManager;

/** Command runs and their output on SQLite or PostgreSQL; reads beside the writer. */
export class SqlCommandRunStore implements CommandRunStore {
  constructor(private readonly db: Database) {}

  async insert(run: CommandRunRecord): Promise<void> {
    await this.db.fork().insert(CommandRunRecord, run);
  }

  async appendOutput(tx: TransactionHandle, runId: string, chunks: readonly OutputChunk[], at: Date): Promise<number> {
    // The counter moves first: two appends to one run serialise on its row.
    const rows = await em(tx).execute<Array<{ output_seq: number }>>(
      `update command_run set output_seq = output_seq + ? where id = ? returning output_seq`,
      [chunks.length, runId],
    );
    const last = Number(rows[0]?.output_seq ?? 0);
    if (chunks.length === 0) return last;
    const first = last - chunks.length + 1;
    await em(tx).insertMany(
      CommandOutputRecord,
      chunks.map((c, i) => ({ id: newId(), runId, seq: first + i, stream: c.stream, data: c.data, createdAt: at })),
    );
    return last;
  }

  async end(tx: TransactionHandle, run: CommandRunRecord): Promise<void> {
    const { id, lastOutputSeq: _seq, ...fields } = run;
    await em(tx).nativeUpdate(CommandRunRecord, { id }, fields);
  }

  async dropOutput(runId: string, after: number, before: number): Promise<void> {
    await this.db
      .fork()
      .execute("delete from command_output where run_id = ? and seq > ? and seq < ? and stream <> 'EXIT'", [
        runId,
        after,
        before,
      ]);
  }

  async outputSizes(runId: string): Promise<Array<{ seq: number; size: number }>> {
    const rows = await this.db
      .fork()
      .execute<Array<{ seq: number; n: number }>>(
        "select seq, length(data) as n from command_output where run_id = ? and stream <> 'EXIT' order by seq",
        [runId],
      );
    return rows.map((r) => ({ seq: Number(r.seq), size: Number(r.n) }));
  }

  output(runId: string, afterSeq = 0, limit?: number): Promise<CommandOutputRecord[]> {
    return this.db.read.select(CommandOutputRecord, sql("run_id = ? and seq > ?", [runId, afterSeq]), {
      orderBy: "seq asc",
      ...(limit === undefined ? {} : { limit }),
    });
  }

  async get(id: string): Promise<CommandRunRecord | null> {
    const [row] = await this.db.read.select(CommandRunRecord, sql("id = ?", [id]));
    return row ?? null;
  }

  async byToolCall(toolCallId: string): Promise<CommandRunRecord | null> {
    const [row] = await this.db.read.select(CommandRunRecord, sql("tool_call_id = ?", [toolCallId]), { limit: 1 });
    return row ?? null;
  }

  ofTask(taskId: string, limit: number): Promise<CommandRunRecord[]> {
    return this.db.read.select(CommandRunRecord, sql("task_id = ?", [taskId]), { orderBy: "id desc", limit });
  }

  async usageOfTask(taskId: string): Promise<RunUsage> {
    const rows = await this.db.fork().execute<Array<Record<string, number | string | null>>>(
      `select count(*) as runs, coalesce(sum(cpu_time_ms), 0) as cpu, coalesce(max(max_rss_kb), 0) as rss,
                coalesce(sum(duration_ms), 0) as dur, coalesce(sum(stdout_bytes), 0) as out, coalesce(sum(stderr_bytes), 0) as err
         from command_run where task_id = ?`,
      [taskId],
    );
    const r = rows[0] ?? {};
    return {
      runs: Number(r.runs ?? 0),
      cpuTimeMs: Number(r.cpu ?? 0),
      maxRssKb: Number(r.rss ?? 0),
      durationMs: Number(r.dur ?? 0),
      stdoutBytes: Number(r.out ?? 0),
      stderrBytes: Number(r.err ?? 0),
    };
  }

  running(limit: number): Promise<CommandRunRecord[]> {
    return this.db.read.select(CommandRunRecord, sql("status = 'RUNNING'", []), { limit });
  }
}
