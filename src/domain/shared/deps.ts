import type { SqlEntityManager } from "@mikro-orm/knex";
import type { Database } from "../../infra/db/orm.js";
import { directTransaction, discardDeferred, sendDeferred } from "../../infra/db/writer.js";
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
 * Runs `fn` in one transaction on a fresh EntityManager; the messages it collects are
 * published only after the commit, so a subscriber never sees a change that was rolled back.
 */
export async function inTransaction<T>(
  deps: Deps,
  fn: (em: SqlEntityManager, outbox: Message[]) => Promise<T>,
  opts: { direct?: boolean } = {},
): Promise<T> {
  if (opts.direct) return inDirectTransaction(deps, fn);
  const outbox: Message[] = [];
  // Writes are explicit statements (insert, nativeUpdate, execute), never the unit of work's
  // flush, and the transaction is begun and committed on the connection: em.transactional() and
  // em.flush() keep their state in AsyncLocalStorage, which on Node 20 turns on promise hooks for
  // the whole process and slows every await afterwards.
  const em = deps.db.fork();
  await em.begin();
  let result: T;
  let published = false;
  try {
    result = await fn(em, outbox);
    // On PostgreSQL the messages go out with the commit (NOTIFY in the transaction).
    if (outbox.length > 0 && deps.db.dialect === "postgresql" && deps.pubsub.publishWithin) {
      await deps.pubsub.publishWithin(em, outbox);
      published = true;
    }
    // Statements held back for one round trip go before the commit; a failure rolls back.
    await sendDeferred(em);
    const tx = em.getTransactionContext();
    await em.getConnection("write").commit(tx);
  } catch (err) {
    await discardDeferred(em).catch(() => {});
    await em.rollback().catch(() => {});
    throw err;
  }
  if (outbox.length > 0 && !published) {
    await deps.pubsub.publish(outbox).catch((err: unknown) => deps.logger.error({ err }, "publish failed"));
  }
  return result;
}

/**
 * inTransaction below MikroORM (see directTransaction): for the hot paths whose statements are all
 * the writer's own. Begin and commit travel with the first and last batch of statements.
 */
async function inDirectTransaction<T>(
  deps: Deps,
  fn: (em: SqlEntityManager, outbox: Message[]) => Promise<T>,
): Promise<T> {
  const outbox: Message[] = [];
  let published = false;
  const result = await directTransaction(
    deps.db.fork(),
    (em) => fn(em, outbox),
    async (em) => {
      if (outbox.length > 0 && deps.db.dialect === "postgresql" && deps.pubsub.publishWithin) {
        await deps.pubsub.publishWithin(em, outbox);
        published = true;
      }
    },
  );
  if (outbox.length > 0 && !published) {
    await deps.pubsub.publish(outbox).catch((err: unknown) => deps.logger.error({ err }, "publish failed"));
  }
  return result;
}
