/**
 * webSearch and searchHistory through the GraphQL API, on the real server, its guarded fetcher
 * reaching a local DuckDuckGo (tests/helpers/fake-duckduckgo.ts) that serves the recorded pages.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  CreateApiKeyDocument,
  SearchHistoryDocument,
  SearchHistoryNodeDocument,
  SearchToolCallDocument,
  WebSearchDocument,
  type SearchHistoryQuery,
  type WebSearchQueryVariables,
} from "../generated/graphql.js";
import { RECORDED_VQD, startFakeDuckDuckGo, type FakeDuckDuckGo } from "../helpers/fake-duckduckgo.js";
import { describeProfiles } from "../helpers/profiles.js";
import { searchEnv, searchSetup, type SearchSetup } from "../helpers/search-setup.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

type HistoryEntry = SearchHistoryQuery["searchHistory"]["edges"][number]["node"];

describeProfiles("webSearch through the API", (profile) => {
  let ddg: FakeDuckDuckGo;
  let s: TestServer;
  let searcher: SearchSetup;
  let other: SearchSetup;

  beforeAll(async () => {
    ddg = await startFakeDuckDuckGo();
    s = await startTestServer(profile, {
      workers: 1,
      env: searchEnv(ddg, {
        SEARCH_THROTTLE_BACKOFF_SECONDS: "120",
        // Limits out of the way here (tests/api/web-search-limits.test.ts tests them).
        SEARCH_RATE_PER_MINUTE: "10000",
        SEARCH_RATE_PER_AGENT_PER_MINUTE: "10000",
        SEARCH_RATE_BURST: "1000",
      }),
    });
    searcher = await searchSetup(s, "searcher", 5);
    other = await searchSetup(s, "other-searcher", 9);
  });
  afterAll(async () => {
    await s?.stop();
    await ddg?.close();
  });

  const search = (vars: Omit<WebSearchQueryVariables, "workspaceId">, who: SearchSetup | null = searcher) =>
    s.gql(WebSearchDocument, { workspaceId: (who ?? searcher).workspaceId, ...vars }, who ? who.key : s.adminKey);
  const extensions = (r: { errors?: readonly { extensions?: Record<string, unknown> }[] }) => r.errors?.[0]?.extensions;
  const history = async (filter: Record<string, unknown>, first = 100, key = s.adminKey) =>
    (await s.ok(SearchHistoryDocument, { filter, first }, key)).searchHistory;

  it("returns every field of the results page, answers a repeat from the cache, and pages with the form fields", async () => {
    const first = (await search({ query: "eino" })).data?.webSearch;
    expect(first).toMatchObject({ query: "eino", region: "wt-wt", safeSearch: "MODERATE", page: 1, nextPage: 2 });
    expect(first?.cached).toBe(false);
    expect(first?.results).toHaveLength(10);
    expect(first?.results[0]).toEqual({
      position: 1,
      title: "GitHub - cloudwego/eino: The ultimate LLM/AI application development ...",
      url: "https://github.com/cloudwego/eino",
      displayUrl: "github.com/cloudwego/eino",
      snippet:
        "Eino is a framework for building LLM applications in Golang, inspired by LangChain and LlamaIndex. It provides component abstractions, orchestration APIs, best practices, tools and examples for LLM development.",
      ad: false,
    });
    expect(first?.results.map((r) => r.position)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(ddg.searches()).toHaveLength(1);
    expect(ddg.searches()[0]).toMatchObject({
      endpoint: "html",
      method: "POST",
      form: { q: "eino", kl: "wt-wt", kp: "-1" },
    });
    expect(ddg.requests.some((r) => r.path === "/robots.txt")).toBe(false);

    // The same query, spelled differently: the cache answers, the engine is not asked again.
    const again = (await search({ query: "  EINO  ", maxResults: 3 })).data?.webSearch;
    expect(again).toMatchObject({ query: "EINO", cached: true, nextPage: 2 });
    expect(again?.results.map((r) => r.url)).toEqual(first?.results.slice(0, 3).map((r) => r.url));
    expect(ddg.searches()).toHaveLength(1);

    // Page 2 posts page 1's paging form: the recorded page past the end answers, with no results.
    const second = (await search({ query: "eino", page: 2 })).data?.webSearch;
    expect(second).toMatchObject({ page: 2, results: [], nextPage: null, cached: false });
    expect(ddg.searches()).toHaveLength(2);
    expect(ddg.searches()[1]?.form).toEqual({
      q: "eino",
      s: "10",
      nextParams: "",
      v: "l",
      o: "json",
      dc: "11",
      api: "d.js",
      vqd: RECORDED_VQD,
      kl: "wt-wt",
      kp: "-1",
    });
    expect((await search({ query: "eino", page: 3 })).data?.webSearch).toMatchObject({ results: [], nextPage: null });
    expect(ddg.searches()).toHaveLength(2);

    // Another region and safe-search level is another search.
    await search({ query: "eino", region: "de-de", safeSearch: "STRICT" });
    expect(ddg.searches()[2]?.form).toEqual({ q: "eino", kl: "de-de", kp: "1" });
    await search({ query: "eino", safeSearch: "OFF" });
    expect(ddg.searches()[3]?.form).toMatchObject({ kp: "-2" });
  });

  it("asked for page 2 of a new query, searches page 1 first for its form (NFKC-normalized query)", async () => {
    const before = ddg.searches().length;
    const r = (await search({ query: "ｅｉｎｏ　framework", page: 2 })).data?.webSearch;
    expect(r).toMatchObject({ query: "eino framework", page: 2, results: [], cached: false });
    const made = ddg.searches().slice(before);
    expect(made.map((m) => m.form.vqd ?? null)).toEqual([null, RECORDED_VQD]);
    expect(made[0]?.form.q).toBe("eino framework");
    // Page 1 was kept on the way.
    expect((await search({ query: "Eino Framework" })).data?.webSearch).toMatchObject({ cached: true, nextPage: 2 });
    const [row] = (await history({ taskId: searcher.taskId }, 2)).edges.map((e) => e.node);
    expect(row).toMatchObject({ query: "Eino Framework", cacheHit: true, engineRequests: 0 });
  });

  it("gives an empty list for the no-results page", async () => {
    const r = (await search({ query: "testtesttesttesttesttesttesttesttesttesttest" })).data?.webSearch;
    expect(r).toMatchObject({ results: [], nextPage: null, cached: false });
  });

  it("asks the lite endpoint when the html page's layout changed, and fails with SEARCH_PARSE_FAILED when neither parses", async () => {
    ddg.changeHtmlLayout = true;
    try {
      const before = ddg.searches().length;
      const r = (await search({ query: "weather san francisco" })).data?.webSearch;
      expect(r?.results).toHaveLength(10);
      expect(r?.results[0]).toMatchObject({
        position: 1,
        title: "10 Day Weather - Downtown, San Francisco, California",
      });
      expect(r?.nextPage).toBe(2);
      expect(
        ddg
          .searches()
          .slice(before)
          .map((m) => m.endpoint),
      ).toEqual(["html", "lite"]);

      ddg.changeLiteLayout = true;
      const failed = await search({ query: "a changed layout" });
      expect(failed.data).toBeNull();
      expect(extensions(failed)).toMatchObject({ code: "SEARCH_PARSE_FAILED" });
      expect(failed.errors?.[0]?.message).toMatch(/did not have the expected structure/);
    } finally {
      ddg.changeHtmlLayout = false;
      ddg.changeLiteLayout = false;
    }
  });

  it("refuses bad input with every bad field, and keys that may not search", async () => {
    const bad = await search({ query: " ", page: 11, region: "Germany", maxResults: 0 });
    expect(extensions(bad)?.code).toBe("BAD_USER_INPUT");
    expect((extensions(bad)?.fields as Array<{ path: string }>).map((f) => f.path).sort()).toEqual([
      "maxResults",
      "page",
      "query",
      "region",
    ]);
    const viewer = (await s.ok(CreateApiKeyDocument, { input: { name: "looker", role: "VIEWER" } })).createApiKey.key;
    const r = await s.gql(WebSearchDocument, { workspaceId: searcher.workspaceId, query: "eino" }, viewer);
    expect(extensions(r)?.code).toBe("FORBIDDEN");
    // Another agent's workspace is not this agent's to search in.
    const elsewhere = await s.gql(WebSearchDocument, { workspaceId: other.workspaceId, query: "eino" }, searcher.key);
    expect(extensions(elsewhere)?.code).toBe("FORBIDDEN");
  });

  it("keeps every search in the history: filters, Relay paging both ways, AGENT keys see their own agent's", async () => {
    await search({ query: "eino" }, other);
    await search({ query: "eino", maxResults: 2 }, null); // an operator (the admin) in the searcher's workspace

    const mine = await history({ taskId: searcher.taskId });
    const rows = mine.edges.map((e) => e.node);
    expect(mine.totalCount).toBe(rows.length);
    // Newest first: the admin's search, then the searcher's.
    expect(rows[0]).toMatchObject({
      query: "eino",
      callerName: "bootstrap admin",
      agentId: searcher.agentId,
      workspaceId: searcher.workspaceId,
      resultCount: 2,
      cacheHit: true,
      engineRequests: 0,
      outcome: "OK",
      errorMessage: null,
      safeSearch: "MODERATE",
      region: "wt-wt",
      page: 1,
    });
    const outcomes = rows.map((r) => r.outcome);
    expect(outcomes).toContain("PARSE_FAILED");
    expect(outcomes.filter((o) => o === "OK").length).toBeGreaterThanOrEqual(10);
    const miss = rows.find((r) => r.query === "eino" && r.page === 1 && !r.cacheHit && r.region === "wt-wt");
    expect(miss).toMatchObject({ callerName: searcher.keyName, resultCount: 10, engineRequests: 1 });
    const failure = rows.find((r) => r.outcome === "PARSE_FAILED") as HistoryEntry;
    expect(failure).toMatchObject({ query: "a changed layout", resultCount: 0, engineRequests: 2 });
    expect(failure.errorMessage).toMatch(/expected structure/);
    // The history row names its tool call, which recorded the same failure.
    const call = (await s.ok(SearchToolCallDocument, { id: failure.toolCallId as string })).toolCall;
    expect(call).toMatchObject({ tool: "webSearch", status: "FAILED", errorCode: "SEARCH_PARSE_FAILED" });
    for (const r of rows) expect(r.latencyMs).toBeGreaterThanOrEqual(0);

    // Forward in pages of 3, then back from the end.
    const seen: string[] = [];
    let after: string | null | undefined = null;
    for (;;) {
      const page: SearchHistoryQuery["searchHistory"] = (
        await s.ok(SearchHistoryDocument, { filter: { taskId: searcher.taskId }, first: 3, after })
      ).searchHistory;
      seen.push(...page.edges.map((e) => e.node.id));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(seen).toEqual(rows.map((r) => r.id));
    const last = (await s.ok(SearchHistoryDocument, { filter: { taskId: searcher.taskId }, last: 2 })).searchHistory;
    expect(last.edges.map((e) => e.node.id)).toEqual(rows.slice(-2).map((r) => r.id));
    expect(last.pageInfo.hasPreviousPage).toBe(true);

    // By agent, and by time.
    expect((await history({ agentId: other.agentId })).edges.map((e) => e.node.taskId)).toEqual([other.taskId]);
    const newest = new Date(rows[0]!.createdAt);
    const from = await history({ taskId: searcher.taskId, from: newest.toISOString() });
    expect(from.edges.map((e) => e.node.id)).toContain(rows[0]!.id);
    expect(from.totalCount).toBeLessThan(rows.length);
    expect(
      (await history({ taskId: searcher.taskId, to: newest.toISOString() })).edges.map((e) => e.node.id),
    ).not.toContain(rows[0]!.id);
    const backwards = await s.gql(SearchHistoryDocument, {
      filter: { from: newest.toISOString(), to: new Date(0).toISOString() },
    });
    expect(extensions(backwards)).toMatchObject({ code: "BAD_USER_INPUT", field: "filter.to" });

    // An AGENT key sees its own agent's searches: the other agent's are not there for it.
    const own = await history({}, 100, other.key);
    expect(own.edges.map((e) => e.node.agentId)).toEqual([other.agentId]);
    expect((await history({ taskId: searcher.taskId }, 100, other.key)).totalCount).toBe(0);
    expect((await history({ agentId: searcher.agentId }, 100, other.key)).edges).toEqual([]);
    expect((await history({}, 100, searcher.key)).totalCount).toBe(rows.length);

    // node(id) finds a search again, for those who may see it.
    const id = rows[0]!.id;
    expect((await s.ok(SearchHistoryNodeDocument, { id })).node).toMatchObject({
      __typename: "SearchHistoryEntry",
      id,
      query: "eino",
      outcome: "OK",
    });
    expect((await s.ok(SearchHistoryNodeDocument, { id }, searcher.key)).node?.id).toBe(id);
    expect((await s.ok(SearchHistoryNodeDocument, { id }, other.key)).node).toBeNull();
  });

  // Last: the backoff it starts holds every later search of this server.
  it("turns the anomaly page into SEARCH_THROTTLED with retryAfterSeconds, and backs off", async () => {
    ddg.throttle = true;
    const before = ddg.searches().length;
    const r = await search({ query: "throttled query" });
    expect(extensions(r)).toMatchObject({ code: "SEARCH_THROTTLED", retryAfterSeconds: 120 });
    expect(ddg.searches().length).toBe(before + 1);
    ddg.throttle = false;

    // The engine answers again, but the backoff holds: no request is made until it ends.
    const held = await search({ query: "another query" });
    expect(extensions(held)?.code).toBe("SEARCH_THROTTLED");
    expect(extensions(held)?.retryAfterSeconds).toBeGreaterThan(100);
    expect(extensions(held)?.retryAfterSeconds).toBeLessThanOrEqual(120);
    expect(ddg.searches().length).toBe(before + 1);
    // The cache still answers.
    expect((await search({ query: "eino" })).data?.webSearch.cached).toBe(true);

    const rows = (await history({ taskId: searcher.taskId }, 3)).edges.map((e) => e.node);
    expect(rows.map((n) => [n.query, n.outcome, n.engineRequests])).toEqual([
      ["eino", "OK", 0],
      ["another query", "THROTTLED", 0],
      ["throttled query", "THROTTLED", 1],
    ]);
  });
});
