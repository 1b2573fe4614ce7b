/**
 * Part D of the dashboard in Chromium against the real server: agents (create with errors, edit,
 * pause/resume, live changes), usage charts, notifications with the bell, and API keys (a VIEWER
 * key made in the UI, used in a second page, then revoked).
 */
import type { Page } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AgentsDocument,
  CreateTaskDocument,
  SubscribeNotificationsDocument,
  UpdateAgentDocument,
  UpdateTaskStatusDocument,
} from "../../generated/graphql.js";
import type { TestServer } from "../../helpers/server.js";
import {
  expectAccessibleInBothThemes,
  hasChromium,
  launchBrowser,
  screenshot,
  seriousViolations,
  signIn,
  startDashboardServer,
  waitForText,
  type BrowserSession,
  type PageLog,
} from "./harness.js";

const text = (page: Page, selector: string) =>
  page.$eval(selector, (el) => (el as unknown as { textContent: string }).textContent);

/** Replaces a control's value as a person would (so React sees the change). */
async function fill(page: Page, selector: string, value: string) {
  await page.focus(selector);
  await page.keyboard.down("Control");
  await page.keyboard.press("a");
  await page.keyboard.up("Control");
  await page.keyboard.press("Backspace");
  if (value) await page.type(selector, value);
}

const bothThemes = expectAccessibleInBothThemes;

