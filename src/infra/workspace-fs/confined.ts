/**
 * Workspace I/O that cannot be turned against the host.
 *
 * THE CONTAINMENT RULE: the service never follows a path inside a workspace with its own
 * privileges. Everything in a workspace is written by untrusted code, which can swap any folder
 * for a symbolic link at any moment (renameat2(RENAME_EXCHANGE) in a loop), plant FIFOs and
 * replace any file. So the service never hands a workspace path to a path-based system call.
 * Instead:
 *
 * - the workspace root is opened once per operation, from its trusted location (the folders
 *   above it belong to the service), with O_DIRECTORY | O_NOFOLLOW;
 * - every further folder is opened from the one above it, one component at a time, with
 *   O_DIRECTORY | O_NOFOLLOW, through `/proc/self/fd/<fd>/<name>` (Node has no openat(); the
 *   kernel resolves that magic link to the open folder itself, never by its path, so a folder
 *   renamed or swapped meanwhile changes nothing);
 * - the last component is reached the same way and never followed: files are opened with
 *   O_NOFOLLOW | O_NONBLOCK and accepted only when fstat says they are regular (a FIFO never
 *   blocks a thread, a device is never read), new files are created O_CREAT | O_EXCL, and
 *   renames, unlinks and mkdirs act on the entry in the held folder;
 * - a symbolic link inside the workspace is followed by hand: its target is read and walked
 *   again from the root (absolute targets must name a place under the root), so a link can
 *   never lead out, and a link swapped in after it was read makes the open fail (ELOOP), which
 *   is reported as a change under way, never followed.
 *
 * What runs inside the workspace (commands, Python, pip's install step, venv creation) runs in
 * the sandbox, with its identity and in its mount namespace, where the host is not there to
 * reach. See docs/containment.md.
 */
import { constants, type Stats } from "node:fs";
import { lstat, mkdir, open, readdir, readlink, realpath, rmdir, unlink, type FileHandle } from "node:fs/promises";
import { isAbsolute, posix } from "node:path";
import { badInput, conflict, DomainError, notFound, policyDenied } from "../../domain/errors.js";

/** Who should own what the service creates in a workspace (the sandbox user), or null to leave it. */
export interface Owner {
  uid: number;
  gid: number;
}

export const DIR_FLAGS = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;
export const READ_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
export const CREATE_FLAGS =
  constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW | constants.O_NONBLOCK;

const MAX_SYMLINKS = 40;
/** How often a component that changes between its lstat and its open is tried again. */
const RACE_RETRIES = 8;

export const errnoOf = (err: unknown): string | undefined =>
  err && typeof err === "object" && "code" in err ? String((err as { code: unknown }).code) : undefined;

/** A path through an open folder: the kernel resolves it from the folder itself, never from a name. */
export const entryPath = (dir: FileHandle, name: string): string => `/proc/self/fd/${dir.fd}/${name}`;

/** The path of an open folder or file itself. */
export const handlePath = (fh: FileHandle): string => `/proc/self/fd/${fh.fd}`;

const changedUnderfoot = (field = "path") =>
  conflict("The path was changed (a folder or file replaced) while in use; retry", field);

/** A folder opened without following links. */
async function openDir(path: string): Promise<FileHandle> {
  return open(path, DIR_FLAGS);
}

/** Where a path of the workspace ends: its folder (held open) and its name in it. */
export interface Location {
  /** The folder holding the entry (the root itself when the path is "."; then `name` is null). */
  dir: FileHandle;
  /** The entry's name in `dir`, or null for the root. */
  name: string | null;
  /** The real path of the entry relative to the root, POSIX, symbolic links expanded ("." for the root). */
  relative: string;
  /** lstat of the entry, or null when it does not exist. */
  stats: Stats | null;
}

export interface LocateOptions {
  /** Follow a symbolic link in the last component (links in folders are always followed, inside). */
  follow: boolean;
  /** The last component (only it) may be missing. */
  allowMissing?: boolean;
  /**
   * Folders on the way may be missing too: then `name` is the first missing one and `relative` the
   * whole path (for a caller that only needs to know where the path would be).
   */
  allowMissingParents?: boolean;
  /** Missing folders on the way are created (and given to the owner). */
  createParents?: boolean;
  /** The field errors name. */
  field?: string;
}

/**
 * An open workspace root. Every operation on the workspace's content goes through one, opened
 * for the operation and closed after it; see the rule at the top of this file.
 */
export class ConfinedRoot {
  private readonly held = new Set<FileHandle>();
  /** Folders this operation created (relative paths, in order), for undoing a failed upload. */
  private readonly made: string[] = [];
  private closed = false;

  private constructor(
    /** The root's host path (messages and the lexical check of absolute link targets). */
    readonly path: string,
    readonly root: FileHandle,
    readonly owner: Owner | null,
  ) {}

