import { performance } from "node:perf_hooks";
import { DEFAULT_CHROMIUM_PATH, type FetchConfig } from "../../config.js";
import { badInput } from "../../domain/errors.js";
import type { FetchedPage, FetchOptions, GuardedFetcher } from "../../tools/research/fetcher.js";
import { AddressPolicy } from "./address-policy.js";
import { ANY_CONTENT_TYPE } from "./body.js";
import { ConnectGuard, type Resolve } from "./connect-guard.js";
import type { EgressRefusal } from "./egress-proxy.js";
import { fetchFailed, fetchLimit } from "./fetch-errors.js";
import { HostTurns } from "./host-turns.js";
import { requestOnce, type HopResult, type Interrupts } from "./http-hop.js";
import { Renderer } from "./render.js";
import { ROBOTS_MAX_BYTES, RobotsCache, type RobotsTiming } from "./robots.js";

/** Redirects followed by one fetch; one more is LIMIT_EXCEEDED (limit "redirects"). */
export const MAX_REDIRECTS = 5;

/** Headers the fetcher sets itself; a caller's are dropped. */
const OWN_HEADERS = new Set([
  "host",
  "connection",
  "content-length",
  "content-type",
  "transfer-encoding",
  "accept-encoding",
  "te",
  "trailer",
  "upgrade",
  "keep-alive",
  "user-agent",
  "proxy-authorization",
  "proxy-connection",
]);
/** Headers not carried to another origin on a redirect. */
const ORIGIN_BOUND_HEADERS = new Set(["authorization", "cookie"]);

export interface FetcherDeps {
  /** The resolver whose answers are checked and connected to (tests inject names; default: the system's). */
  resolve?: Resolve;
  /** Chromium for `render` (CHROMIUM_PATH; default DEFAULT_CHROMIUM_PATH). */
  chromiumPath?: string;
  robotsTiming?: RobotsTiming;
  /** Told of every connection the render proxy refuses (a page's sub-requests included). */
  onEgressRefused?: (refusal: EgressRefusal) => void;
}

/** A GuardedFetcher that holds sockets, a proxy and a browser: `close` releases them all. */
export interface ClosableFetcher extends GuardedFetcher {
  close(): Promise<void>;
}

interface InternalOptions extends FetchOptions {
  maxBytes?: number;
  truncate?: boolean;
}

/** The guarded fetcher (see src/tools/research/fetcher.ts for what it refuses and how it fails). */
export function createGuardedFetcher(config: FetchConfig, deps: FetcherDeps = {}): ClosableFetcher {
  return new NetFetcher(config, deps);
}

class NetFetcher implements ClosableFetcher {
  private readonly guard: ConnectGuard;
  private readonly turns: HostTurns;
  private readonly robots: RobotsCache;
  private readonly interrupts: Interrupts = new Set();
  private readonly renderer: Renderer;
  private closed = false;

  constructor(
    private readonly config: FetchConfig,
    deps: FetcherDeps,
  ) {
    this.guard = new ConnectGuard(new AddressPolicy(config.allow), deps.resolve);
    this.turns = new HostTurns(config.hostDelayMs);
    this.robots = new RobotsCache(
      async (robotsUrl) => {
        const page = await this.fetchChecked(robotsUrl.href, {
          robots: false,
          accept: [ANY_CONTENT_TYPE],
          maxBytes: ROBOTS_MAX_BYTES,
          truncate: true,
        });
        return { status: page.status, body: page.body };
      },
      config.userAgent,
      deps.robotsTiming,
    );
    this.renderer = new Renderer({
      config,
      guard: this.guard,
      chromiumPath: deps.chromiumPath ?? DEFAULT_CHROMIUM_PATH,
      onRefused: deps.onEgressRefused,
      beforeLoad: (url, opts) => this.admit(url, opts),
      turns: this.turns,
    });
  }

  fetch(url: string, opts: FetchOptions = {}): Promise<FetchedPage> {
    return this.fetchChecked(url, opts);
  }

