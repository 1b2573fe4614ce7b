import { JsonType, type EntityMetadata, type EntityName, type EntityProperty, type MikroORM } from "@mikro-orm/core";
import type { AbstractSqlDriver } from "@mikro-orm/knex";
import type { Keyset } from "../../domain/shared/pagination.js";
import type { RawRunner } from "./raw.js";

/** A WHERE clause with `?` placeholders and its values, e.g. `sql("id in (?, ?)", [a, b])`. */
export interface Sql {
  text: string;
  params: readonly unknown[];
}

export const sql = (text: string, params: readonly unknown[] = []): Sql => ({ text, params });

/** The conditions joined with `and`, those that are null left out (null when none is left). */
export function and(...conditions: Array<Sql | null>): Sql | null {
  const kept = conditions.filter((c): c is Sql => c !== null);
  if (kept.length === 0) return null;
  return sql(
    kept.map((c) => (kept.length > 1 ? `(${c.text})` : c.text)).join(" and "),
    kept.flatMap((c) => c.params),
  );
}

/** A keyset page of a table ordered by its time-ordered ids: its conditions and read options. */
export function keysetOf(range: Keyset): { where: Sql | null; orderBy: string; limit: number } {
  return {
    where: and(
      range.olderThan === null ? null : sql("id < ?", [range.olderThan]),
      range.newerThan === null ? null : sql("id > ?", [range.newerThan]),
    ),
    orderBy: range.newestFirst ? "id desc" : "id asc",
    limit: range.limit,
  };
}

/** `?, ?, ?` for a list of values (the caller never passes an empty list: `in ()` is invalid SQL). */
export const placeholders = (n: number): string => Array.from({ length: n }, () => "?").join(", ");

type Row = Record<string, unknown>;

/** How one entity's rows are read and turned into plain objects. */
interface RowPlan {
  /** The select list: `*`, or (SQLite) one `json_array(…)` of every column. */
  columns: string;
  map(row: Row): Row;
}

/**
 * Read paths that bypass the unit of work: one hand-written statement, rows mapped to plain
 * objects with the entity's own property names and types. Used for the hot queries of the API
 * (lists, DataLoader batches), where hydrating managed entities costs several times the query
 * itself. Writes always go through the EntityManager.
 *
 * PostgreSQL rows go through MikroORM's compiled result mapper (dates and booleans per dialect).
 * On SQLite each row comes back as one JSON array (`json_array(col, …)`, same WHERE, ORDER BY and
 * LIMIT, so the same rows in the same order): the sqlite3 driver builds a row object property by
 * property through N-API, several times what SQLite's JSON encoding and `JSON.parse` cost. The
 * array is then mapped the way MikroORM maps SQLite rows (datetime → Date, integer → boolean),
 * JSON text is parsed, and REAL columns are printed with 17 significant digits (json_array
 * would round them to 15), so they come back bit for bit.
 */
export class Reader {
  private readonly plans = new Map<string, RowPlan>();

  /**
   * @param sqlite SQLite (rows as JSON arrays, JSON columns as text) rather than PostgreSQL.
   * @param runner Runs each read on a connection of its own (SQLite: a read connection beside the
   *   one writer, so reads neither wait for nor hold up the write transactions).
   */
  constructor(
    private readonly orm: MikroORM,
    private readonly sqlite: boolean,
    private readonly runner: Pick<RawRunner, "all">,
  ) {}

  private meta<T extends object>(entity: EntityName<T>): EntityMetadata<T> {
    return this.orm.getMetadata().get<T>(typeof entity === "string" ? entity : (entity as { name: string }).name);
  }

  /** `select * from <table> where <where> [order by …] [limit n]`. */
  async select<T extends object>(
    entity: EntityName<T>,
    where: Sql | null,
    opts: { orderBy?: string; limit?: number } = {},
  ): Promise<T[]> {
    const meta = this.meta(entity);
    const plan = this.planOf(meta);
    let text = `select ${plan.columns} from ${quote(meta.tableName)}`;
    const params: unknown[] = [];
    if (where) {
      text += ` where ${where.text}`;
      params.push(...where.params);
    }
    if (opts.orderBy) text += ` order by ${opts.orderBy}`;
    if (opts.limit !== undefined) {
      text += " limit ?";
      params.push(opts.limit);
    }
    const rows = await this.runner.all(text, params);
    return rows.map(plan.map) as T[];
  }

