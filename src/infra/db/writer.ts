import { type EntityMetadata, type EntityName, type EntityProperty } from "@mikro-orm/core";
import type { AbstractSqlDriver, SqlEntityManager } from "@mikro-orm/knex";
import { queryLoggers } from "./orm.js";
import { txRunner, type Row } from "./raw.js";
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

const isSqlite = (em: SqlEntityManager) => em.getPlatform().constructor.name.toLowerCase().includes("sqlite");

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
  const runner = await txRunner(em, isSqlite(em), queryLoggers.get(em.config));
  if (method === "run") {
    await runner.run(text, params);
    return [];
  }
  return runner.all(text, params);
}

function toDb(p: EntityProperty, v: unknown, sqlite: boolean): unknown {
  if (v === undefined || v === null) return null;
  if (isJson(p)) return JSON.stringify(v);
  if (v instanceof Date) return sqlite ? v.getTime() : v;
  if (typeof v === "boolean") return sqlite ? (v ? 1 : 0) : v;
  return v;
}

/** `insert into <table> (every column) values (…), (…)` in the caller's transaction. */
export async function insertRows<T extends object>(
  em: SqlEntityManager,
  entity: EntityName<T>,
  rows: readonly T[],
): Promise<void> {
  if (rows.length === 0) return;
  const c = columnsOf(meta(em, entity));
  const sqlite = isSqlite(em);
  const params: unknown[] = [];
  for (const row of rows) {
    for (const p of c.props) params.push(toDb(p, (row as Record<string, unknown>)[p.name], sqlite));
  }
  await execute(
    em,
    `insert into ${c.table} (${c.names}) values ${rows.map(() => c.placeholders).join(", ")}`,
    params,
    "run",
  );
}

/** `select * from <table> where …` in the caller's transaction (`for update` on PostgreSQL when asked). */
export async function selectRows<T extends object>(
  em: SqlEntityManager,
  entity: EntityName<T>,
  where: Sql,
  opts: { forUpdate?: boolean; limit?: number } = {},
): Promise<T[]> {
  const m = meta(em, entity);
  const sqlite = isSqlite(em);
  let text = `select * from ${quote(m.tableName)} where ${where.text}`;
  const params = [...where.params];
  if (opts.limit !== undefined) {
    text += " limit ?";
    params.push(opts.limit);
  }
  if (opts.forUpdate && !sqlite) text += " for update";
  const rows = await execute(em, text, params);
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
