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
  /**
   * Statements without parameters, `;`-separated, in one call: node-sqlite3's `exec` (no rows), or
   * a PostgreSQL simple query (one result per statement; the last statement's rows are returned).
   */
  batch(text: string): Promise<Row[]>;
}

/** The node-sqlite3 connection's callback API (as knex holds it). */
interface SqliteConnection {
  all(text: string, params: unknown[], cb: (err: Error | null, rows: Row[]) => void): void;
  run(text: string, params: unknown[], cb: (err: Error | null) => void): void;
  exec(text: string, cb: (err: Error | null) => void): void;
}

/** The node-postgres client's promise API. */
interface PgConnection {
  query(text: string, params?: unknown[]): Promise<{ rows: Row[] } | Array<{ rows: Row[] }>>;
}

const pgTexts = new Map<string, string>();

/** `?` → `$1, $2, …` (hand-written statements only: no `?` inside their literals). */
function pgText(text: string): string {
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
    batch: (text) =>
      new Promise((resolve, reject) => {
        onQuery?.(text);
        conn.exec(text, (err) => (err ? reject(err) : resolve([])));
      }),
  };
}

export function pgRunner(conn: PgConnection, onQuery?: (sql: string) => void): RawRunner {
  const rowsOf = (r: { rows: Row[] } | Array<{ rows: Row[] }>) => (Array.isArray(r) ? (r.at(-1)?.rows ?? []) : r.rows);
  return {
    all: async (text, params) => {
      onQuery?.(text);
      return rowsOf(await conn.query(pgText(text), params as unknown[]));
    },
    run: async (text, params) => {
      onQuery?.(text);
      await conn.query(pgText(text), params as unknown[]);
    },
    batch: async (text) => {
      onQuery?.(text);
      return rowsOf(await conn.query(text));
    },
  };
}

/** The runner of `conn`, a connection of either driver as knex's pool holds it. */
export function runnerOn(conn: unknown, sqlite: boolean, onQuery?: (sql: string) => void): RawRunner {
  return sqlite ? sqliteRunner(conn as SqliteConnection, onQuery) : pgRunner(conn as PgConnection, onQuery);
}

interface KnexTransaction {
  client: {
    acquireConnection(): Promise<unknown>;
    on(event: "query", fn: () => void): void;
  };
}

/** One column of a held-back row update: a value, or an amount added to the column. */
export type SetValue = { value: unknown } | { add: number };

/**
 * One transaction's connection as the hot paths use it: a runner, and the statements held back
 * to be sent together. A held-back statement has its values written into the text (see
 * `literal`), so a whole batch goes as one round trip: node-sqlite3's `exec` (one trip to the
 * thread pool where each statement would be one) or one PostgreSQL simple query.
 */
export interface TxConnection {
  readonly runner: RawRunner;
  readonly sqlite: boolean;
  /**
   * An optimistic transaction's (see optimisticTransaction): no connection is held yet, every
   * write is held back, reads go to a read connection and leave a guard in the batch.
   */
  readonly optimistic: boolean;
  /** Statements held back, in order. */
  queue: string[];
  /**
   * Held-back statements a later one of the same key changes (see `defer`, `deferRowUpdate`):
   * their position in `queue`, and for a row update the columns it sets.
   */
  readonly keyed: Map<string, { at: number; sets?: Map<string, SetValue> }>;
  /** The failure of a batch sent on its own (before a statement of MikroORM's). */
  failed: unknown;
  /** A batch under way. */
  sending: Promise<void> | null;
  /** Values this transaction keeps itself (e.g. a task's event counter while it holds the row). */
  readonly memo: Map<string, unknown>;
  /** The held-back statements as one batch text (null when none), no longer held. */
  take(): string | null;
  /** Sends the held-back statements now, as one batch (the call itself starts the send). */
  send(): Promise<void>;
}

const connections = new WeakMap<object, TxConnection>();

/** Whether `em`'s transaction has its TxConnection already (nothing can be held back before). */
export function hasConnection(em: SqlEntityManager): boolean {
  const tx = em.getTransactionContext<object>();
  return tx !== undefined && connections.has(tx);
}

/**
 * The connection of `em`'s open transaction (knex hands a transaction's client its one
 * connection). Statements run there are part of the transaction, as `em.execute` would be.
 * Before any statement knex sends on it (MikroORM's own, begin and commit included), the held-back
 * statements are sent first: both drivers run a connection's calls in the order they are made.
 */
