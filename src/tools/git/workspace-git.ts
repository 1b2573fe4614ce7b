/**
 * git on a workspace's repository (src/), always in the workspace's sandbox: the runs themselves,
 * their limits and how they fail, the check that src/ may take a clone, and the bundle a push
 * starts from. The service never reads the repository with its own privileges: what it needs
 * comes out of the sandbox on standard output.
 */
import { randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, open, readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { conflict, DomainError, notFound } from "../../domain/errors.js";
import { runSandboxGit, type SandboxGitRequest, type SandboxGitResult } from "../../infra/git/sandbox-git.js";
import type { Sandbox, SandboxLimits } from "../../infra/sandbox/sandbox.js";
import { DIR_FLAGS, entryPath, handlePath } from "../../infra/workspace-fs/confined.js";
import type { DiskLimits } from "../files/disk.js";
import { withWorkspace } from "../files/files.js";

/** The repository's folder in a workspace. */
export const REPO_DIR = "src";
/** What a git command may print (a diff asks for its own). */
const SMALL_OUTPUT = 4 * 1024 * 1024;

/** The workspace a git command runs in, and the call's cancellation. */
export interface WorkspaceScope {
  workspace: { root: string };
  signal: AbortSignal;
}

export type GitRunOptions = Partial<Omit<SandboxGitRequest, "workspace" | "args" | "limits">> & {
  outputBytes?: number;
};

/** GIT_FAILED naming the git command and its last error line; exit code and stderr in the details. */
export function gitFailed(what: string, r: SandboxGitResult): DomainError {
  const lines = r.stderr.split("\n").filter((l) => l.trim() !== "");
  const last = lines.find((l) => /^(fatal|error):/.test(l)) ?? lines.at(-1) ?? "no message";
  return new DomainError("GIT_FAILED", `${what} failed: ${last.slice(0, 500)}`, {
    exitCode: r.run.exitCode,
    stderr: r.stderr.slice(-4000),
  });
}

export class WorkspaceGit {
  constructor(
    private readonly opts: {
      /** The sandbox (SANDBOX=none: the unisolated runner). */
      sandbox: () => Sandbox;
      /** GIT_TIMEOUT_MS, per command. */
      timeoutMs: number;
      disk: DiskLimits;
      /** A folder of the service's own (0700) where push bundles wait. */
      tmpDir: string;
    },
  ) {}

  private limits(outputBytes: number): SandboxLimits {
    return {
      wallTimeMs: this.opts.timeoutMs,
      cpuSeconds: Math.max(60, Math.ceil(this.opts.timeoutMs / 1000)),
      memoryBytes: 4 * 1024 * 1024 * 1024,
      processes: 64,
      fileSizeBytes: this.opts.disk.maxWorkspaceBytes,
      outputBytes,
    };
  }

  /** One git command in the workspace's sandbox; a run that did not end by itself is an error. */
  async run(scope: WorkspaceScope, what: string, args: string[], extra: GitRunOptions = {}): Promise<SandboxGitResult> {
    const { outputBytes, ...rest } = extra;
    const r = await runSandboxGit(this.opts.sandbox(), {
      workspace: scope.workspace.root,
      args,
      limits: this.limits(outputBytes ?? SMALL_OUTPUT),
      signal: scope.signal,
      ...rest,
    });
    if (r.run.status === "TIMED_OUT") {
      throw new DomainError("GIT_FAILED", `${what} timed out (GIT_TIMEOUT_MS)`, { timedOut: true });
    }
    if (r.run.status === "CANCELLED") throw new DomainError("GIT_FAILED", `${what} was cancelled`);
    if (r.run.status === "LIMIT_EXCEEDED" && r.run.limit !== "output") {
      throw new DomainError("LIMIT_EXCEEDED", `${what} stopped: over its ${r.run.limit} limit`, { limit: r.run.limit });
    }
    if (/not a git repository/i.test(r.stderr)) {
      throw conflict(`${REPO_DIR}/ holds no git repository: clone one with gitClone`, "workspaceId");
    }
    return r;
  }

  /** `git -C src <args>`, the exit code left to the caller. */
  repo(scope: WorkspaceScope, args: string[], extra: GitRunOptions = {}): Promise<SandboxGitResult> {
    return this.run(
      scope,
      `git ${args.find((a) => !a.startsWith("-")) ?? ""}`.trim(),
      ["-C", REPO_DIR, ...args],
      extra,
    );
  }

  /** `git -C src <args>`; a non-zero exit is GIT_FAILED. */
  async ok(scope: WorkspaceScope, args: string[], extra: GitRunOptions = {}): Promise<SandboxGitResult> {
    const r = await this.repo(scope, args, extra);
    if (r.run.exitCode !== 0) throw gitFailed(`git ${args.find((a) => !a.startsWith("-")) ?? ""}`, r);
    return r;
  }

  /** Whether the workspace's src/ is missing or empty (a clone may go there), looked at through descriptors. */
  async repoDirFree(root: string): Promise<boolean> {
    return withWorkspace(root, async (r) => {
      const loc = await r.locate(REPO_DIR, { follow: false, allowMissing: true, field: "url" });
      if (!loc.stats || loc.name === null) return true;
      if (!loc.stats.isDirectory()) return false;
      const dir = await open(entryPath(loc.dir, loc.name), DIR_FLAGS);
      try {
        return (await readdir(handlePath(dir))).length === 0;
      } finally {
        await dir.close();
      }
    });
  }

  /**
   * The branch as a bundle made in the sandbox, written to a file of the service's as it streams
   * out: only what `exclude` (the mirror's commits) lacks, when the workspace still has those.
   * The caller removes the file.
   */
  async bundle(scope: WorkspaceScope, branch: string, exclude: readonly string[]): Promise<string> {
    await mkdir(this.opts.tmpDir, { recursive: true, mode: 0o700 });
    const file = join(this.opts.tmpDir, `push-${randomBytes(8).toString("hex")}.bundle`);
    const maxBytes = this.opts.disk.maxWorkspaceBytes;
    const attempt = async (not: readonly string[]) => {
      const out = createWriteStream(file, { flags: "w", mode: 0o600 });
      const closed = new Promise<void>((resolve, reject) => out.once("close", resolve).once("error", reject));
      const refs = [`refs/heads/${branch}`, ...(not.length > 0 ? ["--ignore-missing", "--not", ...not] : [])];
      const r = await this.repo(scope, ["bundle", "create", "--quiet", "-", ...refs], {
        onStdout: (chunk) => out.write(chunk),
        outputBytes: maxBytes + 64 * 1024,
      });
      out.end();
      await closed;
      return r;
    };
    try {
      let r = await attempt(exclude);
      // The mirror has the branch's commit already: then the whole branch (the mirror takes it as it is).
      if (r.run.exitCode !== 0 && /empty bundle/.test(r.stderr)) r = await attempt([]);
      if (r.run.status === "LIMIT_EXCEEDED") {
        throw new DomainError("LIMIT_EXCEEDED", "The branch's bundle is larger than the workspace may be", {
          limit: "maxWorkspaceBytes",
          max: maxBytes,
        });
      }
      if (r.run.exitCode !== 0) {
        if (/unknown revision|bad revision|ambiguous argument/.test(r.stderr))
          throw notFound("Branch", branch, "branch");
        throw gitFailed("git bundle", r);
      }
      return file;
    } catch (err) {
      await rm(file, { force: true });
      throw err;
    }
  }
}
