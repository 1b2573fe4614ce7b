import { type EntityMetadata, type EntityName, type EntityProperty } from "@mikro-orm/core";
import type { AbstractSqlDriver, SqlEntityManager } from "@mikro-orm/knex";
import { storableJson, storableText } from "../../domain/shared/storable.js";
import { queryLoggers, readRunners } from "./orm.js";
import {
  bindTxConnection,
  hasConnection,
  inline,
  literal,
  newTxConnection,
  runnerOn,
  txConnection,
  type RawRunner,
  type Row,
  type SetValue,
  type TxConnection,
} from "./raw.js";
import { isJson, quote, type Sql } from "./reader.js";

/**
 * Hot-path statements written by hand, inside the caller's transaction: run by the driver on the
 * transaction's own connection (see raw.ts), a row insert, a row read and any statement with the
 * entity's own property names. MikroORM's query builder and knex's promise chain cost several
 * times the statement itself on the runtime's and the event log's paths, and every statement of a
 * SQLite transaction holds the one write connection. Values are converted the way MikroORM stores them
 * (SQLite: datetimes as epoch milliseconds, booleans as 0/1, JSON as text; PostgreSQL: JSON as
 * text cast by the column).
 */
interface Columns {
  table: string;
  props: EntityProperty[];
  names: string;
  placeholders: string;
}

const columnsCache = new WeakMap<EntityMetadata, Columns>();

function meta<T extends object>(em: SqlEntityManager, entity: EntityName<T>): EntityMetadata<T> {
  return em.getMetadata().get<T>(typeof entity === "string" ? entity : (entity as { name: string }).name);
}

function columnsOf(m: EntityMetadata): Columns {
  let c = columnsCache.get(m);
  if (!c) {
    const props = m.props.filter(
      (p) => (p.kind === "scalar" || p.kind === "m:1") && p.persist !== false && p.fieldNames?.length === 1,
    );
    c = {
      table: quote(m.tableName),
      props,
      names: props.map((p) => quote(p.fieldNames[0]!)).join(", "),
      placeholders: `(${props.map(() => "?").join(", ")})`,
    };
    columnsCache.set(m, c);
  }
  return c;
}

/** Whether `em` works on SQLite (else PostgreSQL). */
export const sqliteOf = (em: SqlEntityManager): boolean =>
  em.getPlatform().constructor.name.toLowerCase().includes("sqlite");

/**
 * One statement with `?` placeholders in `em`'s transaction, run by the driver on the
 * transaction's connection; outside a transaction, through MikroORM. `all` returns the rows
 * (a `returning` clause needs it); `run` returns nothing.
 */
export async function execute(
  em: SqlEntityManager,
  text: string,
  params: readonly unknown[],
  method: "all" | "run" = "all",
): Promise<Row[]> {
  if (!em.isInTransaction()) {
    const out: unknown = await em.execute(text, [...params], method);
    return method === "all" ? (out as Row[]) : [];
  }
  const c = await connectionOf(em);
  // An optimistic transaction has no connection: a statement whose answer it needs ends the try.
  if (c.optimistic) throw new NeedsLock();
  if (c.queue.length > 0 && !c.sqlite) {
    // PostgreSQL: the held-back statements and this one as one simple query (one round trip).
    const t = inline(text, params, false);
    if (t !== null) {
      c.queue.push(t);
      const batch = c.take()!;
      await settled(c);
      return c.runner.batch(batch);
    }
  }
  if (c.sqlite && c.queue.length > 0) {
    // SQLite: the batch and this statement are handed to the driver together. node-sqlite3 runs a
    // connection's calls in the order they were made, and `exec` holds the others back until it
    // is done: no turn of the event loop between the two. A failed batch fails the statement's
    // caller (the transaction rolls back); the statement then ran for nothing.
    const sent = c.send();
    const ran = method === "run" ? c.runner.run(text, params).then(() => []) : c.runner.all(text, params);
    const [, rows] = await Promise.all([sent, ran.catch((err: unknown) => err)]);
    if (c.failed) throw c.failed;
    if (rows instanceof Error) throw rows;
    return rows as Row[];
  }
  await sendHeldBack(c);
  if (method === "run") {
    await c.runner.run(text, params);
    return [];
  }
  return c.runner.all(text, params);
}

