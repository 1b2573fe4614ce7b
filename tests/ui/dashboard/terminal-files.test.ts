/**
 * Part C of the dashboard: a task's command runs in an xterm.js terminal (live, resumed after a
 * dropped connection with nothing doubled, cancel) and its files panel (browse, previews,
 * download, upload and a refused upload), for an admin and a VIEWER, in both themes.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CancelCommandDocument,
  CommandRunDocument,
  CommandRunsDocument,
  CreateAgentDocument,
  CreateApiKeyDocument,
  CreateTaskDocument,
  ReadFileDocument,
  RunCommandDocument,
  TaskDocument,
  WriteFileDocument,
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
  startProxy,
  waitForText,
  type BrowserSession,
  type PageLog,
  type Proxy,
} from "./harness.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `cond` (for things the page does not signal, such as a file landing in a folder). */
async function waitUntil<T>(cond: () => T | null | undefined | false, what: string, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = cond();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

// A 2×2 PNG and a one-page PDF.
const png = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP8z8DAwMDAxMDAwMDAAAANHQEDasKb6QAAAABJRU5ErkJggg==",
  "base64",
);
const pdf = Buffer.from(
  "%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n" +
    "3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n",
);
const pySource = `import sys\n\n# greet\ndef greet(name):\n    return "hello <b>" + name + "</b>" * 2\n`;

/** Clicks the task view's tab named `name` (once the task is shown), then waits for its region. */
async function openTab(page: Page, name: "Commands" | "Files"): Promise<void> {
  await page.waitForSelector('[role="tab"]');
  const tabs = await page.$$('[role="tab"]');
  for (const tab of tabs) {
    const text = await tab.evaluate((el) => (el as unknown as { textContent: string }).textContent);
    if (text?.trim().startsWith(name)) await tab.click();
  }
  await page.waitForSelector(name === "Commands" ? "section.command-runs" : "section.files-panel");
}

const terminalText = (page: Page) =>
  page.$eval(
    '[data-testid="terminal"]',
    (el) => (el as unknown as { terminalText?: () => string }).terminalText?.() ?? "",
  );

const themeChecks = expectAccessibleInBothThemes;

