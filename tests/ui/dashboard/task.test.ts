/**
 * The task view (/tasks/<id>) in Chromium against the real server, its builtin agent driven by
 * the stand-in model server: live status in the header and timeline, markdown, folded tool
 * calls, approve and reject, a WebSocket drop that loses no event, a VIEWER's view, axe-core.
 */
import type { Page } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CreateApiKeyDocument,
  CreateRuntimeAgentDocument,
  CreateRuntimeTaskDocument,
  RuntimeTaskDocument,
  SendTaskMessageDocument,
} from "../../generated/graphql.js";
import { startFakeOpenRouter, type FakeOpenRouter } from "../../helpers/fake-openrouter.js";
import { callTurn } from "../../helpers/model-turns.js";
import { startRuntimeServer, until } from "../../helpers/runtime.js";
import type { TestServer } from "../../helpers/server.js";
import {
  hasChromium,
  launchBrowser,
  screenshot,
  seriousViolations,
  signIn,
  startProxy,
  waitForText,
  webBuild,
  type BrowserSession,
  type PageLog,
  type Proxy,
} from "./harness.js";

const text = (page: Page, sel: string) =>
  page.$eval(sel, (el) => (el as unknown as { textContent: string }).textContent ?? "");

const buttonTexts = (page: Page) =>
  page.$$eval("main button", (els) => els.map((e) => (e as unknown as { textContent: string }).textContent ?? ""));

/** Clicks the button inside `scope` whose text starts with `label`. */
async function clickButton(page: Page, label: string, scope = "main"): Promise<void> {
  const find = `[...document.querySelectorAll(${JSON.stringify(`${scope} button`)})].find((b) => b.textContent.trim().startsWith(${JSON.stringify(label)}))`;
  await page.waitForFunction(`Boolean(${find})`);
  await page.evaluate(`${find}.click()`);
}

/** The header's status badge, as shown. */
const waitForStatus = (page: Page, label: string) => waitForText(page, label, '[data-testid="task-status"]', 30_000);

