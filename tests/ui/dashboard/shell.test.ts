import { gunzipSync, brotliDecompressSync } from "node:zlib";
import type { Page } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CreateApiKeyDocument } from "../../generated/graphql.js";
import type { TestServer } from "../../helpers/server.js";
import {
  hasChromium,
  launchBrowser,
  screenshot,
  seriousViolations,
  signIn,
  startDashboardServer,
  startProxy,
  waitForText,
  type BrowserSession,
  type PageLog,
  type Proxy,
} from "./harness.js";

describe("the dashboard's files as the server serves them", () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startDashboardServer("sqlite");
  }, 120_000);
  afterAll(async () => s?.stop());

  it("serves index.html uncached at each app path and 404 elsewhere", async () => {
    for (const path of ["/", "/tasks", "/tasks/abc", "/agents", "/usage", "/notifications", "/keys"]) {
      const res = await fetch(`${s.url}${path}`);
      expect(res.status, path).toBe(200);
      expect(res.headers.get("cache-control")).toBe("no-cache");
      expect(res.headers.get("content-security-policy")).toContain("script-src 'self'");
      expect(await res.text()).toContain('<div id="root">');
    }
    expect((await fetch(`${s.url}/nope`)).status).toBe(404);
    expect((await fetch(`${s.url}/assets/nope.js`)).status).toBe(404);
    expect((await fetch(`${s.url}/tasks/a/b`)).status).toBe(404);
  });

  it("serves hashed assets immutable, brotli or gzip as accepted, with ETags", async () => {
    const html = await (await fetch(`${s.url}/`)).text();
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toMatch(/\/assets\/index-[\w-]{8}\.js/);
    const plain = await fetch(`${s.url}${script}`, { headers: { "accept-encoding": "identity" } });
    expect(plain.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect(plain.headers.get("content-encoding")).toBeNull();
    const body = Buffer.from(await plain.arrayBuffer());
    const raw = (enc: string) =>
      new Promise<{ headers: Record<string, string | string[] | undefined>; body: Buffer }>((resolve, reject) => {
        // fetch decodes bodies itself: read the bytes on the wire with node:http.
        import("node:http").then(({ get }) =>
          get(`${s.url}${script}`, { headers: { "accept-encoding": enc } }, (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (c: Buffer) => chunks.push(c));
            res.on("end", () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
          }).on("error", reject),
        );
      });
    const br = await raw("gzip, deflate, br");
    expect(br.headers["content-encoding"]).toBe("br");
    expect(br.headers.vary).toBe("accept-encoding");
    expect(brotliDecompressSync(br.body).equals(body)).toBe(true);
    const gz = await raw("gzip;q=1, br;q=0");
    expect(gz.headers["content-encoding"]).toBe("gzip");
    expect(gunzipSync(gz.body).equals(body)).toBe(true);
    const etag = plain.headers.get("etag")!;
    expect((await fetch(`${s.url}${script}`, { headers: { "if-none-match": etag } })).status).toBe(304);
  });
});

describe.skipIf(!hasChromium)("the dashboard's shell in Chromium", () => {
  let s: TestServer;
  let proxy: Proxy;
  let b: BrowserSession;
  let page: Page;
  let log: PageLog;

  beforeAll(async () => {
    s = await startDashboardServer("sqlite");
    proxy = await startProxy(s.app.port);
    b = await launchBrowser();
    ({ page, log } = await b.page());
  }, 120_000);
  afterAll(async () => {
    await b?.close();
    await proxy?.close();
    await s?.stop();
  });

  it("refuses a wrong key with the API's code, and has no serious axe-core violation", async () => {
    await page.goto(`${proxy.url}/`, { waitUntil: "domcontentloaded" });
    await page.waitForSelector('input[name="key"]');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, "sign-in");
    await page.click('button[type="submit"]');
    await waitForText(page, "Paste an API key.");
    await page.type('input[name="key"]', "ak_not_a_key_at_all_0000000000000000");
    await page.click('button[type="submit"]');
    await waitForText(page, "UNAUTHENTICATED");
    expect(await page.$("header.topbar")).toBeNull();
  });

  it("signs in, keeps the key for the tab only, and follows the role", async () => {
    await page.$eval('input[name="key"]', (el) => ((el as unknown as { value: string }).value = ""));
    await signIn(page, proxy.url, s.adminKey);
    await waitForText(page, "API keys", "nav");
    const stored = (await page.evaluate(
      `[sessionStorage.getItem("agent-system:api-key"), localStorage.getItem("agent-system:api-key")]`,
    )) as [string | null, string | null];
    expect(stored).toEqual([s.adminKey, null]);
    // A reload keeps the session (sessionStorage) and the path.
    await page.goto(`${proxy.url}/agents`, { waitUntil: "domcontentloaded" });
    await page.waitForSelector("header.topbar");
    expect(
      await page.$eval('nav a[aria-current="page"]', (el) => (el as unknown as { textContent: string }).textContent),
    ).toBe("Agents");
    // A VIEWER key sees no API keys page and no Usage.
    const viewer = await s.ok(CreateApiKeyDocument, { input: { name: "viewer-shell", role: "VIEWER" } });
    const { page: p2 } = await b.page();
    await signIn(p2, proxy.url, viewer.createApiKey.key);
    const nav = await p2.$eval("nav", (el) => (el as unknown as { textContent: string }).textContent);
    expect(nav).toContain("Tasks");
    expect(nav).not.toContain("API keys");
    expect(nav).not.toContain("Usage");
    await p2.close();
  });

  it("switches between light and dark themes, both without serious violations", async () => {
    await page.goto(`${proxy.url}/`, { waitUntil: "domcontentloaded" });
    await page.waitForSelector("header.topbar");
    const before = await page.evaluate(`document.documentElement.dataset.theme`);
    await page.click('button[aria-label^="Switch to the"]');
    const after = await page.evaluate(`document.documentElement.dataset.theme`);
    expect(after).not.toBe(before);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, `shell-${after as string}`);
    await page.click('button[aria-label^="Switch to the"]');
    expect(await seriousViolations(page)).toEqual([]);
  });

  it("shows a banner while the socket reconnects and drops it when back", async () => {
    await page.goto(`${proxy.url}/`, { waitUntil: "domcontentloaded" });
    await page.waitForSelector("header.topbar");
    await page.waitForFunction(`!document.querySelector('[data-testid="reconnect-banner"]')`);
    proxy.drop(true);
    await page.waitForSelector('[data-testid="reconnect-banner"]');
    await screenshot(page, "reconnecting");
    proxy.restore();
    await page.waitForFunction(`!document.querySelector('[data-testid="reconnect-banner"]')`, { timeout: 30_000 });
  });

  it("works 360 px wide", async () => {
    const { page: small } = await b.page({ width: 360, height: 740 });
    await signIn(small, proxy.url, s.adminKey);
    const overflow = await small.evaluate(
      `document.documentElement.scrollWidth - document.documentElement.clientWidth`,
    );
    expect(overflow).toBeLessThanOrEqual(0);
    await screenshot(small, "shell-360px");
    await small.close();
  });

  it("logged no page error", () => {
    expect(log.pageErrors).toEqual([]);
  });
});
