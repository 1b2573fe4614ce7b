import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import puppeteer, { type Browser, type Page } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CreateTaskDocument, UpdateTaskStatusDocument } from "../generated/graphql.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

/** Debian's chromium binary; /usr/bin/chromium is a wrapper script that adds flags of its own. */
const chromium = "/usr/lib/chromium/chromium";

/** What the page did: every request, failure and console error, checked by the first test. */
interface PageLog {
  requests: string[];
  /** The Authorization header of each schema fetch (IntrospectionQuery) sent to the server. */
  introspections: Array<string | undefined>;
  failed: string[];
  consoleErrors: string[];
  pageErrors: string[];
}

/**
 * The few browser globals the page functions below use. The project compiles without the DOM
 * lib, and these functions run in Chromium, so they reach the page through `globalThis`.
 */
interface PageElement {
  textContent: string | null;
  hasAttribute(name: string): boolean;
  CodeMirror?: { getValue(): string; setValue(v: string): void };
}
interface PageGlobals {
  document: { querySelector(selector: string): PageElement | null };
  localStorage: { length: number; key(i: number): string | null; getItem(key: string): string | null };
  getComputedStyle(el: unknown): { display: string };
}

/** Reads or writes a CodeMirror 5 editor that GraphiQL 4 renders inside `selector`. */
async function editorValue(page: Page, selector: string, value?: string): Promise<string> {
  return page.$eval(
    selector,
    (el, v) => {
      const cm = (el as unknown as PageElement).CodeMirror;
      if (!cm) throw new Error("not a CodeMirror editor");
      if (v !== undefined) cm.setValue(v);
      return cm.getValue();
    },
    value,
  );
}

const queryEditor = ".graphiql-query-editor .CodeMirror";
const headersEditor = ".graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror";
const resultPane = ".graphiql-response .CodeMirror";

/**
 * Puts `query` in the query editor and waits until GraphiQL has parsed it (its parse is
 * debounced): the tab is titled after the operation and the run button is a plain button
 * again, not the operation picker it becomes while the editor holds several operations.
 */
async function setQuery(page: Page, query: string, title: string): Promise<void> {
  await editorValue(page, queryEditor, query);
  await page.waitForFunction(
    (t) => {
      const { document } = globalThis as unknown as PageGlobals;
      return (
        document.querySelector(".graphiql-tab-active .graphiql-tab-button")?.textContent?.trim() === t &&
        !document.querySelector(".graphiql-execute-button")?.hasAttribute("aria-haspopup")
      );
    },
    { timeout: 5_000, polling: 50 },
    title,
  );
}

async function waitForResult(page: Page, text: string, timeout = 10_000): Promise<string> {
  await page
    .waitForFunction(
      (sel, t) => {
        const el = (globalThis as unknown as PageGlobals).document.querySelector(sel);
        return el?.CodeMirror?.getValue().includes(t) ?? false;
      },
      { timeout, polling: 50 },
      resultPane,
      text,
    )
    .catch(async (err: unknown) => {
      throw new Error(`result pane never showed ${text}: ${await editorValue(page, resultPane)}`, { cause: err });
    });
  return editorValue(page, resultPane);
}

