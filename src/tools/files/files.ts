import { createHash, randomBytes } from "node:crypto";
import { constants, type Stats } from "node:fs";
import { lstat, mkdir, open, readdir, rename, rm, rmdir, unlink, type FileHandle } from "node:fs/promises";
import { basename, dirname, join, posix } from "node:path";
import { badInput, conflict, DomainError, forbidden, notFound, policyDenied } from "../../domain/errors.js";
import { resolvePath, type ResolvedPath } from "./paths.js";

/**
 * The file operations of a task workspace, over node:fs, behind the rules of ./paths.ts.
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
 *   counted each time) on every write, leaving out `managedDirs` (the venv, whose packages the
 *   service installs). A write into a managed dir is still charged.
 */

export interface FileLimits {
  /** Largest file a write, append or move out of a managed dir may produce. Default 10 MiB. */
  maxFileBytes: number;
  /** Sum of all regular files outside managedDirs. Default 1 GiB. */
  maxWorkspaceBytes: number;
  /** readFile's default maxBytes. Default 10 MiB. */
  maxReadBytes: number;
  /** listFiles' default maxEntries. Default 10,000. */
  maxListEntries: number;
  /**
   * Top-level directories the service manages: not counted in maxWorkspaceBytes, and not
   * descended into by a recursive listing that starts above them. Default ["venv"].
   */
  managedDirs: readonly string[];
}

