import type { SearchBackoffRecord, SearchCacheRecord, SearchHistoryRecord } from "../records.js";
import type { Keyset } from "../shared/pagination.js";
import type { BucketSpec, TakeResult } from "./token-bucket.js";

/** Which searches a history page lists: those matching every field given. */
export interface SearchHistoryQuery {
  taskId: string | null;
  agentId: string | null;
  /** Searches made at or after this time. */
  from: Date | null;
  /** Searches made before this time. */
  to: Date | null;
  /** An AGENT key's own agent: only its searches (null for people). */
  onlyAgent: string | null;
}

/** What the backoff becomes after a throttle, given the last one (until in the past, strikes 0 for none yet). */
export type NextBackoff = (last: SearchBackoffRecord) => { until: Date; strikes: number };

/**
 * The web search's shared state, in the database so every process sees it (implemented in
 * src/infra/db/stores/search.store.ts): the result cache, the rate limits' buckets, the engine's
 * backoff and the history.
 */
export interface SearchStore {
  /** The cached page under `key`, if it has not expired at `now`. */
  cached(key: string, now: Date): Promise<SearchCacheRecord | null>;
  /** Keeps a page (replacing one under the same key), and drops expired pages. */
  cache(entry: SearchCacheRecord, now: Date): Promise<void>;

  /**
   * One token from each bucket (see token-bucket.ts), atomically across processes: either every
   * bucket gives one or none does.
   */
  take(buckets: readonly BucketSpec[], now: Date, maxWaitMs: number): Promise<TakeResult>;

  /** The engine's backoff, if it has one (expired or not). */
  backoff(engine: string): Promise<SearchBackoffRecord | null>;
  /**
   * Records a throttle: when no backoff is in force at `now`, a new one from `next`; otherwise the
   * one in force stays (several calls throttled together are one strike). Returns the backoff.
   */
  throttled(engine: string, now: Date, next: NextBackoff): Promise<SearchBackoffRecord>;
  /** A search succeeded: the next throttle starts the backoff from its base again. */
  clearStrikes(engine: string, now: Date): Promise<void>;

  record(entry: SearchHistoryRecord): Promise<void>;
  /** One keyset page of the history, by id (time order). */
  page(query: SearchHistoryQuery, range: Keyset): Promise<SearchHistoryRecord[]>;
  count(query: SearchHistoryQuery): Promise<number>;
}