describe.skipIf(!hasChromium)("the dashboard's agents, usage, notifications and keys", () => {
  let s: TestServer;
  let b: BrowserSession;
  let page: Page;
  let log: PageLog;

  beforeAll(async () => {
    s = await startDashboardServer("sqlite");
    b = await launchBrowser();
    ({ page, log } = await b.page());
    await signIn(page, s.url, s.adminKey, "/agents");
  }, 120_000);
  afterAll(async () => {
    await b?.close();
    await s?.stop();
  });

  it("creates an agent (errors first), edits, pauses and resumes it, and follows API changes live", async () => {
    await waitForText(page, "No agents yet: create one.");
    await page.click(".page-header .button-primary");
    await page.waitForSelector("dialog[open] input[name=name]");
    await page.type("dialog[open] input[name=name]", "scout");
    await fill(page, "dialog[open] input[name=minComplexity]", "8");
    await fill(page, "dialog[open] input[name=maxComplexity]", "3");
    await page.type("dialog[open] textarea[name=policy]", '{\n  "remove": [git]\n}');
    await page.click("dialog[open] button[type=submit]");
    // The JSON is checked before anything is sent.
    await waitForText(page, "JSON syntax error at line 2, column 14", "dialog[open]");
    await fill(page, "dialog[open] textarea[name=policy]", '{"remove": ["git"]}');
    await page.click("dialog[open] button[type=submit]");
    // The API's BAD_USER_INPUT shows under the complexity fields.
    await page.waitForSelector(
      "dialog[open] .field-invalid input[name=minComplexity], dialog[open] .field-invalid input[name=maxComplexity]",
    );
    const fieldErrors = await page.$$eval("dialog[open] .field-error", (els) =>
      els.map((e) => (e as unknown as { textContent: string }).textContent),
    );
    expect(fieldErrors.join(" ")).toMatch(/complexity/i);
    await screenshot(page, "agent-dialog");
    expect(await seriousViolations(page)).toEqual([]);
    await fill(page, "dialog[open] input[name=maxComplexity]", "9");
    await page.click("dialog[open] button[type=submit]");
    await page.waitForSelector("dialog[open]", { hidden: true });
    await page.waitForSelector('tr[data-agent="scout"]');
    expect(await text(page, 'tr[data-agent="scout"]')).toContain("8–9");

    const agent = (await s.ok(AgentsDocument, { first: 10 })).agents.edges[0]!.node;
    expect(agent.name).toBe("scout");

    // Edit: the model, and the policy that was set through setToolPolicy.
    await page.click('button[aria-label="Edit scout"]');
    await page.waitForSelector("dialog[open] input[name=model]");
    expect(
      await page.$eval("dialog[open] textarea[name=policy]", (e) => (e as unknown as { value: string }).value),
    ).toContain('"git"');
    await page.type("dialog[open] input[name=model]", "m-test");
    await page.click("dialog[open] button[type=submit]");
    await page.waitForSelector("dialog[open]", { hidden: true });
    await waitForText(page, "m-test", 'tr[data-agent="scout"]');

    await page.click('button[aria-label="Pause scout"]');
    await waitForText(page, "Paused", 'tr[data-agent="scout"] .badge');
    await page.click('button[aria-label="Resume scout"]');
    await page.waitForSelector('button[aria-label="Pause scout"]');
    expect(await text(page, 'tr[data-agent="scout"] .badge')).not.toBe("Paused");

    // A change made elsewhere shows at once.
    await s.ok(UpdateAgentDocument, { id: agent.id, input: { maxConcurrentTasks: 4 } });
    await waitForText(page, "0/4", 'tr[data-agent="scout"]');
    await screenshot(page, "agents");
    await bothThemes(page, "agents-dark");
  }, 60_000);

  it("works 360 px wide (agents as cards, usage)", async () => {
    const { page: small } = await b.page({ width: 360, height: 740 });
    await signIn(small, s.url, s.adminKey, "/agents");
    await small.waitForSelector('li[data-agent="scout"]');
    for (const path of ["/agents", "/usage", "/notifications", "/keys"]) {
      if (path !== "/agents") {
        await small.goto(`${s.url}${path}`, { waitUntil: "domcontentloaded" });
        await small.waitForSelector("main h1");
      }
      if (path === "/keys") await screenshot(small, "keys-360px");
      const overflow = await small.evaluate(
        `document.documentElement.scrollWidth - document.documentElement.clientWidth`,
      );
      expect(overflow, path).toBeLessThanOrEqual(0);
    }
    await small.goto(`${s.url}/agents`, { waitUntil: "domcontentloaded" });
    await small.waitForSelector('li[data-agent="scout"]');
    await screenshot(small, "agents-360px");
    await small.close();
    // A tab in the background gets no animation frames (the live lists flush on them).
    await page.bringToFront();
  });

  it("charts usage with its totals", async () => {
    await page.bringToFront();
    const agent = (await s.ok(AgentsDocument, { first: 10 })).agents.edges[0]!.node;
    const now = new Date();
    const yesterday = new Date(now.getTime() - 24 * 3600 * 1000);
    const record = (a: {
      agentId: string | null;
      model: string;
      createdAt: Date;
      p: number;
      c: number;
      cost: number;
    }) =>
      s.app.services.usage.record({
        taskId: null,
        agentId: a.agentId,
        model: a.model,
        attempt: 1,
        outcome: "SUCCESS",
        latencyMs: 100,
        usage: { promptTokens: a.p, completionTokens: a.c, cachedTokens: 0, reasoningTokens: 0, costUsd: a.cost },
        createdAt: a.createdAt,
      });
    await record({ agentId: agent.id, model: "model-a", createdAt: now, p: 1000, c: 500, cost: 1.25 });
    await record({ agentId: null, model: "model-b", createdAt: yesterday, p: 200, c: 100, cost: 0.5 });
    await page.click('nav a[href="/usage"]');
    await waitForText(page, "$1.75", '[data-testid="total-cost"]');
    expect(await text(page, '[data-testid="total-tokens"]')).toBe("1,800");
    expect(await text(page, '[data-testid="total-calls"]')).toBe("2");
    const labels = await page.$$eval("svg[role=img]", (els) => els.map((e) => e.getAttribute("aria-label")));
    expect(labels).toHaveLength(3);
    expect(labels[0]).toMatch(/Cost per day: 30 day rows, total cost \$1\.75/);
    expect(labels[1]).toContain("highest model-a with $1.25");
    expect(labels[2]).toContain("highest scout with $1.25");
    const tables = await page.$$eval(".chart-data table", (els) =>
      els.map((e) => (e as unknown as { textContent: string }).textContent),
    );
    expect(tables[1]).toContain("model-b");
    expect(tables[2]).toContain("(no agent)");
    // Tokens instead of cost.
    await page.click("input[name=metric][value=tokens]");
    await waitForText(page, "Tokens per day");
    // A range with no usage.
    await page.click("input[name=range][value=custom]");
    await page.waitForSelector("input[name=from]");
    await page.$eval("input[name=from]", (e) => (e as unknown as { max: string }).max);
    await fill(page, "input[name=to]", "");
    await page.type("input[name=from]", "01012020");
    await page.type("input[name=to]", "01022020");
    await waitForText(page, "No usage in this range");
    await page.click("input[name=range][value='7']");
    await page.click("input[name=metric][value=cost]");
    await waitForText(page, "$1.75", '[data-testid="total-cost"]');
    await screenshot(page, "usage");
    await bothThemes(page, "usage-dark");
  }, 60_000);

  it("counts a new notification in the bell live, lists it, and marks all read", async () => {
    await s.ok(SubscribeNotificationsDocument, { input: { channel: "IN_APP", events: ["TASK_FAILED"] } });
    await page.click('nav a[href="/agents"]');
    await page.waitForSelector('tr[data-agent="scout"]');
    expect(await page.$eval("a.bell", (e) => e.getAttribute("aria-label"))).toBe("Notifications, none unread");
    const task = (await s.ok(CreateTaskDocument, { input: { title: "doomed task", complexity: 2 } })).createTask;
    await s.ok(UpdateTaskStatusDocument, { id: task.id, status: "FAILED" });
    await page.waitForSelector('a.bell[aria-label="Notifications, 1 unread"]', { timeout: 30_000 });
    await page.click("a.bell");
    await waitForText(page, "doomed task", ".note-list");
    await waitForText(page, "1 unread.");
    expect(await text(page, ".note-list")).toContain("Unread");
    expect(await page.$(`.note-list a[href="/tasks/${task.id}"]`)).not.toBeNull();
    // A second one arrives live at the top of the open list.
    const task2 = (await s.ok(CreateTaskDocument, { input: { title: "second casualty", complexity: 2 } })).createTask;
    await s.ok(UpdateTaskStatusDocument, { id: task2.id, status: "FAILED" });
    await waitForText(page, "second casualty", ".note-list");
    await page.waitForSelector('a.bell[aria-label="Notifications, 2 unread"]');
    await screenshot(page, "notifications");
    await bothThemes(page);
    await page.click(".page-header .actions button");
    await page.waitForSelector('a.bell[aria-label="Notifications, none unread"]');
    await waitForText(page, "Nothing unread.");
    await page.waitForFunction(`!document.querySelector('.note-unread')`);
    await page.click(".page-header input[type=checkbox]");
    await waitForText(page, "Nothing unread", "main");
  }, 60_000);

  it("creates a VIEWER key shown once, which sees no mutations, then revokes it", async () => {
    await page.click('nav a[href="/keys"]');
    await page.waitForSelector("table.keys-table");
    await page.click(".page-header .button-primary");
    await page.waitForSelector("dialog[open] input[name=keyName]");
    await page.type("dialog[open] input[name=keyName]", "viewer-ui");
    await page.click("dialog[open] button[type=submit]");
    await page.waitForSelector("#new-key-secret");
    const secret = await page.$eval("#new-key-secret", (e) => (e as unknown as { value: string }).value);
    expect(secret.length).toBeGreaterThan(20);
    await waitForText(page, "it will not be shown again", "dialog[open]");
    await screenshot(page, "key-created");
    expect(await seriousViolations(page)).toEqual([]);
    // The secret is nowhere but on screen.
    const stored = (await page.evaluate(
      `JSON.stringify({ ...sessionStorage }) + JSON.stringify({ ...localStorage })`,
    )) as string;
    expect(stored).not.toContain(secret);
    await page.click("dialog[open] .actions button:not(.button-primary)");
    await page.waitForSelector("dialog[open]", { hidden: true });
    await page.waitForSelector('tr[data-key="viewer-ui"]');
    expect(await page.$("#new-key-secret")).toBeNull();
    await screenshot(page, "keys");
    await bothThemes(page);

    const { page: viewer } = await b.page();
    await signIn(viewer, s.url, secret, "/agents");
    await page.bringToFront();
    await viewer.waitForSelector('tr[data-agent="scout"]');
    expect(
      await viewer.$$eval("main button", (els) =>
        els.map((e) => (e as unknown as { textContent: string }).textContent),
      ),
    ).toEqual([]);
    expect(await text(viewer, "nav")).not.toContain("API keys");
    // Pages it may not use say so instead of failing.
    await viewer.goto(`${s.url}/keys`, { waitUntil: "domcontentloaded" });
    await waitForText(viewer, "needs an ADMIN key", "main");
    await viewer.goto(`${s.url}/usage`, { waitUntil: "domcontentloaded" });
    await waitForText(viewer, "need an OPERATOR or ADMIN key", "main");

    await page.click('button[aria-label="Revoke viewer-ui"]');
    await page.waitForSelector("dialog[open] .button-danger");
    await page.click("dialog[open] .button-danger");
    await waitForText(page, "Revoked", 'tr[data-key="viewer-ui"]');
    // The viewer's socket is closed by the server: the page signs out.
    await viewer.waitForSelector('input[name="key"]', { timeout: 30_000 });
    await waitForText(viewer, "no longer accepts this API key");
    await viewer.bringToFront();
    await viewer.type('input[name="key"]', secret);
    await viewer.click('button[type="submit"]');
    await waitForText(viewer, "UNAUTHENTICATED");
    await viewer.close();
  }, 60_000);

  it("logged no page error", () => {
    expect(log.pageErrors).toEqual([]);
  });
});