const connectionOf = (em: SqlEntityManager): Promise<TxConnection> =>
  txConnection(em, sqliteOf(em), queryLoggers.get(em.config));

/** Waits for a batch under way; rethrows its failure (the transaction must then roll back). */
async function settled(c: TxConnection): Promise<void> {
  if (c.sending) await c.sending;
  if (c.failed) throw c.failed;
}

/** Sends the statements held back in `c` and waits for them. */
async function sendHeldBack(c: TxConnection): Promise<void> {
  await c.send();
  if (c.failed) throw c.failed;
}

/**
 * Holds a statement back, to be sent with the next ones in one round trip: before the next
 * statement that returns rows, before any statement of MikroORM's and at the latest before the
 * commit (`inTransaction` sends them). For writes nothing in the transaction reads back before
 * then (append-only rows, counters the transaction keeps itself). Outside a transaction, or with a
 * value that cannot be written into the text exactly, the statement runs at once.
 */
export async function defer(
  em: SqlEntityManager,
  text: string,
  params: readonly unknown[],
  opts: { appendsTo?: string } = {},
): Promise<void> {
  if (!em.isInTransaction()) {
    await em.execute(text, [...params], "run");
    return;
  }
  const c = await connectionOf(em);
  const t = inline(text, params, c.sqlite);
  if (t === null) {
    await execute(em, text, params, "run");
    return;
  }
  // `appendsTo`: a multi-row insert whose text starts with this prefix; its rows join those of
  // the held-back insert with the same prefix (rows of an append-only table that nothing in the
  // transaction reads before the commit), so the batch carries one insert per table.
  if (opts.appendsTo !== undefined && t.startsWith(opts.appendsTo)) {
    const key = `insert:${opts.appendsTo}`;
    const into = c.keyed.get(key)?.at;
    if (into !== undefined) {
      c.queue[into] += `, ${t.slice(opts.appendsTo.length)}`;
      return;
    }
    c.keyed.set(key, { at: c.queue.length });
  }
  c.queue.push(t);
}

/** `update <table> set <col> = ? | <col> = <col> + ?, … where <key> = ?` and its values. */
export function rowUpdate(
  table: string,
  keyColumn: string,
  id: string,
  sets: Iterable<[string, SetValue]> | Record<string, SetValue>,
): { text: string; params: unknown[] } {
  const cols: string[] = [];
  const params: unknown[] = [];
  const entries = Symbol.iterator in sets ? sets : Object.entries(sets);
  for (const [col, v] of entries as Iterable<[string, SetValue]>) {
    cols.push("add" in v ? `${quote(col)} = ${quote(col)} + ?` : `${quote(col)} = ?`);
    params.push("add" in v ? v.add : v.value);
  }
  params.push(id);
  return { text: `update ${quote(table)} set ${cols.join(", ")} where ${quote(keyColumn)} = ?`, params };
}

/**
 * `update <table> set … where <key> = <id>`, held back; a later update of the same row in the
 * same batch joins it (its values replace, its additions add up), so the batch carries one
 * update per row. For rows the transaction holds (locked, or SQLite's one writer) and whose
 * columns nothing in the transaction reads back before the commit.
 */
export async function deferRowUpdate(
  em: SqlEntityManager,
  table: string,
  keyColumn: string,
  id: string,
  sets: Record<string, SetValue>,
): Promise<void> {
  if (!em.isInTransaction()) throw new Error("deferRowUpdate needs an open transaction");
  const c = await connectionOf(em);
  const key = `row:${table}:${id}`;
  const held = c.keyed.get(key);
  const merged = new Map(held?.sets ?? []);
  for (const [col, v] of Object.entries(sets)) {
    const before = merged.get(col);
    merged.set(col, "add" in v && before && "add" in before ? { add: before.add + v.add } : v);
  }
  const { text, params } = rowUpdate(table, keyColumn, id, merged);
  const t = inline(text, params, c.sqlite);
  if (t === null) {
    // A value that cannot be written into the text: this update (with what it joined) runs now.
    if (held) c.queue[held.at] = "select 1";
    c.keyed.delete(key);
    await execute(em, text, params, "run");
    return;
  }
  if (held) {
    c.queue[held.at] = t;
    held.sets = merged;
    return;
  }
  c.keyed.set(key, { at: c.queue.length, sets: merged });
  c.queue.push(t);
}

