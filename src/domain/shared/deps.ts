import type { Message, PubSub } from "./pubsub.js";
import type { TaskEventLog } from "../tasks/task-events.js";
import type { TransactionHandle } from "./transaction.js";
import type { Recorder } from "./recorder.js";

export interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

export interface TransactOptions {
  /** Below MikroORM, on the writer's own statements (hot paths). */
  direct?: boolean;
  /** Direct, and first tried without holding the writer while `fn` runs. */
  optimistic?: boolean;
}

/**
 * Runs `fn` in one transaction. The messages it collects reach subscribers only with the commit
 * (or after it), never for a rollback. The persistence side implements it
 * (src/infra/db/transactions.ts); `tx` is opaque here.
 */
export type Transact = <T>(
  fn: (tx: TransactionHandle, outbox: Message[]) => Promise<T>,
  opts?: TransactOptions,
) => Promise<T>;

export interface Deps {
  pubsub: PubSub;
  logger: Logger;
  transact: Transact;
  /** Every task's event log. */
  events: TaskEventLog;
  now?: () => Date;
  /** /metrics (METRICS_PORT); absent: nothing is measured. */
  recorder?: Recorder;
}
