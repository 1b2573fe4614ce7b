import type { SqlEntityManager } from "@mikro-orm/knex";

export type Row = Record<string, unknown>;

/**
 * A statement runner on one driver connection, below MikroORM and knex: the hot paths (the event
 * log, the runtime's conversation, list reads) spend several times the statement's own cost in
 * the query builder and its promise chain. `?` placeholders on both dialects.
 */
export interface RawRunner {
  all(text: string, params: readonly unknown[]): Promise<Row[]>;
  run(text: string, params: readonly unknown[]): Promise<void>;
}

/** The node-sqlite3 connection's callback API (as knex holds it). */
interface SqliteConnection {
  all(text: string, params: unknown[], cb: (err: Error | null, rows: Row[]) => void): void;
  run(text: string, params: unknown[], cb: (err: Error | null) => void): void;
}

/** The node-postgres client's promise API. */
interface PgConnection {
  query(text: string, params: unknown[]): Promise<{ rows: Row[] }>;
}

const pgTexts = new Map<string, string>();

/** `?` → `$1, $2, …` (hand-written statements only: no `?` inside their literals). */
export function pgText(text: string): string {
  let out = pgTexts.get(text);
  if (out === undefined) {
    let n = 0;
    out = text.replace(/\?/g, () => `$${++n}`);
    if (pgTexts.size < 5_000) pgTexts.set(text, out);
  }
  return out;
}

export function sqliteRunner(conn: SqliteConnection, onQuery?: (sql: string) => void): RawRunner {
  return {
    all: (text, params) =>
      new Promise((resolve, reject) => {
        onQuery?.(text);
        conn.all(text, params as unknown[], (err, rows) => (err ? reject(err) : resolve(rows)));
      }),
    run: (text, params) =>
      new Promise((resolve, reject) => {
        onQuery?.(text);
        conn.run(text, params as unknown[], (err) => (err ? reject(err) : resolve()));
      }),
  };
}

export function pgRunner(conn: PgConnection, onQuery?: (sql: string) => void): RawRunner {
  return {
    all: async (text, params) => {
      onQuery?.(text);
      return (await conn.query(pgText(text), params as unknown[])).rows;
    },
    run: async (text, params) => {
      onQuery?.(text);
      await conn.query(pgText(text), params as unknown[]);
    },
  };
}

interface KnexTransaction {
  client: { acquireConnection(): Promise<unknown> };
}

const runners = new WeakMap<object, RawRunner>();

/**
 * The runner on the connection of `em`'s open transaction (knex hands a transaction's client its
 * one connection). Statements run there are part of the transaction, as `em.execute` would be.
 */
export async function txRunner(
  em: SqlEntityManager,
  sqlite: boolean,
  onQuery?: (sql: string) => void,
): Promise<RawRunner> {
  const tx = em.getTransactionContext<KnexTransaction>();
  if (!tx) throw new Error("txRunner needs an open transaction");
  let r = runners.get(tx);
  if (!r) {
    const conn = await tx.client.acquireConnection();
    r = sqlite ? sqliteRunner(conn as SqliteConnection, onQuery) : pgRunner(conn as PgConnection, onQuery);
    runners.set(tx, r);
  }
  return r;
}
