/**
 * The service's bare repository per workspace (the mirror), at <dataDir>/git/<workspaceId>.git:
 * the only repository host-side git touches besides the remote. It is made by the service (no
 * template, so no hooks), its config is the service's, and it is bound read-only into the
 * workspace's sandbox, where the workspace clones from it. Pushes come back as a bundle made in the
 * sandbox: its pack is checked (fsck, connectivity) into the mirror and pushed from there.
 */
import { randomBytes } from "node:crypto";
import { open, chmod, lstat, mkdir, readdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { conflict, DomainError } from "../../domain/errors.js";
import { isId } from "../../domain/ids.js";
import { privateDirMode } from "../private-dirs.js";
import { gitFailed, type GitToken, type HostGit } from "./host-git.js";

export interface RemoteAccess {
  auth: GitToken | null;
  allowHttp: boolean;
  signal?: AbortSignal;
}

export interface MirrorClone {
  /** The mirror's path (bound read-only into the sandbox). */
  path: string;
  /** The branch cloned (the remote's default when none was asked for). */
  branch: string;
  /** Its commit; null for an empty repository. */
  sha: string | null;
}

/** A bundle's header: its one branch and where its pack starts. */
export interface BundleHead {
  ref: string;
  sha: string;
  packStart: number;
}

const HEADER_MAX = 64 * 1024;
const SHA = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;

/** Reads the header `git bundle create` writes (v2 or v3) and checks it names exactly `ref`. */
export async function readBundleHead(file: string, ref: string): Promise<BundleHead> {
  const fh = await open(file, "r");
  let head: Buffer;
  try {
    const buf = Buffer.alloc(HEADER_MAX);
    const { bytesRead } = await fh.read(buf, 0, HEADER_MAX, 0);
    head = buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
  const end = head.indexOf("\n\n");
  if (end < 0) throw new DomainError("GIT_FAILED", "The workspace's bundle has no header");
  const lines = head.subarray(0, end).toString("utf8").split("\n");
  if (lines[0] !== "# v2 git bundle" && lines[0] !== "# v3 git bundle") {
    throw new DomainError("GIT_FAILED", "The workspace's bundle is not a git bundle");
  }
  const refs: Array<{ sha: string; name: string }> = [];
  for (const line of lines.slice(1)) {
    if (line.startsWith("-")) continue; // a prerequisite: index-pack checks the pack connects
    if (line.startsWith("@")) {
      if (line !== "@object-format=sha1") throw new DomainError("GIT_FAILED", `The bundle needs ${line.slice(1)}`);
      continue;
    }
    const [sha, name] = line.split(" ", 2);
    if (!sha || !SHA.test(sha) || !name) throw new DomainError("GIT_FAILED", "The workspace's bundle is malformed");
    refs.push({ sha, name });
  }
  const [only] = refs;
  if (refs.length !== 1 || !only || only.name !== ref) {
    throw new DomainError("GIT_FAILED", `The workspace's bundle does not hold exactly ${ref}`);
  }
  return { ref, sha: only.sha, packStart: end + 2 };
}

/** Bytes of the regular files under a folder of the service's (links not followed). */
async function sizeOf(path: string): Promise<number> {
  const st = await lstat(path).catch(() => null);
  if (!st) return 0;
  if (!st.isDirectory()) return st.isFile() ? st.size : 0;
  let total = 0;
  for (const name of await readdir(path).catch(() => [] as string[])) total += await sizeOf(join(path, name));
  return total;
}

const tooLarge = (max: number) =>
  new DomainError("LIMIT_EXCEEDED", `The repository is larger than a workspace may be (${max} bytes)`, {
    limit: "maxWorkspaceBytes",
    max,
  });

/** How often a clone's mirror is measured against its size limit. */
const SIZE_CHECK_MS = 1_000;

/** Makes every file of a mirror readable, and every folder searchable, by the sandbox's user. */
async function openUp(path: string): Promise<void> {
  const st = await lstat(path);
  if (st.isSymbolicLink()) return;
  if (st.isDirectory()) {
    if ((st.mode & 0o755) !== 0o755) await chmod(path, (st.mode & 0o7777) | 0o755);
    for (const name of await readdir(path)) await openUp(join(path, name));
  } else if ((st.mode & 0o444) !== 0o444) {
    await chmod(path, (st.mode & 0o7777) | 0o444);
  }
}

/** The mirrors' folder in WORKSPACES_DIR (the service's, not a workspace: agents cannot write it). */
export const GIT_MIRRORS_DIR = ".git-mirrors";

export class GitMirrors {
  constructor(
    /** <WORKSPACES_DIR>/.git-mirrors: searchable (not listable) by the sandbox user, which reads its own mirror. */
    readonly dir: string,
    private readonly git: HostGit,
  ) {}

  async prepare(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: privateDirMode() });
    await chmod(this.dir, privateDirMode());
  }

  pathFor(workspaceId: string): string {
    if (!isId(workspaceId)) throw new Error(`workspace id ${JSON.stringify(workspaceId.slice(0, 64))} is not an id`);
    return join(this.dir, `${workspaceId}.git`);
  }

  /**
   * Clones `url` afresh into the workspace's mirror (replacing any earlier one): bare, no template,
   * no tags, one branch, `depth` commits deep when given.
   */
  async clone(
    workspaceId: string,
    url: string,
    opts: RemoteAccess & { branch?: string; depth?: number; maxBytes: number },
  ): Promise<MirrorClone> {
    await this.prepare();
    const path = this.pathFor(workspaceId);
    const staging = join(this.dir, `.${workspaceId}-${randomBytes(6).toString("hex")}.git`);
    // The clone is measured while it runs and stopped once it is larger than a workspace may be.
    const stop = new AbortController();
    const onAbort = () => stop.abort();
    opts.signal?.addEventListener("abort", onAbort, { once: true });
    let over = false;
    let measuring = false;
    const watch = setInterval(() => {
      if (measuring) return;
      measuring = true;
      void sizeOf(staging)
        .then((bytes) => {
          if (bytes > opts.maxBytes) {
            over = true;
            stop.abort();
          }
        })
        .finally(() => (measuring = false));
    }, SIZE_CHECK_MS);
    watch.unref();
    try {
      const r = await this.git
        .run(
          [
            "clone",
            "--bare",
            "--template=",
            "--no-tags",
            "--single-branch",
            "--quiet",
            ...(opts.branch ? ["--branch", opts.branch] : []),
            ...(opts.depth ? ["--depth", String(opts.depth)] : []),
            "--",
            url,
            staging,
          ],
          { auth: opts.auth, allowHttp: opts.allowHttp, signal: stop.signal },
        )
        .catch((err: unknown) => {
          throw over ? tooLarge(opts.maxBytes) : err;
        });
      if (r.exitCode !== 0) {
        if (opts.branch && /Remote branch .* not found/i.test(r.stderr)) {
          throw new DomainError("NOT_FOUND", `The repository has no branch ${opts.branch}`, { field: "branch" });
        }
        throw gitFailed("git clone", r);
      }
      if ((await sizeOf(staging)) > opts.maxBytes) throw tooLarge(opts.maxBytes);
      const branch = (
        await this.git.ok("git symbolic-ref", ["symbolic-ref", "--short", "HEAD"], { cwd: staging })
      ).trim();
      const sha = await this.commitOf(staging, `refs/heads/${branch}`);
      await openUp(staging);
      await rm(path, { recursive: true, force: true });
      await rename(staging, path);
      return { path, branch, sha };
    } finally {
      clearInterval(watch);
      opts.signal?.removeEventListener("abort", onAbort);
      await rm(staging, { recursive: true, force: true });
    }
  }

  private async commitOf(repo: string, ref: string): Promise<string | null> {
    const r = await this.git.run(["rev-parse", "--verify", "--quiet", `${ref}^{commit}`], { cwd: repo });
    return r.exitCode === 0 ? r.stdout.trim() : null;
  }

  /** Throws CONFLICT unless the workspace's mirror exists (gitClone makes it). */
  async existing(workspaceId: string, field: string): Promise<string> {
    const path = this.pathFor(workspaceId);
    const st = await lstat(path).catch(() => null);
    if (!st?.isDirectory()) {
      throw conflict("This workspace has no repository cloned by gitClone: clone one first", field);
    }
    return path;
  }

  /** The URL the mirror was cloned from (written by the service, never by the workspace). */
  async originUrl(path: string): Promise<string> {
    return (await this.git.ok("git config", ["config", "--get", "remote.origin.url"], { cwd: path })).trim();
  }

  /** The commits the mirror's branches point at (what a push's bundle may leave out). */
  async tips(path: string): Promise<string[]> {
    const out = await this.git.ok("git for-each-ref", ["for-each-ref", "--format=%(objectname)", "refs/heads"], {
      cwd: path,
    });
    return [...new Set(out.split("\n").filter((l) => SHA.test(l)))];
  }

  /**
   * Takes a branch from a bundle the sandbox made: the pack is indexed with fsck and a connectivity
   * check (`index-pack --strict`: broken objects, or objects that do not connect to the mirror's,
   * are refused), then the branch is set to the bundle's commit. Returns that commit.
   */
  async receiveBundle(path: string, bundle: string, branch: string, signal?: AbortSignal): Promise<string> {
    const head = await readBundleHead(bundle, `refs/heads/${branch}`);
    const indexed = await this.git.run(["index-pack", "--stdin", "--fix-thin", "--strict"], {
      cwd: path,
      stdinFile: { path: bundle, start: head.packStart },
      signal,
    });
    if (indexed.exitCode !== 0) throw gitFailed("Checking the workspace's commits (git index-pack)", indexed);
    await this.git.ok("git update-ref", ["update-ref", `refs/heads/${branch}`, head.sha], { cwd: path, signal });
    await openUp(path);
    return head.sha;
  }

  /**
   * Pushes the mirror's `branch` to `url` (never forced). A rejection because the remote moved on
   * is CONFLICT; any other failure GIT_FAILED.
   */
  async push(path: string, url: string, branch: string, opts: RemoteAccess): Promise<void> {
    const spec = `refs/heads/${branch}:refs/heads/${branch}`;
    const r = await this.git.run(["push", "--porcelain", "--no-verify", "--no-recurse-submodules", "--", url, spec], {
      cwd: path,
      auth: opts.auth,
      allowHttp: opts.allowHttp,
      signal: opts.signal,
    });
    if (r.exitCode === 0) return;
    const rejected = r.stdout.split("\n").find((l) => l.startsWith("!\t"));
    if (rejected && /\((non-fast-forward|fetch first)\)/.test(rejected)) {
      throw conflict(
        `The remote's ${branch} has commits this branch does not have (non-fast-forward): push to a new branch ` +
          "(gitBranch), or clone again to build on the remote's work",
        "branch",
      );
    }
    const reason = rejected?.split("\t")[2];
    throw gitFailed("git push", reason ? { ...r, stderr: `${r.stderr}\nerror: ${reason}` } : r);
  }

  async remove(workspaceId: string): Promise<void> {
    await rm(this.pathFor(workspaceId), { recursive: true, force: true });
  }
}
