import { createHash, randomBytes } from "node:crypto";
import type { Stats } from "node:fs";
import { lstat, open, readdir, rename, rmdir, unlink, type FileHandle } from "node:fs/promises";
import { badInput, conflict, DomainError, forbidden, notFound, policyDenied } from "../../domain/errors.js";
import {
  ConfinedRoot,
  CREATE_FLAGS,
  DIR_FLAGS,
  entryPath,
  errnoOf,
  handlePath,
  openRegularAt,
  removeTreeAt,
  type Location,
  type Owner,
} from "../../infra/workspace-fs/confined.js";
import { SANDBOX_HOST_USER } from "../../infra/sandbox/ownership.js";
import { assertFreeSpace } from "./free-space.js";
import { normalizeUserPath, refuseProtected } from "./paths.js";
import { KeyedTurns } from "../../domain/shared/keyed-turns.js";

/**
 * The file operations of a task workspace, behind the rules of ./paths.ts, each done through the
 * workspace's open root and never through a path (see the containment rule in
 * src/infra/workspace-fs/confined.ts): nothing a program of the workspace does to its folders
 * can make an operation read or write outside it.
 *
 * - Versions are `sha256:<hex>` of the content: unlike size/mtime/inode they cannot repeat after
 *   a same-size rewrite within the clock's resolution, and a client can compute one itself.
 * - Writes are atomic: a temp file in the target's directory (created O_EXCL, fsynced), then a
 *   rename, so a reader sees the old file or the new one, never half of one; a hard link or
 *   symlink at the target is replaced, never written through. Append is a rewrite too (bounded
 *   by maxFileBytes). The file mode of a replaced file is kept (setuid/setgid/sticky dropped).
 * - expectedVersion compares and swaps under a per-path lock: atomic against every caller of this
 *   module in this process; against other writers (code in the sandbox) only best-effort.
 * - The workspace total is computed by walking the tree (lstat, links not followed, hard links
 *   counted each time) on every write that adds bytes; everything counts, the venv included.
 */

export interface FileLimits {
  /** Largest file a write or append may produce. Default 10 MiB. */
  maxFileBytes: number;
  /** Sum of all regular files of the workspace. Default 1 GiB. */
  maxWorkspaceBytes: number;
  /** readFile's default maxBytes. Default 10 MiB. */
  maxReadBytes: number;
  /** listFiles' default maxEntries. Default 10,000. */
  maxListEntries: number;
  /** Free space the filesystem keeps: writes that would go under it are refused. Default 0 (none). */
  minFreeBytes: number;
  /** Top-level directories not descended into by a recursive listing that starts above them. Default ["venv"]. */
  managedDirs: readonly string[];
}

export const defaultFileLimits: Readonly<FileLimits> = Object.freeze({
  maxFileBytes: 10 * 1024 * 1024,
  maxWorkspaceBytes: 1024 * 1024 * 1024,
  maxReadBytes: 10 * 1024 * 1024,
  maxListEntries: 10_000,
  minFreeBytes: 0,
  managedDirs: Object.freeze(["venv"]),
});

export type FileEncoding = "utf8" | "base64";
export type FileEntryType = "FILE" | "DIRECTORY" | "SYMLINK" | "OTHER";

export interface FileEntry {
  /** Relative to the workspace root, POSIX style. */
  path: string;
  type: FileEntryType;
  /** Bytes (of the link itself for a SYMLINK). */
  size: number;
  modifiedAt: Date;
}

export interface ReadFileResult {
  path: string;
  /** utf8: decoded text (invalid sequences become U+FFFD); base64: the exact bytes. */
  content: string;
  encoding: FileEncoding;
  /** The whole file's size, even when `content` is truncated. */
  size: number;
  /** Of the whole file: pass it back as expectedVersion. */
  version: string;
  /** The file is larger than maxBytes: `content` holds its beginning (whole characters in utf8). */
  truncated: boolean;
}

export interface WriteFileResult {
  path: string;
  /** The file written, links resolved (what the path reached). */
  resolvedPath: string;
  size: number;
  version: string;
  /** False when an existing file was replaced. */
  created: boolean;
}

