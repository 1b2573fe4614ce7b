import { lstat, rename, unlink, type FileHandle } from "node:fs/promises";
import { badInput } from "../../domain/errors.js";
import { entryPath, openRegularAt } from "../../infra/workspace-fs/confined.js";
import {
  createTempAt,
  fsError,
  keptMode,
  limitExceeded,
  tempNameFor,
  withWorkspace,
  workspaceUsage,
  type WriteGuard,
} from "./files.js";
import { assertFreeSpace } from "./free-space.js";
import { refuseProtected } from "./paths.js";

export interface UploadLimits {
  maxWorkspaceBytes?: number;
  minFreeBytes?: number;
}

/**
 * Writes a whole file into the workspace for the HTTP upload route: `fill` streams the body into
 * a hidden temp file next to the target, `check` looks at what arrived, and the temp file is
 * renamed over the target only when the workspace's quota and the disk's floor still hold with
 * it. Anything else leaves the workspace as it was. `requested` is normalised already; `guard`
 * (another holder's lock) may still refuse it just before the rename.
 */
export async function storeUpload<B>(
  root: string,
  requested: string,
  limits: UploadLimits,
  fill: (fh: FileHandle) => Promise<B>,
  check: (body: B) => Promise<void>,
  guard?: WriteGuard,
): Promise<{ body: B; created: boolean; resolvedPath: string }> {
  refuseProtected(requested);
  return withWorkspace(root, async (r) => {
    const target = await r.locate(requested, { follow: true, allowMissing: true, createParents: true });
    refuseProtected(target.relative);
    if (target.name === null || (target.stats && !target.stats.isFile())) throw badInput("path", "is a directory");
    const name = target.name;
    const tmp = tempNameFor(name, "upload");
    let fh: FileHandle | undefined;
    let committed = false;
    try {
      fh = await createTempAt(r, target.dir, tmp).catch((err: unknown) => {
        throw fsError(err, requested);
      });
      const body = await fill(fh);
      const existing = await lstat(entryPath(target.dir, name)).catch(() => null);
      await fh.chmod(keptMode(existing));
      await fh.sync();
      await fh.close();
      fh = undefined;
      await check(body);
      // The temp file is written already: the floor must still hold with it.
      await assertFreeSpace(r.path, { minFreeBytes: limits.minFreeBytes ?? 0 });
      if (limits.maxWorkspaceBytes !== undefined) {
        // The temp file is counted already; the old file goes.
        const total = (await workspaceUsage(r)) - (existing?.isFile() ? existing.size : 0);
        if (total > limits.maxWorkspaceBytes) {
          const maxTotal = limits.maxWorkspaceBytes;
          throw limitExceeded("maxWorkspaceBytes", maxTotal, `The workspace would exceed its ${maxTotal} bytes`);
        }
      }
      if (existing?.isDirectory()) throw badInput("path", "is a directory");
      const put = () => rename(entryPath(target.dir, tmp), entryPath(target.dir, name));
      await (guard ? guard([...new Set([requested, target.relative])], put) : put());
      committed = true;
      return { body, created: !existing, resolvedPath: target.relative };
    } finally {
      if (!committed) {
        await fh?.close().catch(() => undefined);
        await unlink(entryPath(target.dir, tmp)).catch(() => undefined);
        await r.removeMadeDirs();
      }
    }
  });
}

/** Opens a regular file of the workspace for reading (links followed inside it only). */
export function openForDownload(root: string, requested: string): Promise<FileHandle> {
  return withWorkspace(root, async (r) => {
    const loc = await r.locate(requested, { follow: true });
    if (loc.name === null) throw badInput("path", "is a directory");
    return openRegularAt(loc.dir, loc.name);
  });
}
