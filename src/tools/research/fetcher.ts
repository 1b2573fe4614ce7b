/**
 * The one way the service reaches the web (implemented in src/infra/net/): every network tool
 * (search, fetchPage, research) fetches through a GuardedFetcher, host side; sandboxed commands
 * stay offline. It refuses what the address policy, robots.txt or the caps refuse, with typed
 * errors (DomainError):
 * - POLICY_DENIED, `rule` naming what refused it ("scheme", "address", "robots", "content-type"…),
 *   with the `url` (and the `address` for an address refusal);
 * - LIMIT_EXCEEDED, `limit`: "bytes" (after decompression), "time", "firstByte" or "redirects";
 * - FETCH_FAILED, `reason`: "dns", "unreachable", "tls", "reset" or "malformed", with the `url`.
 * An HTTP error status is not an error here: the caller reads `status` (a search engine's 202 means
 * something), and `fetchPage` turns a 4xx/5xx into FETCH_FAILED with reason "status".
 */
export interface FetchOptions {
  method?: "GET" | "POST";
  headers?: Readonly<Record<string, string>>;
  /** A form body (application/x-www-form-urlencoded), for POST. */
  form?: Readonly<Record<string, string>>;
  /** A JSON body (application/json), for POST (webhooks); not sent again after a redirect. */
  json?: string;
  /** Check robots.txt for the URL (default true). */
  robots?: boolean;
  /** Content types (lower-case, no parameters) accepted; default: the allowlist (HTML, XHTML, text, JSON, XML, PDF). */
  accept?: readonly string[];
  /** Aborts the fetch (the tool call cancelled). */
  signal?: AbortSignal;
}

export interface FetchedPage {
  /** The URL asked for. */
  url: string;
  /** The URL answered, after redirects. */
  finalUrl: string;
  /** Each URL redirected to, in order. */
  redirects: string[];
  status: number;
  /** Lower-case media type without parameters, e.g. "text/html". */
  contentType: string;
  /** The charset parameter of the content type, if any. */
  charset: string | null;
  headers: Readonly<Record<string, string>>;
  /** The body, decompressed. */
  body: Buffer;
  timings: { firstByteMs: number; totalMs: number };
}

export interface GuardedFetcher {
  fetch(url: string, opts?: FetchOptions): Promise<FetchedPage>;
  /**
   * Loads the page in Chromium, every request the page makes passed through the same address
   * checks; `body` is the rendered document's HTML.
   */
  render(url: string, opts?: Pick<FetchOptions, "signal" | "robots">): Promise<FetchedPage>;
}
