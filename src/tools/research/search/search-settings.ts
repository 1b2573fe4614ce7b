import type { DdgLayout } from "./ddg.js";

/** Web search's settings (the SEARCH_* variables, parsed in src/config.ts). */
export interface SearchSettings {
  /** The html endpoint (SEARCH_DDG_URL). */
  htmlUrl: string;
  /** The lite endpoint (SEARCH_DDG_LITE_URL): the fallback when an html page does not parse; null: none. */
  liteUrl: string | null;
  /** Which endpoint is asked first (SEARCH_DDG_ENDPOINT). */
  endpoint: DdgLayout;
  /** Requests to the engine per minute, all agents together (SEARCH_RATE_PER_MINUTE). */
  ratePerMinute: number;
  /** Requests per minute for the searches of one agent's workspaces (SEARCH_RATE_PER_AGENT_PER_MINUTE). */
  ratePerAgentPerMinute: number;
  /** Requests let through at once after a quiet spell (SEARCH_RATE_BURST), at most each rate. */
  rateBurst: number;
  /** The longest a call waits for its turn before it fails with RATE_LIMITED (SEARCH_RATE_MAX_WAIT_MS). */
  rateMaxWaitMs: number;
  /** How long a result page is kept (SEARCH_CACHE_TTL_SECONDS); 0: not at all. */
  cacheTtlSeconds: number;
  /** The first backoff after a throttle, doubled for each throttle in a row (SEARCH_THROTTLE_BACKOFF_SECONDS). */
  throttleBackoffSeconds: number;
  /** The longest backoff (SEARCH_THROTTLE_MAX_BACKOFF_SECONDS). */
  throttleMaxBackoffSeconds: number;
}
