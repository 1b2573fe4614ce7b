/**
 * Token buckets for the search rate limits, as pure arithmetic: the stores keep each bucket's
 * level in the database and apply `takeTokens` to the rows they lock, so every process shares
 * them. A call takes one token from each bucket; when a bucket is empty the call still takes its
 * token (the level goes below zero) and waits until the bucket has refilled to where its token
 * was: calls are served in the order they took their tokens. A call that would wait longer than
 * the bound takes nothing and is told how long it would have waited.
 */

export interface BucketSpec {
  /** The bucket's row: "global", or "agent:<id>". */
  key: string;
  /** Tokens added per minute. */
  perMinute: number;
  /** The most tokens it holds (calls let through at once after a quiet spell). */
  capacity: number;
}

export interface BucketLevel {
  tokens: number;
  updatedAt: Date;
}

export type TakeResult =
  { ok: true; waitMs: number; levels: Map<string, BucketLevel> } | { ok: false; retryAfterMs: number; bucket: string };

/** The bucket's tokens at `now`: what it had, refilled for the time since, up to its capacity. */
export function levelAt(spec: BucketSpec, level: BucketLevel | undefined, now: Date): number {
  if (!level) return spec.capacity;
  const elapsedMs = Math.max(0, now.getTime() - level.updatedAt.getTime());
  return Math.min(spec.capacity, level.tokens + (elapsedMs * spec.perMinute) / 60_000);
}

/** How long a call that leaves `tokens` in a bucket waits (0 while the level stays at or above 0). */
const waitFor = (spec: BucketSpec, tokens: number): number =>
  tokens >= 0 ? 0 : Math.ceil((-tokens * 60_000) / spec.perMinute);

/**
 * One token from each bucket at `now`: the new levels and the wait (the longest bucket's), or,
 * when that wait would pass `maxWaitMs`, nothing taken, the wait it would have needed and the
 * bucket that needed it.
 */
export function takeTokens(
  specs: readonly BucketSpec[],
  levels: ReadonlyMap<string, BucketLevel>,
  now: Date,
  maxWaitMs: number,
): TakeResult {
  const next = new Map<string, BucketLevel>();
  let waitMs = 0;
  let slowest = specs[0]?.key ?? "";
  for (const spec of specs) {
    const tokens = levelAt(spec, levels.get(spec.key), now) - 1;
    const wait = waitFor(spec, tokens);
    if (wait > waitMs) [waitMs, slowest] = [wait, spec.key];
    // A clock behind the row's (another process's) never moves the row back in time.
    const updatedAt = new Date(Math.max(now.getTime(), levels.get(spec.key)?.updatedAt.getTime() ?? 0));
    next.set(spec.key, { tokens, updatedAt });
  }
  if (waitMs > maxWaitMs) return { ok: false, retryAfterMs: waitMs, bucket: slowest };
  return { ok: true, waitMs, levels: next };
}

/**
 * The backoff after the engine throttled us: `baseSeconds`, doubled for each throttle in a row
 * before it (strikes), at most `maxSeconds`.
 */
export function backoffSeconds(strikes: number, baseSeconds: number, maxSeconds: number): number {
  const exponent = Math.min(Math.max(0, strikes - 1), 30);
  return Math.min(maxSeconds, baseSeconds * 2 ** exponent);
}