export const defaultFileLimits: Readonly<FileLimits> = Object.freeze({
  maxFileBytes: 10 * 1024 * 1024,
  maxWorkspaceBytes: 1024 * 1024 * 1024,
  maxReadBytes: 10 * 1024 * 1024,
  maxListEntries: 10_000,
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
}

export interface ListFilesOptions extends WithLimits {
  recursive?: boolean;
  maxEntries?: number;
}

export interface MoveFileOptions extends WithLimits {
  overwrite?: boolean;
  createParents?: boolean;
}

const limitsOf = (o: WithLimits | undefined): FileLimits => ({ ...defaultFileLimits, ...o?.limits });

export const limitExceeded = (limit: keyof FileLimits | string, max: number, message: string) =>
  new DomainError("LIMIT_EXCEEDED", message, { limit, max });

export const versionOf = (data: Uint8Array): string => `sha256:${createHash("sha256").update(data).digest("hex")}`;

const errnoOf = (err: unknown): string | undefined =>
  err && typeof err === "object" && "code" in err ? String((err as { code: unknown }).code) : undefined;

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

const locks = new Map<string, Promise<void>>();

/** Runs fn while holding the in-process locks of `keys` (taken in sorted order: no deadlock). */
async function withLocks<T>(keys: string[], fn: () => Promise<T>): Promise<T> {
  const [first, ...rest] = [...new Set(keys)].sort();
  if (first === undefined) return fn();
  const prev = locks.get(first) ?? Promise.resolve();
  const run = prev.then(() => withLocks(rest, fn));
  const tail = run.then(
    () => undefined,
    () => undefined,
  );
  locks.set(first, tail);
  try {
    return await run;
  } finally {
    if (locks.get(first) === tail) locks.delete(first);
  }
}

/** Opens an existing regular file for reading: never follows a final symlink, never blocks on a FIFO. */
export async function openRegularFile(absolute: string, requested: string): Promise<FileHandle> {
  const fh = await mapFs(requested, () =>
    open(absolute, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK),
  );
  try {
    const st = await fh.stat();
    if (st.isDirectory()) throw badInput("path", "is a directory");
    if (!st.isFile()) throw policyDenied("path.special-file", "Device files, FIFOs and sockets cannot be used");
    return fh;
  } catch (err) {
    await fh.close();
    throw err;
  }
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

/** The version of the regular file at `absolute`. */
async function versionOfFile(absolute: string, requested: string): Promise<string> {
  const fh = await openRegularFile(absolute, requested);
  try {
    return (await scan(fh, 0)).version;
  } finally {
    await fh.close();
  }
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

/** Sum of the sizes of the regular files under `root`, leaving out its top-level managed dirs. */
export async function workspaceUsage(root: string, managedDirs: readonly string[] = ["venv"]): Promise<number> {
  const skip = new Set(managedDirs);
  const walk = async (dir: string, top: boolean): Promise<number> => {
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      return 0; // vanished or unreadable meanwhile
    }
    const sizes = await Promise.all(
      names.map(async (name) => {
        if (top && skip.has(name)) return 0;
        const p = join(dir, name);
        const st = await lstat(p).catch(() => null);
        if (!st) return 0;
        if (st.isDirectory()) return walk(p, false);
        return st.isFile() ? st.size : 0;
      }),
    );
    return sizes.reduce((a, b) => a + b, 0);
  };
  return walk(root, true);
}

const isManaged = (rel: string, limits: FileLimits): boolean => limits.managedDirs.includes(rel.split("/")[0] ?? "");

/** Refuses a change that would take the workspace over maxWorkspaceBytes. */
export async function checkWorkspaceQuota(root: string, added: number, freed: number, limits: FileLimits) {
  if (added <= freed) return;
  const usage = await workspaceUsage(root, limits.managedDirs);
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

/** A fresh temp name next to `absolute` (hidden, unique; created with O_EXCL by the caller). */
export const tempPathFor = (absolute: string, tag = "tmp"): string =>
  join(dirname(absolute), `.${basename(absolute).slice(0, 80)}.${randomBytes(6).toString("hex")}.${tag}`);

/** Replaces (or creates) `absolute` with `data` atomically: temp file, fsync, rename. */
async function atomicWrite(absolute: string, data: Buffer, mode: number): Promise<void> {
  const tmp = tempPathFor(absolute);
  const fh = await open(tmp, "wx", 0o600);
  try {
    await fh.writeFile(data);
    await fh.chmod(mode);
    await fh.sync();
  } catch (err) {
    await fh.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  await fh.close();
  try {
    await rename(tmp, absolute);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}

const keptMode = (st: Stats | null): number => (st?.isFile() ? st.mode & 0o777 : 0o644);

async function ensureParent(r: ResolvedPath, createParents: boolean | undefined, field = "path"): Promise<void> {
  const parent = dirname(r.absolute);
  if (createParents) {
    await mapFs(r.requested, () => mkdir(parent, { recursive: true }), field);
    return;
  }
  const st = await lstat(parent).catch(() => null);
  if (!st) throw notFound("Directory", posix.dirname(r.requested), field);
  if (!st.isDirectory()) throw badInput(field, "a parent of the path is not a directory");
}

/** Reads a file (following links that stay inside); content is cut at maxBytes, `truncated` says so. */
export async function readFile(root: string, path: string, opts: ReadFileOptions = {}): Promise<ReadFileResult> {
  const limits = limitsOf(opts);
  const maxBytes = opts.maxBytes ?? limits.maxReadBytes;
  if (!Number.isInteger(maxBytes) || maxBytes < 0) throw badInput("maxBytes", "must be a non-negative integer");
  const encoding = opts.encoding ?? "utf8";
  const r = await resolvePath(root, path);
  const fh = await openRegularFile(r.absolute, r.requested);
  let scanned: Awaited<ReturnType<typeof scan>>;
  try {
    scanned = await scan(fh, maxBytes);
  } finally {
    await fh.close();
  }
  const truncated = scanned.size > maxBytes;
  let head = scanned.head;
  if (encoding === "utf8" && truncated) head = utf8CompletePrefix(head);
  return {
    path: r.requested,
    content: head.toString(encoding === "base64" ? "base64" : "utf8"),
    encoding,
    size: scanned.size,
    version: scanned.version,
    truncated,
  };
}

/** Creates or replaces a file atomically; with expectedVersion only if the current one matches. */
export async function writeFile(
  root: string,
  path: string,
  content: string | Uint8Array,
  opts: WriteFileOptions = {},
): Promise<WriteFileResult> {
  const limits = limitsOf(opts);
  const data = decodeContent(content, opts.encoding ?? "utf8");
  checkFileSize(data.length, limits);
  const r = await resolvePath(root, path, { forWrite: true, allowMissing: true });
  return withLocks([r.absolute], async () => {
    const existing = await lstat(r.absolute).catch(() => null);
    if (existing?.isDirectory()) throw badInput("path", "is a directory");
    await checkExpected(r, existing, opts.expectedVersion);
    await ensureParent(r, opts.createParents);
    const freed = existing?.isFile() && !isManaged(r.relative, limits) ? existing.size : 0;
    await checkWorkspaceQuota(r.root, data.length, freed, limits);
    await mapFs(r.requested, () => atomicWrite(r.absolute, data, keptMode(existing)));
    return { path: r.requested, size: data.length, version: versionOf(data), created: !existing };
  });
}

async function checkExpected(r: ResolvedPath, existing: Stats | null, expected: string | null | undefined) {
  if (expected === undefined) return;
  if (expected === null) {
    if (existing) throw conflict(`${JSON.stringify(r.requested)} already exists`, "expectedVersion");
    return;
  }
  if (!existing) throw conflict(`${JSON.stringify(r.requested)} does not exist any more`, "expectedVersion");
  const current = await versionOfFile(r.absolute, r.requested);
  if (current !== expected) {
    throw conflict(`${JSON.stringify(r.requested)} was changed since version ${expected}`, "expectedVersion");
  }
}

/** Appends to a file (created when missing); done as an atomic rewrite, so maxFileBytes bounds it. */
export async function appendFile(
  root: string,
  path: string,
  content: string | Uint8Array,
  opts: WriteFileOptions = {},
): Promise<WriteFileResult> {
  const limits = limitsOf(opts);
  const data = decodeContent(content, opts.encoding ?? "utf8");
  checkFileSize(data.length, limits);
  const r = await resolvePath(root, path, { forWrite: true, allowMissing: true });
  return withLocks([r.absolute], async () => {
    const existing = await lstat(r.absolute).catch(() => null);
    if (existing?.isDirectory()) throw badInput("path", "is a directory");
    await checkExpected(r, existing, opts.expectedVersion);
    let current: Buffer = Buffer.alloc(0);
    if (existing) {
      checkFileSize(existing.size + data.length, limits);
      const fh = await openRegularFile(r.absolute, r.requested);
      try {
        current = (await scan(fh, limits.maxFileBytes + 1)).head;
      } finally {
        await fh.close();
      }
    } else {
      await ensureParent(r, opts.createParents);
    }
    const next = Buffer.concat([current, data]);
    checkFileSize(next.length, limits);
    await checkWorkspaceQuota(r.root, data.length, 0, limits);
    await mapFs(r.requested, () => atomicWrite(r.absolute, next, keptMode(existing)));
    return { path: r.requested, size: next.length, version: versionOf(next), created: !existing };
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
  const r = await resolvePath(root, path);
  const st = r.stats as Stats;
  if (!st.isDirectory()) return { entries: [entryOf(r.requested, st)], truncated: false };

  const entries: FileEntry[] = [];
  const skipManaged = r.relative === ".";
  const stack: Array<{ abs: string; shown: string }> = [{ abs: r.absolute, shown: r.requested }];
  while (stack.length > 0) {
    const { abs, shown } = stack.pop() as { abs: string; shown: string };
    const names = (await readdir(abs).catch(() => [] as string[])).sort();
    const subdirs: Array<{ abs: string; shown: string }> = [];
    for (const name of names) {
      const childAbs = join(abs, name);
      const childShown = shown === "." ? name : `${shown}/${name}`;
      const cst = await lstat(childAbs).catch(() => null);
      if (!cst) continue;
      if (entries.length >= maxEntries) return { entries: sortDepthFirst(entries), truncated: true };
      entries.push(entryOf(childShown, cst));
      const managed = skipManaged && abs === r.absolute && limits.managedDirs.includes(name);
      if (opts.recursive && cst.isDirectory() && !managed) subdirs.push({ abs: childAbs, shown: childShown });
    }
    // Depth first, in name order: push in reverse so the first subdirectory is popped first.
    for (const d of subdirs.reverse()) stack.push(d);
  }
  return { entries: sortDepthFirst(entries), truncated: false };
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
  const r = await resolvePath(root, path, { noFollow: true });
  return entryOf(r.requested, r.stats as Stats);
}

/** Creates a directory and its missing parents; an existing directory is fine. */
export async function makeDirectory(root: string, path: string): Promise<FileEntry> {
  const r = await resolvePath(root, path, { forWrite: true, allowMissing: true });
  if (r.stats && !r.stats.isDirectory()) throw conflict(`${JSON.stringify(r.requested)} exists and is not a directory`);
  await mapFs(r.requested, () => mkdir(r.absolute, { recursive: true }));
  return entryOf(r.requested, await lstat(r.absolute));
}

/** Renames a file, directory or link (the link itself); CONFLICT when `to` exists unless overwrite. */
export async function moveFile(root: string, from: string, to: string, opts: MoveFileOptions = {}): Promise<FileEntry> {
  const limits = limitsOf(opts);
  const src = await resolvePath(root, from, { forWrite: true, noFollow: true });
  const dst = await resolvePath(root, to, { forWrite: true, allowMissing: true, noFollow: true });
  return withLocks([src.absolute, dst.absolute], async () => {
    const srcStats = await mapFs(src.requested, () => lstat(src.absolute), "from");
    if (src.absolute === dst.absolute) return entryOf(dst.requested, srcStats);
    if (dst.absolute.startsWith(`${src.absolute}/`)) throw badInput("to", "a directory cannot be moved into itself");
    const existing = await lstat(dst.absolute).catch(() => null);
    if (existing) {
      if (!opts.overwrite) throw conflict(`${JSON.stringify(dst.requested)} already exists`, "to");
      if (existing.isDirectory() && !srcStats.isDirectory()) throw badInput("to", "is a directory");
      if (!existing.isDirectory() && srcStats.isDirectory()) throw badInput("to", "is not a directory");
    }
    if (isManaged(src.relative, limits) && !isManaged(dst.relative, limits)) {
      const size = srcStats.isDirectory() ? await workspaceUsage(src.absolute, []) : srcStats.size;
      await checkWorkspaceQuota(src.root, size, 0, limits);
    }
    await ensureParent(dst, opts.createParents, "to");
    await mapFs(dst.requested, () => rename(src.absolute, dst.absolute), "to");
    return entryOf(dst.requested, await lstat(dst.absolute));
  });
}

/** Deletes a file or link (never its target), or a directory (its contents only with recursive). */
export async function deleteFile(
  root: string,
  path: string,
  opts: { recursive?: boolean } = {},
): Promise<{ path: string; type: FileEntryType }> {
  const r = await resolvePath(root, path, { forWrite: true, noFollow: true });
  const st = r.stats as Stats;
  return withLocks([r.absolute], async () => {
    if (st.isDirectory()) {
      if (opts.recursive) await mapFs(r.requested, () => rm(r.absolute, { recursive: true }));
      else await mapFs(r.requested, () => rmdir(r.absolute));
    } else {
      await mapFs(r.requested, () => unlink(r.absolute));
    }
    return { path: r.requested, type: typeOf(st) };
  });
}