/** Sends what `em`'s transaction holds back and waits (before its commit). */
export async function sendDeferred(em: SqlEntityManager): Promise<void> {
  if (!em.isInTransaction() || !hasConnection(em)) return;
  await sendHeldBack(await connectionOf(em));
}

/** Drops what `em`'s transaction holds back (it is rolling back). */
export async function discardDeferred(em: SqlEntityManager): Promise<void> {
  if (!em.isInTransaction() || !hasConnection(em)) return;
  (await connectionOf(em)).take();
}

/**
 * A transaction run below MikroORM on a connection of knex's pool: `begin` goes with the first
 * batch and `commit` with the last, so a transaction whose statements need no answer before the
 * end is one round trip. `fn` gets an EntityManager whose transaction context is that connection:
 * only this module's functions (execute, defer, insertRows, selectRows, updateRow, …) may run on
 * it, never MikroORM's own (they would fail at once: it is no knex transaction).
 */
export async function directTransaction<T>(
  em: SqlEntityManager,
  fn: (em: SqlEntityManager) => Promise<T>,
  beforeCommit?: (em: SqlEntityManager) => Promise<void>,
): Promise<T> {
  const pool = poolOf(em);
  const conn = await pool.acquireConnection();
  const context = { client: { acquireConnection: async () => conn, on: () => {} } };
  em.setTransactionContext(context as never);
  let c: TxConnection | undefined;
  try {
    c = await connectionOf(em);
    c.queue.push("begin");
    const result = await fn(em);
    await beforeCommit?.(em);
    c.queue.push("commit");
    await sendHeldBack(c);
    return result;
  } catch (err) {
    if (c) {
      c.take();
      await c.sending?.catch(() => {});
      c.failed = undefined;
      await rollback(c.runner, conn, c.sqlite);
    }
    throw err;
  } finally {
    em.resetTransactionContext();
    await pool.releaseConnection(conn);
  }
}

/** knex's pool of `em`'s connections. */
function poolOf(em: SqlEntityManager): {
  acquireConnection(): Promise<object>;
  releaseConnection(conn: object): Promise<void>;
} {
  return em.getConnection().getKnex().client as ReturnType<typeof poolOf>;
}

/**
 * Rolls back the transaction open on `conn`. SQLite: there may be none left (begin never ran);
 * PostgreSQL: a failure means a broken connection, which knex's pool must not hand out again.
 */
async function rollback(runner: RawRunner, conn: object, sqlite: boolean): Promise<void> {
  try {
    await runner.run("rollback", []);
  } catch (e) {
    if (!sqlite) (conn as { __knex__disposed?: unknown }).__knex__disposed = e;
  }
}

/** Values the transaction keeps itself (see TxConnection.memo); null outside a transaction. */
export async function memoOf(em: SqlEntityManager): Promise<Map<string, unknown> | null> {
  return em.isInTransaction() ? (await connectionOf(em)).memo : null;
}

function toDb(p: EntityProperty, v: unknown, sqlite: boolean): unknown {
  if (v === undefined || v === null) return null;
  // NUL cannot be stored (see storable.ts): outside text that still has one is stored without it.
  if (isJson(p)) return storableJson(JSON.stringify(v));
  if (typeof v === "string") return storableText(v);
  if (v instanceof Date) return sqlite ? v.getTime() : v;
  if (typeof v === "boolean") return sqlite ? (v ? 1 : 0) : v;
  return v;
}

/**
 * `insert into <table> (every column) values (…), (…)` in the caller's transaction; with
 * `deferred`, held back (see `defer`).
 */
