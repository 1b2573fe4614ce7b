/**
 * The web search's rate limits and the engine's backoff: a call over a limit waits its turn up to
 * SEARCH_RATE_MAX_WAIT_MS, then fails with RATE_LIMITED and the wait it would need; on PostgreSQL
 * the buckets and the backoff are shared by every process on the database.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SearchHistoryDocument, WebSearchDocument } from "../generated/graphql.js";
import { startFakeDuckDuckGo, type FakeDuckDuckGo } from "../helpers/fake-duckduckgo.js";
import { createTestDatabase, pgBaseUrl } from "../helpers/pg.js";
import { describeProfiles } from "../helpers/profiles.js";
import { searchEnv, searchSetup, type SearchSetup } from "../helpers/search-setup.js";
import { startTestServer, type GqlResult, type TestServer } from "../helpers/server.js";

interface Timed {
  query: string;
  result: GqlResult<{ webSearch: { cached: boolean } }>;
  /** Milliseconds the call took, as its client saw it. */
  ms: number;
}

/** A search as a client makes it, timed. */
async function timedSearch(s: TestServer, who: SearchSetup, query: string): Promise<Timed> {
  const started = Date.now();
  const result = await s.gql(WebSearchDocument, { workspaceId: who.workspaceId, query }, who.key);
  return { query, result, ms: Date.now() - started };
}

const codeOf = (t: Timed) => t.result.errors?.[0]?.extensions?.code ?? "OK";
const retryAfter = (t: Timed) => t.result.errors?.[0]?.extensions?.retryAfterSeconds as number;

/** Gaps between the engine's requests, in arrival order. */
const gaps = (ddg: FakeDuckDuckGo) => {
  const at = ddg.searches().map((r) => r.at);
  return at.slice(1).map((t, i) => t - at[i]!);
};

/** One token per 2 s (30 a minute), none saved up beyond one: a call waits at most 3 s. */
const tight = { SEARCH_RATE_BURST: "1", SEARCH_RATE_MAX_WAIT_MS: "3000" };

