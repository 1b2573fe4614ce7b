import { performance } from "node:perf_hooks";
import { brotliCompressSync, deflateSync, gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGuardedFetcher, type ClosableFetcher, type FetcherDeps } from "../../../src/infra/net/guarded-fetch.js";
import { fetchConfig, rejection, startWeb, type LocalWeb } from "./local-web.js";

const GZIP_BOMB_MEMBER = gzipSync(Buffer.alloc(1024 * 1024)); // 1 MiB of zeros in about 1 KB
const GZIP_BOMB_MEMBERS = 10 * 1024; // 10 GiB once inflated, 10 MB on the wire: more than sockets buffer

describe("the guarded fetcher", () => {
  let web: LocalWeb;
  let privateWeb: LocalWeb;
  const bomb = { membersSent: 0, stopped: false };
  const fetchers: ClosableFetcher[] = [];
  const fetcher = (env: Record<string, string> = {}, deps: FetcherDeps = {}) => {
    const made = createGuardedFetcher(fetchConfig(env), deps);
    fetchers.push(made);
    return made;
  };
  const text = (body: string, type = "text/html") => ({ type, body });

  beforeAll(async () => {
    privateWeb = await startWeb((_req, res) => res.writeHead(200, { "content-type": "text/plain" }).end("inside"), {
      host: "127.0.0.2",
    });
    const pages: Record<string, { type: string; body: string | Buffer; encoding?: string }> = {
      "/plain": text("hello"),
      "/2048": text("x".repeat(2048), "text/plain"),
      "/4096": text("x".repeat(4096), "text/plain"),
      "/gzip": { type: "text/plain", body: gzipSync("gzipped text"), encoding: "gzip" },
      "/deflate": { type: "text/plain", body: deflateSync("deflated text"), encoding: "deflate" },
      "/br": { type: "text/plain", body: brotliCompressSync("brotli text"), encoding: "br" },
      "/broken-gzip": { type: "text/plain", body: Buffer.from("not gzip at all"), encoding: "gzip" },
      "/png": { type: "image/png", body: Buffer.alloc(3 * 1024 * 1024) },
      "/untyped": { type: "", body: "<html>who knows</html>" },
      "/ld": text('{"@context":"x"}', "application/ld+json"),
      "/latin": text("caf\xe9", 'text/html; Charset="ISO-8859-1"'),
      "/json": text("{}", "application/json"),
    };
    web = await startWeb((req, res, hit) => {
      const path = hit.path;
      const redirect = /^\/hops\/(\d+)$/.exec(path);
      if (redirect) {
        const left = Number(redirect[1]);
        if (left === 0) return res.writeHead(200, { "content-type": "text/plain" }).end("arrived");
        return res.writeHead(302, { location: `/hops/${left - 1}` }).end();
      }
      if (path.startsWith("/to?")) {
        const [status, location] = [new URL(path, "http://x").searchParams.get("status") ?? "302", ""];
        const target = new URL(path, "http://x").searchParams.get("url") ?? location;
        return res.writeHead(Number(status), { location: target }).end();
      }
      if (path === "/echo") {
        return res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(hit));
      }
      if (path === "/bomb") {
        res.writeHead(200, { "content-type": "text/plain", "content-encoding": "gzip" });
        res.on("close", () => (bomb.stopped = bomb.membersSent < GZIP_BOMB_MEMBERS));
        const pump = () => {
          while (bomb.membersSent < GZIP_BOMB_MEMBERS && !res.destroyed) {
            bomb.membersSent += 1;
            if (!res.write(GZIP_BOMB_MEMBER)) return void res.once("drain", pump);
          }
          res.end();
        };
        return pump();
      }
      if (path === "/drip") {
        res.writeHead(200, { "content-type": "text/plain" });
        const drip = setInterval(() => res.write("."), 50);
        return res.on("close", () => clearInterval(drip));
      }
      if (path === "/silent") return; // never answers
      if (path === "/missing-png") return res.writeHead(404, { "content-type": "image/png" }).end("nope");
      const page = pages[path];
      if (!page) return res.writeHead(404, { "content-type": "text/plain" }).end("no such page");
      const headers: Record<string, string> = page.type === "" ? {} : { "content-type": page.type };
      if (page.encoding) headers["content-encoding"] = page.encoding;
      res.writeHead(200, headers).end(page.body);
    });
  });
  afterAll(async () => {
    await Promise.all(fetchers.map((f) => f.close()));
    await Promise.all([web?.close(), privateWeb?.close()]);
  });

  const hitsTo = (path: string) => web.hits.filter((h) => h.path === path);

  describe("redirects", () => {
    it("checks every hop: a redirect to a private or loopback address is refused, the target never reached", async () => {
      const f = fetcher();
      for (const target of [
        "http://10.0.0.1/",
        `http://127.0.0.2:${privateWeb.port}/`,
        `http://[::ffff:7f00:1]:${web.port}/plain`,
      ]) {
        const err = await rejection(f.fetch(`${web.origin}/to?url=${encodeURIComponent(target)}`, { robots: false }));
        expect([target, err.code, err.details?.rule]).toEqual([target, "POLICY_DENIED", "address"]);
      }
      const ftp = await rejection(
        f.fetch(`${web.origin}/to?url=${encodeURIComponent("ftp://example.com/")}`, { robots: false }),
      );
      expect([ftp.code, ftp.details?.rule]).toEqual(["POLICY_DENIED", "scheme"]);
      expect(privateWeb.connections).toBe(0);
      expect(hitsTo("/plain")).toHaveLength(0);
    });

    it("follows five redirects, refuses the sixth", async () => {
      const f = fetcher();
      const page = await f.fetch(`${web.origin}/hops/5`, { robots: false });
      expect(page.body.toString()).toBe("arrived");
      expect(page.redirects).toEqual([4, 3, 2, 1, 0].map((n) => `${web.origin}/hops/${n}`));
      expect(page.finalUrl).toBe(`${web.origin}/hops/0`);
      const err = await rejection(f.fetch(`${web.origin}/hops/6`, { robots: false }));
      expect([err.code, err.details?.limit, err.details?.max]).toEqual(["LIMIT_EXCEEDED", "redirects", 5]);
      expect(hitsTo("/hops/0")).toHaveLength(1);
    });

    it("a POST becomes a GET on 301, 302 and 303 and stays a POST on 307 and 308", async () => {
      const f = fetcher();
      const form = { q: "agents & tools" };
      for (const [status, method] of [
        ["301", "GET"],
        ["302", "GET"],
        ["303", "GET"],
        ["307", "POST"],
        ["308", "POST"],
      ] as const) {
        const page = await f.fetch(`${web.origin}/to?status=${status}&url=%2Fecho`, {
          method: "POST",
          form,
          robots: false,
        });
        const seen = JSON.parse(page.body.toString()) as { method: string; body: string };
        expect([status, seen.method, seen.body]).toEqual([
          status,
          method,
          method === "POST" ? "q=agents+%26+tools" : "",
        ]);
      }
    });
  });

  describe("caps", () => {
    it("the byte cap counts the body: at the cap it is fetched, one byte over is refused", async () => {
      const f = fetcher({ FETCH_MAX_BYTES: "2048" });
      expect((await f.fetch(`${web.origin}/2048`, { robots: false })).body).toHaveLength(2048);
      const err = await rejection(f.fetch(`${web.origin}/4096`, { robots: false }));
      expect([err.code, err.details?.limit, err.details?.max]).toEqual(["LIMIT_EXCEEDED", "bytes", 2048]);
    });

    it("decodes gzip, deflate and br; a broken encoding is malformed", async () => {
      const f = fetcher();
      expect((await f.fetch(`${web.origin}/gzip`, { robots: false })).body.toString()).toBe("gzipped text");
      expect((await f.fetch(`${web.origin}/deflate`, { robots: false })).body.toString()).toBe("deflated text");
      expect((await f.fetch(`${web.origin}/br`, { robots: false })).body.toString()).toBe("brotli text");
      const err = await rejection(f.fetch(`${web.origin}/broken-gzip`, { robots: false }));
      expect([err.code, err.details?.reason]).toEqual(["FETCH_FAILED", "malformed"]);
    });

    it("a gzip bomb (10 GiB of zeros in 10 MB) stops at the cap after decompression, the connection cut", async () => {
      const f = fetcher({ FETCH_MAX_BYTES: String(2 * 1024 * 1024) });
      const rssBefore = process.memoryUsage().rss;
      const err = await rejection(f.fetch(`${web.origin}/bomb`, { robots: false }));
      expect([err.code, err.details?.limit, err.details?.max]).toEqual(["LIMIT_EXCEEDED", "bytes", 2 * 1024 * 1024]);
      await hitsTo("/bomb")[0]!.closed;
      expect(bomb.stopped).toBe(true); // the server was cut off before the end
      expect(process.memoryUsage().rss - rssBefore).toBeLessThan(256 * 1024 * 1024);
    });

    it("a slow drip of bytes is stopped by the total time, and its socket closed", async () => {
      const f = fetcher({ FETCH_TIMEOUT_MS: "1000" });
      const started = performance.now();
      const err = await rejection(f.fetch(`${web.origin}/drip`, { robots: false }));
      expect([err.code, err.details?.limit, err.details?.max]).toEqual(["LIMIT_EXCEEDED", "time", 1000]);
      expect(performance.now() - started).toBeGreaterThanOrEqual(990);
      await hitsTo("/drip")[0]!.closed;
    });

    it("an answer that does not start in time is stopped by the first-byte timeout", async () => {
      const f = fetcher({ FETCH_FIRST_BYTE_TIMEOUT_MS: "300" });
      const err = await rejection(f.fetch(`${web.origin}/silent`, { robots: false }));
      expect([err.code, err.details?.limit, err.details?.max]).toEqual(["LIMIT_EXCEEDED", "firstByte", 300]);
      await hitsTo("/silent")[0]!.closed;
    });
  });

  describe("content types", () => {
    it("refuses what is not on the list, and what declares no type, without reading it", async () => {
      const f = fetcher();
      for (const path of ["/png", "/untyped"]) {
        const err = await rejection(f.fetch(`${web.origin}${path}`, { robots: false }));
        expect([path, err.code, err.details?.rule]).toEqual([path, "POLICY_DENIED", "content-type"]);
      }
      await hitsTo("/png")[0]!.closed;
      const json = await rejection(f.fetch(`${web.origin}/plain`, { robots: false, accept: ["application/json"] }));
      expect(json.details?.rule).toBe("content-type");
    });

    it("gives the type without parameters and the charset; +json types pass; an error status is answered, unread", async () => {
      const f = fetcher();
      const latin = await f.fetch(`${web.origin}/latin`, { robots: false });
      expect([latin.contentType, latin.charset]).toEqual(["text/html", "iso-8859-1"]);
      expect((await f.fetch(`${web.origin}/ld`, { robots: false })).contentType).toBe("application/ld+json");
      const missing = await f.fetch(`${web.origin}/missing-png`, { robots: false });
      expect([missing.status, missing.contentType, missing.body.length]).toEqual([404, "image/png", 0]);
      const notFound = await f.fetch(`${web.origin}/nothing-here`, { robots: false });
      expect([notFound.status, notFound.body.toString()]).toEqual([404, "no such page"]);
    });
  });

  it("sends its User-Agent with the contact URL, and closes what is in flight when it is closed", async () => {
    const f = createGuardedFetcher(fetchConfig());
    await f.fetch(`${web.origin}/plain`, { robots: false });
    expect(web.hits.at(-1)?.headers["user-agent"]).toBe("agent-system/0.1 (+https://agents.example/contact)");
    const inFlight = f.fetch(`${web.origin}/silent?closing`, { robots: false });
    while (!web.hits.some((h) => h.path === "/silent?closing")) await new Promise((r) => setImmediate(r));
    await f.close();
    const err = await rejection(inFlight);
    expect([err.code, err.details?.reason]).toEqual(["FETCH_FAILED", "reset"]);
    await hitsTo("/silent?closing")[0]!.closed;
    expect((await rejection(f.fetch(`${web.origin}/plain`))).code).toBe("FETCH_FAILED");
  });

  it("a cancelled fetch rejects with the signal's reason and closes its socket", async () => {
    const f = fetcher();
    const controller = new AbortController();
    const inFlight = f.fetch(`${web.origin}/silent?aborted`, { robots: false, signal: controller.signal });
    while (!web.hits.some((h) => h.path === "/silent?aborted")) await new Promise((r) => setImmediate(r));
    controller.abort(new Error("the tool call was cancelled"));
    await expect(inFlight).rejects.toThrow("the tool call was cancelled");
    await hitsTo("/silent?aborted")[0]!.closed;
  });
});