export async function insertRows<T extends object>(
  em: SqlEntityManager,
  entity: EntityName<T>,
  rows: readonly T[],
  opts: { deferred?: boolean } = {},
): Promise<void> {
  if (rows.length === 0) return;
  const c = columnsOf(meta(em, entity));
  const sqlite = sqliteOf(em);
  const params: unknown[] = [];
  for (const row of rows) {
    for (const p of c.props) params.push(toDb(p, (row as Record<string, unknown>)[p.name], sqlite));
  }
  const prefix = `insert into ${c.table} (${c.names}) values `;
  const text = `${prefix}${rows.map(() => c.placeholders).join(", ")}`;
  if (opts.deferred) await defer(em, text, params, { appendsTo: prefix });
  else await execute(em, text, params, "run");
}

/** `select * from <table> where …` in the caller's transaction (`for update` on PostgreSQL when asked). */
export async function selectRows<T extends object>(
  em: SqlEntityManager,
  entity: EntityName<T>,
  where: Sql,
  opts: {
    forUpdate?: boolean;
    limit?: number;
    /** In an optimistic transaction: the caller's copy of the one row `where` selects by its key. */
    known?: T | null;
  } = {},
): Promise<T[]> {
  const m = meta(em, entity);
  const sqlite = sqliteOf(em);
  const c = em.isInTransaction() ? await connectionOf(em) : null;
  if (c?.optimistic && opts.known) {
    // The caller's copy of the one row `where` selects, checked (and locked) at the commit.
    const k = opts.known as Record<string, unknown>;
    const props = columnsOf(m).props;
    const pk = m.primaryKeys[0];
    const key = props.find((p) => p.name === pk);
    if (!key) throw new NeedsLock();
    const values = [key, ...props.filter((p) => p !== key)].map((p): [string, unknown] => [
      p.fieldNames[0]!,
      toDb(p, k[p.name], sqlite),
    ]);
    guardRow(c, m.tableName, values, opts.forUpdate === true);
    return [{ ...(opts.known as object) } as T];
  }
  let text = `select * from ${quote(m.tableName)} where ${where.text}`;
  const params = [...where.params];
  if (opts.limit !== undefined) {
    text += " limit ?";
    params.push(opts.limit);
  }
  if (opts.forUpdate && !sqlite) text += " for update";
  const rows = c?.optimistic
    ? await guardedRead(em, c, m.tableName, where, text, params)
    : await execute(em, text, params);
  const driver = em.getDriver() as AbstractSqlDriver;
  const json = sqlite
    ? columnsOf(m)
        .props.filter(isJson)
        .map((p) => p.name)
    : [];
  return rows.map((row) => {
    const mapped = driver.mapResult(row as never, m) as Record<string, unknown>;
    for (const p of json) {
      const v = mapped[p];
      if (typeof v === "string") mapped[p] = JSON.parse(v);
    }
    return mapped as T;
  });
}

/**
 * Columns of one row (`<key> = id`) in the caller's transaction, or undefined when there is none.
 * In an optimistic transaction they are `known` (the caller's copy) or read on a read connection,
 * and the commit checks that they are still the same.
 */
export async function selectValues(
  em: SqlEntityManager,
  table: string,
  keyColumn: string,
  id: string,
  columns: readonly string[],
  opts: { known?: Row; forUpdate?: boolean } = {},
): Promise<Row | undefined> {
  const where = { text: `${quote(keyColumn)} = ?`, params: [id] };
  let text = `select ${columns.map(quote).join(", ")} from ${quote(table)} where ${where.text}`;
  if (!em.isInTransaction()) return (await execute(em, text, where.params))[0];
  const c = await connectionOf(em);
  if (opts.forUpdate && !c.sqlite) text += " for update";
  if (!c.optimistic) return (await execute(em, text, where.params))[0];
  const { known } = opts;
  if (known) {
    const values = columns.map((col): [string, unknown] => [col, known[col]]);
    guardRow(c, table, [[keyColumn, id], ...values], opts.forUpdate === true);
    return { ...known };
  }
  return (await guardedRead(em, c, table, where, text, where.params))[0];
}

/** A statement that needs its answer inside an optimistic transaction: the transaction must take the lock. */
class NeedsLock extends Error {
  constructor() {
    super("this statement needs the transaction's own connection");
  }
}