interface WithLimits {
  limits?: Partial<FileLimits>;
}

export interface ReadFileOptions extends WithLimits {
  maxBytes?: number;
  encoding?: FileEncoding;
}

export interface WriteFileOptions extends WithLimits {
  /** The version the caller last read; null: the file must not exist yet. Else CONFLICT. */
  expectedVersion?: string | null;
  /** Create missing parent directories (else NOT_FOUND). */
  createParents?: boolean;
  /** How `content` (when a string) is encoded. Default utf8. */
  encoding?: FileEncoding;
  /** Runs the change, under the path's lock; may refuse it (see WriteGuard). */
  guard?: WriteGuard;
}

/**
 * Wraps a write, delete or move once its path's in-process lock is held: told the paths it
 * changes (normalised, relative to the root: as requested and as reached, links resolved), it
 * runs `change` (the version check and the change itself) or throws to refuse it. The file tools
 * check other holders' advisory locks with it and hold the paths across processes while `change`
 * runs (src/domain/workspaces/shared-files.service.ts).
 */
export type WriteGuard = <T>(paths: readonly string[], change: () => Promise<T>) => Promise<T>;

/** Runs `change` through `guard` when there is one. */
const guarded = <T>(guard: WriteGuard | undefined, paths: readonly string[], change: () => Promise<T>) =>
  guard ? guard(paths, change) : change();

export interface ListFilesOptions extends WithLimits {
  recursive?: boolean;
  maxEntries?: number;
}

export interface MoveFileOptions extends WithLimits {
  overwrite?: boolean;
  createParents?: boolean;
  guard?: WriteGuard;
}

const limitsOf = (o: WithLimits | undefined): FileLimits => ({ ...defaultFileLimits, ...o?.limits });

export const limitExceeded = (limit: keyof FileLimits | string, max: number, message: string) =>
  new DomainError("LIMIT_EXCEEDED", message, { limit, max });

export const versionOf = (data: Uint8Array): string => `sha256:${createHash("sha256").update(data).digest("hex")}`;

/** Maps the filesystem errors a user can cause to domain errors; everything else is rethrown. */
export function fsError(err: unknown, path: string, field = "path"): unknown {
  switch (errnoOf(err)) {
    case "ENOENT":
      return notFound("File", path, field);
    case "EISDIR":
      return badInput(field, "is a directory");
    case "ENOTDIR":
      return badInput(field, "a parent of the path is not a directory");
    case "EEXIST":
      return conflict(`${JSON.stringify(path)} already exists`, field);
    case "ENOTEMPTY":
      return conflict(`${JSON.stringify(path)} is a directory that is not empty`, field);
    case "ENAMETOOLONG":
      return badInput(field, "a name in the path is too long");
    case "EINVAL":
      return badInput(field, "a directory cannot be moved into itself");
    case "ELOOP":
      return conflict("The path was changed into a symbolic link while in use; retry", field);
    case "EACCES":
    case "EPERM":
      return forbidden(`Permission denied on ${JSON.stringify(path)}`);
    default:
      return err;
  }
}

async function mapFs<T>(path: string, fn: () => Promise<T>, field = "path"): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw fsError(err, path, field);
  }
}

const typeOf = (st: Stats): FileEntryType =>
  st.isFile() ? "FILE" : st.isDirectory() ? "DIRECTORY" : st.isSymbolicLink() ? "SYMLINK" : "OTHER";

const entryOf = (path: string, st: Stats): FileEntry => ({
  path,
  type: typeOf(st),
  size: st.size,
  modifiedAt: st.mtime,
});

const locks = new KeyedTurns();

/** Runs fn while holding the in-process locks of `keys` (taken in sorted order: no deadlock). */
function withLocks<T>(keys: string[], fn: () => Promise<T>): Promise<T> {
  const [first, ...rest] = [...new Set(keys)].sort();
  if (first === undefined) return fn();
  return locks.run(first, () => withLocks(rest, fn));
}

