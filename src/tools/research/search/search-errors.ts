import { DomainError } from "../../../domain/errors.js";

/** The engine's anomaly page: asked again after `retryAfterSeconds`. */
export const searchThrottled = (
  retryAfterSeconds: number,
  message = "DuckDuckGo refused to answer (its anomaly page)",
) =>
  new DomainError("SEARCH_THROTTLED", `${message}; searching again in ${retryAfterSeconds} s`, { retryAfterSeconds });

export const searchParseFailed = (why: string) =>
  new DomainError("SEARCH_PARSE_FAILED", `The search engine's page did not have the expected structure: ${why}`, {
    reason: why,
  });
