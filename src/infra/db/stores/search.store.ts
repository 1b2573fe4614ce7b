import type { SqlEntityManager } from "@mikro-orm/knex";
import type { NextBackoff, SearchHistoryQuery, SearchStore } from "../../../domain/research/search.store.js";
import {
  takeTokens,
  type BucketLevel,
  type BucketSpec,
  type TakeResult,
} from "../../../domain/research/token-bucket.js";
import { SearchBackoffRecord, SearchCacheRecord, SearchHistoryRecord } from "../../../domain/records.js";
import type { Keyset } from "../../../domain/shared/pagination.js";
import type { Database } from "../orm.js";
import { and, keysetOf, placeholders, sql, type Sql } from "../reader.js";
import { insertRows } from "../writer.js";

type Row = Record<string, unknown>;

/** A datetime column's value as the driver returns it (SQLite: epoch milliseconds). */
const dateOf = (v: unknown): Date => new Date(v as number | string | Date);

/**
 * The web search's cache, rate-limit buckets, backoff and history on SQLite or PostgreSQL. The
 * buckets and the backoff are rows that a transaction locks (`for update` on PostgreSQL; SQLite
 * has one writer at a time) before it decides, so any number of processes share one limit.
 */
export class SqlSearchStore implements SearchStore {
  constructor(private readonly db: Database) {}

  private get sqlite(): boolean {
    return this.db.dialect === "sqlite";
  }

  /** A datetime as a statement's parameter: epoch milliseconds on SQLite, timestamptz on PostgreSQL. */
  private ts(d: Date): number | string {
    return this.sqlite ? d.getTime() : d.toISOString();
  }

  /** `?` for a datetime parameter (PostgreSQL casts the ISO text). */
  private get tsParam(): string {
    return this.sqlite ? "?" : "?::timestamptz";
  }

  private get forUpdate(): string {
    return this.sqlite ? "" : " for update";
  }

  async cached(key: string, now: Date): Promise<SearchCacheRecord | null> {
    const [row] = await this.db.read.select(
      SearchCacheRecord,
      sql(`key = ? and expires_at > ${this.tsParam}`, [key, this.ts(now)]),
    );
    return row ?? null;
  }

  async cache(entry: SearchCacheRecord, now: Date): Promise<void> {
    const em = this.db.fork();
    await em.upsert(SearchCacheRecord, entry);
    await em.nativeDelete(SearchCacheRecord, { expiresAt: { $lte: now } });
  }

  async take(buckets: readonly BucketSpec[], now: Date, maxWaitMs: number): Promise<TakeResult> {
    const keys = [...new Set(buckets.map((b) => b.key))].sort();
    return this.db.fork().transactional(async (em: SqlEntityManager) => {
      for (const b of buckets) {
        await em.execute(
          `insert into search_bucket (key, tokens, updated_at) values (?, ?, ${this.tsParam}) on conflict (key) do nothing`,
          [b.key, b.capacity, this.ts(now)],
          "run",
        );
      }
      // Locked in key order, so two calls never wait for each other's second row.
      const rows = await em.execute<Row[]>(
        `select key, tokens, updated_at from search_bucket where key in (${placeholders(keys.length)}) order by key${this.forUpdate}`,
        keys,
        "all",
      );
      const levels = new Map<string, BucketLevel>(
        rows.map((r) => [String(r.key), { tokens: Number(r.tokens), updatedAt: dateOf(r.updated_at) }]),
      );
      const result = takeTokens(buckets, levels, now, maxWaitMs);
      if (!result.ok) return result;
      for (const [key, level] of result.levels) {
        await em.execute(
          `update search_bucket set tokens = ?, updated_at = ${this.tsParam} where key = ?`,
          [level.tokens, this.ts(level.updatedAt), key],
          "run",
        );
      }
      return result;
    });
  }

  async backoff(engine: string): Promise<SearchBackoffRecord | null> {
    const [row] = await this.db.read.select(SearchBackoffRecord, sql("engine = ?", [engine]));
    return row ?? null;
  }

  async throttled(engine: string, now: Date, next: NextBackoff): Promise<SearchBackoffRecord> {
    return this.db.fork().transactional(async (em: SqlEntityManager) => {
      await em.execute(
        `insert into search_backoff (engine, until, strikes, updated_at) values (?, ${this.tsParam}, 0, ${this.tsParam}) on conflict (engine) do nothing`,
        [engine, this.ts(new Date(0)), this.ts(now)],
        "run",
      );
      const [row] = await em.execute<Row[]>(
        `select until, strikes from search_backoff where engine = ?${this.forUpdate}`,
        [engine],
        "all",
      );
      const current: SearchBackoffRecord = Object.assign(new SearchBackoffRecord(), {
        engine,
        until: dateOf(row?.until ?? 0),
        strikes: Number(row?.strikes ?? 0),
        updatedAt: now,
      });
      // Calls throttled together (in any process) are one strike: the backoff in force stays.
      if (current.until > now) return current;
      const { until, strikes } = next(current);
      await em.execute(
        `update search_backoff set until = ${this.tsParam}, strikes = ?, updated_at = ${this.tsParam} where engine = ?`,
        [this.ts(until), strikes, this.ts(now), engine],
        "run",
      );
      return Object.assign(current, { until, strikes });
    });
  }

  async clearStrikes(engine: string, now: Date): Promise<void> {
    await this.db
      .fork()
      .execute(
        `update search_backoff set strikes = 0, updated_at = ${this.tsParam} where engine = ? and strikes > 0`,
        [this.ts(now), engine],
        "run",
      );
  }

  async record(entry: SearchHistoryRecord): Promise<void> {
    await insertRows(this.db.fork(), SearchHistoryRecord, [entry]);
  }

  private where(q: SearchHistoryQuery): Sql | null {
    return and(
      q.taskId === null ? null : sql("task_id = ?", [q.taskId]),
      q.agentId === null ? null : sql("agent_id = ?", [q.agentId]),
      q.onlyAgent === null ? null : sql("agent_id = ?", [q.onlyAgent]),
      q.from === null ? null : sql(`created_at >= ${this.tsParam}`, [this.ts(q.from)]),
      q.to === null ? null : sql(`created_at < ${this.tsParam}`, [this.ts(q.to)]),
    );
  }

  page(q: SearchHistoryQuery, range: Keyset): Promise<SearchHistoryRecord[]> {
    const { where, orderBy, limit } = keysetOf(range);
    return this.db.read.select(SearchHistoryRecord, and(this.where(q), where), { orderBy, limit });
  }

  count(q: SearchHistoryQuery): Promise<number> {
    return this.db.read.count(SearchHistoryRecord, this.where(q));
  }
}