describe.skipIf(!hasChromium)("the task view in Chromium", () => {
  let fake: FakeOpenRouter;
  let s: TestServer;
  let proxy: Proxy;
  let b: BrowserSession;
  let page: Page;
  let log: PageLog;
  let runTaskId = "";
  let reviewTaskId = "";

  beforeAll(async () => {
    fake = await startFakeOpenRouter();
    s = await startRuntimeServer("sqlite", fake, { WEB_DIR: await webBuild() });
    proxy = await startProxy(s.app.port);
    b = await launchBrowser();
    ({ page, log } = await b.page());
    await signIn(page, proxy.url, s.adminKey);
  }, 180_000);
  afterAll(async () => {
    await b?.close();
    await proxy?.close();
    await s?.stop();
    await fake?.close();
  });

  it("follows a task live: status in the header and timeline, markdown, a folded tool call; Approve completes it", async () => {
    // No agent fits yet: the task waits, the page opens on PENDING, then everything arrives live.
    runTaskId = (
      await s.ok(CreateRuntimeTaskDocument, {
        input: { title: "Write the plan", description: "Make a **plan**.", complexity: 2, requiresApproval: true },
      })
    ).createTask.id;
    await page.goto(`${proxy.url}/tasks/${runTaskId}`, { waitUntil: "domcontentloaded" });
    await waitForStatus(page, "Pending");
    expect(
      await page.$eval(".task-description strong", (el) => (el as unknown as { textContent: string }).textContent),
    ).toBe("plan");

    fake.scriptModel(
      "m1",
      callTurn(
        [
          ["writeFile", { path: "plan.md", content: "# Plan" }],
          ["set_phase", { phase: "BUILD" }],
        ],
        { text: "Planning **first**." },
      ),
      callTurn([["set_phase", { phase: "TEST" }]]),
      callTurn([["set_phase", { phase: "REVIEW" }]]),
      callTurn([["complete_task", { summary: "planned it" }]]),
    );
    await s.ok(CreateRuntimeAgentDocument, {
      input: { name: "builder", kind: "BUILTIN", minComplexity: 2, maxComplexity: 2, requiresApproval: true },
    });
    await waitForText(page, "Awaiting approval", '[data-testid="task-header"]', 30_000);
    await waitForStatus(page, "Review");
    const timeline = '[data-testid="timeline"]';
    await waitForText(page, "Pending → Design", timeline);
    await waitForText(page, "Build → Test", timeline);
    await waitForText(page, "Awaiting approval in Review", timeline);
    // The model's text as markdown.
    await page.waitForFunction(
      `[...document.querySelectorAll('${timeline} .tl-markdown strong')].some((e) => e.textContent === "first")`,
    );
    // writeFile's call folded (<details>) with its result.
    const call = await page.waitForSelector(`${timeline} li.tl-tool-call:has(.tl-output)`);
    expect(await call!.evaluate((el) => el.querySelector("details")?.open)).toBe(false);
    expect(await call!.evaluate((el) => el.querySelector("summary")?.textContent)).toContain("Called writeFile");
    await call!.evaluate((el) => el.querySelector("summary")?.click());
    expect(await call!.evaluate((el) => el.querySelector("details")?.open)).toBe(true);
    await screenshot(page, "task-timeline");

    await clickButton(page, "Approve");
    await waitForStatus(page, "Complete");
    await waitForText(page, "Review → Complete", timeline);
    await waitForText(page, "The task ended", ".timeline-section");
    expect(await buttonTexts(page)).not.toContain("Approve");
  }, 90_000);

  it("rejects with feedback: the API's BAD_USER_INPUT for none, then back to BUILD live", async () => {
    reviewTaskId = (
      await s.ok(CreateRuntimeTaskDocument, { input: { title: "Second round", complexity: 2, requiresApproval: true } })
    ).createTask.id;
    fake.scriptModel(
      "m1",
      callTurn([["set_phase", { phase: "BUILD" }]]),
      callTurn([["set_phase", { phase: "TEST" }]]),
      callTurn([["set_phase", { phase: "REVIEW" }]]),
      callTurn([["complete_task", { summary: "first try" }]]),
      // After the rejection: back through TEST and REVIEW to approval again.
      callTurn([["set_phase", { phase: "TEST" }]]),
      callTurn([["set_phase", { phase: "REVIEW" }]]),
      callTurn([["complete_task", { summary: "second try" }]]),
    );
    await page.goto(`${proxy.url}/tasks/${reviewTaskId}`, { waitUntil: "domcontentloaded" });
    await waitForText(page, "Awaiting approval", '[data-testid="task-header"]', 30_000);
    await clickButton(page, "Reject");
    await page.waitForSelector("dialog[open] textarea[name=feedback]");
    await clickButton(page, "Reject", "dialog[open]");
    // The API's message for the empty feedback, under its control.
    await page.waitForSelector("dialog[open] .field-error");
    expect(await text(page, "dialog[open] .field-error")).toMatch(/empty/);
    expect(await page.$eval("dialog[open] textarea", (el) => el.getAttribute("aria-invalid"))).toBe("true");
    // The approval state with the dialog and its error open.
    expect(await seriousViolations(page)).toEqual([]);
    await page.type("dialog[open] textarea[name=feedback]", "Add tests, please.");
    await clickButton(page, "Reject", "dialog[open]");
    await waitForText(page, "Review → Build", '[data-testid="timeline"]', 30_000);
    await waitForText(page, "first try", '[data-testid="timeline"]');
    // The agent goes round again and asks once more.
    await until(s, reviewTaskId, (t) => t.awaitingApproval && t.summary === "second try", "second approval request");
    await waitForText(page, "Awaiting approval", '[data-testid="task-header"]', 30_000);
  }, 90_000);

  it("loses no event when the WebSocket drops and comes back mid-stream", async () => {
    // Complexity 9: no agent takes it, so its events are only the ones made here.
    const id = (await s.ok(CreateRuntimeTaskDocument, { input: { title: "Chatty", complexity: 9 } })).createTask.id;
    await page.goto(`${proxy.url}/tasks/${id}`, { waitUntil: "domcontentloaded" });
    await waitForText(page, "Created in Pending", '[data-testid="timeline"]');
    const send = (i: number) => s.ok(SendTaskMessageDocument, { taskId: id, text: `message **${i}**` });
    for (let i = 1; i <= 15; i++) await send(i);
    await waitForText(page, "message 10", '[data-testid="timeline"]');
    // Drop while more arrive; more again while down.
    const during = (async () => {
      for (let i = 16; i <= 30; i++) await send(i);
    })();
    proxy.drop(true);
    await page.waitForSelector('[data-testid="reconnect-banner"]', { timeout: 20_000 });
    await during;
    for (let i = 31; i <= 40; i++) await send(i);
    proxy.restore();
    const restored = Date.now();
    await page.waitForFunction(`!document.querySelector('[data-testid="reconnect-banner"]')`, { timeout: 30_000 });
    for (let i = 41; i <= 45; i++) await send(i);
    const last = (await s.ok(RuntimeTaskDocument, { id })).task!.events.at(-1)!.seq;
    expect(last).toBeGreaterThanOrEqual(46);
    await page.waitForFunction(`document.querySelectorAll('[data-testid="timeline"] [data-seq]').length >= ${last}`, {
      timeout: 30_000,
    });
    const seqs = await page.$$eval('[data-testid="timeline"] [data-seq]', (els) =>
      els.map((e) => Number((e as unknown as { dataset: { seq: string } }).dataset.seq)),
    );
    expect(seqs).toEqual(Array.from({ length: last }, (_, i) => i + 1));
    console.info(`task view: ${last} events, all shown ${Date.now() - restored} ms after the network came back`);
    expect(await text(page, '[data-testid="timeline"]')).toContain("message 45");
  }, 90_000);

  let hostileId = "";
  it("sanitizes markdown: no script, no onerror, no javascript: link", async () => {
    const id = (hostileId = (await s.ok(CreateRuntimeTaskDocument, { input: { title: "Hostile", complexity: 9 } }))
      .createTask.id);
    await s.ok(SendTaskMessageDocument, {
      taskId: id,
      text: 'Hi <script>window.__pwned = 1</script> <img src="/x.png" onerror="window.__pwned = 2"> [click](javascript:window.__pwned=3) [ok](https://example.com/)',
    });
    await page.goto(`${proxy.url}/tasks/${id}`, { waitUntil: "domcontentloaded" });
    await page.waitForSelector('[data-testid="timeline"] .tl-markdown a[href="https://example.com/"]');
    const found = await page.evaluate(`(() => {
      const md = document.querySelector('[data-testid="timeline"] .tl-markdown');
      return {
        scripts: md.querySelectorAll("script").length,
        onerror: md.querySelectorAll("[onerror]").length,
        js: [...md.querySelectorAll("a")].filter((a) => /^javascript:/i.test(a.getAttribute("href") || "")).length,
        rel: md.querySelector('a[href="https://example.com/"]').getAttribute("rel"),
        target: md.querySelector('a[href="https://example.com/"]').getAttribute("target"),
        pwned: window.__pwned ?? null,
      };
    })()`);
    expect(found).toEqual({ scripts: 0, onerror: 0, js: 0, rel: "noopener noreferrer", target: "_blank", pwned: null });
  });

  it("shows a VIEWER the task without any mutation button", async () => {
    const viewer = await s.ok(CreateApiKeyDocument, { input: { name: "viewer-task", role: "VIEWER" } });
    const { page: p2 } = await b.page();
    await signIn(p2, proxy.url, viewer.createApiKey.key, `/tasks/${reviewTaskId}`);
    await waitForText(p2, "Awaiting approval", '[data-testid="task-header"]', 30_000);
    await waitForText(p2, "Review → Build", '[data-testid="timeline"]');
    const buttons = (await buttonTexts(p2)).map((t) => t.trim());
    for (const label of ["Approve", "Reject…", "Pause…", "Resume", "Cancel task…", "Send message"])
      expect(buttons).not.toContain(label);
    expect(await p2.$("textarea")).toBeNull();
    await p2.close();
  });

  it("has tabs in the URL and keyboard, no serious axe-core violation in both themes, and fits 360 px", async () => {
    await page.goto(`${proxy.url}/tasks/${runTaskId}`, { waitUntil: "domcontentloaded" });
    await waitForStatus(page, "Complete");
    await waitForText(page, "Review → Complete", '[data-testid="timeline"]');
    expect(await seriousViolations(page)).toEqual([]);
    // Arrow right from Timeline selects Conversation and puts it in the URL.
    await page.focus('[role="tab"][aria-selected="true"]');
    await page.keyboard.press("ArrowRight");
    await page.waitForSelector('#task-tab-conversation[aria-selected="true"]');
    expect(new URL(page.url()).searchParams.get("tab")).toBe("conversation");
    await page.waitForSelector('[data-testid="conversation"] li');
    await waitForText(page, "writeFile", '[data-testid="conversation"]');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, "task-conversation");
    // Reload keeps the tab.
    await page.reload({ waitUntil: "domcontentloaded" });
    await page.waitForSelector('#task-tab-conversation[aria-selected="true"]');
    for (const tab of ["sources", "tree", "channel"]) {
      await page.click(`#task-tab-${tab}`);
      await page.waitForSelector(`#task-panel-${tab}`);
      await page.waitForFunction(`!document.querySelector('#task-panel-${tab} .state-loading')`);
      expect(await seriousViolations(page), tab).toEqual([]);
    }
    await page.click("#task-tab-timeline");
    await page.click('button[aria-label^="Switch to the"]');
    await waitForText(page, "Review → Complete", '[data-testid="timeline"]');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, "task-dark");
    await page.click('button[aria-label^="Switch to the"]');

    const { page: small } = await b.page({ width: 360, height: 740 });
    await signIn(small, proxy.url, s.adminKey, `/tasks/${reviewTaskId}`);
    await waitForText(small, "Awaiting approval", '[data-testid="task-header"]', 30_000);
    await waitForText(small, "Review → Build", '[data-testid="timeline"]');
    const overflow = await small.evaluate(
      `document.documentElement.scrollWidth - document.documentElement.clientWidth`,
    );
    expect(overflow).toBeLessThanOrEqual(0);
    await screenshot(small, "task-360px");
    await small.close();
  }, 90_000);

  it("posts to the task's channel, and cancels the task after confirming", async () => {
    await page.goto(`${proxy.url}/tasks/${hostileId}?tab=channel`, { waitUntil: "domcontentloaded" });
    await page.waitForSelector('#task-tab-channel[aria-selected="true"]');
    await page.waitForSelector("textarea[name=channel-text]");
    await page.type("textarea[name=channel-text]", "Hello **channel**");
    await clickButton(page, "Post", "#task-panel-channel");
    await page.waitForFunction(
      `[...document.querySelectorAll('[data-testid="channel-messages"] strong')].some((e) => e.textContent === "channel")`,
    );
    await page.click("#task-tab-timeline");
    await clickButton(page, "Cancel task");
    await page.waitForSelector("dialog[open]");
    expect(await text(page, "dialog[open]")).toContain("Hostile");
    await clickButton(page, "Cancel the task", "dialog[open]");
    await waitForStatus(page, "Cancelled");
    await waitForText(page, "Pending → Cancelled", '[data-testid="timeline"]');
    expect((await buttonTexts(page)).map((t) => t.trim())).not.toContain("Cancel task…");
  });

  it("pauses with a reason and resumes", async () => {
    await page.goto(`${proxy.url}/tasks/${reviewTaskId}`, { waitUntil: "domcontentloaded" });
    await waitForText(page, "Awaiting approval", '[data-testid="task-header"]', 30_000);
    await clickButton(page, "Pause");
    await page.waitForSelector("dialog[open] input[name=reason]");
    await page.type("dialog[open] input[name=reason]", "lunch break");
    await clickButton(page, "Pause", "dialog[open]");
    await waitForText(page, "lunch break", '[data-testid="pause-reason"]');
    await waitForText(page, "Paused by", '[data-testid="timeline"]');
    await clickButton(page, "Resume");
    await page.waitForFunction(`!document.querySelector('[data-testid="pause-reason"]')`);
    await waitForText(page, "Resumed by", '[data-testid="timeline"]');
  });

  it("shows the task tree with links to each child, and the child links back to its parent", async () => {
    const parent = (await s.ok(CreateRuntimeTaskDocument, { input: { title: "Tree root", complexity: 9 } })).createTask;
    await s.ok(CreateRuntimeTaskDocument, { input: { title: "Leaf one", complexity: 9, parentId: parent.id } });
    await page.goto(`${proxy.url}/tasks/${parent.id}?tab=tree`, { waitUntil: "domcontentloaded" });
    await waitForText(page, "Leaf one", '[data-testid="task-tree"]');
    expect(await text(page, '[data-testid="task-tree"]')).toContain("Pending");
    await page.evaluate(
      `[...document.querySelectorAll('[data-testid="task-tree"] a')].find((a) => a.textContent === "Leaf one").click()`,
    );
    await waitForText(page, "Leaf one", "h1");
    await waitForText(page, "Subtask of Tree root", ".task-parent");
  });

  it("says when a task does not exist", async () => {
    await page.goto(`${proxy.url}/tasks/01900000-0000-7000-8000-000000000000`, { waitUntil: "domcontentloaded" });
    await page.waitForSelector('[data-testid="task-not-found"]');
  });

  it("logged no page error", () => {
    expect(log.pageErrors).toEqual([]);
  });
});
