import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EgressRefusal } from "../../../src/infra/net/egress-proxy.js";
import { DEFAULT_CHROMIUM_PATH } from "../../../src/config.js";
import { createGuardedFetcher, type ClosableFetcher } from "../../../src/infra/net/guarded-fetch.js";
import { fetchConfig, rejection, startWeb, type LocalWeb } from "./local-web.js";

describe.skipIf(!existsSync(DEFAULT_CHROMIUM_PATH))("render: Chromium behind the guard", () => {
  let web: LocalWeb;
  let inside: LocalWeb;
  let fetcher: ClosableFetcher;
  const refusals: EgressRefusal[] = [];

  beforeAll(async () => {
    inside = await startWeb((_req, res) => res.writeHead(200, { "content-type": "text/plain" }).end("secret"), {
      host: "127.0.0.2",
    });
    const hostile = (port: number) => `<!doctype html>
<html><head><title>hostile</title>
<script src="http://10.0.0.1/x.js"></script>
</head><body>
<img src="http://127.0.0.2:${port}/pixel.png">
<img src="http://169.254.169.254/latest/meta-data/">
<script>
  const targets = ["http://127.0.0.2:${port}/fetch", "https://127.0.0.2:${port}/tls", "http://[::1]:${port}/v6",
                   "http://localhost:${port}/name"];
  Promise.allSettled(targets.map((t) => fetch(t, { mode: "no-cors" }))).then((results) => {
    const p = document.createElement("p");
    p.id = "done";
    p.textContent = "rendered by script: " + results.map((r) => r.status).join(",");
    document.body.appendChild(p);
  });
</script>
</body></html>`;
    web = await startWeb((_req, res, hit) => {
      if (hit.path === "/hostile") return res.writeHead(200, { "content-type": "text/html" }).end(hostile(inside.port));
      if (hit.path === "/style.css") return res.writeHead(200, { "content-type": "text/css" }).end("p{color:red}");
      if (hit.path === "/drip") {
        res.writeHead(200, { "content-type": "text/html" }).write("<html><body><p>still coming");
        const drip = setInterval(() => res.write("."), 100);
        return res.on("close", () => clearInterval(drip));
      }
      // 200 KB of document (over the 100 KB cap) and 1 MB (over what the page's proxy carries, 4 × the cap).
      if (hit.path === "/big")
        return res.writeHead(200, { "content-type": "text/html" }).end(`<p>${"x".repeat(200_000)}</p>`);
      if (hit.path === "/huge")
        return res.writeHead(200, { "content-type": "text/html" }).end(`<p>${"y".repeat(1_000_000)}</p>`);
      if (hit.path === "/image") return res.writeHead(200, { "content-type": "image/png" }).end("png");
      if (hit.path === "/to-inside") {
        return res.writeHead(302, { location: `http://127.0.0.2:${inside.port}/` }).end();
      }
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" })
        .end(`<html><head><link rel="stylesheet" href="/style.css"></head><body><p id="x">plain</p>
<script>document.getElementById("x").textContent = "made by script";</script></body></html>`);
    });
    const resolve = async (hostname: string) => {
      if (hostname !== "site.test") throw Object.assign(new Error("unknown"), { code: "ENOTFOUND" });
      return [{ address: "127.0.0.1", family: 4 as const }];
    };
    fetcher = createGuardedFetcher(fetchConfig(), { resolve, onEgressRefused: (r) => refusals.push(r) });
  });
  afterAll(async () => {
    await fetcher?.close();
    await Promise.all([web?.close(), inside?.close()]);
  });

  it("renders a page with its scripts, every request through the proxy (even loopback, even names Chromium cannot resolve)", async () => {
    const page = await fetcher.render(`http://site.test:${web.port}/page`, { robots: false });
    expect(page.status).toBe(200);
    expect(page.contentType).toBe("text/html");
    expect(page.body.toString()).toContain("made by script");
    expect(web.hits.map((h) => [h.path, h.host])).toContainEqual(["/style.css", `site.test:${web.port}`]);
  });

  it("blocks a rendered page's sub-requests to private and loopback addresses; the page itself renders", async () => {
    const page = await fetcher.render(`${web.origin}/hostile`, { robots: false });
    // The proxy answers a refused http:// request with a 403 (an opaque answer to no-cors) and a refused tunnel with
    // a failed CONNECT: either way the script goes on, and nothing reaches the address.
    expect(page.body.toString()).toMatch(/rendered by script: \w+,rejected,\w+,\w+/);
    expect(inside.connections).toBe(0);
    const targets = refusals.map((r) => r.target);
    expect(targets).toEqual(
      expect.arrayContaining([
        "http://10.0.0.1/x.js",
        `http://127.0.0.2:${inside.port}/pixel.png`,
        "http://169.254.169.254/latest/meta-data/",
        `http://127.0.0.2:${inside.port}/fetch`,
        `127.0.0.2:${inside.port}`,
        `http://[::1]:${inside.port}/v6`,
        `http://localhost:${inside.port}/name`,
      ]),
    );
    expect(refusals.every((r) => r.rule === "address")).toBe(true);
  });

  it("refuses what a fetch refuses: a forbidden address, a redirect to one, a type not on the list", async () => {
    const literal = await rejection(fetcher.render(`http://10.0.0.1/`, { robots: false }));
    expect([literal.code, literal.details?.rule]).toEqual(["POLICY_DENIED", "address"]);
    const hop = await rejection(fetcher.render(`${web.origin}/to-inside`, { robots: false }));
    expect([hop.code, hop.details?.rule, hop.details?.range]).toEqual(["POLICY_DENIED", "address", "loopback"]);
    const image = await rejection(fetcher.render(`${web.origin}/image`, { robots: false }));
    expect([image.code, image.details?.rule]).toEqual(["POLICY_DENIED", "content-type"]);
    expect(inside.connections).toBe(0);
  });

  it("the caps hold: a document that never ends is stopped by the total time, one too big by the byte cap", async () => {
    const slow = createGuardedFetcher(fetchConfig({ FETCH_TIMEOUT_MS: "5000" }));
    const small = createGuardedFetcher(fetchConfig({ FETCH_MAX_BYTES: "100000" }));
    try {
      // Chromium started first (a page that loads slowly on a busy machine is no failure here).
      await slow.render(`${web.origin}/page`, { robots: false }).catch(() => undefined);
      const drip = await rejection(slow.render(`${web.origin}/drip`, { robots: false }));
      expect([drip.code, drip.details?.limit, drip.details?.max]).toEqual(["LIMIT_EXCEEDED", "time", 5000]);
      // The dripping response was cut (if Chromium got as far as asking for it).
      await web.hits.find((h) => h.path === "/drip")?.closed;
      for (const path of ["/big", "/huge"]) {
        const err = await rejection(small.render(`${web.origin}${path}`, { robots: false }));
        expect([path, err.code, err.details?.limit, err.details?.max]).toEqual([
          path,
          "LIMIT_EXCEEDED",
          "bytes",
          100000,
        ]);
      }
    } finally {
      await Promise.all([slow.close(), small.close()]);
    }
  });
});
