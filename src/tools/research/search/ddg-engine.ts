/**
 * DuckDuckGo asked for one result page, in turn: while the engine's backoff lasts (started by its
 * anomaly page, kept in the database: every process respects it) a call is refused at once with
 * SEARCH_THROTTLED; otherwise it takes a token of the global and of its agent's bucket (in the
 * database, shared by every process), waiting for it up to SEARCH_RATE_MAX_WAIT_MS, else
 * RATE_LIMITED. The request goes through the guarded fetcher, host side, robots.txt not consulted
 * (the engine's own endpoint); an html page that does not parse is asked of the lite endpoint.
 */
import { setTimeout as delay } from "node:timers/promises";
import type { Principal } from "../../../domain/auth/principal.js";
import { DomainError } from "../../../domain/errors.js";
import type { SafeSearch } from "../../../domain/research/search-terms.js";
import type { SearchStore } from "../../../domain/research/search.store.js";
import { backoffSeconds, type BucketSpec } from "../../../domain/research/token-bucket.js";
import type { Logger } from "../../../domain/shared/deps.js";
import type { FetchedPage, GuardedFetcher } from "../fetcher.js";
import type { DdgLayout, DdgNextPage, DdgResult } from "./ddg.js";
import { searchParseFailed, searchThrottled } from "./search-errors.js";
import type { SearchSettings } from "./search-settings.js";

/** Who searches, where: the tool call's caller and workspace. */
export interface SearchScope {
  caller: Principal;
  workspace: { id: string; taskId: string; agentId: string };
  toolCallId: string | null;
  signal?: AbortSignal;
}

/** What one call made the engine do, for its history row. */
export interface EngineTrace {
  engineRequests: number;
}

/** The engine's name: the key of its backoff row. */
export const SEARCH_ENGINE = "duckduckgo";

/** DuckDuckGo's `kp` parameter for each safe-search level. */
export const safeSearchParam: Record<SafeSearch, string> = { STRICT: "1", MODERATE: "-1", OFF: "-2" };

const secondsUntil = (until: Date, now: Date): number =>
  Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 1000));

export const rateLimited = (retryAfterSeconds: number, message: string) =>
  new DomainError("RATE_LIMITED", `${message}; try again in ${retryAfterSeconds} s`, { retryAfterSeconds });

export class DdgEngine {
  constructor(
    private readonly store: Pick<SearchStore, "take" | "backoff" | "throttled" | "clearStrikes">,
    private readonly fetcher: GuardedFetcher,
    private readonly settings: SearchSettings,
    private readonly logger: Logger,
    private readonly clock: () => Date,
  ) {}

  /**
   * Asks the engine for one page: its turn first (backoff, rate limits), then the request; an
   * html page that does not parse is asked of the lite endpoint with the same form.
   */
  async ask(
    layout: DdgLayout,
    form: Record<string, string>,
    firstPosition: number,
    scope: SearchScope,
    trace: EngineTrace,
  ): Promise<{ results: DdgResult[]; next: DdgNextPage | null }> {
    try {
      return await this.request(layout, form, firstPosition, scope, trace);
    } catch (err) {
      const fallback = this.settings.liteUrl;
      if (!(err instanceof DomainError && err.code === "SEARCH_PARSE_FAILED") || layout !== "html" || !fallback) {
        throw err;
      }
      this.logger.warn({ reason: err.details.reason }, "an html results page did not parse: asking the lite endpoint");
      return this.request("lite", form, firstPosition, scope, trace);
    }
  }