/** Who gets what the service creates in a workspace: the sandbox user when this service is root. */
export const workspaceOwner = (): Owner | null => (process.getuid?.() === 0 ? SANDBOX_HOST_USER : null);

/** Opens the workspace at `root` for one operation (see the containment rule in confined.ts). */
export const withWorkspace = <T>(root: string, fn: (r: ConfinedRoot) => Promise<T>): Promise<T> =>
  ConfinedRoot.with(root, workspaceOwner(), fn);

const distinct = (...paths: string[]): string[] => [...new Set(paths)];

/** Runs `fn`; when it fails (a lock, a version, a limit), the folders its walk made are removed again. */
async function undoMadeDirsOnFailure<T>(r: ConfinedRoot, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    await r.removeMadeDirs();
    throw err;
  }
}

const lockKey = (r: ConfinedRoot, loc: Location) => `${r.path}\0${loc.relative}`;

/** The entry a write names: never the root itself, never a protected path (named or reached). */
async function locateForWrite(
  r: ConfinedRoot,
  requested: string,
  opts: { follow: boolean; allowMissing?: boolean; createParents?: boolean; field?: string },
): Promise<Location & { name: string }> {
  refuseProtected(requested);
  const loc = await r.locate(requested, opts);
  refuseProtected(loc.relative);
  if (loc.name === null) throw policyDenied("path.workspace-root", "The workspace root itself cannot be written");
  return loc as Location & { name: string };
}

/** Reads the whole file through `fh`: its version, size, and its first `keep` bytes. */
async function scan(fh: FileHandle, keep: number): Promise<{ head: Buffer; size: number; version: string }> {
  const hash = createHash("sha256");
  const chunks: Buffer[] = [];
  let kept = 0;
  let size = 0;
  const buf = Buffer.allocUnsafe(64 * 1024);
  for (;;) {
    const { bytesRead } = await fh.read(buf, 0, buf.length, size);
    if (bytesRead === 0) break;
    const chunk = buf.subarray(0, bytesRead);
    hash.update(chunk);
    size += bytesRead;
    if (kept < keep) {
      const part = Buffer.from(chunk.subarray(0, Math.min(bytesRead, keep - kept)));
      chunks.push(part);
      kept += part.length;
    }
  }
  return { head: Buffer.concat(chunks), size, version: `sha256:${hash.digest("hex")}` };
}

/** The longest prefix of `buf` that does not end inside a UTF-8 sequence. */
export function utf8CompletePrefix(buf: Buffer): Buffer {
  for (let i = buf.length - 1; i >= 0 && i >= buf.length - 4; i--) {
    const b = buf[i] as number;
    if ((b & 0xc0) === 0x80) continue;
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return i + need > buf.length ? buf.subarray(0, i) : buf;
  }
  return buf;
}

const base64Pattern = /^[A-Za-z0-9+/]*={0,2}$/;

function decodeContent(content: string | Uint8Array, encoding: FileEncoding): Buffer {
  if (typeof content !== "string") return Buffer.from(content.buffer, content.byteOffset, content.byteLength);
  if (encoding === "base64") {
    const compact = content.replace(/\s+/g, "");
    if (compact.length % 4 !== 0 || !base64Pattern.test(compact)) throw badInput("content", "is not valid base64");
    return Buffer.from(compact, "base64");
  }
  return Buffer.from(content, "utf8");
}

/** Sum of the sizes of the regular files in the open folder `dir` and below (links not followed). */
async function usageOfDir(dir: FileHandle): Promise<number> {
  let names: string[];
  try {
    names = await readdir(handlePath(dir));
  } catch {
    return 0; // unreadable
  }
  let total = 0;
  for (const name of names) {
    const st = await lstat(entryPath(dir, name)).catch(() => null);
    if (!st) continue; // gone meanwhile
    if (st.isFile()) total += st.size;
    else if (st.isDirectory()) {
      const sub = await open(entryPath(dir, name), DIR_FLAGS).catch(() => null);
      if (!sub) continue; // replaced meanwhile (by a link: not followed)
      try {
        total += await usageOfDir(sub);
      } finally {
        await sub.close();
      }
    }
  }
  return total;
}