describe.skipIf(!hasChromium)("a task's terminal and files in Chromium", () => {
  let s: TestServer;
  let proxy: Proxy;
  let b: BrowserSession;
  let page: Page;
  let log: PageLog;
  let taskId: string;
  let workspaceId: string;
  let viewerKey: string;

  beforeAll(async () => {
    s = await startDashboardServer("sqlite");
    proxy = await startProxy(s.app.port);
    b = await launchBrowser();
    ({ page, log } = await b.page());
    await s.ok(CreateAgentDocument, { input: { name: "term-files", minComplexity: 3, maxComplexity: 3 } });
    taskId = (await s.ok(CreateTaskDocument, { input: { title: "terminal and files", complexity: 3 } })).createTask.id;
    workspaceId = await waitUntilAsync(async () => {
      const ws = (await s.ok(TaskDocument, { id: taskId })).task?.workspace;
      return ws?.status === "READY" ? ws.id : null;
    }, "the workspace READY");
    viewerKey = (await s.ok(CreateApiKeyDocument, { input: { name: "viewer-termfiles", role: "VIEWER" } })).createApiKey
      .key;
  }, 120_000);
  afterAll(async () => {
    await b?.close();
    await proxy?.close();
    await s?.stop();
  });

  async function waitUntilAsync<T>(cond: () => Promise<T | null>, what: string, ms = 30_000): Promise<T> {
    const end = Date.now() + ms;
    for (;;) {
      const v = await cond();
      if (v) return v;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await sleep(50);
    }
  }

  it("follows a run live in the terminal, resumes after a dropped connection with every line once, and cancels", async () => {
    await signIn(page, proxy.url, s.adminKey, `/tasks/${taskId}`);
    await openTab(page, "Commands");
    await waitForText(page, "No command has run", "section.command-runs");

    const script = [
      "import sys, time",
      "for i in range(1, 61):",
      "    print(f'\\x1b[3{i % 7 + 1}mline {i:02d}\\x1b[0m', flush=True)",
      "    if i == 20: print('warning on stderr', file=sys.stderr, flush=True)",
      "    time.sleep(0.05)",
    ].join("\n");
    await s.ok(RunCommandDocument, { input: { workspaceId, program: "python3", args: ["-u", "-c", script] } });
    // The run appears without a reload (taskEvents → refetch) and opens in the terminal.
    await page.waitForSelector('.runs-table button.run-select[aria-pressed="true"]', { timeout: 30_000 });
    await page.waitForFunction(
      `document.querySelector('[data-testid="terminal"]')?.terminalText?.().includes("line 05")`,
      { timeout: 30_000, polling: 50 },
    );
    // Cut the connection mid-output; the stream resumes after its last seq when it is back.
    const runId = (await s.ok(CommandRunsDocument, { taskId })).commandRuns[0]!.id;
    proxy.drop(true);
    await page.waitForSelector('[data-testid="reconnect-banner"]');
    // While the page is cut off, the run goes on writing (seen over the API, not through the proxy).
    const atDrop = (await s.ok(CommandRunDocument, { id: runId })).commandRun!.lastOutputSeq;
    const after = await waitUntilAsync(async () => {
      const run = (await s.ok(CommandRunDocument, { id: runId })).commandRun!;
      return run.lastOutputSeq >= atDrop + 5 || run.status !== "RUNNING" ? run : null;
    }, "more output while disconnected");
    // Output stored after the cut (the usual case) cannot be on the page yet: it comes by the resumed stream.
    if (after.lastOutputSeq > atDrop) expect(await terminalText(page)).not.toContain("line 60");
    proxy.restore();
    await page.waitForSelector('[data-testid="terminal"][data-ended="true"]', { timeout: 30_000 });
    const text = await terminalText(page);
    for (let i = 1; i <= 60; i++) {
      const line = `line ${String(i).padStart(2, "0")}`;
      expect(
        text.split("\n").filter((l) => l === line),
        line,
      ).toHaveLength(1);
    }
    expect(text.split("\n").filter((l) => l === "warning on stderr")).toHaveLength(1);
    expect(text).toMatch(/exit code 0 · \d+\.\d s$/);
    // ANSI colours are kept (xterm's DOM renderer paints them with fg classes).
    expect(await page.$$eval(".xterm-rows span[class*='xterm-fg-']", (els) => els.length)).toBeGreaterThan(0);
    await waitForText(page, "Succeeded", "section.command-runs");
    // "Download output" saves the text without its escapes.
    const outDir = mkdtempSync(join(tmpdir(), "dashboard-output-"));
    await (
      await page.createCDPSession()
    ).send("Browser.setDownloadBehavior", { behavior: "allow", downloadPath: outDir });
    await page.click("xpath/.//button[normalize-space()='Download output']");
    const saved = await waitUntil(() => {
      const name = `run-${runId}.txt`;
      if (!readdirSync(outDir).includes(name)) return null;
      const body = readFileSync(join(outDir, name), "utf8");
      return body.includes("exit code 0") ? body : null;
    }, "the output downloaded");
    expect(saved).toContain("line 01\nline 02\n");
    expect(saved).not.toContain("\x1b");
    await screenshot(page, "task-terminal");
    await themeChecks(page, "task-terminal");

    // A long run can be cancelled from the dashboard.
    await s.ok(RunCommandDocument, {
      input: {
        workspaceId,
        program: "python3",
        args: ["-c", "import time; print('waiting', flush=True); time.sleep(60)"],
      },
    });
    await page.waitForFunction(`document.querySelectorAll('.runs-table tbody tr').length === 2`, { timeout: 30_000 });
    await page.click(".runs-table tbody tr:first-child button.run-select");
    await page.waitForFunction(
      `document.querySelector('[data-testid="terminal"]')?.terminalText?.().includes("waiting")`,
      { timeout: 30_000, polling: 50 },
    );
    const cancel = await page.waitForSelector("xpath/.//button[normalize-space()='Cancel run']");
    await cancel!.click();
    await page.waitForSelector('[data-testid="terminal"][data-ended="true"]', { timeout: 30_000 });
    await waitForText(page, "Cancelled", ".runs-table tbody tr:first-child");
    expect(await terminalText(page)).toMatch(/cancelled · \d+\.\d s$/);
  }, 90_000);

  it("browses the files, previews text, image and PDF, downloads, uploads and shows a refused upload", async () => {
    const write = (path: string, content: Buffer | string, encoding: "UTF8" | "BASE64" = "UTF8") =>
      s.ok(WriteFileDocument, {
        input: {
          workspaceId,
          path,
          createParents: true,
          encoding,
          content: typeof content === "string" ? content : content.toString("base64"),
        },
      });
    await write("hello.py", pySource);
    await write("pic.png", png, "BASE64");
    await write("docs/doc.pdf", pdf, "BASE64");
    await write("docs/blob.bin", Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 7 + 128) % 256)), "BASE64");

    await page.goto(`${proxy.url}/tasks/${taskId}`, { waitUntil: "domcontentloaded" });
    await openTab(page, "Files");
    await waitForText(page, "hello.py", ".files-table");
    // Text: highlighted, escaped (the <b> of the source is text, not markup).
    await page.click("xpath/.//button[contains(@class,'file-name') and normalize-space()='hello.py']");
    await page.waitForSelector(".code-preview .tok-keyword");
    const preview = (await page.evaluate(`(() => {
      const el = document.querySelector(".code-preview");
      return {
        text: el.textContent,
        keywords: Array.from(el.querySelectorAll(".tok-keyword")).map((k) => k.textContent),
        bold: el.querySelectorAll("b").length,
      };
    })()`)) as { text: string; keywords: string[]; bold: number };
    expect(preview.text).toContain('"hello <b>"');
    expect(preview.keywords).toEqual(expect.arrayContaining(["import", "def", "return"]));
    expect(preview.bold).toBe(0);
    await screenshot(page, "task-file-preview");
    await themeChecks(page, "task-file-preview");

    // Image: a blob: URL that loaded.
    await page.click("xpath/.//button[contains(@class,'file-name') and normalize-space()='pic.png']");
    await page.waitForFunction(
      `(() => { const img = document.querySelector('[data-testid="image-preview"]'); return img && img.complete && img.naturalWidth > 0 && img.src.startsWith("blob:"); })()`,
    );
    // PDF in a folder, then back by the breadcrumbs.
    await page.click("xpath/.//button[contains(@class,'file-name') and contains(., 'docs/')]");
    await waitForText(page, "doc.pdf", ".files-table");
    await page.click("xpath/.//button[contains(@class,'file-name') and normalize-space()='doc.pdf']");
    const frame = await page.waitForSelector('[data-testid="pdf-preview"]');
    expect(await frame!.evaluate((el) => (el as unknown as { src: string }).src)).toMatch(/^blob:/);
    // Bytes with no preview: said so, with their size; closing gives the focus back to the file.
    await page.click("xpath/.//button[contains(@class,'file-name') and normalize-space()='blob.bin']");
    await waitForText(page, "Binary file, 300 bytes", '[data-testid="file-preview"]');
    await page.click("xpath/.//button[normalize-space()='Close preview']");
    await page.waitForFunction(`document.activeElement?.dataset?.path === "docs/blob.bin"`);
    await page.click("xpath/.//nav[@aria-label='Folder']//button[normalize-space()='workspace']");
    await waitForText(page, "hello.py", ".files-table");

    // Download: the bytes saved are the file's.
    const dir = mkdtempSync(join(tmpdir(), "dashboard-downloads-"));
    const cdp = await page.createCDPSession();
    await cdp.send("Browser.setDownloadBehavior", { behavior: "allow", downloadPath: dir });
    await page.click('button[aria-label="Download pic.png"]');
    const saved = await waitUntil(
      () => readdirSync(dir).includes("pic.png") && readFileSync(join(dir, "pic.png")).length === png.length,
      "pic.png downloaded",
    );
    expect(saved).toBe(true);
    expect(readFileSync(join(dir, "pic.png")).equals(png)).toBe(true);

    // Upload: listed, and stored as sent.
    const up = mkdtempSync(join(tmpdir(), "dashboard-uploads-"));
    writeFileSync(join(up, "notes-upload.txt"), "uploaded from the dashboard\n");
    const input = await page.waitForSelector('[data-testid="upload-input"]');
    await input!.uploadFile(join(up, "notes-upload.txt"));
    await page.click("xpath/.//form[contains(@class,'upload')]//button[@type='submit']");
    await waitForText(page, "notes-upload.txt", ".files-table");
    const read = await s.ok(ReadFileDocument, { workspaceId, path: "notes-upload.txt" });
    expect(read.readFile.content).toBe("uploaded from the dashboard\n");
    // An ELF binary named .png is refused (415) with the route's code.
    const elf = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), Buffer.alloc(120, 0)]);
    writeFileSync(join(up, "evil.png"), elf);
    await (await page.$('[data-testid="upload-input"]'))!.uploadFile(join(up, "evil.png"));
    await page.click("xpath/.//form[contains(@class,'upload')]//button[@type='submit']");
    await waitForText(page, "UNSUPPORTED_MEDIA_TYPE", "form.upload");
    expect(
      await page.$eval(".files-table", (el) => (el as unknown as { textContent: string }).textContent),
    ).not.toContain("evil.png");
    // A typed path the API refuses (absolute) shows its code; one a URL cannot carry is stopped here.
    await (await page.$('[data-testid="upload-input"]'))!.uploadFile(join(up, "notes-upload.txt"));
    await page.type('input[name="saveAs"]', "/etc/evil.txt");
    await page.click("xpath/.//form[contains(@class,'upload')]//button[@type='submit']");
    await waitForText(page, "POLICY_DENIED", "form.upload");
    await page.click('input[name="saveAs"]', { clickCount: 3 });
    await page.keyboard.press("Backspace");
    await page.type('input[name="saveAs"]', "../out.txt");
    await page.click("xpath/.//form[contains(@class,'upload')]//button[@type='submit']");
    await waitForText(page, 'cannot contain ".."', "form.upload");
    await screenshot(page, "task-files");
    await themeChecks(page, "task-files");
  }, 90_000);

  it("shows a VIEWER no upload and no cancel, and still lets it download", async () => {
    const run = (
      await s.ok(RunCommandDocument, {
        input: {
          workspaceId,
          program: "python3",
          args: ["-c", "import time; print('viewer sees', flush=True); time.sleep(60)"],
        },
      })
    ).runCommand;
    const { page: vp } = await b.page();
    try {
      await signIn(vp, proxy.url, viewerKey, `/tasks/${taskId}`);
      await openTab(vp, "Commands");
      await vp.waitForFunction(`document.querySelectorAll('.runs-table tbody tr').length === 3`, { timeout: 30_000 });
      await vp.click(".runs-table tbody tr:first-child button.run-select");
      await vp.waitForFunction(
        `document.querySelector('[data-testid="terminal"]')?.terminalText?.().includes("viewer sees")`,
        { timeout: 30_000, polling: 50 },
      );
      expect(await vp.$("xpath/.//button[normalize-space()='Cancel run']")).toBeNull();
      await openTab(vp, "Files");
      await waitForText(vp, "hello.py", ".files-table");
      expect(await vp.$('[data-testid="upload-input"]')).toBeNull();
      const dir = mkdtempSync(join(tmpdir(), "dashboard-downloads-"));
      const cdp = await vp.createCDPSession();
      await cdp.send("Browser.setDownloadBehavior", { behavior: "allow", downloadPath: dir });
      await vp.click('button[aria-label="Download hello.py"]');
      await waitUntil(
        () => readdirSync(dir).includes("hello.py") && readFileSync(join(dir, "hello.py"), "utf8") === pySource,
        "hello.py downloaded by the viewer",
      );
    } finally {
      await vp.close();
      await s.ok(CancelCommandDocument, { runId: run.id });
    }
    expect((await s.ok(CommandRunDocument, { id: run.id })).commandRun?.status).not.toBe("RUNNING");
  }, 60_000);

  it("says when a task has no workspace yet", async () => {
    const lone = (await s.ok(CreateTaskDocument, { input: { title: "nobody takes it", complexity: 9 } })).createTask;
    expect(lone.workspace).toBeNull();
    const { page: p } = await b.page();
    await signIn(p, proxy.url, s.adminKey, `/tasks/${lone.id}`);
    await openTab(p, "Files");
    await waitForText(p, "No workspace yet", "section.files-panel");
    await openTab(p, "Commands");
    await waitForText(p, "No command has run", "section.command-runs");
    await p.close();
  }, 60_000);

  it("works 360 px wide", async () => {
    const { page: small } = await b.page({ width: 360, height: 740 });
    await signIn(small, proxy.url, s.adminKey, `/tasks/${taskId}`);
    await openTab(small, "Commands");
    await small.waitForSelector('[data-testid="terminal"]');
    await openTab(small, "Files");
    await waitForText(small, "hello.py", ".files-table");
    const overflow = await small.evaluate(
      `document.documentElement.scrollWidth - document.documentElement.clientWidth`,
    );
    expect(overflow).toBeLessThanOrEqual(0);
    await screenshot(small, "task-terminal-files-360px");
    await small.close();
  }, 60_000);

  it("logged no page error nor an unexpected console error", () => {
    expect(log.pageErrors).toEqual([]);
    // Only what the tests caused: the cut connection and the refused uploads (415, 403).
    const expected = /^WebSocket connection to .* failed|status of (415|403) /;
    expect(log.consoleErrors.filter((e) => !expected.test(e))).toEqual([]);
  });
});
