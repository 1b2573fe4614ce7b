/** The words of web search shared by every layer: safe-search levels and how a search ended. */

export const safeSearchLevels = ["STRICT", "MODERATE", "OFF"] as const;
export type SafeSearch = (typeof safeSearchLevels)[number];

/**
 * How a search ended, as its history row records it: OK, or the failure (each maps one error code:
 * SEARCH_THROTTLED, RATE_LIMITED, SEARCH_PARSE_FAILED, FETCH_FAILED, POLICY_DENIED, LIMIT_EXCEEDED),
 * CANCELLED when its tool call was, FAILED for anything else.
 */
export const searchOutcomes = [
  "OK",
  "THROTTLED",
  "RATE_LIMITED",
  "PARSE_FAILED",
  "FETCH_FAILED",
  "POLICY_DENIED",
  "LIMIT_EXCEEDED",
  "CANCELLED",
  "FAILED",
] as const;
export type SearchOutcome = (typeof searchOutcomes)[number];

/** The region searched when none is given: DuckDuckGo's "all regions". */
export const DEFAULT_SEARCH_REGION = "wt-wt";

/** The deepest page a search may ask for (pages are fetched in order: page N needs page N-1's form). */
export const MAX_SEARCH_PAGE = 10;

/** The most results one search returns. */
export const MAX_SEARCH_RESULTS = 50;

/** The longest query, in characters. */
export const MAX_SEARCH_QUERY_LENGTH = 500;
