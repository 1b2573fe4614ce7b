import { existsSync } from "node:fs";
import { performance } from "node:perf_hooks";
import type { Browser, BrowserContext, HTTPResponse } from "puppeteer-core";
import type { FetchConfig } from "../../config.js";
import { DomainError, policyDenied } from "../../domain/errors.js";
import { launchChromium, removeProfile } from "../browser/launch.js";
import type { FetchedPage, FetchOptions } from "../../tools/research/fetcher.js";
import { isAcceptedType, parseContentType } from "./body.js";
import type { ConnectGuard } from "./connect-guard.js";
import { EgressProxy, type EgressRefusal } from "./egress-proxy.js";
import { abortReason, fetchFailed, fetchLimit, type FetchFailure } from "./fetch-errors.js";
import { abortable, type HostTurns } from "./host-turns.js";

/** Pages rendered at once; more wait their turn. */
export const MAX_RENDERS = 4;
/** A render's proxy carries at most this many times FETCH_MAX_BYTES in all (scripts, images, tunnels). */
export const RENDER_TRANSFER_FACTOR = 4;
/** After `load`, how long the page is given to settle (no request for 500 ms) at most. */
const SETTLE_MAX_MS = 5_000;
const MAX_REDIRECTS = 5;

export type RenderOptions = Pick<FetchOptions, "signal" | "robots">;

export interface RendererSetup {
  config: FetchConfig;
  guard: ConnectGuard;
  chromiumPath: string;
  onRefused?: (refusal: EgressRefusal) => void;
  /** The URL's own rules and robots.txt, as every fetch passes them. */
  beforeLoad: (url: URL, opts: RenderOptions) => Promise<void>;
  turns: HostTurns;
}

interface Launched {
  browser: Browser;
  profileDir: string;
  /** Where the browser's default context goes (it loads nothing; no request leaves unchecked anyway). */
  proxy: EgressProxy;
}

/** Chromium's own network failures (net::ERR_…) as FETCH_FAILED reasons. */
function reasonOf(message: string): FetchFailure {
  if (/ERR_NAME_NOT_RESOLVED|ERR_NAME_RESOLUTION_FAILED/.test(message)) return "dns";
  if (/ERR_CERT_|ERR_SSL_|ERR_BAD_SSL/.test(message)) return "tls";
  if (/ERR_CONNECTION_(RESET|CLOSED|ABORTED)|ERR_EMPTY_RESPONSE/.test(message)) return "reset";
  if (/ERR_INVALID_RESPONSE|ERR_CONTENT_DECODING|ERR_RESPONSE_HEADERS/.test(message)) return "malformed";
  return "unreachable";
}

/**
 * `render`: the page loaded in Chromium (puppeteer-core, headless), one browser shared by every
 * render and closed with the fetcher. Each render gets a fresh browser context whose only way out
 * is an EgressProxy of its own (`--proxy-bypass-list=<-loopback>`: loopback too goes through it),
 * so every request the page makes is checked like a fetch, and refusals and bytes are the page's.
 */
export class Renderer {
  private launched: Promise<Launched> | undefined;
  private readonly proxies = new Set<EgressProxy>();
  private running = 0;
  private readonly waiting: Array<() => void> = [];
  private closed = false;

  constructor(private readonly setup: RendererSetup) {}