/** Names the check that fails an optimistic transaction whose reads have changed. */
const GUARD = "tx_guard_ok";

/**
 * A statement that fails the batch it is in unless `cond` holds: SQLite, a row that the CHECK of
 * a temporary table refuses; PostgreSQL, a cast that fails (of a text that is not constant, so
 * the planner cannot fail it in advance). Either error names GUARD.
 */
function guardStatement(sqlite: boolean, cond: string): string {
  return sqlite
    ? `insert into temp.tx_guard (ok) select 0 where not (${cond})`
    : `select case when ${cond} then 1 else cast(concat('${GUARD} ', txid_current()) as integer) end`;
}

/** `<col> is <value>`, null-safe, with the value written into the text (NeedsLock when it cannot be). */
function same(sqlite: boolean, col: string, v: unknown): string {
  const l = literal(v, sqlite);
  if (l === null) throw new NeedsLock();
  return `${quote(col)} ${sqlite ? "is" : "is not distinct from"} ${l}`;
}

/**
 * Guards one row of `table` whose columns hold `values` (stored values: see toDb), the first of
 * them its key; PostgreSQL locks it (`lock`) for the rest of the transaction. SQLite's one writer
 * runs the batch with nothing in between, so there the row cannot change after its guard.
 */
function guardRow(c: TxConnection, table: string, values: ReadonlyArray<[string, unknown]>, lock: boolean): void {
  const [[keyColumn, id], ...rest] = values as [[string, unknown], ...Array<[string, unknown]>];
  const key = literal(id, c.sqlite);
  if (key === null || id === null || id === undefined) throw new NeedsLock();
  // The key with `=` (its index finds the row), the other columns null-safe.
  const eqs = [`${quote(keyColumn)} = ${key}`, ...rest.map(([col, v]) => same(c.sqlite, col, v))].join(" and ");
  const row = `exists (select 1 from ${quote(table)} where ${eqs}${lock && !c.sqlite ? " for update" : ""})`;
  c.queue.push(guardStatement(c.sqlite, row));
}

/**
 * An optimistic transaction's read without a known copy: `text` on a read connection, and a
 * guard that `<where>` still selects exactly these rows with these values. SQLite only (a
 * PostgreSQL read would cost the round trip the transaction saves).
 */
async function guardedRead(
  em: SqlEntityManager,
  c: TxConnection,
  table: string,
  where: Sql,
  text: string,
  params: readonly unknown[],
): Promise<Row[]> {
  const read = readRunners.get(em.config);
  const cond = inline(where.text, where.params, c.sqlite);
  if (!read || !c.sqlite || cond === null) throw new NeedsLock();
  const rows = await read.all(text, params);
  const from = `from ${quote(table)} where ${cond}`;
  const checks = [`(select count(*) ${from}) = ${rows.length}`];
  for (const row of rows) {
    const eqs = Object.entries(row).map(([col, v]) => same(true, col, v));
    checks.push(`exists (select 1 ${from} and ${eqs.join(" and ")})`);
  }
  c.queue.push(guardStatement(true, checks.join(" and ")));
  return rows;
}

/**
 * A direct transaction (see directTransaction) that holds a connection only for its last moment:
 * `fn` runs with none; the rows it reads (selectRows, selectValues) are the caller's known copies
 * or (SQLite) are read on a read connection, each leaving a guard; its writes are held back.
 * Then `begin`, the guards, the writes and `commit` go as one batch: one round trip on
 * PostgreSQL, one trip to the driver's thread on SQLite, during which no other transaction waits
 * on this one's JavaScript. `{ ok: false }` when that cannot be done: a guard failed (a row has
 * changed since it was known or read), `fn` needed a statement's answer, or `fn` failed (its
 * failure may come from a copy that is no longer true). Nothing is written then; the caller runs
 * the transaction the ordinary way, which decides.
 */