  private async request(
    layout: DdgLayout,
    form: Record<string, string>,
    firstPosition: number,
    scope: SearchScope,
    trace: EngineTrace,
  ): Promise<{ results: DdgResult[]; next: DdgNextPage | null }> {
    const strikes = await this.turn(scope);
    const url = layout === "lite" && this.settings.liteUrl ? this.settings.liteUrl : this.settings.htmlUrl;
    trace.engineRequests++;
    const res = await this.fetcher.fetch(url, {
      method: "POST",
      form,
      robots: false,
      accept: ["text/html", "application/xhtml+xml"],
      signal: scope.signal,
    });
    const html = textOf(res);
    // The parser (and cheerio) is loaded at the first search, not when the service starts.
    const { isChallengePage, parseDdgPage } = await import("./ddg.js");
    if (res.status === 202 || res.status === 429 || isChallengePage(html)) throw await this.throttled(res);
    if (res.status < 200 || res.status > 299) {
      throw new DomainError("FETCH_FAILED", `The search engine answered HTTP ${res.status}`, {
        reason: "status",
        status: res.status,
        url,
      });
    }
    if (!html.trim()) throw searchParseFailed("an empty page");
    const parsed = parseDdgPage(html, { layout, firstPosition });
    if (strikes > 0) await this.store.clearStrikes(SEARCH_ENGINE, this.clock());
    return parsed;
  }

  /**
   * Waits for this call's turn: refused at once while the engine's backoff lasts, then a token
   * of the global and the agent's bucket, waited for up to the bound. Returns the backoff's
   * strikes (cleared when this request succeeds).
   */
  private async turn(scope: SearchScope): Promise<number> {
    const strikes = await this.checkBackoff();
    const s = this.settings;
    const burst = (perMinute: number) => Math.max(1, Math.min(s.rateBurst, perMinute));
    const buckets: BucketSpec[] = [
      { key: "global", perMinute: s.ratePerMinute, capacity: burst(s.ratePerMinute) },
      {
        key: `agent:${scope.workspace.agentId}`,
        perMinute: s.ratePerAgentPerMinute,
        capacity: burst(s.ratePerAgentPerMinute),
      },
    ];
    const took = await this.store.take(buckets, this.clock(), s.rateMaxWaitMs);
    if (!took.ok) {
      const which =
        took.bucket === "global"
          ? `the search rate limit (${s.ratePerMinute} per minute)`
          : `this agent's search rate limit (${s.ratePerAgentPerMinute} per minute)`;
      throw rateLimited(
        Math.max(1, Math.ceil(took.retryAfterMs / 1000)),
        `Over ${which} after waiting the longest allowed`,
      );
    }
    if (took.waitMs > 0) {
      await delay(took.waitMs, undefined, { signal: scope.signal });
      return this.checkBackoff();
    }
    return strikes;
  }

  /** Throws SEARCH_THROTTLED while the engine's backoff lasts; else returns its strikes. */
  private async checkBackoff(): Promise<number> {
    const backoff = await this.store.backoff(SEARCH_ENGINE);
    const now = this.clock();
    if (backoff && backoff.until > now) {
      throw searchThrottled(secondsUntil(backoff.until, now), "DuckDuckGo throttled this service's searches");
    }
    return backoff?.strikes ?? 0;
  }

  /** Records the engine's throttle (its backoff, for every process) and returns the error for it. */
  private async throttled(res: FetchedPage): Promise<DomainError> {
    const now = this.clock();
    const s = this.settings;
    const asked = Number.parseInt(res.headers["retry-after"] ?? "", 10);
    const backoff = await this.store.throttled(SEARCH_ENGINE, now, (last) => {
      // A throttle long after the last backoff ended starts from the base again.
      const fresh = now.getTime() - last.until.getTime() > s.throttleMaxBackoffSeconds * 1000;
      const strikes = fresh ? 1 : last.strikes + 1;
      const seconds = Math.max(
        backoffSeconds(strikes, s.throttleBackoffSeconds, s.throttleMaxBackoffSeconds),
        Number.isFinite(asked) ? Math.min(asked, s.throttleMaxBackoffSeconds) : 0,
      );
      return { until: new Date(now.getTime() + seconds * 1000), strikes };
    });
    this.logger.warn({ until: backoff.until, strikes: backoff.strikes }, "the search engine throttled us: backing off");
    return searchThrottled(secondsUntil(backoff.until, now));
  }
}

/** A page's body as text, in its charset (UTF-8 when it names none or one Node does not know). */
function textOf(page: FetchedPage): string {
  try {
    return new TextDecoder(page.charset ?? "utf-8").decode(page.body);
  } catch {
    return new TextDecoder("utf-8").decode(page.body);
  }
}
