import type { CommandOutputRecord, CommandRunRecord } from "../records.js";
import type { TransactionHandle } from "../shared/transaction.js";

/** A piece of a run's output to store. */
export interface OutputChunk {
  stream: CommandOutputRecord["stream"];
  data: string;
}

/** What all the runs of a task used. */
export interface RunUsage {
  runs: number;
  cpuTimeMs: number;
  maxRssKb: number;
  durationMs: number;
  stdoutBytes: number;
  stderrBytes: number;
}

/** Where command runs and their output live (implemented in src/infra/db/stores). */
export interface CommandRunStore {
  insert(run: CommandRunRecord): Promise<void>;
  /** Stores the chunks after the run's last one, in `tx`: the seq of the last. */
  appendOutput(tx: TransactionHandle, runId: string, chunks: readonly OutputChunk[], at: Date): Promise<number>;
  /** The run's final state (all but its id and output seq), in `tx`. */
  end(tx: TransactionHandle, run: CommandRunRecord): Promise<void>;
  /** Deletes the output chunks (EXIT excepted) strictly between seqs `after` and `before`. */
  dropOutput(runId: string, after: number, before: number): Promise<void>;
  /** The size in characters of each stored chunk but EXIT, in order. */
  outputSizes(runId: string): Promise<Array<{ seq: number; size: number }>>;
  /** Stored output after `afterSeq`, in order, at most `limit` chunks (all when absent). */
  output(runId: string, afterSeq?: number, limit?: number): Promise<CommandOutputRecord[]>;
  get(id: string): Promise<CommandRunRecord | null>;
  byToolCall(toolCallId: string): Promise<CommandRunRecord | null>;
  /** A task's runs, newest first. */
  ofTask(taskId: string, limit: number): Promise<CommandRunRecord[]>;
  usageOfTask(taskId: string): Promise<RunUsage>;
  /** Runs recorded as RUNNING (at most `limit`). */
  running(limit: number): Promise<CommandRunRecord[]>;
}
