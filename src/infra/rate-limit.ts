import type { SqlEntityManager } from "@mikro-orm/knex";
import { GraphQLError } from "graphql";

/**
 * Requests per minute per API key (API_RATE_LIMIT). Each key has one window that opens with its
 * first request and lasts a minute; the request that takes the count past the limit, and every
 * one after it in that window, is refused until the window ends. A window anchored at the key's
 * first request (not at the wall clock's minute) means N requests in quick succession always
 * meet the same window.
 */
export interface RateLimiter {
  /** Counts one request of `apiKeyId` and says whether it is within the limit. */
  hit(apiKeyId: string): Promise<RateDecision>;
}

export interface RateDecision {
  allowed: boolean;
  /** Whole seconds until the window ends (≥ 1); meaningful when refused. */
  retryAfterSeconds: number;
}

export const WINDOW_MS = 60_000;

export const rateLimitedMessage = (retryAfterSeconds: number) =>
  `Rate limit exceeded for this API key (API_RATE_LIMIT); retry after ${retryAfterSeconds} s`;

/** The typed error of a refused request or operation (HTTP: with status 429 and Retry-After). */
export const rateLimitedError = (retryAfterSeconds: number) =>
  new GraphQLError(rateLimitedMessage(retryAfterSeconds), { extensions: { code: "RATE_LIMITED", retryAfterSeconds } });

const decide = (count: number, windowStart: number, limit: number, now: number): RateDecision => ({
  allowed: count <= limit,
  retryAfterSeconds: Math.max(1, Math.ceil((windowStart + WINDOW_MS - now) / 1000)),
});

/** One process's counts (the embedded profile: one process serves every request). */
export class MemoryRateLimiter implements RateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();
  private lastPrune = 0;

  constructor(
    private readonly limit: number,
    private readonly now: () => number = Date.now,
  ) {}

  async hit(apiKeyId: string): Promise<RateDecision> {
    const now = this.now();
    this.prune(now);
    let w = this.windows.get(apiKeyId);
    if (!w || w.start <= now - WINDOW_MS) this.windows.set(apiKeyId, (w = { start: now, count: 0 }));
    w.count++;
    return decide(w.count, w.start, this.limit, now);
  }

  /** Drops ended windows at most once a minute, so keys that went quiet hold no memory. */
  private prune(now: number): void {
    if (now - this.lastPrune < WINDOW_MS) return;
    this.lastPrune = now;
    for (const [k, w] of this.windows) if (w.start <= now - WINDOW_MS) this.windows.delete(k);
  }
}

/**
 * Counts in the database (table rate_limit_window), so every process on one PostgreSQL shares
 * them. One statement per request: an upsert that opens a new window when the old one ended and
 * otherwise adds one, returning the count. Times come from this process's clock (hosts are
 * expected to keep NTP time; a skew of a second moves a window's end by as much).
 */
export class SqlRateLimiter implements RateLimiter {
  private lastPrune = 0;

  constructor(
    private readonly em: () => SqlEntityManager,
    private readonly limit: number,
    private readonly onError: (err: unknown) => void,
    private readonly now: () => number = Date.now,
  ) {}

  async hit(apiKeyId: string): Promise<RateDecision> {
    const now = this.now();
    const ended = now - WINDOW_MS;
    let rows: Array<{ count: unknown; window_start: unknown }>;
    try {
      rows = await this.em()
        .getConnection()
        .execute(
          `insert into rate_limit_window (api_key_id, window_start, count) values (?, ?, 1)
           on conflict (api_key_id) do update set
             count = case when rate_limit_window.window_start <= ? then 1 else rate_limit_window.count + 1 end,
             window_start = case when rate_limit_window.window_start <= ? then excluded.window_start
                                 else rate_limit_window.window_start end
           returning count, window_start`,
          [apiKeyId, now, ended, ended],
          "all",
        );
    } catch (err) {
      // The limit protects the service; a database hiccup must not turn into refusing everyone.
      this.onError(err);
      return { allowed: true, retryAfterSeconds: 1 };
    }
    this.prune(now);
    const row = rows[0];
    return decide(Number(row?.count ?? 1), Number(row?.window_start ?? now), this.limit, now);
  }

  /** Deletes windows of keys quiet for a while, at most once a minute per process, off the request's path. */
  private prune(now: number): void {
    if (now - this.lastPrune < WINDOW_MS) return;
    this.lastPrune = now;
    this.em()
      .getConnection()
      .execute("delete from rate_limit_window where window_start < ?", [now - 2 * WINDOW_MS], "run")
      .catch(this.onError);
  }
}