/** Sum of the sizes of every regular file of the workspace (the venv included), links not followed. */
export async function workspaceUsage(root: string | ConfinedRoot): Promise<number> {
  if (typeof root !== "string") return usageOfDir(root.root);
  return withWorkspace(root, (r) => usageOfDir(r.root));
}

/** Refuses a change that would take the workspace over maxWorkspaceBytes, or the disk under its floor. */
export async function checkWorkspaceQuota(r: ConfinedRoot, added: number, freed: number, limits: FileLimits) {
  if (added <= freed) return;
  await assertFreeSpace(r.path, limits, added - freed);
  const usage = await usageOfDir(r.root);
  if (usage - freed + added > limits.maxWorkspaceBytes) {
    throw limitExceeded(
      "maxWorkspaceBytes",
      limits.maxWorkspaceBytes,
      `The workspace would exceed its ${limits.maxWorkspaceBytes} bytes`,
    );
  }
}

const checkFileSize = (size: number, limits: FileLimits) => {
  if (size > limits.maxFileBytes) {
    throw limitExceeded("maxFileBytes", limits.maxFileBytes, `A file may hold at most ${limits.maxFileBytes} bytes`);
  }
};

/** A fresh temp name next to `name` (hidden, unique; created with O_EXCL by the caller). */
export const tempNameFor = (name: string, tag = "tmp"): string =>
  `.${name.slice(0, 80)}.${randomBytes(6).toString("hex")}.${tag}`;

/** Creates `tmp` in `dir` (O_EXCL, never through a link), for the owner, mode 0600 until it is done. */
export async function createTempAt(r: ConfinedRoot, dir: FileHandle, tmp: string): Promise<FileHandle> {
  const fh = await open(entryPath(dir, tmp), CREATE_FLAGS, 0o600);
  try {
    await r.giveToOwner(fh);
  } catch (err) {
    await fh.close();
    await unlink(entryPath(dir, tmp)).catch(() => undefined);
    throw err;
  }
  return fh;
}

/** Replaces (or creates) `name` in `dir` with `data` atomically: temp file, fsync, rename. */
async function atomicWriteAt(r: ConfinedRoot, dir: FileHandle, name: string, data: Buffer, mode: number) {
  const tmp = tempNameFor(name);
  const fh = await createTempAt(r, dir, tmp);
  try {
    await fh.writeFile(data);
    await fh.chmod(mode);
    await fh.sync();
  } catch (err) {
    await fh.close().catch(() => undefined);
    await unlink(entryPath(dir, tmp)).catch(() => undefined);
    throw err;
  }
  await fh.close();
  try {
    await rename(entryPath(dir, tmp), entryPath(dir, name));
  } catch (err) {
    await unlink(entryPath(dir, tmp)).catch(() => undefined);
    throw err;
  }
}

export const keptMode = (st: Stats | null): number => (st?.isFile() ? st.mode & 0o777 : 0o644);

/** Reads a file (following links that stay inside); content is cut at maxBytes, `truncated` says so. */
export async function readFile(root: string, path: string, opts: ReadFileOptions = {}): Promise<ReadFileResult> {
  const limits = limitsOf(opts);
  const maxBytes = opts.maxBytes ?? limits.maxReadBytes;
  if (!Number.isInteger(maxBytes) || maxBytes < 0) throw badInput("maxBytes", "must be a non-negative integer");
  const encoding = opts.encoding ?? "utf8";
  const requested = normalizeUserPath(path);
  const scanned = await withWorkspace(root, async (r) => {
    const loc = await r.locate(requested, { follow: true });
    if (loc.name === null) throw badInput("path", "is a directory");
    const fh = await openRegularAt(loc.dir, loc.name);
    try {
      return await scan(fh, maxBytes);
    } finally {
      await fh.close();
    }
  });
  const truncated = scanned.size > maxBytes;
  let head = scanned.head;
  if (encoding === "utf8" && truncated) head = utf8CompletePrefix(head);
  return {
    path: requested,
    content: head.toString(encoding === "base64" ? "base64" : "utf8"),
    encoding,
    size: scanned.size,
    version: scanned.version,
    truncated,
  };
}