describeProfiles("web search rate limits", (profile) => {
  let ddg: FakeDuckDuckGo;
  let s: TestServer;
  let busy: SearchSetup;
  let idle: SearchSetup;

  beforeAll(async () => {
    ddg = await startFakeDuckDuckGo();
    s = await startTestServer(profile, {
      workers: 1,
      env: searchEnv(ddg, { ...tight, SEARCH_RATE_PER_MINUTE: "10000", SEARCH_RATE_PER_AGENT_PER_MINUTE: "30" }),
    });
    busy = await searchSetup(s, "busy", 4);
    idle = await searchSetup(s, "idle", 6);
  });
  afterAll(async () => {
    await s?.stop();
    await ddg?.close();
  });

  it("lets an agent's call over its limit wait its turn, refuses one that would wait past the bound, and leaves other agents alone", async () => {
    const calls = await Promise.all(["one", "two", "three"].map((q) => timedSearch(s, busy, `limits ${q}`)));
    const ok = calls.filter((c) => codeOf(c) === "OK").sort((a, b) => a.ms - b.ms);
    const refused = calls.filter((c) => codeOf(c) === "RATE_LIMITED");
    expect(ok).toHaveLength(2);
    expect(refused).toHaveLength(1);
    // The second call waited for the bucket to refill (2 s a token); the engine saw them 2 s apart.
    expect(ok[1]!.ms).toBeGreaterThanOrEqual(1_000);
    expect(gaps(ddg)).toHaveLength(1);
    expect(gaps(ddg)[0]).toBeGreaterThanOrEqual(1_900);
    // The third would have waited about 4 s, past the 3 s bound: refused at once, saying how long.
    expect(refused[0]!.ms).toBeLessThan(2_000);
    expect(retryAfter(refused[0]!)).toBeGreaterThanOrEqual(3);
    expect(retryAfter(refused[0]!)).toBeLessThanOrEqual(4);
    expect(refused[0]!.result.errors?.[0]?.message).toMatch(/this agent's search rate limit \(30 per minute\)/);

    // Another agent has a bucket of its own.
    const other = await timedSearch(s, idle, "limits four");
    expect(codeOf(other)).toBe("OK");
    expect(other.ms).toBeLessThan(1_000);

    const rows = (await s.ok(SearchHistoryDocument, { filter: { agentId: busy.agentId } })).searchHistory.edges;
    expect(rows.map((e) => e.node.outcome).sort()).toEqual(["OK", "OK", "RATE_LIMITED"]);
    const waited = rows.find((e) => e.node.query === ok[1]!.query)?.node;
    expect(waited?.latencyMs).toBeGreaterThanOrEqual(1_000);
  });
});

/** Two API processes on one fresh PostgreSQL database, searching through one fake engine. */
async function twoProcesses(ddg: FakeDuckDuckGo, env: Record<string, string>) {
  const db = await createTestDatabase();
  const shared = { ADMIN_API_KEY: `ak_${randomBytes(32).toString("base64url")}`, ...searchEnv(ddg, env) };
  const a = await startTestServer("postgres", { databaseUrl: db.url, workers: 1, env: shared });
  const b = await startTestServer("postgres", { databaseUrl: db.url, workers: 0, env: shared });
  return {
    a,
    b,
    async stop() {
      await a.stop();
      await b.stop();
      await db.drop();
    },
  };
}

describe.skipIf(!pgBaseUrl)("web search limits across two processes on one PostgreSQL [postgres]", () => {
  let ddg: FakeDuckDuckGo;
  beforeAll(async () => {
    ddg = await startFakeDuckDuckGo();
  });
  afterAll(() => ddg?.close());

  it("holds the global limit across processes: a call in one waits for the token the other took, and the bound holds", async () => {
    ddg.requests.length = 0;
    const pair = await twoProcesses(ddg, {
      ...tight,
      SEARCH_RATE_PER_MINUTE: "30",
      SEARCH_RATE_PER_AGENT_PER_MINUTE: "10000",
    });
    try {
      const who = await searchSetup(pair.a, "clustered", 3);
      const first = await timedSearch(pair.a, who, "cluster one");
      expect(codeOf(first)).toBe("OK");
      // Process B: the bucket process A emptied makes its first call wait, its second over the bound.
      const [second, third] = await Promise.all([
        timedSearch(pair.b, who, "cluster two"),
        timedSearch(pair.b, who, "cluster three"),
      ]);
      const [waited, refused] = codeOf(second) === "OK" ? [second, third] : [third, second];
      expect(codeOf(waited)).toBe("OK");
      expect(waited.ms).toBeGreaterThanOrEqual(1_000);
      expect(codeOf(refused)).toBe("RATE_LIMITED");
      expect(refused.ms).toBeLessThan(2_000);
      expect(retryAfter(refused)).toBeGreaterThanOrEqual(2);
      expect(refused.result.errors?.[0]?.message).toMatch(/the search rate limit \(30 per minute\)/);
      expect(ddg.searches()).toHaveLength(2);
      expect(gaps(ddg)[0]).toBeGreaterThanOrEqual(1_900);
      // Both processes' searches are in the one history.
      const rows = (await pair.a.ok(SearchHistoryDocument, { filter: { taskId: who.taskId } })).searchHistory;
      expect(rows.edges.map((e) => e.node.outcome).sort()).toEqual(["OK", "OK", "RATE_LIMITED"]);
    } finally {
      await pair.stop();
    }
  });

  it("makes every process respect the backoff one of them started on the anomaly page", async () => {
    ddg.requests.length = 0;
    const pair = await twoProcesses(ddg, { SEARCH_THROTTLE_BACKOFF_SECONDS: "300" });
    try {
      const who = await searchSetup(pair.a, "throttled", 3);
      ddg.throttle = true;
      const throttled = await timedSearch(pair.a, who, "anomaly");
      expect(codeOf(throttled)).toBe("SEARCH_THROTTLED");
      expect(retryAfter(throttled)).toBe(300);
      ddg.throttle = false;

      const elsewhere = await timedSearch(pair.b, who, "after the anomaly");
      expect(codeOf(elsewhere)).toBe("SEARCH_THROTTLED");
      expect(retryAfter(elsewhere)).toBeGreaterThan(250);
      expect(retryAfter(elsewhere)).toBeLessThanOrEqual(300);
      // Process B did not ask the engine: only A's request reached it.
      expect(ddg.searches()).toHaveLength(1);
      const rows = (await pair.b.ok(SearchHistoryDocument, { filter: { taskId: who.taskId } })).searchHistory;
      expect(rows.edges.map((e) => [e.node.query, e.node.outcome, e.node.engineRequests])).toEqual([
        ["after the anomaly", "THROTTLED", 0],
        ["anomaly", "THROTTLED", 1],
      ]);
    } finally {
      ddg.throttle = false;
      await pair.stop();
    }
  });
});
