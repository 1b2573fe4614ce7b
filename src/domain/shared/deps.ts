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
  const result = await deps.db.fork().transactional((em) => fn(em as SqlEntityManager, outbox));
  if (outbox.length > 0) {
    await deps.pubsub.publish(outbox).catch((err: unknown) => deps.logger.error({ err }, "publish failed"));
  }
  return result;
}
