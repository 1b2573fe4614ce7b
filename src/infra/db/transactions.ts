/**
 * The transaction engine behind the domain's `Deps.transact` (see src/domain/shared/deps.ts):
 * MikroORM transactions, and the writer's direct and optimistic ones for the hot paths.
 */
import { DeadlockException } from "@mikro-orm/core";
import type { SqlEntityManager } from "@mikro-orm/knex";
import type { Deps, Logger, Transact, TransactOptions } from "../../domain/shared/deps.js";
import type { Recorder } from "../../domain/shared/recorder.js";
import type { Message, PubSub } from "../../domain/shared/pubsub.js";
import type { Database } from "./orm.js";
import { directTransaction, discardDeferred, optimisticTransaction, sendDeferred } from "./writer.js";

interface Engine {
  db: Database;
  pubsub: PubSub;
  logger: Logger;
  /** Told each transaction's duration (METRICS_PORT). */
  recorder?: Recorder;
}

/**
 * Runs `fn` in one transaction on a fresh EntityManager. The messages it collects reach
 * subscribers only with the commit (PostgreSQL: NOTIFY inside the transaction) or after it, so a
 * subscriber never sees a change that was rolled back. With `direct`, the transaction runs below
 * MikroORM (see directTransaction): for hot paths whose statements are all the writer's own.
 * With `optimistic` as well, it is first tried without holding the writer while `fn` runs (see
 * optimisticTransaction); when that cannot be done, `fn` runs again in the ordinary way.
 */
export async function runTransaction<T>(
  deps: Engine,
  fn: (em: SqlEntityManager, outbox: Message[]) => Promise<T>,
  opts: TransactOptions = {},
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await runOnce(deps, fn, opts);
    } catch (err) {
      // PostgreSQL broke a lock cycle by aborting this one (the other went through): run it again.
      // Two paths lock a task tree in opposite orders (a cascade cancel: parent first; a child
      // ending: child first), so a cycle is possible, if rare.
      if (!isDeadlock(err) || attempt >= DEADLOCK_TRIES) throw err;
      deps.logger.warn({ attempt }, "a transaction was aborted to break a deadlock; running it again");
    }
  }
}

/** Runs of a transaction that PostgreSQL keeps choosing as a deadlock's victim, at most. */
export const DEADLOCK_TRIES = 4;

const isDeadlock = (err: unknown): boolean =>
  err instanceof DeadlockException || (err as { code?: unknown } | null)?.code === "40P01";

async function runOnce<T>(
  deps: Engine,
  fn: (em: SqlEntityManager, outbox: Message[]) => Promise<T>,
  opts: TransactOptions,
): Promise<T> {
  const outbox: Message[] = [];
  let published = false;
  const beforeCommit = async (em: SqlEntityManager) => {
    if (outbox.length > 0 && deps.db.dialect === "postgresql" && deps.pubsub.publishWithin) {
      await deps.pubsub.publishWithin(em, outbox);
      published = true;
    }
  };
  const finish = async (result: T): Promise<T> => {
    if (outbox.length > 0 && !published) {
      await deps.pubsub.publish(outbox).catch((err: unknown) => deps.logger.error({ err }, "publish failed"));
    }
    return result;
  };
  if (!opts.direct) return finish(await ormTransaction(deps.db.fork(), (em) => fn(em, outbox), beforeCommit));
  const em = spareEm(deps.db);
  try {
    if (opts.optimistic) {
      const tried = await optimisticTransaction(em, (em) => fn(em, outbox), beforeCommit);
      if (tried.ok) return await finish(tried.value);
      // Not done (nothing was written, nothing published): the ordinary transaction decides.
      outbox.length = 0;
      published = false;
    }
    return await finish(await directTransaction(em, (em) => fn(em, outbox), beforeCommit));
  } finally {
    keepEm(deps.db, em);
  }
}

/**
 * EntityManagers of direct transactions, kept for the next ones: only the writer's functions run
 * on them, which keep nothing in the EntityManager (no entity, no unit of work), and each
 * transaction leaves it without a transaction context. A fork costs more than its statement.
 */
const spareEms = new WeakMap<object, SqlEntityManager[]>();

function spareEm(db: Database): SqlEntityManager {
  return spareEms.get(db)?.pop() ?? db.fork();
}

function keepEm(db: Database, em: SqlEntityManager): void {
  if (em.isInTransaction()) return;
  let spare = spareEms.get(db);
  if (!spare) spareEms.set(db, (spare = []));
  if (spare.length < 64) spare.push(em);
}

/**
 * A MikroORM transaction, begun and committed on the connection. Writes are explicit statements
 * (insert, nativeUpdate, execute), never the unit of work's flush: em.transactional() and
 * em.flush() keep their state in AsyncLocalStorage, which on Node 20 turns on promise hooks for
 * the whole process and slows every await afterwards.
 */
async function ormTransaction<T>(
  em: SqlEntityManager,
  fn: (em: SqlEntityManager) => Promise<T>,
  beforeCommit: (em: SqlEntityManager) => Promise<void>,
): Promise<T> {
  await em.begin();
  try {
    const result = await fn(em);
    await beforeCommit(em);
    // Statements held back for one round trip go before the commit; a failure rolls back.
    await sendDeferred(em);
    const tx = em.getTransactionContext();
    await em.getConnection("write").commit(tx);
    return result;
  } catch (err) {
    await discardDeferred(em).catch(() => {});
    await em.rollback().catch(() => {});
    throw err;
  }
}

/** The domain's Deps.transact over this database and bus. */
export function transactor(engine: Engine): Transact {
  const { recorder } = engine;
  if (!recorder) return (fn, opts) => runTransaction(engine, (em, outbox) => fn(em, outbox), opts);
  return async (fn, opts) => {
    const started = performance.now();
    let ok = false;
    try {
      const result = await runTransaction(engine, (em, outbox) => fn(em, outbox), opts);
      ok = true;
      return result;
    } finally {
      recorder.transaction((performance.now() - started) / 1000, ok);
    }
  };
}

/** Deps.transact for this module's own callers, which work on the entity manager itself. */
export function inTransaction<T>(
  deps: Pick<Deps, "transact">,
  fn: (em: SqlEntityManager, outbox: Message[]) => Promise<T>,
  opts: TransactOptions = {},
): Promise<T> {
  return deps.transact((tx, outbox) => fn(tx as SqlEntityManager, outbox), opts);
}
