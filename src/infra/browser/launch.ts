import { mkdtempSync, rmSync } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser } from "puppeteer-core";

/** How long Chromium may take to start before the launch fails. */
export const LAUNCH_TIMEOUT_MS = 60_000;

/** A headless Chromium and the throw-away profile folder it writes to. */
export interface LaunchedChromium {
  browser: Browser;
  profileDir: string;
}

/**
 * The flags every Chromium of the service gets: headless, no GPU, no background traffic (updates,
 * sync, prefetch, QUIC), nothing from a profile. `--no-sandbox` because the service runs as root
 * here; what holds a page in is the network setup each caller adds (`network`): an egress proxy
 * that checks every address (page rendering), or no network at all (PDF reports).
 */
const commonFlags = [
  "--no-sandbox",
  "--disable-quic",
  "--dns-prefetch-disable",
  "--disable-gpu",
  "--disable-dev-shm-usage",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-extensions",
  "--no-first-run",
  "--no-default-browser-check",
  "--mute-audio",
];

/**
 * Starts Chromium (puppeteer-core, loaded at the first launch rather than when the service starts)
 * at `chromiumPath` with a fresh profile under the system's temporary folder. The caller checks
 * that the binary exists (each says so with its own error) and removes the profile after
 * `browser.close()` (removeProfile).
 */
export async function launchChromium(opts: {
  chromiumPath: string;
  /** The profile folder's name prefix (report-profile-, render-profile-). */
  profilePrefix: string;
  /** The network flags: proxy, host resolver rules. */
  network: readonly string[];
  extraArgs?: readonly string[];
}): Promise<LaunchedChromium> {
  const profileDir = mkdtempSync(join(tmpdir(), opts.profilePrefix));
  try {
    const { default: puppeteer } = await import("puppeteer-core");
    const browser = await puppeteer.launch({
      executablePath: opts.chromiumPath,
      headless: true,
      timeout: LAUNCH_TIMEOUT_MS,
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
      args: [...commonFlags, `--user-data-dir=${profileDir}`, ...opts.network, ...(opts.extraArgs ?? [])],
    });
    return { browser, profileDir };
  } catch (err) {
    rmSync(profileDir, { recursive: true, force: true });
    throw err;
  }
}

/** Chromium may still be writing its profile as it exits: retried, and never an error. */
export const removeProfile = (dir: string): Promise<void> =>
  rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 }).catch(() => undefined);
