/**
 * Web search (DuckDuckGo) for the `webSearch` tool: the cache and the history around the engine
 * (ddg-engine.ts: its turn under the rate limits and the backoff, the request, the parser).
 *
 * A call: the cache (this process's, then the database's) answers a page it has; otherwise the
 * engine is asked. Page 1 posts q, kl and kp; page N posts the paging form of page N-1, so when
 * page N-1 is not cached it is searched first (and so on back to page 1), each page a request of
 * its own, cached like any other. Every call, hit or miss, success or failure, is a history row.
 */
import { createHash } from "node:crypto";
import { agentScope } from "../../../domain/auth/access.js";
import type { Principal } from "../../../domain/auth/principal.js";
import { badInput, DomainError } from "../../../domain/errors.js";
import { isId, newId } from "../../../domain/ids.js";
import { SearchCacheRecord, SearchHistoryRecord } from "../../../domain/records.js";
import type { SafeSearch, SearchOutcome } from "../../../domain/research/search-terms.js";
import type { SearchHistoryQuery, SearchStore } from "../../../domain/research/search.store.js";
import type { Logger } from "../../../domain/shared/deps.js";
import { keyset, toPage, type Page, type PageArgs } from "../../../domain/shared/pagination.js";
import { checkAll } from "../../../domain/shared/validate.js";
import type { Json } from "../../../domain/terms.js";
import type { GuardedFetcher } from "../fetcher.js";
import type { DdgNextPage, DdgResult } from "./ddg.js";
import { DdgEngine, safeSearchParam, SEARCH_ENGINE, type EngineTrace, type SearchScope } from "./ddg-engine.js";
import type { SearchSettings } from "./search-settings.js";

export interface SearchRequest {
  query: string;
  region: string;
  safeSearch: SafeSearch;
  page: number;
  maxResults: number;
  includeAds: boolean;
}

export interface SearchResults {
  /** The query as sent: NFKC, trimmed, runs of whitespace as one space. */
  query: string;
  region: string;
  safeSearch: SafeSearch;
  page: number;
  results: DdgResult[];
  /** The next page's number, or null on the last page. */
  nextPage: number | null;
  cached: boolean;
}

/** Result pages this process keeps in memory (beside the database's cache). */
const MEMORY_CACHE_PAGES = 500;

/** A query as the cache compares it: NFKC, trimmed, whitespace collapsed, lower-case. */
export const normalizeQuery = (query: string): string => queryToSend(query).toLowerCase();

/** A query as it is sent: NFKC, trimmed, runs of whitespace as one space. */
export const queryToSend = (query: string): string => query.normalize("NFKC").replace(/\s+/g, " ").trim();

/** The cache key of one page: sha256 of the normalized query, region, safe search and page. */
export function searchCacheKey(query: string, region: string, safeSearch: SafeSearch, page: number): string {
  const parts = [SEARCH_ENGINE, normalizeQuery(query), region.toLowerCase(), safeSearch, page];
  return createHash("sha256").update(JSON.stringify(parts)).digest("hex");
}

/** A result page as cached. */
interface CachedPage {
  results: DdgResult[];
  next: DdgNextPage | null;
  expiresAt: number;
}

/** The history's outcome for an error a search ended with. */
export function outcomeOf(err: unknown): SearchOutcome {
  if (err instanceof DomainError) {
    const byCode: Partial<Record<DomainError["code"], SearchOutcome>> = {
      SEARCH_THROTTLED: "THROTTLED",
      RATE_LIMITED: "RATE_LIMITED",
      SEARCH_PARSE_FAILED: "PARSE_FAILED",
      FETCH_FAILED: "FETCH_FAILED",
      POLICY_DENIED: "POLICY_DENIED",
      LIMIT_EXCEEDED: "LIMIT_EXCEEDED",
    };
    return byCode[err.code] ?? "FAILED";
  }
  return err instanceof Error && err.name === "AbortError" ? "CANCELLED" : "FAILED";
}

export class SearchService {
  private readonly memory = new Map<string, CachedPage>();
  private readonly engine: DdgEngine;

  constructor(
    private readonly store: SearchStore,
    fetcher: GuardedFetcher,
    private readonly settings: SearchSettings,
    private readonly logger: Logger,
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.engine = new DdgEngine(store, fetcher, settings, logger, clock);
  }

  /** One search: a page of results (cached or asked for), recorded in the history either way. */
  async search(req: SearchRequest, scope: SearchScope): Promise<SearchResults> {
    const started = Date.now();
    const query = queryToSend(req.query);
    const trace: EngineTrace = { engineRequests: 0 };
    const record = (outcome: SearchOutcome, resultCount: number, cacheHit: boolean, error: string | null) =>
      this.record(req, query, scope, trace, { outcome, resultCount, cacheHit, error, latencyMs: Date.now() - started });
    try {
      const { page, hit } = await this.pageOf({ ...req, query }, req.page, scope, trace);
      const results = page.results.filter((r) => req.includeAds || !r.ad).slice(0, req.maxResults);
      await record("OK", results.length, hit, null);
      return {
        query,
        region: req.region,
        safeSearch: req.safeSearch,
        page: req.page,
        results,
        nextPage: page.next ? req.page + 1 : null,
        cached: hit,
      };
    } catch (err) {
      await record(outcomeOf(err), 0, false, err instanceof Error ? err.message.slice(0, 2000) : String(err));
      throw err;
    }
  }