/** The entry `name` of `dir` now (lstat: a link is a link), or null. */
const entryStats = (dir: FileHandle, name: string) => lstat(entryPath(dir, name)).catch(() => null);

async function checkExpected(
  loc: Location & { name: string },
  requested: string,
  existing: Stats | null,
  expected: string | null | undefined,
) {
  if (expected === undefined) return;
  const current = existing?.isFile() ? await versionAt(loc) : null;
  if (expected === null) {
    if (existing) throw staleVersion(`${JSON.stringify(requested)} already exists`, current);
    return;
  }
  if (!existing) throw staleVersion(`${JSON.stringify(requested)} does not exist any more`, null);
  if (current !== expected) {
    throw staleVersion(`${JSON.stringify(requested)} was changed since version ${expected}`, current);
  }
}

/** The version of the regular file at `loc` now. */
async function versionAt(loc: Location & { name: string }): Promise<string> {
  const fh = await openRegularAt(loc.dir, loc.name);
  try {
    return (await scan(fh, 0)).version;
  } finally {
    await fh.close();
  }
}

/**
 * CONFLICT for a write whose expectedVersion is not the file's: `currentVersion` (in the message
 * too, for the model) is the version to read again or to write over; null when the file is gone
 * or is not a regular file.
 */
const staleVersion = (message: string, current: string | null) =>
  new DomainError(
    "CONFLICT",
    `${message}; its current version is ${current ?? "none (no file there)"}: read it again, then write with that version`,
    { field: "expectedVersion", reason: "stale-version", currentVersion: current },
  );

/**
 * Replaces `path` atomically with what `compose` makes of the new bytes and the file as it is
 * (created when missing), under the path's lock and after the expectedVersion check; the bytes
 * it adds beyond what it frees are held to the workspace's quota.
 */
async function replaceFile(
  root: string,
  path: string,
  content: string | Uint8Array,
  opts: WriteFileOptions,
  compose: (
    data: Buffer,
    existing: Stats | null,
    current: () => Promise<Buffer>,
    limits: FileLimits,
  ) => Promise<{ next: Buffer; freed: number }>,
): Promise<WriteFileResult> {
  const limits = limitsOf(opts);
  const data = decodeContent(content, opts.encoding ?? "utf8");
  checkFileSize(data.length, limits);
  const requested = normalizeUserPath(path);
  return withWorkspace(root, async (r) => {
    const loc = await locateForWrite(r, requested, {
      follow: true,
      allowMissing: true,
      createParents: opts.createParents,
    });
    const change = async () => {
      const existing = await entryStats(loc.dir, loc.name);
      if (existing?.isDirectory()) throw badInput("path", "is a directory");
      await checkExpected(loc, requested, existing, opts.expectedVersion);
      const current = async () => {
        const fh = await openRegularAt(loc.dir, loc.name);
        try {
          return (await scan(fh, limits.maxFileBytes + 1)).head;
        } finally {
          await fh.close();
        }
      };
      const { next, freed } = await compose(data, existing, current, limits);
      checkFileSize(next.length, limits);
      await checkWorkspaceQuota(r, next.length, freed, limits);
      await mapFs(requested, () => atomicWriteAt(r, loc.dir, loc.name, next, keptMode(existing)));
      return {
        path: requested,
        resolvedPath: loc.relative,
        size: next.length,
        version: versionOf(next),
        created: !existing,
      };
    };
    return undoMadeDirsOnFailure(r, () =>
      withLocks([lockKey(r, loc)], () => guarded(opts.guard, distinct(requested, loc.relative), change)),
    );
  });
}

/** Creates or replaces a file atomically; with expectedVersion only if the current one matches. */
export function writeFile(
  root: string,
  path: string,
  content: string | Uint8Array,
  opts: WriteFileOptions = {},
): Promise<WriteFileResult> {
  return replaceFile(root, path, content, opts, async (data, existing) => ({
    next: data,
    freed: existing?.isFile() ? existing.size : 0,
  }));
}

