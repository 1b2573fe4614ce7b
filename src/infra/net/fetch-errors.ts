import { DomainError, policyDenied } from "../../domain/errors.js";

/** What LIMIT_EXCEEDED names in `limit` when a fetch is stopped (see src/tools/research/fetcher.ts). */
export type FetchLimit = "bytes" | "time" | "firstByte" | "redirects";

/** What FETCH_FAILED names in `reason`. */
export type FetchFailure = "dns" | "unreachable" | "tls" | "reset" | "malformed";

const limitWords: Record<FetchLimit, (max: number) => string> = {
  bytes: (max) => `the body is over ${max} bytes (after decompression)`,
  time: (max) => `it took longer than ${max} ms in all`,
  firstByte: (max) => `no answer came within ${max} ms`,
  redirects: (max) => `it redirected more than ${max} times`,
};

export const fetchLimit = (limit: FetchLimit, max: number, url: string) =>
  new DomainError("LIMIT_EXCEEDED", `Fetching ${url} was stopped: ${limitWords[limit](max)}`, { limit, max, url });

const failureWords: Record<FetchFailure, string> = {
  dns: "its host name does not resolve",
  unreachable: "the host could not be reached",
  tls: "the TLS connection failed (certificate or handshake)",
  reset: "the connection was closed before the answer was complete",
  malformed: "the answer is not well-formed HTTP or its encoding is broken",
};

export const fetchFailed = (reason: FetchFailure, url: string, cause?: string) =>
  new DomainError("FETCH_FAILED", `${url} could not be fetched: ${failureWords[reason]}`, {
    reason,
    url,
    ...(cause === undefined ? {} : { cause }),
  });

/** POLICY_DENIED for an address (or a localhost name) the policy refuses. */
export const addressDenied = (url: string, host: string, range: string, address?: string) =>
  policyDenied(
    "address",
    `${url} is not fetched: ${address ?? host} is ${range === "localhost" ? "this machine's name" : `a ${range} address`}`,
    { url, host, range, ...(address === undefined ? {} : { address }) },
  );

const dnsCodes = new Set(["ENOTFOUND", "EAI_AGAIN", "EAI_FAIL", "EAI_NODATA", "EAI_NONAME", "ENODATA", "ESERVFAIL"]);
const unreachableCodes = new Set([
  "ECONNREFUSED",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ETIMEDOUT",
  "EADDRNOTAVAIL",
  "ENETDOWN",
  "EHOSTDOWN",
]);
const resetCodes = new Set(["ECONNRESET", "EPIPE", "ECONNABORTED", "ERR_STREAM_PREMATURE_CLOSE"]);

function codeOf(err: unknown): string {
  if (!(err instanceof Error)) return "";
  const code = (err as NodeJS.ErrnoException).code;
  if (typeof code === "string") return code;
  // autoSelectFamily reports every address it tried at once.
  const first = err instanceof AggregateError ? (err.errors[0] as unknown) : undefined;
  return first === undefined ? "" : codeOf(first);
}

/** A network error of node's (socket, TLS, HTTP parser, zlib) as FETCH_FAILED; a DomainError passes as is. */
export function asFetchError(err: unknown, url: string): DomainError {
  if (err instanceof DomainError) return err;
  const code = codeOf(err);
  if (dnsCodes.has(code)) return fetchFailed("dns", url, code);
  if (unreachableCodes.has(code)) return fetchFailed("unreachable", url, code);
  if (/CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_|EPROTO|HOSTNAME_MISMATCH/.test(code)) return fetchFailed("tls", url, code);
  if (resetCodes.has(code)) return fetchFailed("reset", url, code);
  if (/^(HPE_|Z_|ERR_BROTLI|ERR_ZLIB|ERR_INVALID_HTTP)/.test(code)) return fetchFailed("malformed", url, code);
  return fetchFailed("reset", url, code || "unknown");
}

/** What a cancelled fetch rejects with: the signal's reason, as fetch() does. */
export const abortReason = (signal: AbortSignal): unknown =>
  signal.reason ?? new DOMException("The fetch was aborted", "AbortError");