  async render(url: string, opts: Pick<FetchOptions, "signal" | "robots"> = {}): Promise<FetchedPage> {
    this.ensureOpen(url);
    return this.renderer.render(parseUrl(url), opts);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const interrupt of [...this.interrupts]) interrupt(fetchFailed("reset", "(any)", "the fetcher was closed"));
    await this.renderer.close();
  }

  private ensureOpen(url: string): void {
    if (this.closed) throw fetchFailed("reset", url, "the fetcher was closed");
  }

  /** What every hop and every render passes first: the URL's own rules, then robots.txt. */
  private async admit(url: URL, opts: Pick<FetchOptions, "signal" | "robots">): Promise<void> {
    this.guard.checkUrl(url);
    if (opts.robots !== false) await this.robots.check(url, opts.signal);
  }

  private async fetchChecked(url: string, opts: InternalOptions): Promise<FetchedPage> {
    this.ensureOpen(url);
    const started = performance.now();
    let current = parseUrl(url);
    let method = opts.method ?? "GET";
    let body =
      method === "POST" && opts.form
        ? Buffer.from(new URLSearchParams({ ...opts.form }).toString())
        : method === "POST" && opts.json !== undefined
          ? Buffer.from(opts.json)
          : undefined;
    let headers = this.requestHeaders(opts, body !== undefined);
    let timeLeftMs = this.config.timeoutMs;
    const redirects: string[] = [];
    for (;;) {
      await this.admit(current, opts);
      const hop = current;
      const result: HopResult = await this.turns.take(hop.hostname, opts.signal, async () => {
        this.ensureOpen(hop.href); // closed while this fetch waited for its turn
        const hopStarted = performance.now();
        try {
          return await requestOnce(
            this.guard,
            {
              url: hop,
              method,
              headers,
              body,
              accept: opts.accept,
              maxBytes: opts.maxBytes ?? this.config.maxBytes,
              truncate: opts.truncate,
              timeLeftMs,
              timeoutMs: this.config.timeoutMs,
              firstByteTimeoutMs: this.config.firstByteTimeoutMs,
              signal: opts.signal,
            },
            this.interrupts,
          );
        } finally {
          timeLeftMs -= performance.now() - hopStarted;
        }
      });
      if (result.kind === "final") {
        const { kind: _kind, firstByteMs, ...answer } = result;
        const totalMs = performance.now() - started;
        return { url, finalUrl: hop.href, redirects, ...answer, timings: { firstByteMs, totalMs } };
      }
      if (redirects.length >= MAX_REDIRECTS) throw fetchLimit("redirects", MAX_REDIRECTS, url);
      let next: URL;
      try {
        next = new URL(result.location, hop);
      } catch {
        throw fetchFailed("malformed", hop.href, "a redirect to an invalid URL");
      }
      if (result.status === 303 || (method === "POST" && (result.status === 301 || result.status === 302))) {
        method = "GET";
        body = undefined;
        headers = this.requestHeaders(opts, false);
      }
      if (next.origin !== hop.origin) {
        headers = Object.fromEntries(Object.entries(headers).filter(([name]) => !ORIGIN_BOUND_HEADERS.has(name)));
      }
      redirects.push(next.href);
      current = next;
    }
  }

  private requestHeaders(opts: FetchOptions, form: boolean): Record<string, string> {
    const own: Record<string, string> = {
      "user-agent": this.config.userAgent,
      accept: (opts.accept ?? ["text/html", "application/xhtml+xml", "*/*;q=0.8"]).join(", "),
      "accept-encoding": "gzip, deflate, br",
      ...(form
        ? { "content-type": opts.json !== undefined ? "application/json" : "application/x-www-form-urlencoded" }
        : {}),
    };
    const theirs = Object.entries(opts.headers ?? {})
      .map(([name, value]) => [name.toLowerCase(), value] as const)
      .filter(([name]) => !OWN_HEADERS.has(name));
    return { ...Object.fromEntries(theirs), ...own };
  }
}

/** A URL given to fetch or render: anything `new URL` refuses is BAD_USER_INPUT. */
function parseUrl(url: string): URL {
  try {
    return new URL(url);
  } catch {
    throw badInput("url", "is not a valid absolute URL");
  }
}