/** Appends to a file (created when missing); done as an atomic rewrite, so maxFileBytes bounds it. */
export function appendFile(
  root: string,
  path: string,
  content: string | Uint8Array,
  opts: WriteFileOptions = {},
): Promise<WriteFileResult> {
  return replaceFile(root, path, content, opts, async (data, existing, current, limits) => {
    if (!existing) return { next: data, freed: 0 };
    checkFileSize(existing.size + data.length, limits);
    const before = await current();
    // The old bytes are there already: only the appended ones are new to the quota.
    return { next: Buffer.concat([before, data]), freed: before.length };
  });
}

/**
 * Lists a directory (or a single file), sorted, depth first. Symbolic links are listed, never
 * descended; managed dirs (venv) are listed but not descended unless the listing starts inside.
 */
export async function listFiles(
  root: string,
  path = ".",
  opts: ListFilesOptions = {},
): Promise<{ entries: FileEntry[]; truncated: boolean }> {
  const limits = limitsOf(opts);
  const maxEntries = opts.maxEntries ?? limits.maxListEntries;
  if (!Number.isInteger(maxEntries) || maxEntries < 1) throw badInput("maxEntries", "must be a positive integer");
  const requested = normalizeUserPath(path);
  return withWorkspace(root, async (r) => {
    const loc = await r.locate(requested, { follow: true });
    const st = loc.stats as Stats;
    if (!st.isDirectory()) return { entries: [entryOf(requested, st)], truncated: false };
    const start = loc.name === null ? loc.dir : await open(entryPath(loc.dir, loc.name), DIR_FLAGS).catch(() => null);
    if (!start) throw conflict("The path was changed (a folder or file replaced) while in use; retry", "path");
    const entries: FileEntry[] = [];
    const skipManaged = loc.relative === ".";
    // Depth first, in name order; each folder is opened from the one above it.
    const walk = async (dir: FileHandle, shown: string, top: boolean): Promise<boolean> => {
      const names = (await readdir(handlePath(dir)).catch(() => [] as string[])).sort();
      for (const name of names) {
        const childShown = shown === "." ? name : `${shown}/${name}`;
        const cst = await lstat(entryPath(dir, name)).catch(() => null);
        if (!cst) continue;
        if (entries.length >= maxEntries) return false;
        entries.push(entryOf(childShown, cst));
        const managed = skipManaged && top && limits.managedDirs.includes(name);
        if (!opts.recursive || !cst.isDirectory() || managed) continue;
        const sub = await open(entryPath(dir, name), DIR_FLAGS).catch(() => null);
        if (!sub) continue; // replaced by a link meanwhile: listed, not descended
        try {
          if (!(await walk(sub, childShown, false))) return false;
        } finally {
          await sub.close();
        }
      }
      return true;
    };
    try {
      const complete = await walk(start, requested, true);
      return { entries: sortDepthFirst(entries), truncated: !complete };
    } finally {
      if (start !== loc.dir) await start.close();
    }
  });
}

/** Orders entries as a depth-first walk in name order (a directory's children right after it). */
const sortDepthFirst = (entries: FileEntry[]): FileEntry[] =>
  [...entries].sort((a, b) => {
    const pa = a.path.split("/");
    const pb = b.path.split("/");
    for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
      const x = pa[i] as string;
      const y = pb[i] as string;
      if (x !== y) return x < y ? -1 : 1;
    }
    return pa.length - pb.length;
  });

/** Metadata of one path; a symbolic link is reported as SYMLINK, not followed. */
export async function stat(root: string, path: string): Promise<FileEntry> {
  const requested = normalizeUserPath(path);
  return withWorkspace(root, async (r) => {
    const loc = await r.locate(requested, { follow: false });
    return entryOf(requested, loc.stats as Stats);
  });
}