export async function txConnection(
  em: SqlEntityManager,
  sqlite: boolean,
  onQuery?: (sql: string) => void,
): Promise<TxConnection> {
  const tx = em.getTransactionContext<KnexTransaction>();
  if (!tx) throw new Error("txConnection needs an open transaction");
  let c = connections.get(tx);
  if (!c) {
    const conn = await tx.client.acquireConnection();
    const state = newTxConnection(runnerOn(conn, sqlite, onQuery), sqlite, false);
    tx.client.on("query", () => void state.send());
    c = state;
    connections.set(tx, c);
  }
  return c;
}

/** A transaction's connection state on `runner` (see TxConnection). */
export function newTxConnection(runner: RawRunner, sqlite: boolean, optimistic: boolean): TxConnection {
  const state: TxConnection = {
    runner,
    sqlite,
    optimistic,
    queue: [],
    keyed: new Map(),
    failed: undefined,
    sending: null,
    memo: new Map(),
    take() {
      if (state.queue.length === 0) return null;
      const text = state.queue.join(";\n");
      state.queue = [];
      state.keyed.clear();
      return text;
    },
    send() {
      const text = state.take();
      if (text === null) return state.sending ?? Promise.resolve();
      const p = runner.batch(text).then(
        () => undefined,
        (err: unknown) => {
          state.failed ??= err;
        },
      );
      const all = Promise.all([state.sending, p]).then(() => undefined);
      state.sending = all;
      return all;
    },
  };
  return state;
}

/** Makes `c` the connection state of the transaction context `tx` (a direct transaction's). */
export function bindTxConnection(tx: object, c: TxConnection): void {
  connections.set(tx, c);
}

/**
 * A value written into a statement's text, or null when it cannot be written exactly (NaN, ±∞,
 * a NUL in PostgreSQL text, an object). Strings are quoted (PostgreSQL: E'' with backslashes
 * doubled, whatever standard_conforming_strings says; SQLite: a string holding NUL, which would
 * end the text, as UTF-8 hex cast to text).
 */
export function literal(v: unknown, sqlite: boolean): string | null {
  if (v === null || v === undefined) return "null";
  if (typeof v === "number") {
    if (Number.isSafeInteger(v)) return String(v);
    if (!Number.isFinite(v)) return null;
    // PostgreSQL reads the shortest round-trip decimal back to the same double (correctly rounded
    // input); SQLite's decimal reading is not, so there the value is built exactly (exactReal).
    return sqlite ? exactReal(v) : String(v);
  }
  if (typeof v === "bigint") return String(v);
  if (typeof v === "boolean") return sqlite ? (v ? "1" : "0") : v ? "true" : "false";
  if (v instanceof Date) return sqlite ? String(v.getTime()) : `'${v.toISOString()}'`;
  if (typeof v === "string") {
    if (sqlite) {
      return v.includes("\0")
        ? `cast(x'${Buffer.from(v, "utf8").toString("hex")}' as text)`
        : `'${v.replace(/'/g, "''")}'`;
    }
    if (v.includes("\0")) return null; // PostgreSQL text cannot hold NUL: let the driver refuse it
    return v.includes("\\") ? `E'${v.replace(/\\/g, "\\\\").replace(/'/g, "''")}'` : `'${v.replace(/'/g, "''")}'`;
  }
  return null;
}

/**
 * A fractional double as SQLite arithmetic that yields exactly it: v = m · 2^-k with m a whole
 * number of at most 53 bits, written `(m.0 / 2^a / 2^b …)`, each divisor a power of two that an
 * integer literal holds exactly, so each division is exact. Null for a value too small for that
 * (subnormal).
 */
function exactReal(v: number): string | null {
  let m = v;
  let k = 0;
  while (!Number.isInteger(m)) {
    m *= 2;
    k++;
    if (k > 1022) return null;
  }
  if (!Number.isSafeInteger(m)) return null;
  let out = `(${m}.0`;
  while (k > 0) {
    const step = Math.min(k, 62);
    out += ` / ${2n ** BigInt(step)}`;
    k -= step;
  }
  return `${out})`;
}

/** `text` with each `?` replaced by its value's literal, or null when one cannot be written. */
export function inline(text: string, params: readonly unknown[], sqlite: boolean): string | null {
  const parts = text.split("?");
  if (parts.length - 1 !== params.length) return null;
  let out = parts[0]!;
  for (let i = 0; i < params.length; i++) {
    const l = literal(params[i], sqlite);
    if (l === null) return null;
    out += l + parts[i + 1]!;
  }
  return out;
}