  async count<T extends object>(entity: EntityName<T>, where: Sql | null): Promise<number> {
    const meta = this.meta(entity);
    const text = `select count(*) as n from ${quote(meta.tableName)}${where ? ` where ${where.text}` : ""}`;
    const rows = await this.runner.all(text, where ? where.params : []);
    return Number(rows[0]?.n ?? 0);
  }

  private planOf(meta: EntityMetadata): RowPlan {
    let plan = this.plans.get(meta.className);
    if (!plan) {
      plan = (this.sqlite && this.sqlitePlan(meta)) || this.mikroPlan(meta);
      this.plans.set(meta.className, plan);
    }
    return plan;
  }

  /** `select *`, rows mapped by MikroORM; on SQLite, JSON text parsed afterwards. */
  private mikroPlan(meta: EntityMetadata): RowPlan {
    const driver = this.orm.em.getDriver() as AbstractSqlDriver;
    const json = this.sqlite ? meta.props.filter(isJson).map((p) => p.name) : [];
    return {
      columns: "*",
      map: (row) => {
        const mapped = driver.mapResult(row as never, meta) as Row;
        for (const p of json) {
          const v = mapped[p];
          if (typeof v === "string") mapped[p] = JSON.parse(v);
        }
        return mapped;
      },
    };
  }

  /** One JSON array per row; null (use mikroPlan) for an entity with a column JSON cannot hold. */
  private sqlitePlan(meta: EntityMetadata): RowPlan | null {
    const props = meta.props.filter((p) => p.fieldNames?.length);
    const unsupported = (p: EntityProperty) =>
      p.fieldNames.length !== 1 || p.kind === "embedded" || /blob|binary/i.test(p.columnTypes?.[0] ?? "");
    if (props.some(unsupported)) return null;
    const platform = this.orm.em.getPlatform();
    const tz = platform.getTimezone();
    const convert = props.map((p): ((v: unknown) => unknown) | null => {
      if (isJson(p)) return (v) => (typeof v === "string" ? JSON.parse(v) : v);
      if (p.runtimeType === "boolean") return (v) => (v == null ? v : !!v);
      if (p.runtimeType === "Date" && !platform.isNumericProperty(p)) {
        // As MikroORM's result mapper: epoch milliseconds, or text read in the configured zone.
        return (v) => {
          if (v == null) return v;
          if (typeof v === "string" && tz && tz !== "local" && !/\+|Z$/.test(v) && v.lastIndexOf("-") <= 10) {
            return platform.parseDate(v + tz);
          }
          return platform.parseDate(v as string);
        };
      }
      return null;
    });
    const build = objectBuilder(props.map((p) => p.name));
    const converted = convert.flatMap((f, i) => (f ? [[i, f] as const] : []));
    const column = (p: EntityProperty) => {
      const c = quote(p.fieldNames[0] as string);
      return /real|floa|doub|numeric|decimal/i.test(p.columnTypes?.[0] ?? "")
        ? `iif(typeof(${c}) = 'real', json(printf('%!.17g', ${c})), ${c})`
        : c;
    };
    return {
      columns: `json_array(${props.map(column).join(", ")}) as r`,
      map: (row) => {
        const values = JSON.parse(row.r as string) as unknown[];
        for (const [i, f] of converted) values[i] = f(values[i]);
        return build(values);
      },
    };
  }
}

/**
 * `values → { [names[0]]: values[0], … }` as one object literal, compiled once per entity (as
 * MikroORM compiles its own result mappers): every row gets the same shape at once, where
 * adding the properties one by one costs a shape transition each, several times the JSON parse.
 */
function objectBuilder(names: readonly string[]): (values: unknown[]) => Row {
  const fields = names.map((n, i) => `${JSON.stringify(n)}: v[${i}]`).join(", ");
  return new Function("v", `return { ${fields} };`) as (values: unknown[]) => Row;
}

export const quote = (name: string): string => `"${name.replace(/"/g, '""')}"`;

export const isJson = (p: EntityProperty): boolean =>
  p.customType instanceof JsonType || String(p.type).toLowerCase() === "json";