describe.skipIf(!existsSync(chromium))("GraphiQL in Chromium", () => {
  let s: TestServer;
  let browser: Browser;
  let page: Page;
  let profileDir: string;
  const log: PageLog = { requests: [], introspections: [], failed: [], consoleErrors: [], pageErrors: [] };

  beforeAll(async () => {
    s = await startTestServer("sqlite");
    profileDir = mkdtempSync(join(tmpdir(), "chromium-profile-"));
    browser = await puppeteer.launch({
      executablePath: chromium,
      // A loaded machine has been seen to take over 25 s to start Chromium; the start is not what
      // this suite tests.
      timeout: 90_000,
      args: [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        `--user-data-dir=${profileDir}`,
      ],
    });
    page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 800 });
    page.on("request", (r) => {
      log.requests.push(r.url());
      if (r.method() === "POST" && (r.postData() ?? "").includes("IntrospectionQuery")) {
        log.introspections.push(r.headers().authorization);
      }
    });
    page.on("requestfailed", (r) => log.failed.push(`${r.url()}: ${r.failure()?.errorText}`));
    page.on("response", (r) => {
      if (r.status() >= 400) log.failed.push(`${r.url()}: HTTP ${r.status()}`);
    });
    page.on("console", (m) => {
      if (m.type() === "error") log.consoleErrors.push(m.text());
    });
    page.on("pageerror", (e) => log.pageErrors.push(String(e)));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await s?.stop();
    if (profileDir) rmSync(profileDir, { recursive: true, force: true });
  });

  it("loads offline, from this server only, without errors", async () => {
    const res = await page.goto(`${s.url}/graphiql`, { waitUntil: "networkidle0" });
    expect(res?.status()).toBe(200);
    expect(res?.headers()["content-security-policy"]).toContain("default-src 'self'");
    await page.waitForSelector(".graphiql-container", { timeout: 10_000 });
    await page.waitForSelector(queryEditor, { timeout: 10_000 });
    await page.waitForSelector(".graphiql-execute-button", { timeout: 10_000 });

    const origin = new URL(s.url).origin;
    // Fonts and icons are inlined as data: URLs in GraphiQL's stylesheet; everything else is ours.
    const foreign = log.requests.filter((u) => !u.startsWith("data:") && new URL(u).origin !== origin);
    expect(foreign).toEqual([]);
    expect(log.requests.filter((u) => !u.startsWith("data:")).every((u) => new URL(u).hostname === "127.0.0.1")).toBe(
      true,
    );
    expect(log.requests).toContain(`${origin}/graphiql/assets/graphiql.js`);
    expect(log.failed).toEqual([]);
    expect(log.consoleErrors).toEqual([]);
    expect(log.pageErrors).toEqual([]);
    // The schema is for key holders: without one, GraphiQL does not even ask for it.
    expect(log.introspections).toEqual([]);

    // Styled, not a bare page: GraphiQL's stylesheet applied and the default query shown.
    const display = await page.$eval(
      ".graphiql-container",
      (el) => (globalThis as unknown as PageGlobals).getComputedStyle(el).display,
    );
    expect(display).toBe("flex");
    expect(await editorValue(page, queryEditor)).toContain("subscription Events");
    expect(await editorValue(page, headersEditor)).toContain("Authorization");
  });

  it("runs a query with the API key set in the headers editor, and then loads the schema with it", async () => {
    await editorValue(page, headersEditor, JSON.stringify({ Authorization: `Bearer ${s.adminKey}` }, null, 2));
    for (const until = Date.now() + 10_000; log.introspections.length === 0 && Date.now() < until;) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(log.introspections).toEqual([`Bearer ${s.adminKey}`]);
    await setQuery(page, "{ me { name role } }", "<untitled>");
    await page.click(".graphiql-execute-button");
    const result = await waitForResult(page, '"role"');
    expect(JSON.parse(result)).toEqual({
      data: { me: { name: expect.any(String), role: "ADMIN" } },
      extensions: { cost: { requested: 3, maximum: 10_000 } },
    });
    // Headers are persisted (shouldPersistHeaders), so a reload keeps the key.
    // (GraphiQL writes each editor to localStorage 500 ms after its last change.)
    await page.waitForFunction(
      (k) => {
        const { localStorage } = globalThis as unknown as PageGlobals;
        return (
          (localStorage.getItem("graphiql:headers")?.includes(k) ?? false) &&
          localStorage.getItem("graphiql:query") === "{ me { name role } }"
        );
      },
      { timeout: 5_000, polling: 50 },
      s.adminKey,
    );
    await page.reload({ waitUntil: "networkidle0" });
    await page.waitForSelector(headersEditor, { timeout: 10_000 });
    expect(await editorValue(page, headersEditor)).toContain(s.adminKey);
    expect(await editorValue(page, queryEditor)).toBe("{ me { name role } }");
  });

  it("streams a subscription over graphql-ws, authenticated in connection_init", async () => {
    const task = (await s.ok(CreateTaskDocument, { input: { title: "watched from GraphiQL", complexity: 3 } }))
      .createTask;
    const sockets: string[] = [];
    const cdp = await page.createCDPSession();
    await cdp.send("Network.enable");
    const frames: string[] = [];
    cdp.on("Network.webSocketCreated", (e) => sockets.push(e.url));
    cdp.on("Network.webSocketFrameSent", (e) => frames.push(e.response.payloadData));

    // Anonymous, so the fetcher must recognise a subscription from the text alone.
    await editorValue(
      page,
      queryEditor,
      `subscription { taskEvents(taskId: "${task.id}", afterSeq: 0) { seq content } }`,
    );
    await page.click(".graphiql-execute-button");
    // The replayed creation event shows first: the socket is open and subscribed.
    await waitForResult(page, '"seq": 1');

    await s.ok(UpdateTaskStatusDocument, { id: task.id, status: "FAILED", note: "from the UI test" });
    const live = await waitForResult(page, "Status changed from PENDING to FAILED");
    expect(live).toContain('"seq": 2');

    expect(sockets).toEqual([s.wsUrl]);
    const init = frames
      .map((f) => JSON.parse(f) as { type: string; payload?: unknown })
      .find((f) => f.type === "connection_init");
    expect(init?.payload).toEqual({ authorization: `Bearer ${s.adminKey}` });

    await page.screenshot({ path: "/tmp/graphiql.png" });
    // Stop the subscription (the run button toggles) so the socket completes cleanly.
    await page.click(".graphiql-execute-button");
    await cdp.detach();
    expect(log.failed).toEqual([]);
    expect(log.consoleErrors).toEqual([]);
    expect(log.pageErrors).toEqual([]);
  });

  it("says why a subscription is refused when the key is wrong", async () => {
    await editorValue(page, headersEditor, JSON.stringify({ Authorization: "Bearer ak_not-a-real-key" }));
    await setQuery(page, 'subscription Watch { taskEvents(taskId: "x") { seq } }', "Watch");
    await page.click(".graphiql-execute-button");
    const result = await waitForResult(page, "4401");
    expect(JSON.parse(result)).toMatchObject({
      errors: [{ message: "WebSocket closed with code 4401: Unauthorized: a valid API key is required" }],
    });
    // The schema fetch with the wrong key was answered 401 (logged by Chromium); nothing else went wrong.
    expect(log.consoleErrors.filter((e) => !/status of 401/.test(e))).toEqual([]);
    expect(log.pageErrors).toEqual([]);
  });
});
