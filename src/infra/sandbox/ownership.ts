/**
 * When the service runs as root, sandboxed programs run as an unprivileged host user instead
 * (RLIMIT_NPROC is never enforced for uid 0, so a fork bomb would not stop). That user must be
 * able to reach and write the workspace: this module checks the first and arranges the second.
 */
import { constants, type Stats } from "node:fs";
import { lchown, lstat, open, readdir, stat } from "node:fs/promises";
import { dirname } from "node:path";
import { DomainError } from "../../domain/errors.js";

export interface HostUser {
  uid: number;
  gid: number;
}

/** Who runs sandboxed programs, and owns the workspaces, when this service runs as root ("nobody"). */
export const SANDBOX_HOST_USER: Readonly<HostUser> = Object.freeze({ uid: 65534, gid: 65534 });

const dirFlags = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;
const BATCH = 64;

const owned = (s: Stats, u: HostUser) => s.uid === u.uid && s.gid === u.gid;

/** Whether `user` (no supplementary groups) may search a directory with these stats. */
function searchable(s: Stats, u: HostUser): boolean {
  if (s.uid === u.uid) return (s.mode & 0o100) !== 0;
  if (s.gid === u.gid) return (s.mode & 0o010) !== 0;
  return (s.mode & 0o001) !== 0;
}

/** Throws SANDBOX_UNAVAILABLE unless every directory above `path` may be searched by `user`. */
export async function assertReachable(path: string, user: HostUser, what: string): Promise<void> {
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    const s = await stat(dir);
    if (!searchable(s, user)) {
      throw new DomainError(
        "SANDBOX_UNAVAILABLE",
        `The ${what} ${path} cannot be reached by the sandbox user ${user.uid}: ${dir} is not searchable by it ` +
          `(give it o+x, or move the directory)`,
      );
    }
    if (dir === "/") return;
  }
}

/**
 * Gives `user` every entry of the workspace that it does not own yet, except the top-level names
 * in `skip` (the venv stays the service's: installs go through their own tool).
 *
 * The walk cannot be redirected by a concurrent program swapping a directory for a symlink: each
 * directory is opened with O_NOFOLLOW and its entries are reached through /proc/self/fd/<fd>/<name>
 * (an openat() without openat), so no path is resolved twice and no symlink is followed. A regular
 * file with several links is left alone: it might be a hard link to a file outside the workspace.
 */
export async function handOver(root: string, user: HostUser, skip: readonly string[]): Promise<number> {
  let changed = 0;
  const walk = async (path: string, top: boolean): Promise<void> => {
    const dir = await open(path, dirFlags);
    try {
      if (!owned(await dir.stat(), user)) {
        await dir.chown(user.uid, user.gid);
        changed++;
      }
      const base = `/proc/self/fd/${dir.fd}`;
      const names = (await readdir(base)).filter((n) => !(top && skip.includes(n)));
      const subdirs: string[] = [];
      for (let i = 0; i < names.length; i += BATCH) {
        await Promise.all(
          names.slice(i, i + BATCH).map(async (name) => {
            const p = `${base}/${name}`;
            const s = await lstat(p).catch(() => null);
            if (!s) return;
            if (s.isDirectory()) subdirs.push(name);
            else if (!owned(s, user) && !(s.isFile() && s.nlink > 1)) {
              await lchown(p, user.uid, user.gid).catch(() => undefined);
              changed++;
            }
          }),
        );
      }
      for (const name of subdirs) await walk(`${base}/${name}`, false).catch(() => undefined);
    } finally {
      await dir.close();
    }
  };
  await walk(root, true);
  return changed;
}