  async render(url: URL, opts: RenderOptions): Promise<FetchedPage> {
    await this.setup.beforeLoad(url, opts);
    // An early answer for a name that does not resolve or is refused; the proxy checks again when it connects.
    await this.setup.guard.resolveChecked(url.hostname, url.href);
    await this.slot(opts.signal);
    try {
      return await this.setup.turns.take(url.hostname, opts.signal, () => this.load(url, opts.signal));
    } finally {
      this.running -= 1;
      for (const wake of this.waiting.splice(0)) wake();
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.proxies].map((p) => p.close()));
    const launched = await this.launched?.catch(() => undefined);
    this.launched = undefined;
    if (!launched) return;
    await launched.browser.close().catch(() => undefined);
    await launched.proxy.close();
    await removeProfile(launched.profileDir);
  }

  /** Waits for one of the MAX_RENDERS places; every place freed wakes all waiters, who look again. */
  private async slot(signal: AbortSignal | undefined): Promise<void> {
    while (this.running >= MAX_RENDERS) {
      await abortable(new Promise<void>((resolve) => this.waiting.push(resolve)), signal);
    }
    this.running += 1;
  }

  private browser(): Promise<Launched> {
    if (this.closed) return Promise.reject(fetchFailed("reset", "(render)", "the fetcher was closed"));
    this.launched ??= this.launch().catch((err: unknown) => {
      this.launched = undefined;
      throw err;
    });
    return this.launched;
  }

  private async launch(): Promise<Launched> {
    const { chromiumPath, config } = this.setup;
    if (!existsSync(chromiumPath)) {
      throw new DomainError("FETCH_FAILED", `Pages cannot be rendered here: there is no Chromium at ${chromiumPath}`, {
        reason: "render-unavailable",
      });
    }
    const proxy = new EgressProxy({ guard: this.setup.guard, maxBytes: 0, refuseAll: true });
    const port = await proxy.listen();
    try {
      const { browser, profileDir } = await launchChromium({
        chromiumPath,
        profilePrefix: "render-profile-",
        network: [
          `--proxy-server=http://127.0.0.1:${port}`,
          "--proxy-bypass-list=<-loopback>",
          // Chromium resolves no name itself (the proxy does): nothing leaks through DNS or around the proxy.
          "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
          "--force-webrtc-ip-handling-policy=disable_non_proxied_udp",
        ],
        extraArgs: [`--user-agent=${config.userAgent}`],
      });
      browser.once("disconnected", () => {
        if (!this.closed) this.launched = undefined;
      });
      return { browser, profileDir, proxy };
    } catch (err) {
      await proxy.close();
      throw err;
    }
  }

  private async load(url: URL, signal: AbortSignal | undefined): Promise<FetchedPage> {
    const { config } = this.setup;
    const { browser } = await abortable(this.browser(), signal); // starting Chromium is not the page's time
    const started = performance.now();
    const proxy = new EgressProxy({
      guard: this.setup.guard,
      onRefused: this.setup.onRefused,
      maxBytes: RENDER_TRANSFER_FACTOR * config.maxBytes,
    });
    this.proxies.add(proxy);
    let context: BrowserContext | undefined;
    let stopped: unknown;
    const stop = (reason: unknown) => {
      stopped ??= reason;
      void context?.close().catch(() => undefined);
    };
    const timer = setTimeout(() => stop(fetchLimit("time", config.timeoutMs, url.href)), config.timeoutMs);
    const onAbort = () => stop(abortReason(signal!));
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      const port = await proxy.listen();
      context = await browser.createBrowserContext({
        proxyServer: `http://127.0.0.1:${port}`,
        proxyBypassList: ["<-loopback>"],
        downloadBehavior: { policy: "deny" },
      });
      if (stopped !== undefined) throw stopped;
      const page = await context.newPage();
      let firstByteMs = 0;
      let failedNavigation: string | undefined;
      page.on("response", (response) => {
        if (response.request().isNavigationRequest() && response.frame() === page.mainFrame()) {
          firstByteMs = performance.now() - started;
        }
      });
      page.on("requestfailed", (request) => {
        if (request.isNavigationRequest() && request.frame() === page.mainFrame()) failedNavigation = request.url();
      });
      let response: HTTPResponse | null;
      try {
        response = await page.goto(url.href, {
          waitUntil: "load",
          timeout: Math.max(1, config.timeoutMs - (performance.now() - started)),
        });
      } catch (err) {
        throw stopped ?? this.navigationFailure(err, proxy, failedNavigation ?? url.href);
      }
      if (!response) throw fetchFailed("malformed", url.href, "no document");
      const finalUrl = new URL(response.url());
      const ownRefusal = response.headers()["x-egress-refused"] === undefined ? undefined : proxy.failureFor(finalUrl);
      if (ownRefusal) throw ownRefusal;
      const chain = [
        ...response
          .request()
          .redirectChain()
          .map((r) => r.url()),
        response.url(),
      ];
      const redirects = chain.slice(1);
      if (redirects.length > MAX_REDIRECTS) throw fetchLimit("redirects", MAX_REDIRECTS, url.href);
      const { type, charset } = parseContentType(response.headers()["content-type"]);
      if (!isAcceptedType(type) && response.status() < 400) {
        throw policyDenied(
          "content-type",
          `${finalUrl.href} is ${type || "of no declared type"}, which is not fetched`,
          {
            url: finalUrl.href,
            contentType: type,
          },
        );
      }
      const settle = Math.min(SETTLE_MAX_MS, config.timeoutMs - (performance.now() - started));
      await page.waitForNetworkIdle({ idleTime: 500, timeout: Math.max(1, settle) }).catch(() => undefined);
      const html = Buffer.from(await page.content(), "utf8");
      if (stopped !== undefined) throw stopped;
      if (proxy.overLimit || html.length > config.maxBytes) throw fetchLimit("bytes", config.maxBytes, url.href);
      return {
        url: url.href,
        finalUrl: page.url(),
        redirects,
        status: response.status(),
        contentType: type,
        charset,
        headers: response.headers(),
        body: html,
        timings: { firstByteMs, totalMs: performance.now() - started },
      };
    } catch (err) {
      throw stopped ?? (err instanceof DomainError ? err : fetchFailed(reasonOf(String(err)), url.href, "render"));
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      await context?.close().catch(() => undefined);
      await proxy.close();
      this.proxies.delete(proxy);
    }
  }

  /** Why a navigation failed: what the proxy refused or ran into for that host, else Chromium's own error. */
  private navigationFailure(err: unknown, proxy: EgressProxy, failedUrl: string): DomainError {
    const known = URL.canParse(failedUrl) ? proxy.failureFor(new URL(failedUrl)) : undefined;
    if (known) return known;
    const message = err instanceof Error ? err.message : String(err);
    if (/timeout/i.test(message)) return fetchLimit("time", this.setup.config.timeoutMs, failedUrl);
    const code = /net::(ERR_[A-Z_]+)/.exec(message)?.[1];
    return fetchFailed(reasonOf(message), failedUrl, code);
  }
}
