import { lstat, opendir } from "node:fs/promises";
import { join } from "node:path";

/** How long a walk's total is reused (a scrape every 15 s walks the tree at most once a minute). */
export const DISK_USAGE_TTL_MS = 60_000;
/** Entries one walk looks at, at most: a tree larger than this is reported as counted so far. */
export const DISK_USAGE_MAX_ENTRIES = 2_000_000;

export interface DiskUsageResult {
  /** Bytes allocated on disk (st_blocks · 512, like du), hard-linked files counted once. */
  bytes: number;
  /** False when the walk stopped at DISK_USAGE_MAX_ENTRIES or could not read some folders. */
  complete: boolean;
  /** When the walk ended (ms since the epoch). */
  at: number;
}

/**
 * Bytes used under one folder (WORKSPACES_DIR), measured like `du`: an asynchronous walk with
 * lstat, never following a symlink (a link counts as itself), bounded by a number of entries,
 * and cached: a scrape is answered from the last walk, and a stale total starts one new walk in
 * the background (only the first scrape waits for a walk). One walk runs at a time.
 */
export class DiskUsage {
  private last: DiskUsageResult | null = null;
  private running: Promise<DiskUsageResult> | null = null;

  constructor(
    private readonly dir: string,
    private readonly ttlMs = DISK_USAGE_TTL_MS,
    private readonly maxEntries = DISK_USAGE_MAX_ENTRIES,
  ) {}

  async read(): Promise<DiskUsageResult> {
    const last = this.last;
    if (last && Date.now() - last.at < this.ttlMs) return last;
    const walk = (this.running ??= walkTree(this.dir, this.maxEntries)
      .then((r) => (this.last = r))
      .finally(() => (this.running = null)));
    return last ?? walk;
  }
}

async function walkTree(root: string, maxEntries: number): Promise<DiskUsageResult> {
  let bytes = 0;
  let entries = 0;
  let complete = true;
  const seen = new Set<string>();
  const top = await lstat(root).catch(() => null);
  if (!top) return { bytes: 0, complete: false, at: Date.now() };
  bytes += top.blocks * 512;
  const stack = top.isDirectory() ? [root] : [];
  while (stack.length > 0) {
    const dir = stack.pop()!;
    const handle = await opendir(dir).catch(() => null);
    if (!handle) {
      complete = false; // unreadable (another user's, or gone): not counted
      continue;
    }
    for await (const entry of handle) {
      // Leaving the loop closes the directory.
      if (++entries > maxEntries) return { bytes, complete: false, at: Date.now() };
      const path = join(dir, entry.name);
      const st = await lstat(path).catch(() => null);
      if (!st) continue;
      if (st.nlink > 1 && !st.isDirectory()) {
        const key = `${st.dev}:${st.ino}`;
        if (seen.has(key)) continue;
        seen.add(key);
      }
      bytes += st.blocks * 512;
      if (st.isDirectory()) stack.push(path);
    }
  }
  return { bytes, complete, at: Date.now() };
}