  /** Opens the root at `path`, whose parent folders must belong to the service (not the workspace). */
  static async open(path: string, owner: Owner | null = null): Promise<ConfinedRoot> {
    if (!isAbsolute(path)) throw new Error("a workspace root must be an absolute path");
    let fh: FileHandle;
    let real: string;
    try {
      // The folders above the root are the service's: resolving them is safe. Inside the sandbox the
      // workspace is mounted at this real path, so absolute link targets made there name it.
      real = await realpath(path);
      fh = await openDir(real);
    } catch (err) {
      const code = errnoOf(err);
      if (code === "ENOENT" || code === "ENOTDIR" || code === "ELOOP") {
        throw new DomainError("NOT_FOUND", "The workspace directory does not exist");
      }
      throw err;
    }
    return new ConfinedRoot(real, fh, owner);
  }

  /** Runs `fn` with the root at `path` open, and closes it (and everything `fn` left open) after. */
  static async with<T>(path: string, owner: Owner | null, fn: (root: ConfinedRoot) => Promise<T>): Promise<T> {
    const root = await ConfinedRoot.open(path, owner);
    try {
      return await fn(root);
    } finally {
      await root.close();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const all = [...this.held, this.root];
    this.held.clear();
    await Promise.all(all.map((fh) => fh.close().catch(() => undefined)));
  }

  /** Keeps `fh` open until the root closes (or until release). */
  hold(fh: FileHandle): FileHandle {
    this.held.add(fh);
    return fh;
  }

  async release(fh: FileHandle): Promise<void> {
    if (fh === this.root || !this.held.delete(fh)) return;
    await fh.close().catch(() => undefined);
  }

  /** Gives a file or folder the service made to the sandbox user (through its handle: no path). */
  async giveToOwner(fh: FileHandle): Promise<void> {
    if (this.owner) await fh.chown(this.owner.uid, this.owner.gid);
  }

  /**
   * Walks `requested` (normalised, relative, "." for the root) from the root, component by
   * component; see the rule at the top of this file. Symbolic links are expanded by hand and
   * must stay inside; `..` only ever comes from a link's target.
   */
  async locate(requested: string, opts: LocateOptions): Promise<Location> {
    const field = opts.field ?? "path";
    const stack: Array<{ dir: FileHandle; name: string }> = [{ dir: this.root, name: "" }];
    const top = () => stack[stack.length - 1] as { dir: FileHandle; name: string };
    const relOf = (name: string | null) =>
      [...stack.slice(1).map((s) => s.name), ...(name === null ? [] : [name])].join("/") || ".";
    const popTo = async (depth: number) => {
      while (stack.length > depth) await this.release((stack.pop() as { dir: FileHandle }).dir);
    };
    const queue = requested === "." ? [] : requested.split("/");
    let links = 0;
    let retries = 0;
    try {
      while (queue.length > 0) {
        const part = queue.shift() as string;
        if (part === "" || part === ".") continue;
        if (part === "..") {
          if (stack.length === 1) {
            throw policyDenied("path.symlink-outside", "The path leads outside the workspace through a symbolic link", {
              field,
            });
          }
          await popTo(stack.length - 1);
          continue;
        }
        if (Buffer.byteLength(part) > 255) throw badInput(field, "a name in the path is too long");
        const last = queue.length === 0;
        const here = top().dir;
        let st: Stats | null;
        try {
          st = await lstat(entryPath(here, part));
        } catch (err) {
          const code = errnoOf(err);
          if (code !== "ENOENT") throw err;
          st = null;
        }
        if (st?.isSymbolicLink() && (!last || opts.follow)) {
          if (++links > MAX_SYMLINKS) throw badInput(field, "too many levels of symbolic links");
          let target: string;
          try {
            target = await readlink(entryPath(here, part));
          } catch (err) {
            if (errnoOf(err) === "EINVAL" || errnoOf(err) === "ENOENT") {
              queue.unshift(part); // replaced meanwhile: look again
              if (++retries > RACE_RETRIES) throw changedUnderfoot(field);
              continue;
            }
            throw err;
          }
          if (isAbsolute(target)) {
            const inside = this.insideRoot(target);
            if (inside === null) {
              throw policyDenied(
                "path.symlink-outside",
                "The path leads outside the workspace through a symbolic link",
                { field },
              );
            }
            await popTo(1);
            queue.unshift(...inside);
          } else {
            queue.unshift(...target.split("/"));
          }
          continue;
        }
        if (last) {
          if (st && !st.isFile() && !st.isDirectory() && !st.isSymbolicLink()) {
            throw policyDenied("path.special-file", "Device files, FIFOs and sockets cannot be used", { field });
          }
          if (!st && !opts.allowMissing) throw notFound("File", requested, field);
          return { dir: here, name: part, relative: relOf(part), stats: st };
        }
        // A folder on the way.
        if (!st) {
          if (opts.allowMissingParents) {
            return { dir: here, name: part, relative: [relOf(part), ...queue].join("/"), stats: null };
          }
          if (!opts.createParents) {
            if (opts.allowMissing) throw notFound("Directory", posix.dirname(requested), field);
            throw notFound("File", requested, field);
          }
          const made = await this.makeDir(here, part).then(
            () => true,
            (err: unknown) => {
              if (errnoOf(err) !== "EEXIST") throw err;
              return false;
            },
          );
          if (made) this.made.push(relOf(part));
          queue.unshift(part); // and walk into it
          continue;
        }
        if (!st.isDirectory()) throw badInput(field, "a parent of the path is not a directory");
        let dir: FileHandle;
        try {
          dir = this.hold(await openDir(entryPath(here, part)));
        } catch (err) {
          const code = errnoOf(err);
          if (code === "ELOOP" || code === "ENOTDIR" || code === "ENOENT") {
            // Swapped between the lstat and the open: look at it again.
            queue.unshift(part);
            if (++retries > RACE_RETRIES) throw changedUnderfoot(field);
            continue;
          }
          throw err;
        }
        stack.push({ dir, name: part });
      }
      return { dir: top().dir, name: null, relative: relOf(null), stats: await top().dir.stat() };
    } catch (err) {
      await popTo(1);
      throw err;
    }
  }

  /** Creates folder `name` in `dir` (mode 0755, given to the owner). */
  async makeDir(dir: FileHandle, name: string): Promise<void> {
    await mkdir(entryPath(dir, name), { mode: 0o755 });
    if (!this.owner) return;
    const made = await openDir(entryPath(dir, name)).catch(() => null);
    if (!made) return;
    try {
      await this.giveToOwner(made);
    } finally {
      await made.close();
    }
  }

  /** Removes again, deepest first, the folders this operation created, as far as they are still empty. */
  async removeMadeDirs(): Promise<void> {
    for (const rel of this.made.splice(0).reverse()) {
      try {
        const loc = await this.locate(rel, { follow: false });
        if (loc.name !== null && loc.stats?.isDirectory()) await rmdir(entryPath(loc.dir, loc.name));
      } catch {
        // not empty, or changed meanwhile: left as it is
      }
    }
  }

  /** Components under the root named by an absolute link target, or null when it points elsewhere. */
  private insideRoot(target: string): string[] | null {
    const normal = posix.normalize(target);
    if (normal === this.path) return [];
    if (!normal.startsWith(`${this.path}/`)) return null;
    return normal.slice(this.path.length + 1).split("/");
  }
}

/** Opens entry `name` of `dir` for reading: a regular file or nothing (never a FIFO, device or link). */
export async function openRegularAt(dir: FileHandle, name: string, field = "path"): Promise<FileHandle> {
  let fh: FileHandle;
  try {
    fh = await open(entryPath(dir, name), READ_FLAGS);
  } catch (err) {
    const code = errnoOf(err);
    if (code === "ELOOP") throw changedUnderfoot(field);
    if (code === "ENOENT") throw notFound("File", name, field);
    if (code === "ENXIO") {
      throw policyDenied("path.special-file", "Device files, FIFOs and sockets cannot be used", { field });
    }
    throw err;
  }
  try {
    const st = await fh.stat();
    if (st.isDirectory()) throw badInput(field, "is a directory");
    if (!st.isFile())
      throw policyDenied("path.special-file", "Device files, FIFOs and sockets cannot be used", { field });
    return fh;
  } catch (err) {
    await fh.close();
    throw err;
  }
}

/**
 * Removes entry `name` of `dir` and, for a folder, everything in it: each folder is opened from
 * the one above it (O_NOFOLLOW), so a folder swapped for a link meanwhile is removed as a link,
 * never followed.
 */
export async function removeTreeAt(dir: FileHandle, name: string): Promise<void> {
  for (let round = 0; ; round++) {
    const sub = await open(entryPath(dir, name), DIR_FLAGS).catch((err: unknown) => {
      const code = errnoOf(err);
      if (code === "ELOOP" || code === "ENOTDIR") return null; // a link or a file now
      throw err;
    });
    if (!sub) {
      await unlink(entryPath(dir, name)).catch((err: unknown) => {
        if (errnoOf(err) !== "ENOENT") throw err;
      });
      return;
    }
    try {
      for (const child of await readdir(handlePath(sub))) {
        const st = await lstat(entryPath(sub, child)).catch(() => null);
        if (!st) continue;
        if (st.isDirectory()) await removeTreeAt(sub, child);
        else await unlink(entryPath(sub, child)).catch(() => undefined);
      }
    } finally {
      await sub.close();
    }
    try {
      await rmdir(entryPath(dir, name));
      return;
    } catch (err) {
      const code = errnoOf(err);
      if (code === "ENOENT") return;
      // Something was added meanwhile (a program of the workspace still writing): go again.
      if (code !== "ENOTEMPTY" || round >= 10) throw err;
    }
  }
}

/**
 * Removes folder `path` and everything in it, where the folder above it belongs to the service
 * (a workspace, a download folder): opened by path up to there, then walked by descriptors.
 */
export async function removeTree(path: string): Promise<void> {
  const parent = await open(posix.dirname(path), DIR_FLAGS).catch((err: unknown) => {
    if (errnoOf(err) === "ENOENT") return null;
    throw err;
  });
  if (!parent) return;
  try {
    await removeTreeAt(parent, posix.basename(path));
  } finally {
    await parent.close();
  }
}
