import { JsonType, type EntityMetadata, type EntityName, type MikroORM } from "@mikro-orm/core";
import type { AbstractSqlDriver } from "@mikro-orm/knex";

/** A WHERE clause with `?` placeholders and its values, e.g. `sql("id in (?, ?)", [a, b])`. */
export interface Sql {
  text: string;
  params: readonly unknown[];
}

export const sql = (text: string, params: readonly unknown[] = []): Sql => ({ text, params });

/** `?, ?, ?` for a list of values (the caller never passes an empty list: `in ()` is invalid SQL). */
export const placeholders = (n: number): string => Array.from({ length: n }, () => "?").join(", ");

/**
 * Read paths that bypass the unit of work: one hand-written statement, rows mapped to plain
 * objects with the entity's own property names and types (MikroORM's compiled result mapper,
 * which converts dates and booleans per dialect; SQLite's JSON text is parsed here). Used for the
 * hot queries of the API (lists, DataLoader batches), where hydrating managed entities costs
 * several times the query itself. Writes always go through the EntityManager.
 */
export class Reader {
  private readonly jsonProps = new Map<string, string[]>();

  /** @param jsonAsText SQLite returns JSON columns as text; PostgreSQL's driver parses jsonb itself. */
  constructor(
    private readonly orm: MikroORM,
    private readonly jsonAsText: boolean,
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
    let text = `select * from ${this.quote(meta.tableName)}`;
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
    const rows: Record<string, unknown>[] = await this.orm.em.getConnection().execute(text, params, "all");
    const driver = this.orm.em.getDriver() as AbstractSqlDriver;
    const json = this.jsonAsText ? this.jsonPropsOf(meta) : [];
    return rows.map((row) => {
      const mapped = driver.mapResult(row as never, meta) as Record<string, unknown>;
      for (const p of json) {
        const v = mapped[p];
        if (typeof v === "string") mapped[p] = JSON.parse(v);
      }
      return mapped as T;
    });
  }

  async count<T extends object>(entity: EntityName<T>, where: Sql | null): Promise<number> {
    const meta = this.meta(entity);
    const text = `select count(*) as n from ${this.quote(meta.tableName)}${where ? ` where ${where.text}` : ""}`;
    const rows = await this.orm.em
      .getConnection()
      .execute<{ n: number | string }[]>(text, where ? [...where.params] : [], "all");
    return Number(rows[0]?.n ?? 0);
  }

  private quote(name: string): string {
    return `"${name.replace(/"/g, '""')}"`;
  }

  private jsonPropsOf(meta: EntityMetadata): string[] {
    let props = this.jsonProps.get(meta.className);
    if (!props) {
      props = meta.props
        .filter((p) => p.customType instanceof JsonType || String(p.type).toLowerCase() === "json")
        .map((p) => p.name);
      this.jsonProps.set(meta.className, props);
    }
    return props;
  }
}
