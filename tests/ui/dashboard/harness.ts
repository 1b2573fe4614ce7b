/**
 * What the dashboard's end-to-end tests share: the dashboard built once per content (cached
 * under node_modules/.cache, so parallel test files reuse one build), the real server serving
 * it, headless Chromium, sign-in, axe-core and screenshots (saved as test artifacts under
 * test-artifacts/dashboard/).
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer, Socket, type Server } from "node:net";
import type { AddressInfo } from "node:net";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { promisify } from "node:util";
import puppeteer, { type Browser, type Page } from "puppeteer-core";
import { startTestServer, type StartOptions, type TestServer } from "../../helpers/server.js";
import type { ProfileName } from "../../helpers/profiles.js";

const run = promisify(execFile);
const require = createRequire(import.meta.url);
const root = join(import.meta.dirname, "..", "..", "..");

/** Debian's chromium binary; /usr/bin/chromium is a wrapper script that adds flags of its own. */
export const chromium = "/usr/lib/chromium/chromium";
export const hasChromium = existsSync(chromium);

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p));
    else out.push(p);
  }
  return out.sort();
}

/** The dashboard built from the current sources (web/, schema.graphql): its folder. */
export async function webBuild(): Promise<string> {
  const inputs = [...filesUnder(join(root, "web", "src")), ...filesUnder(join(root, "web", "build"))];
  inputs.push(join(root, "web", "index.html"), join(root, "web", "vite.config.ts"), join(root, "schema.graphql"));
  const hash = createHash("sha256");
  for (const f of inputs) hash.update(relative(root, f)).update("\0").update(readFileSync(f));
  const cache = join(root, "node_modules", ".cache", "dashboard-test");
  const dir = join(cache, hash.digest("hex").slice(0, 16));
  mkdirSync(cache, { recursive: true });
  // Vite refuses a second build of one project while one runs ("Found another Vite build
  // process"): test files starting together take turns through a lock folder, and the ones that
  // waited use the build the first one made.
  const lock = `${dir}.lock`;
  for (;;) {
    if (existsSync(join(dir, "index.html"))) return dir;
    try {
      mkdirSync(lock);
      break;
    } catch {
      // A lock left by a test process that died (a build takes seconds, not minutes) is taken over.
      if (Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now()) > 180_000)
        rmSync(lock, { recursive: true, force: true });
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  try {
    if (existsSync(join(dir, "index.html"))) return dir;
    const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
    await run(
      process.execPath,
      [join(root, "node_modules", "vite", "bin", "vite.js"), "build", "--config", "web/vite.config.ts"],
      {
        cwd: root,
        env: { ...process.env, WEB_OUT_DIR: tmp, WEB_BUILD_QUIET: "1", NODE_ENV: "production" },
        maxBuffer: 16 * 1024 * 1024,
      },
    );
    renameSync(tmp, dir);
    return dir;
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** The real server with the dashboard built from the current sources. */
export async function startDashboardServer(profile: ProfileName, opts: StartOptions = {}): Promise<TestServer> {
  const webDir = await webBuild();
  return startTestServer(profile, { ...opts, env: { ...opts.env, WEB_DIR: webDir } });
}

/**
 * A TCP proxy in front of the server, so a test can cut the browser's connections (as a network
 * drop would) and refuse new ones for a while, then let them through again.
 */
export interface Proxy {
  url: string;
  /** Cuts every open connection; with refuse, new ones are closed at once until restore(). */
  drop(refuse?: boolean): void;
  restore(): void;
  close(): Promise<void>;
}

export async function startProxy(targetPort: number): Promise<Proxy> {
  const sockets = new Set<Socket>();
  let refusing = false;
  const server: Server = createServer((client) => {
    if (refusing) return void client.destroy();
    const upstream = new Socket();
    upstream.connect(targetPort, "127.0.0.1");
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
      s.on("error", () => {});
    }
    client.pipe(upstream).pipe(client);
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    drop(refuse = false) {
      refusing = refuse;
      for (const s of sockets) s.destroy();
    },
    restore() {
      refusing = false;
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

export interface PageLog {
  consoleErrors: string[];
  pageErrors: string[];
  failed: string[];
}

export interface BrowserSession {
  browser: Browser;
  close(): Promise<void>;
  /** A new page (tab) of size width×height, with its console errors and failed requests logged. */
  page(size?: { width: number; height: number }): Promise<{ page: Page; log: PageLog }>;
}

export async function launchBrowser(): Promise<BrowserSession> {
  const profileDir = mkdtempSync(join(tmpdir(), "chromium-profile-"));
  const browser = await puppeteer.launch({
    executablePath: chromium,
    // A loaded machine has been seen to take over 25 s to start Chromium.
    timeout: 90_000,
    protocolTimeout: 120_000,
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
  return {
    browser,
    async close() {
      await browser.close();
      rmSync(profileDir, { recursive: true, force: true });
    },
    async page(size = { width: 1280, height: 860 }) {
      const page = await browser.newPage();
      await page.setViewport(size);
      page.setDefaultTimeout(20_000);
      const log: PageLog = { consoleErrors: [], pageErrors: [], failed: [] };
      page.on("console", (m) => {
        if (m.type() === "error") log.consoleErrors.push(m.text());
      });
      page.on("pageerror", (e) => log.pageErrors.push(String(e)));
      page.on("requestfailed", (r) => log.failed.push(`${r.url()}: ${r.failure()?.errorText}`));
      return { page, log };
    },
  };
}

/** Opens the dashboard at `path` and signs in with `key` (if the sign-in form shows). */
export async function signIn(page: Page, origin: string, key: string, path = "/"): Promise<void> {
  await page.goto(`${origin}${path}`, { waitUntil: "domcontentloaded" });
  const input = await page.waitForSelector('input[name="key"]');
  await input!.type(key);
  await page.click('button[type="submit"]');
  await page.waitForSelector("header.topbar");
}

/** Waits until the page's text contains `text` (inside `selector`, default the whole body). */
export async function waitForText(page: Page, text: string, selector = "body", timeout = 20_000): Promise<void> {
  await page
    .waitForFunction(
      (sel, t) => {
        const doc = (
          globalThis as unknown as { document: { querySelector(s: string): { textContent: string | null } | null } }
        ).document;
        return doc.querySelector(sel)?.textContent?.includes(t) ?? false;
      },
      { timeout, polling: 50 },
      selector,
      text,
    )
    .catch(async (err: unknown) => {
      const shown = await page
        .$eval(selector, (el) => (el as unknown as { textContent: string }).textContent)
        .catch(() => "");
      throw new Error(`"${text}" never showed in ${selector}; it shows: ${shown.slice(0, 2000)}`, { cause: err });
    });
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

/** Runs axe-core on the page; returns the serious and critical violations. */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  const source = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
  await page.evaluate(source);
  const result = (await page.evaluate(`axe.run(document, { resultTypes: ["violations"] })`)) as {
    violations: Array<{ id: string; impact: string | null; help: string; nodes: Array<{ target: string[] }> }>;
  };
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(" ")) }));
}

export const artifactsDir = join(root, "test-artifacts", "dashboard");

/** Saves a full-page screenshot as test-artifacts/dashboard/<name>.png; returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(artifactsDir, { recursive: true });
  const path = join(artifactsDir, `${name}.png`);
  await page.screenshot({ path: path as `${string}.png`, fullPage: true });
  return path;
}

/**
 * axe-core finds no serious violation in the current theme nor in the other one (switched with
 * the header's button, screenshot `<shot>-<theme>` taken there), then the theme is switched back.
 */
export async function expectAccessibleInBothThemes(page: Page, shot?: string): Promise<void> {
  const check = async () => {
    const violations = await seriousViolations(page);
    if (violations.length > 0) throw new Error(`axe-core: ${JSON.stringify(violations, null, 1)}`);
  };
  await check();
  await page.click('button[aria-label^="Switch to the"]');
  try {
    await check();
    const theme = (await page.evaluate(`document.documentElement.dataset.theme`)) as string;
    if (shot) await screenshot(page, `${shot}-${theme}`);
  } finally {
    await page.click('button[aria-label^="Switch to the"]');
  }
}