  private async record(
    req: SearchRequest,
    query: string,
    scope: SearchScope,
    trace: EngineTrace,
    end: { outcome: SearchOutcome; resultCount: number; cacheHit: boolean; error: string | null; latencyMs: number },
  ): Promise<void> {
    const row: SearchHistoryRecord = Object.assign(new SearchHistoryRecord(), {
      id: newId(),
      taskId: scope.workspace.taskId,
      workspaceId: scope.workspace.id,
      agentId: scope.workspace.agentId,
      toolCallId: scope.toolCallId,
      callerName: scope.caller.name,
      callerKeyId: scope.caller.apiKeyId || null,
      query,
      region: req.region,
      safeSearch: req.safeSearch,
      page: req.page,
      resultCount: end.resultCount,
      cacheHit: end.cacheHit,
      engineRequests: trace.engineRequests,
      latencyMs: end.latencyMs,
      outcome: end.outcome,
      errorMessage: end.error,
      createdAt: this.clock(),
    });
    // The search's answer does not depend on its history row: a failed write is logged, not thrown.
    await this.store.record(row).catch((err: unknown) => this.logger.error({ err }, "could not record a search"));
  }

  /** Page `page` of a query, from the cache or the engine (earlier pages first when their forms are needed). */
  private async pageOf(
    req: Omit<SearchRequest, "page">,
    page: number,
    scope: SearchScope,
    trace: EngineTrace,
  ): Promise<{ page: CachedPage; hit: boolean }> {
    const key = searchCacheKey(req.query, req.region, req.safeSearch, page);
    const cached = await this.lookup(key);
    if (cached) return { page: cached, hit: true };
    let form: Record<string, string>;
    let layout = this.settings.endpoint;
    let firstPosition = 1;
    const kp = safeSearchParam[req.safeSearch];
    if (page === 1) {
      form = { q: req.query, kl: req.region, kp };
    } else {
      const previous = (await this.pageOf(req, page - 1, scope, trace)).page;
      if (!previous.next) {
        // Past the last page: an empty page, like the engine's own "No more results".
        return { page: await this.keep(key, req, page, { results: [], next: null }), hit: false };
      }
      layout = previous.next.layout;
      form = { ...previous.next.fields, kl: req.region, kp };
      firstPosition = Number.parseInt(form.dc ?? "", 10) || firstPosition;
    }
    const parsed = await this.engine.ask(layout, form, firstPosition, scope, trace);
    return { page: await this.keep(key, req, page, parsed), hit: false };
  }

  /** A cached page, from this process or the database. */
  private async lookup(key: string): Promise<CachedPage | null> {
    if (this.settings.cacheTtlSeconds === 0) return null;
    const now = this.clock();
    const mine = this.memory.get(key);
    if (mine && mine.expiresAt > now.getTime()) {
      this.memory.delete(key);
      this.memory.set(key, mine);
      return mine;
    }
    this.memory.delete(key);
    const row = await this.store.cached(key, now);
    if (!row) return null;
    const page: CachedPage = {
      results: row.results as unknown as DdgResult[],
      next: row.nextPage as unknown as DdgNextPage | null,
      expiresAt: row.expiresAt.getTime(),
    };
    this.remember(key, page);
    return page;
  }

  private remember(key: string, page: CachedPage): void {
    this.memory.set(key, page);
    while (this.memory.size > MEMORY_CACHE_PAGES) {
      const oldest = this.memory.keys().next().value as string;
      this.memory.delete(oldest);
    }
  }

  /** Caches a page just searched (when caching is on) and returns it. */
  private async keep(
    key: string,
    req: Omit<SearchRequest, "page">,
    page: number,
    parsed: { results: DdgResult[]; next: DdgNextPage | null },
  ): Promise<CachedPage> {
    const now = this.clock();
    const expiresAt = new Date(now.getTime() + this.settings.cacheTtlSeconds * 1000);
    const kept: CachedPage = { results: parsed.results, next: parsed.next, expiresAt: expiresAt.getTime() };
    if (this.settings.cacheTtlSeconds === 0) return kept;
    this.remember(key, kept);
    const entry: SearchCacheRecord = Object.assign(new SearchCacheRecord(), {
      key,
      query: normalizeQuery(req.query),
      region: req.region,
      safeSearch: req.safeSearch,
      page,
      results: parsed.results as unknown as Json,
      nextPage: parsed.next as unknown as Json,
      createdAt: now,
      expiresAt,
    });
    await this.store
      .cache(entry, now)
      .catch((err: unknown) => this.logger.warn({ err }, "could not keep a search page in the database's cache"));
    return kept;
  }

  /**
   * The searches that match `filter`, newest first; an AGENT key sees its own agent's only (a
   * filter naming another agent finds nothing).
   */
  async history(
    filter:
      { taskId?: string | null; agentId?: string | null; from?: Date | null; to?: Date | null } | null | undefined,
    paging: PageArgs,
    caller: Principal,
  ): Promise<Page<SearchHistoryRecord>> {
    const id = (field: string, value: string | null | undefined) => {
      if (value === null || value === undefined) return null;
      if (!isId(value)) throw badInput(field, "is not an id");
      return value;
    };
    const { range, query } = checkAll({
      range: () => keyset(paging),
      query: (): SearchHistoryQuery => {
        const from = filter?.from ?? null;
        const to = filter?.to ?? null;
        if (from && to && to <= from) throw badInput("filter.to", "must be after filter.from");
        return {
          taskId: id("filter.taskId", filter?.taskId),
          agentId: id("filter.agentId", filter?.agentId),
          from,
          to,
          onlyAgent: agentScope(caller),
        };
      },
    });
    const rows = await this.store.page(query, range);
    return toPage(rows, range, () => this.store.count(query));
  }
}
