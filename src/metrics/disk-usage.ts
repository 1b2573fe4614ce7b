import { lstat, open, readdir, type FileHandle } from "node:fs/promises";
import { DIR_FLAGS, entryPath, handlePath } from "../infra/workspace-fs/confined.js";

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
 * Bytes used under one folder (WORKSPACES_DIR), measured like `du`: an asynchronous walk by
 * descriptors with lstat, never following a symlink (a link counts as itself), bounded by a
 * number of entries and a depth,
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

/** Folder depth a walk descends to: deeper folders are left out (and the total marked incomplete). */
const MAX_DEPTH = 256;

interface Walk {
  bytes: number;
  entries: number;
  complete: boolean;
  readonly maxEntries: number;
  readonly seen: Set<string>;
}

/**
 * The containment rule: the tree is written by untrusted code, which may swap a folder for a
 * link at any moment. So each folder is opened from the one above it by descriptor, with
 * O_NOFOLLOW, and its entries are lstat'ed through that descriptor: a folder swapped meanwhile is
 * counted as the link it became, never followed.
 */
async function walkTree(root: string, maxEntries: number): Promise<DiskUsageResult> {
  const top = await lstat(root).catch(() => null);
  if (!top) return { bytes: 0, complete: false, at: Date.now() };
  const walk: Walk = { bytes: top.blocks * 512, entries: 0, complete: true, maxEntries, seen: new Set() };
  if (top.isDirectory()) {
    const dir = await open(root, DIR_FLAGS).catch(() => null);
    if (dir) {
      try {
        await walkFolder(dir, walk, 0);
      } finally {
        await dir.close();
      }
    } else walk.complete = false;
  }
  return { bytes: walk.bytes, complete: walk.complete, at: Date.now() };
}

/** Adds what `dir` holds to `walk`; false once the walk reached its entry limit. */
async function walkFolder(dir: FileHandle, walk: Walk, depth: number): Promise<boolean> {
  const names = await readdir(handlePath(dir)).catch(() => null);
  if (!names) {
    walk.complete = false; // unreadable (another user's, or gone): not counted
    return true;
  }
  for (const name of names) {
    if (++walk.entries > walk.maxEntries) {
      walk.complete = false;
      return false;
    }
    const st = await lstat(entryPath(dir, name)).catch(() => null);
    if (!st) continue;
    if (st.nlink > 1 && !st.isDirectory()) {
      const key = `${st.dev}:${st.ino}`;
      if (walk.seen.has(key)) continue;
      walk.seen.add(key);
    }
    walk.bytes += st.blocks * 512;
    if (!st.isDirectory()) continue;
    if (depth + 1 >= MAX_DEPTH) {
      walk.complete = false;
      continue;
    }
    const sub = await open(entryPath(dir, name), DIR_FLAGS).catch(() => null);
    if (!sub) continue; // swapped for a link or a file, or gone, since the lstat
    try {
      if (!(await walkFolder(sub, walk, depth + 1))) return false;
    } finally {
      await sub.close();
    }
  }
  return true;
}
