import { afterAll, describe, expect, it } from "vitest";
import { createGuardedFetcher, type ClosableFetcher, type FetcherDeps } from "../../../src/infra/net/guarded-fetch.js";
import { ROBOTS_TTL_MS, ROBOTS_UNREACHABLE_TTL_MS } from "../../../src/infra/net/robots.js";
import { fetchConfig, rejection, startWeb, type Handler, type LocalWeb } from "./local-web.js";

const ROBOTS = `User-agent: *
Disallow: /

User-agent: agent-system
Disallow: /private
Allow: /
`;

describe("robots.txt and the politeness delay", () => {
  const fetchers: ClosableFetcher[] = [];
  const webs: LocalWeb[] = [];
  const fetcher = (env: Record<string, string> = {}, deps: FetcherDeps = {}) => {
    const made = createGuardedFetcher(fetchConfig(env), deps);
    fetchers.push(made);
    return made;
  };
  const web = async (handler: Handler) => {
    const started = await startWeb(handler);
    webs.push(started);
    return started;
  };
  afterAll(async () => {
    await Promise.all(fetchers.map((f) => f.close()));
    await Promise.all(webs.map((w) => w.close()));
  });

  const site = (robots: () => { status: number; body: string }) =>
    web((_req, res, hit) => {
      if (hit.path === "/robots.txt") {
        const answer = robots();
        return res.writeHead(answer.status, { "content-type": "text/plain" }).end(answer.body);
      }
      if (hit.path === "/go-private") return res.writeHead(302, { location: "/private" }).end();
      res.writeHead(200, { "content-type": "text/html" }).end(`<p>${hit.path}</p>`);
    });
  const robotsHits = (w: LocalWeb) => w.hits.filter((h) => h.path === "/robots.txt").length;

  it("honours robots.txt for our User-Agent, on every hop, read once per origin until its time is up", async () => {
    const w = await site(() => ({ status: 200, body: ROBOTS }));
    let clock = 1_000_000;
    const f = fetcher({}, { robotsTiming: { now: () => clock } });
    const [first, second] = await Promise.all([f.fetch(`${w.origin}/a`), f.fetch(`${w.origin}/b`)]);
    expect([first.status, second.status]).toEqual([200, 200]);
    for (const path of ["/private", "/private/deeper", "/go-private"]) {
      const err = await rejection(f.fetch(`${w.origin}${path}`));
      expect([path, err.code, err.details?.rule, err.details?.robotsUrl]).toEqual([
        path,
        "POLICY_DENIED",
        "robots",
        `${w.origin}/robots.txt`,
      ]);
    }
    expect(w.hits.filter((h) => h.path.startsWith("/private"))).toHaveLength(0);
    expect(robotsHits(w)).toBe(1);
    // A search engine's own endpoint is fetched with robots: false.
    expect((await f.fetch(`${w.origin}/private`, { robots: false })).status).toBe(200);
    clock += ROBOTS_TTL_MS + 1;
    await f.fetch(`${w.origin}/a`);
    expect(robotsHits(w)).toBe(2);
    expect(w.hits.find((h) => h.path === "/robots.txt")?.headers["user-agent"]).toMatch(/^agent-system\/0\.1 /);
    // Another crawler's name falls under `User-agent: *`.
    const other = fetcher({ FETCH_USER_AGENT: "other-bot/1.0" });
    expect((await rejection(other.fetch(`${w.origin}/a`))).details?.rule).toBe("robots");
  });

  it("a robots.txt answered 4xx allows everything; 5xx disallows everything for a short while", async () => {
    const missing = await site(() => ({ status: 404, body: "not here" }));
    const f = fetcher({}, {});
    expect((await f.fetch(`${missing.origin}/private`)).status).toBe(200);

    let status = 503;
    const failing = await site(() => ({ status, body: status === 200 ? "" : "down" }));
    let clock = 5_000_000;
    const g = fetcher({}, { robotsTiming: { now: () => clock } });
    for (let i = 0; i < 2; i += 1) {
      const err = await rejection(g.fetch(`${failing.origin}/a`));
      expect([err.code, err.details?.rule]).toEqual(["POLICY_DENIED", "robots"]);
    }
    expect(robotsHits(failing)).toBe(1);
    status = 200;
    clock += ROBOTS_UNREACHABLE_TTL_MS + 1;
    expect((await g.fetch(`${failing.origin}/a`)).status).toBe(200);
    expect(robotsHits(failing)).toBe(2);
  });

  it("spaces requests to one host by FETCH_HOST_DELAY_MS after the end of the one before, robots.txt included", async () => {
    const delay = 300;
    const w = await site(() => ({ status: 200, body: ROBOTS }));
    const f = fetcher({ FETCH_HOST_DELAY_MS: String(delay) });
    await Promise.all(["/1", "/2", "/3"].map((path) => f.fetch(`${w.origin}${path}`)));
    const hits = [...w.hits].sort((a, b) => a.arrivedAt - b.arrivedAt);
    expect(hits.map((h) => h.path).slice(0, 1)).toEqual(["/robots.txt"]);
    expect(hits).toHaveLength(4);
    for (let i = 1; i < hits.length; i += 1) {
      // Causal, on one clock: the answer left the server, the client read it, waited, then asked again.
      expect(hits[i]!.arrivedAt - hits[i - 1]!.finishedAt!).toBeGreaterThanOrEqual(delay);
    }
  });

  it("other hosts do not wait for a busy one", async () => {
    let otherArrived!: () => void;
    const otherHit = new Promise<void>((resolve) => (otherArrived = resolve));
    const busy = await web((_req, res) => {
      // Answers only once the other host has been asked: were hosts served in one line, this would never end.
      void otherHit.then(() => res.writeHead(200, { "content-type": "text/plain" }).end("busy"));
    });
    const other = await web((_req, res) => {
      otherArrived();
      res.writeHead(200, { "content-type": "text/plain" }).end("other");
    });
    const resolve = async (hostname: string) => {
      if (hostname !== "other.test") throw Object.assign(new Error("unknown"), { code: "ENOTFOUND" });
      return [{ address: "127.0.0.1", family: 4 as const }];
    };
    const f = fetcher({ FETCH_HOST_DELAY_MS: "60000" }, { resolve });
    const pages = await Promise.all([
      f.fetch(`${busy.origin}/`, { robots: false }),
      f.fetch(`http://other.test:${other.port}/`, { robots: false }),
    ]);
    expect(pages.map((p) => p.body.toString())).toEqual(["busy", "other"]);
  });
});