/** Creates a directory and its missing parents; an existing directory is fine. */
export async function makeDirectory(root: string, path: string, opts: { guard?: WriteGuard } = {}): Promise<FileEntry> {
  const requested = normalizeUserPath(path);
  return withWorkspace(root, async (r) => {
    const loc = await locateForWrite(r, requested, { follow: true, allowMissing: true, createParents: true });
    if (loc.stats && !loc.stats.isDirectory()) {
      throw conflict(`${JSON.stringify(requested)} exists and is not a directory`);
    }
    if (!loc.stats) {
      const mkdir = () =>
        mapFs(requested, () =>
          r.makeDir(loc.dir, loc.name).catch((err: unknown) => {
            if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
          }),
        );
      await undoMadeDirsOnFailure(r, () => guarded(opts.guard, distinct(requested, loc.relative), mkdir));
    }
    const made = await lstat(entryPath(loc.dir, loc.name));
    if (!made.isDirectory()) throw conflict(`${JSON.stringify(requested)} exists and is not a directory`);
    return entryOf(requested, made);
  });
}

/**
 * Renames a file, directory or link (the link itself); CONFLICT when `to` exists unless overwrite.
 * Returns the entry at `to`, and both paths as reached (their folders' links resolved).
 */
export async function moveFile(
  root: string,
  from: string,
  to: string,
  opts: MoveFileOptions = {},
): Promise<FileEntry & { resolvedFrom: string; resolvedPath: string }> {
  const fromPath = normalizeUserPath(from, "from");
  const toPath = normalizeUserPath(to, "to");
  return withWorkspace(root, async (r) => {
    const src = await locateForWrite(r, fromPath, { follow: false, field: "from" });
    const dst = await locateForWrite(r, toPath, {
      follow: false,
      allowMissing: true,
      createParents: opts.createParents,
      field: "to",
    });
    const paths = distinct(fromPath, src.relative, toPath, dst.relative);
    return undoMadeDirsOnFailure(r, () =>
      withLocks([lockKey(r, src), lockKey(r, dst)], () =>
        guarded(opts.guard, paths, async () => {
          const srcStats = await mapFs(fromPath, () => lstat(entryPath(src.dir, src.name)), "from");
          if (src.relative === dst.relative) {
            return { ...entryOf(toPath, srcStats), resolvedFrom: src.relative, resolvedPath: dst.relative };
          }
          if (dst.relative.startsWith(`${src.relative}/`))
            throw badInput("to", "a directory cannot be moved into itself");
          const existing = await entryStats(dst.dir, dst.name);
          if (existing) {
            if (!opts.overwrite) throw conflict(`${JSON.stringify(toPath)} already exists`, "to");
            if (existing.isDirectory() && !srcStats.isDirectory()) throw badInput("to", "is a directory");
            if (!existing.isDirectory() && srcStats.isDirectory()) throw badInput("to", "is not a directory");
          }
          await mapFs(toPath, () => rename(entryPath(src.dir, src.name), entryPath(dst.dir, dst.name)), "to");
          const moved = entryOf(toPath, await lstat(entryPath(dst.dir, dst.name)));
          return { ...moved, resolvedFrom: src.relative, resolvedPath: dst.relative };
        }),
      ),
    );
  });
}

/** Deletes a file or link (never its target), or a directory (its contents only with recursive). */
export async function deleteFile(
  root: string,
  path: string,
  opts: { recursive?: boolean; guard?: WriteGuard } = {},
): Promise<{ path: string; type: FileEntryType; resolvedPath: string }> {
  const requested = normalizeUserPath(path);
  return withWorkspace(root, async (r) => {
    const loc = await locateForWrite(r, requested, { follow: false });
    const st = loc.stats as Stats;
    return withLocks([lockKey(r, loc)], () =>
      guarded(opts.guard, distinct(requested, loc.relative), async () => {
        if (st.isDirectory()) {
          if (opts.recursive) await mapFs(requested, () => removeTreeAt(loc.dir, loc.name));
          else await mapFs(requested, () => rmdir(entryPath(loc.dir, loc.name)));
        } else {
          await mapFs(requested, () => unlink(entryPath(loc.dir, loc.name)));
        }
        return { path: requested, type: typeOf(st), resolvedPath: loc.relative };
      }),
    );
  });
}
