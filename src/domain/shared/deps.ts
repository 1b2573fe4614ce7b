import type { SqlEntityManager } from "@mikro-orm/knex";
import type { Database } from "../../infra/db/orm.js";
import { directTransaction, discardDeferred, optimisticTransaction, sendDeferred } from "../../infra/db/writer.js";
import type { Message, PubSub } from "../../infra/pubsub/pubsub.js";

export interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

export interface Deps {
  db: Database;
  pubsub: PubSub;
  logger: Logger;
  now?: () => Date;
}

/**
 * Runs `fn` in one transaction on a fresh EntityManager. The messages it collects reach
 * subscribers only with the commit (PostgreSQL: NOTIFY inside the transaction) or after it, so a
 * subscriber never sees a change that was rolled back. With `direct`, the transaction runs below
 * MikroORM (see directTransaction): for hot paths whose statements are all the writer's own.
 * With `optimistic` as well, it is first tried without holding the writer while `fn` runs (see
 * optimisticTransaction); when that cannot be done, `fn` runs again in the ordinary way.
 */
export async function inTransaction<T>(
  deps: Deps,
  fn: (em: SqlEntityManager, outbox: Message[]) => Promise<T>,
  opts: { direct?: boolean; optimistic?: boolean } = {},
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
  if (opts.optimistic && opts.direct) {
    const tried = await optimisticTransaction(deps.db.fork(), (em) => fn(em, outbox));
    if (tried.ok) return finish(tried.value);
    // Not done (nothing was written): the ordinary transaction decides.
    outbox.length = 0;
  }
  const run = opts.direct ? directTransaction : ormTransaction;
  return finish(await run(deps.db.fork(), (em) => fn(em, outbox), beforeCommit));
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
