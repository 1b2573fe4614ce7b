import type { Page } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CreateAgentDocument,
  CreateApiKeyDocument,
  CreateTaskDocument,
  UpdateTaskStatusDocument,
} from "../../generated/graphql.js";
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

/** The card of task `id` inside the column of `status` (a selector). */
const card = (status: string, id: string) => `section[data-status="${status}"] li[data-task-id="${id}"]`;
const text = (page: Page, selector: string) =>
  page.$eval(selector, (el) => (el as unknown as { textContent: string }).textContent);

describe.skipIf(!hasChromium)("the task board in Chromium", () => {
  let s: TestServer;
  let proxy: Proxy;
  let b: BrowserSession;
  let page: Page;
  let log: PageLog;
  let createdId = "";

  beforeAll(async () => {
    s = await startDashboardServer("sqlite");
    proxy = await startProxy(s.app.port);
    b = await launchBrowser();
    ({ page, log } = await b.page());
    await signIn(page, proxy.url, s.adminKey);
  }, 120_000);
  afterAll(async () => {
    await b?.close();
    await proxy?.close();
    await s?.stop();
  });

  it("shows the empty state with a way to create a task", async () => {
    await waitForText(page, "No tasks yet", "main");
    expect(await page.$$eval("main h1", (els) => els.length)).toBe(1);
    const buttons = await page.$$eval("main button", (els) =>
      els.map((e) => (e as unknown as { textContent: string }).textContent),
    );
    expect(buttons).toContain("Create a task");
    expect(await seriousViolations(page)).toEqual([]);
  });

  it("creates a task in the dialog: the API's field errors under the fields, then the new card", async () => {
    await s.ok(CreateAgentDocument, { input: { name: "board-alpha", minComplexity: 9, maxComplexity: 10 } });
    await page.click("main .page-header button");
    await page.waitForSelector("dialog[open] input[name=title]");
    await page.$eval("dialog[open] input[name=complexity]", (el) => ((el as unknown as { value: string }).value = ""));
    await page.type("dialog[open] input[name=complexity]", "11");
    await page.click("dialog[open] button[type=submit]");
    await page.waitForFunction(`document.querySelectorAll("dialog[open] .field-error").length >= 2`, {
      timeout: 20_000,
    });
    const errors = await page.$$eval("dialog[open] .field-invalid", (els) =>
      els.map((e) => (e as unknown as { textContent: string }).textContent),
    );
    expect(errors.find((e) => e.startsWith("Title"))).toBeTruthy();
    expect(errors.find((e) => e.startsWith("Complexity"))).toMatch(/10/);
    expect(await page.$eval("dialog[open] input[name=title]", (el) => el.getAttribute("aria-invalid"))).toBe("true");
    await screenshot(page, "create-task-dialog");
    expect(await seriousViolations(page)).toEqual([]);

    await page.type("dialog[open] input[name=title]", "Build the task board");
    await page.type("dialog[open] textarea[name=description]", "Columns by status, live.");
    await page.$eval("dialog[open] input[name=complexity]", (el) => ((el as unknown as { value: string }).value = ""));
    await page.type("dialog[open] input[name=complexity]", "3");
    await page.click("dialog[open] button[type=submit]");
    await page.waitForFunction(`!document.querySelector("dialog[open]")`);
    await waitForText(page, "Build the task board", 'section[data-status="PENDING"]');
    await waitForText(page, "Created Build the task board", ".board-status");
    createdId = (await page.$eval('section[data-status="PENDING"] li[data-task-id]', (el) =>
      el.getAttribute("data-task-id"),
    ))!;
    expect(createdId).toBeTruthy();
    expect(await page.$eval(`li[data-task-id="${createdId}"] a`, (el) => el.getAttribute("href"))).toBe(
      `/tasks/${createdId}`,
    );
  });

  it("moves the card between columns live, without a reload", async () => {
    await page.evaluate(`window.__sameDocument = true`);
    await s.ok(UpdateTaskStatusDocument, { id: createdId, status: "FAILED" });
    await page.waitForSelector(card("FAILED", createdId), { timeout: 20_000 });
    expect(await page.$(card("PENDING", createdId))).toBeNull();
    // A task created elsewhere appears too.
    const other = (await s.ok(CreateTaskDocument, { input: { title: "Other work", complexity: 2, priority: 80 } }))
      .createTask;
    await page.waitForSelector(card("PENDING", other.id));
    expect(await page.evaluate(`window.__sameDocument`)).toBe(true);
    expect(await text(page, 'section[data-status="FAILED"] h2')).toContain("1");
  });

  it("catches up after the socket was down", async () => {
    proxy.drop(true);
    await page.waitForSelector('[data-testid="reconnect-banner"]');
    await s.ok(UpdateTaskStatusDocument, { id: createdId, status: "PENDING" });
    proxy.restore();
    await page.waitForFunction(`!document.querySelector('[data-testid="reconnect-banner"]')`, { timeout: 30_000 });
    await page.waitForSelector(card("PENDING", createdId), { timeout: 20_000 });
    expect(await page.$(card("FAILED", createdId))).toBeNull();
  });

  it("narrows the board with the filters, reflected in the URL", async () => {
    await page.type("input[name=q]", "task board");
    await page.waitForFunction(`location.search.includes("q=task+board")`);
    await page.waitForFunction(`!document.querySelector('li[data-task-id]:not([data-task-id="${createdId}"])')`);
    await page.waitForSelector(card("PENDING", createdId));
    // Status: only FAILED → nothing matches.
    await page.click('input[name=status][value="FAILED"]');
    await page.waitForFunction(`location.search.includes("status=FAILED")`);
    await waitForText(page, "No task matches these filters", "main");
    await page.click('input[name=status][value="FAILED"]');
    await page.waitForSelector(card("PENDING", createdId));
    // Priority 50 or more: only "Other work" (80), once the text is cleared.
    await page.$eval("input[name=q]", (el) => ((el as unknown as { value: string }).value = ""));
    await page.type("input[name=q]", " ");
    await page.keyboard.press("Backspace");
    await page.waitForFunction(`!location.search.includes("q=")`);
    await page.select("select[name=priority]", "50");
    await page.waitForFunction(`location.search.includes("priority=50")`);
    await waitForText(page, "Other work", "main");
    await page.waitForFunction(`!document.querySelector('li[data-task-id="${createdId}"]')`);
    // The agent filter: nothing is assigned to it.
    await page.focus("select[name=agent]");
    await page.waitForSelector("select[name=agent] option:nth-child(2)");
    const agentId = await page.$eval("select[name=agent] option:nth-child(2)", (el) => el.getAttribute("value"));
    await page.select("select[name=agent]", agentId!);
    await page.waitForFunction(`location.search.includes("agent=")`);
    await waitForText(page, "No task matches these filters", "main");
    // A linked filtered board opens filtered.
    await page.goto(`${proxy.url}/?q=other`, { waitUntil: "domcontentloaded" });
    await waitForText(page, "Other work", "main");
    expect(await page.$(`li[data-task-id="${createdId}"]`)).toBeNull();
    expect(await page.$eval("input[name=q]", (el) => (el as unknown as { value: string }).value)).toBe("other");
    await page.goto(`${proxy.url}/`, { waitUntil: "domcontentloaded" });
    await page.waitForSelector(card("PENDING", createdId));
  });

  it("has no serious axe-core violation in light and dark", async () => {
    expect(await seriousViolations(page)).toEqual([]);
    const theme = (await page.evaluate(`document.documentElement.dataset.theme`)) as string;
    await screenshot(page, theme === "dark" ? "board-dark" : "board");
    await page.click('button[aria-label^="Switch to the"]');
    const other = (await page.evaluate(`document.documentElement.dataset.theme`)) as string;
    expect(other).not.toBe(theme);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, other === "dark" ? "board-dark" : "board");
    await page.click('button[aria-label^="Switch to the"]');
  });

  it("works 360 px wide, the columns scrolling in their own box", async () => {
    const { page: small } = await b.page({ width: 360, height: 740 });
    await signIn(small, proxy.url, s.adminKey);
    await small.waitForSelector(card("PENDING", createdId));
    const overflow = await small.evaluate(
      `document.documentElement.scrollWidth - document.documentElement.clientWidth`,
    );
    const wide = await small.evaluate(
      `[...document.querySelectorAll("body *")].filter((e) => e.getBoundingClientRect().right > 362 && !e.closest(".board-column")).slice(0, 8).map((e) => e.tagName + "." + e.className + " " + Math.round(e.getBoundingClientRect().right))`,
    );
    expect({ overflow, wide }).toEqual({ overflow: 0, wide: [] });
    await screenshot(small, "board-360px");
    await small.close();
  });

  it("shows a VIEWER key no Create task button", async () => {
    const viewer = await s.ok(CreateApiKeyDocument, { input: { name: "viewer-board", role: "VIEWER" } });
    const { page: p2 } = await b.page();
    await signIn(p2, proxy.url, viewer.createApiKey.key);
    await p2.waitForSelector(card("PENDING", createdId));
    const buttons = await p2.$$eval("main button", (els) =>
      els.map((e) => (e as unknown as { textContent: string }).textContent),
    );
    expect(buttons.some((t) => /create/i.test(t))).toBe(false);
    expect(await p2.$("dialog")).toBeNull();
    await p2.close();
  });

  it("logged no page error", () => {
    expect(log.pageErrors).toEqual([]);
  });
});
