/**
 * Web search: (1) parsing a recorded DuckDuckGo results page (html and lite endpoints) against
 * `cheerio.load` of the same page alone, the floor any cheerio parser pays; (2) a cached search's
 * latency against an uncached one, the engine a local server answering with the recorded page
 * (each uncached call a new query, so a miss in memory and in the database; the cached calls
 * repeat one query). Interleaved after warm-up; medians.
 */
import { load } from "cheerio";
import { startCore } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import { createLogger } from "../src/logger.js";
import { createGuardedFetcher } from "../src/infra/net/guarded-fetch.js";
import { SqlSearchStore } from "../src/infra/db/stores/search.store.js";
import { parseDdgPage } from "../src/tools/research/search/ddg.js";
import { SearchService } from "../src/tools/research/search/search.service.js";
import { ddgFixture, startFakeDuckDuckGo } from "../tests/helpers/fake-duckduckgo.js";
import { median, ms, tempDir, type Bench, type BenchResult } from "./lib.js";

const PARSE_RUNS = 300;
const SEARCH_RUNS = 200;
const WARMUP = 20;

function timeSync(fn: () => unknown): number {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}

export const webSearchBench: Bench = {
  name: "web-search",
  description: "DuckDuckGo page parse vs cheerio.load alone; cached vs uncached search from a local engine",
  async run(): Promise<BenchResult> {
    const figures: BenchResult["figures"] = [];
    const targets: BenchResult["targets"] = [];
    const notes: string[] = [];

    // 1. Parsing.
    for (const [label, file, layout] of [
      ["html results page", "ddg_html_results_eino.html", "html"],
      ["lite results page", "ddg_lite_results_weather_sf.html", "lite"],
    ] as const) {
      const html = ddgFixture(file);
      const parse: number[] = [];
      const bare: number[] = [];
      for (let i = 0; i < PARSE_RUNS + WARMUP; i++) {
        const p = timeSync(() => parseDdgPage(html, { layout }));
        const b = timeSync(() => load(html));
        if (i >= WARMUP) (parse.push(p), bare.push(b));
      }
      const ratio = median(parse) / median(bare);
      figures.push({
        name: `parse ${label} (${Math.round(html.length / 1024)} KB), median`,
        value: ms(median(parse)),
        baseline: ms(median(bare)),
        note: `${ratio.toFixed(2)}× cheerio.load alone`,
      });
      targets.push({
        name: `parse ${label} vs cheerio.load alone (median)`,
        measured: `${ratio.toFixed(2)}×`,
        target: "≤ 3× (a few selector walks over the loaded page)",
        pass: ratio <= 3,
      });
    }

    // 2. Cached vs uncached, through the search service on SQLite and the guarded fetcher.
    const ddg = await startFakeDuckDuckGo();
    const config = loadConfig({
      DATA_DIR: tempDir("web-search"),
      LOG_LEVEL: "silent",
      WORKERS: "0",
      SEARCH_DDG_URL: ddg.url,
      SEARCH_DDG_LITE_URL: ddg.liteUrl,
      FETCH_ALLOW: "127.0.0.1",
      FETCH_HOST_DELAY_MS: "0",
      SEARCH_RATE_PER_MINUTE: "10000",
      SEARCH_RATE_PER_AGENT_PER_MINUTE: "10000",
      SEARCH_RATE_BURST: "10000",
    });
    const logger = createLogger("silent");
    const core = await startCore(config, logger, {});
    const fetcher = createGuardedFetcher(config.fetch);
    try {
      const search = new SearchService(new SqlSearchStore(core.db), fetcher, config.search, logger);
      const task = await core.services.tasks.create({ title: "bench search", complexity: 5 });
      const scope = {
        caller: { apiKeyId: "bench", name: "bench", role: "ADMIN" as const, agentId: null },
        workspace: { id: task.id, taskId: task.id, agentId: task.id },
        toolCallId: null,
      };
      const request = (query: string) => ({
        query,
        region: "wt-wt",
        safeSearch: "MODERATE" as const,
        page: 1,
        maxResults: 10,
        includeAds: false,
      });
      const cached: number[] = [];
      const uncached: number[] = [];
      await search.search(request("the cached query"), scope);
      for (let i = 0; i < SEARCH_RUNS + WARMUP; i++) {
        let t0 = performance.now();
        const miss = await search.search(request(`query number ${i}`), scope);
        const u = performance.now() - t0;
        t0 = performance.now();
        const hit = await search.search(request("the cached query"), scope);
        const c = performance.now() - t0;
        if (miss.cached || !hit.cached)
          throw new Error("the bench's cache misses and hits are not what they should be");
        if (i >= WARMUP) (uncached.push(u), cached.push(c));
      }
      const ratio = median(cached) / median(uncached);
      figures.push({
        name: "search latency, cached (median)",
        value: ms(median(cached)),
        baseline: ms(median(uncached)),
        note: `${(1 / ratio).toFixed(1)}× faster than uncached (local engine, history row written either way)`,
      });
      targets.push({
        name: "cached search latency vs uncached (median)",
        measured: `${ratio.toFixed(2)}×`,
        target: "≤ 0.5× of an uncached search from a local engine",
        pass: ratio <= 0.5,
      });
      notes.push(`engine requests: ${ddg.requests.length} for ${SEARCH_RUNS + WARMUP + 1} misses`);
    } finally {
      await fetcher.close();
      await core.close();
      await ddg.close();
    }
    return { figures, targets, notes };
  },
};
