import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../../../src/config.js";
import { backoffSeconds, levelAt, takeTokens } from "../../../../src/domain/research/token-bucket.js";
import { normalizeQuery, searchCacheKey } from "../../../../src/tools/research/search/search.service.js";

describe("web search settings", () => {
  it("has defaults for every SEARCH_* variable", () => {
    expect(loadConfig({}).search).toEqual({
      htmlUrl: "https://html.duckduckgo.com/html/",
      liteUrl: "https://lite.duckduckgo.com/lite/",
      endpoint: "html",
      ratePerMinute: 20,
      ratePerAgentPerMinute: 10,
      rateBurst: 3,
      rateMaxWaitMs: 10_000,
      cacheTtlSeconds: 3_600,
      throttleBackoffSeconds: 60,
      throttleMaxBackoffSeconds: 3_600,
    });
    expect(loadConfig({ SEARCH_DDG_LITE_URL: "none", SEARCH_CACHE_TTL_SECONDS: "0" }).search).toMatchObject({
      liteUrl: null,
      cacheTtlSeconds: 0,
    });
  });

  it.each([
    ["SEARCH_DDG_URL", "ftp://example.com/"],
    ["SEARCH_DDG_LITE_URL", "lite.duckduckgo.com"],
    ["SEARCH_DDG_ENDPOINT", "json"],
    ["SEARCH_RATE_PER_MINUTE", "0"],
    ["SEARCH_RATE_PER_AGENT_PER_MINUTE", "ten"],
    ["SEARCH_RATE_MAX_WAIT_MS", "-1"],
    ["SEARCH_CACHE_TTL_SECONDS", "1.5"],
    ["SEARCH_THROTTLE_BACKOFF_SECONDS", "0"],
  ])("names %s when it is bad (%s)", (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`^Invalid configuration: ${name} `));
  });

  it("needs the lite URL when the lite endpoint is the one asked", () => {
    expect(() => loadConfig({ SEARCH_DDG_ENDPOINT: "lite", SEARCH_DDG_LITE_URL: "none" })).toThrow(
      /SEARCH_DDG_LITE_URL must be a URL when SEARCH_DDG_ENDPOINT is lite/,
    );
  });
});

describe("the cache key", () => {
  it("is the query NFKC-normalized, trimmed, its spaces collapsed and lower-cased, with region, safe search and page", () => {
    expect(normalizeQuery("  Ｅｉｎｏ\u3000\t Framework ")).toBe("eino framework");
    const key = searchCacheKey("eino framework", "wt-wt", "MODERATE", 1);
    expect(searchCacheKey(" EINO   framework", "wt-wt", "MODERATE", 1)).toBe(key);
    expect(searchCacheKey("eino framework", "de-de", "MODERATE", 1)).not.toBe(key);
    expect(searchCacheKey("eino framework", "wt-wt", "STRICT", 1)).not.toBe(key);
    expect(searchCacheKey("eino framework", "wt-wt", "MODERATE", 2)).not.toBe(key);
  });
});

describe("token buckets and the backoff", () => {
  const t0 = new Date("2026-01-01T00:00:00Z");
  const bucket = { key: "b", perMinute: 60, capacity: 3 };

  it("refills at the rate, up to the capacity", () => {
    expect(levelAt(bucket, undefined, t0)).toBe(3);
    expect(levelAt(bucket, { tokens: -2, updatedAt: t0 }, new Date(t0.getTime() + 1_500))).toBe(-0.5);
    expect(levelAt(bucket, { tokens: 0, updatedAt: t0 }, new Date(t0.getTime() + 3_600_000))).toBe(3);
    // A clock behind the row's refills nothing.
    expect(levelAt(bucket, { tokens: 1, updatedAt: t0 }, new Date(t0.getTime() - 5_000))).toBe(1);
  });

  it("waits for the slowest bucket and names it when the wait is past the bound", () => {
    const slow = { key: "slow", perMinute: 6, capacity: 1 };
    const levels = new Map([["slow", { tokens: 0, updatedAt: t0 }]]);
    expect(takeTokens([bucket, slow], levels, t0, 60_000)).toMatchObject({ ok: true, waitMs: 10_000 });
    expect(takeTokens([bucket, slow], levels, t0, 5_000)).toEqual({ ok: false, retryAfterMs: 10_000, bucket: "slow" });
  });

  it("doubles the backoff for each throttle in a row, up to its longest", () => {
    expect([1, 2, 3, 4, 8].map((n) => backoffSeconds(n, 60, 600))).toEqual([60, 120, 240, 480, 600]);
    expect(backoffSeconds(0, 60, 600)).toBe(60);
  });
});
