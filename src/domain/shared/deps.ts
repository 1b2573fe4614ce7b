import type { SqlEntityManager } from "@mikro-orm/knex";
import type { Database } from "../../infra/db/orm.js";
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
): Promise<T> {
  const outbox: Message[] = [];
  // begin/commit on the fork, rather than em.transactional(): the latter keeps its context in an
  // AsyncLocalStorage, which on Node 20 turns on promise hooks for the whole process and slows
  // every await afterwards (we always pass the fork explicitly, so the context is not needed).
  const em = deps.db.fork();
  await em.begin();
  let result: T;
  try {
    result = await fn(em, outbox);
    await em.commit();
  } catch (err) {
    await em.rollback().catch(() => {});
    throw err;
  }
  if (outbox.length > 0) {
    await deps.pubsub.publish(outbox).catch((err: unknown) => deps.logger.error({ err }, "publish failed"));
  }
  return result;
}
