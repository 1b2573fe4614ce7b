/**
 * Fetch + extract throughput: PAGES article pages read the way fetchPage and research read them
 * (the guarded fetcher: address checks at connect, robots.txt, caps; then extraction: Readability,
 * Markdown, links, tables), RESEARCH_FETCH_CONCURRENCY at a time as a research run does, against a
 * bare `fetch` of the same pages at the same concurrency. Pages/s and their ratio; the guarded fetch
 * without extraction is shown too, so the fetcher's share and extraction's share show apart.
 *
 * The pages are the recorded Readability fixtures (../shared/fixtures/readability: a 33 KB blog
 * post, a 10 KB article) and a generated article, served by a local server in this process (its
 * work counts for every side alike) on 127.0.0.1, allowed by FETCH_ALLOW; no politeness delay.
 */
import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { loadConfig } from "../src/config.js";
import { createGuardedFetcher } from "../src/infra/net/guarded-fetch.js";
import { readDocument } from "../src/tools/research/page.js";
import { RESEARCH_FETCH_CONCURRENCY } from "../src/tools/research/research.service.js";
import { articleHtml, mainArticle } from "../tests/helpers/research-web.js";
import { repoDir, type Bench, type BenchResult } from "./lib.js";

const PAGES = 300;
const WARMUP = 30;
const ROUNDS = 3;

function corpus(): Array<{ name: string; html: string }> {
  const dir = join(repoDir, "..", "shared", "fixtures", "readability");
  const recorded = ["v8-blog", "daringfireball-1"]
    .map((name) => ({ name, file: join(dir, name, "source.html") }))
    .filter((p) => existsSync(p.file))
    .map((p) => ({ name: p.name, html: readFileSync(p.file, "utf8") }));
  return [...recorded, { name: "generated article", html: articleHtml(mainArticle) }];
}

/** Runs `work` on each of `urls`, `concurrency` at a time; returns pages per second. */
async function throughput(urls: readonly string[], concurrency: number, work: (url: string) => Promise<unknown>) {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < urls.length) await work(urls[next++]!);
    }),
  );
  return urls.length / ((performance.now() - t0) / 1000);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export const researchFetchBench: Bench = {
  name: "research-fetch",
  description: "fetch + extract throughput (pages/s) through the guarded fetcher against a bare fetch",
  async run(): Promise<BenchResult> {
    const pages = corpus();
    const bytes = pages.map((p) => Buffer.from(p.html));
    const server = createServer((req, res) => {
      req.resume();
      const n = Number(/^\/p\/(\d+)$/.exec(req.url ?? "")?.[1] ?? NaN);
      if (!Number.isInteger(n)) {
        res.writeHead(404, { "content-type": "text/plain" }).end("not found");
        return;
      }
      const body = bytes[n % bytes.length]!;
      res.writeHead(200, { "content-type": "text/html; charset=utf-8", "content-length": body.length }).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const config = loadConfig({ FETCH_ALLOW: "127.0.0.1", FETCH_HOST_DELAY_MS: "0", LOG_LEVEL: "silent" });
    const fetcher = createGuardedFetcher(config.fetch);
    const urls = (from: number, n: number) => Array.from({ length: n }, (_, i) => `${origin}/p/${from + i}`);
    const bare = async (url: string) => (await fetch(url)).arrayBuffer();
    const guarded = (url: string) => fetcher.fetch(url);
    const extracted = (url: string) => readDocument(fetcher, url);
    try {
      // Warm-up: connections, robots.txt cached, the extraction's code compiled.
      for (const work of [bare, guarded, extracted])
        await throughput(urls(0, WARMUP), RESEARCH_FETCH_CONCURRENCY, work);
      const runs = { bare: [] as number[], guarded: [] as number[], extracted: [] as number[] };
      for (let round = 0; round < ROUNDS; round++) {
        runs.bare.push(await throughput(urls(0, PAGES), RESEARCH_FETCH_CONCURRENCY, bare));
        runs.guarded.push(await throughput(urls(0, PAGES), RESEARCH_FETCH_CONCURRENCY, guarded));
        runs.extracted.push(await throughput(urls(0, PAGES), RESEARCH_FETCH_CONCURRENCY, extracted));
      }
      const bareRate = median(runs.bare);
      const guardedRate = median(runs.guarded);
      const extractedRate = median(runs.extracted);
      const perPage = (rate: number) => `${(1000 / rate).toFixed(2)} ms/page`;
      return {
        figures: [
          {
            name: "fetch + extract (readDocument), pages/s",
            value: extractedRate.toFixed(0),
            baseline: bareRate.toFixed(0),
            note: "bare fetch() + arrayBuffer()",
          },
          { name: "fetch + extract, ratio to a bare fetch", value: `${(extractedRate / bareRate).toFixed(3)}×` },
          {
            name: "guarded fetch alone, pages/s",
            value: guardedRate.toFixed(0),
            baseline: bareRate.toFixed(0),
            note: "address checks, robots.txt (cached), caps",
          },
          { name: "guarded fetch alone, ratio to a bare fetch", value: `${(guardedRate / bareRate).toFixed(3)}×` },
          {
            name: "time per page: bare / guarded / guarded + extract",
            value: `${perPage(bareRate)} / ${perPage(guardedRate)} / ${perPage(extractedRate)}`,
          },
        ],
        targets: [
          {
            name: "fetch + extract throughput at research's concurrency",
            measured: `${extractedRate.toFixed(0)} pages/s`,
            target: "≥ 10 pages/s (a research run reads ≤ 10 pages, then waits seconds for its model)",
            pass: extractedRate >= 10,
          },
        ],
        notes: [
          `${PAGES} pages per side, ${RESEARCH_FETCH_CONCURRENCY} at a time, median of ${ROUNDS} rounds after ${WARMUP} pages of warm-up; ` +
            `pages: ${pages.map((p, i) => `${p.name} (${(bytes[i]!.length / 1024).toFixed(0)} KB)`).join(", ")}, in turn.`,
        ],
      };
    } finally {
      await fetcher.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  },
};