export async function optimisticTransaction<T>(
  em: SqlEntityManager,
  fn: (em: SqlEntityManager) => Promise<T>,
  beforeCommit?: (em: SqlEntityManager) => Promise<void>,
): Promise<{ ok: true; value: T } | { ok: false }> {
  const sqlite = sqliteOf(em);
  const context = { client: { acquireConnection: async () => null, on: () => {} } };
  const none = async (): Promise<never> => {
    throw new NeedsLock();
  };
  const c = newTxConnection({ all: none, run: none, batch: none }, sqlite, true);
  bindTxConnection(context, c);
  em.setTransactionContext(context as never);
  let value: T;
  try {
    value = await fn(em);
    await beforeCommit?.(em);
  } catch {
    return { ok: false };
  } finally {
    em.resetTransactionContext();
  }
  const batch = c.take();
  const pool = poolOf(em);
  const conn = await pool.acquireConnection();
  try {
    const runner = runnerOn(conn, sqlite, queryLoggers.get(em.config));
    const text = [
      ...(sqlite
        ? [`create temp table if not exists tx_guard (ok integer not null constraint ${GUARD} check (ok = 1))`]
        : []),
      "begin",
      ...(batch === null ? [] : [batch]),
      "commit",
    ].join(";\n");
    try {
      await runner.batch(text);
    } catch (err) {
      // Both stop at the failing statement, inside the transaction: roll it back.
      await rollback(runner, conn, sqlite);
      if (err instanceof Error && err.message.includes(GUARD)) return { ok: false };
      throw err;
    }
    return { ok: true, value };
  } finally {
    await pool.releaseConnection(conn);
  }
}

/**
 * PostgreSQL: bumps a counter row and inserts rows numbered from it in one statement, one round
 * trip where two were: `with c as (update … returning <counter columns>) insert into <table> …
 * values (…, (select <counter column> from c) + k, …) returning <columns>`. `counted` names the
 * properties taken from the counter (with the offset of row i); the others are bound. Returns the
 * inserted rows' `returning` columns, or null when the counter row does not exist (nothing is
 * inserted, and the statement's failure has aborted the transaction: the caller must throw).
 */
export async function insertCounted<T extends object>(
  em: SqlEntityManager,
  entity: EntityName<T>,
  rows: readonly T[],
  counter: { update: string; params: readonly unknown[] },
  counted: Record<string, { column: string; offset: (i: number) => number }>,
  returning: readonly string[],
): Promise<Row[] | null> {
  const m = meta(em, entity);
  const c = columnsOf(m);
  const params: unknown[] = [...counter.params];
  const tuples = rows.map((row, i) => {
    const values = c.props.map((p) => {
      const k = counted[p.name];
      if (k) return `(select ${quote(k.column)} from c) + ${Math.trunc(k.offset(i))}`;
      params.push(toDb(p, (row as Record<string, unknown>)[p.name], false));
      return "?";
    });
    return `(${values.join(", ")})`;
  });
  const text = `with c as (${counter.update}) insert into ${c.table} (${c.names}) values ${tuples.join(", ")} returning ${returning.map(quote).join(", ")}`;
  try {
    return await execute(em, text, params);
  } catch (err) {
    // No counter row: its columns are null, and the not-null numbered column refuses the row.
    if ((err as { code?: string }).code === "23502") return null;
    throw err;
  }
}

/**
 * `update <table> set <the patch's columns> where <primary key> = ?` in the caller's transaction,
 * held back (see `defer`): for a row the transaction has locked, or whose change nothing in the
 * transaction reads back through MikroORM's identity map.
 */
export async function updateRow<T extends object>(
  em: SqlEntityManager,
  entity: EntityName<T>,
  id: string,
  patch: Partial<T>,
): Promise<void> {
  const m = meta(em, entity);
  const c = columnsOf(m);
  const sqlite = sqliteOf(em);
  const pk = m.primaryKeys[0];
  const pkProp = c.props.find((p) => p.name === pk);
  if (!pkProp) throw new Error(`updateRow: ${m.className} has no single primary key`);
  const sets: Record<string, SetValue> = {};
  for (const p of c.props) {
    if (!(p.name in patch)) continue;
    sets[p.fieldNames[0]!] = { value: toDb(p, (patch as Record<string, unknown>)[p.name], sqlite) };
  }
  if (Object.keys(sets).length === 0) return;
  await deferRowUpdate(em, m.tableName, pkProp.fieldNames[0]!, id, sets);
}
