/**
 * Repository work for the git tools, split so that nothing the agent wrote runs on the host and
 * the token never reaches anything the agent controls (see docs/git.md):
 *
 * - the network (clone, push) is spoken only by host git on the workspace's mirror, a bare
 *   repository of the service's (GitMirrors), with the token on a pipe of its own;
 * - everything on the workspace's repository (clone from the mirror, status, diff, log, branch,
 *   commit, the bundle a push starts from) runs in the workspace's sandbox, without network.
 */
import { rm } from "node:fs/promises";
import { conflict, DomainError, notFound, policyDenied } from "../../domain/errors.js";
import type { GitToken } from "../../infra/git/host-git.js";
import type { GitMirrors, RemoteAccess } from "../../infra/git/mirror.js";
import type { Sandbox } from "../../infra/sandbox/sandbox.js";
import { assertRoomFor, diskGuard, type DiskLimits } from "../files/disk.js";
import { assertFreeSpace } from "../files/free-space.js";
import type { GitHubConnection, GitHubCredentials } from "../github/connection.js";
import { parseRemoteUrl, type RemoteUrl } from "./git-inputs.js";
import {
  BRANCH_FORMAT,
  LOG_FORMAT,
  parseBranches,
  parseLog,
  parseStatus,
  type GitBranchInfo,
  type GitCommitInfo,
  type GitPerson,
  type GitStatusResult,
} from "./git-parse.js";
import { gitFailed, REPO_DIR, WorkspaceGit } from "./workspace-git.js";

/** One tool call's view of the git service: its workspace, its cancellation, the GitHub connection. */
export interface GitCall {
  workspace: { id: string; root: string; taskId: string; agentId: string };
  toolCallId: string;
  signal: AbortSignal;
  connection: GitHubConnection | null;
}

export interface GitServiceOptions {
  /** Runs the workspace's git (the sandbox; SANDBOX=none: the unisolated runner). */
  sandbox: () => Sandbox;
  mirrors: GitMirrors;
  /** A folder of the service's own (0700) where push bundles wait. */
  tmpDir: string;
  /** GIT_ALLOWED_HOSTS as origins. */
  origins: readonly string[];
  /** GITHUB_URL: URLs on its host are signed in with the GitHub connection's credentials. */
  webUrl: string;
  /** GITHUB_REPOSITORIES (owner/name): when not empty, the only repositories on GitHub's host git may reach. */
  repositories: readonly string[];
  /** GIT_TIMEOUT_MS: each git command, in the sandbox or on the host. */
  timeoutMs: number;
  disk: DiskLimits;
  /** The agent's name, for the default commit author. */
  agentName(agentId: string): Promise<string | null>;
}

export interface GitCloneResult {
  path: string;
  url: string;
  repository: string;
  branch: string;
  sha: string | null;
}

export interface GitDiffResult {
  diff: string;
  truncated: boolean;
}

export interface GitBranchesResult {
  current: string | null;
  branches: GitBranchInfo[];
}

export interface GitCommitResult {
  sha: string;
  branch: string | null;
  subject: string;
  author: GitPerson;
}

export interface GitPushResult {
  repository: string;
  branch: string;
  sha: string;
  url: string;
}

export const STATUS_MAX_ENTRIES = 1_000;

const notConfigured = () =>
  new DomainError("NOT_CONFIGURED", "No GitHub credentials are configured: add a GITHUB_TOKEN secret or a GitHub App", {
    setting: "GITHUB_TOKEN",
  });

export class GitService {
  private readonly queues = new Map<string, Promise<unknown>>();
  private readonly webHost: string;
  private readonly git: WorkspaceGit;

  constructor(private readonly opts: GitServiceOptions) {
    this.webHost = new URL(opts.webUrl).host;
    this.git = new WorkspaceGit(opts);
  }

  /** One git operation at a time per workspace (git's own locks would fail the second). */
  private async exclusive<T>(workspaceId: string, fn: () => Promise<T>): Promise<T> {
    const next = (this.queues.get(workspaceId) ?? Promise.resolve()).catch(() => undefined).then(fn);
    this.queues.set(workspaceId, next);
    try {
      return await next;
    } finally {
      if (this.queues.get(workspaceId) === next) this.queues.delete(workspaceId);
    }
  }

  /**
   * Runs a network step with the credentials for a remote on GitHub's host (anonymous elsewhere,
   * or for a clone without any), read at this moment and not kept. Credentials the remote refused
   * are reported to the connection (a cached App token is dropped).
   */
  private async withAccess<T>(
    call: GitCall,
    remote: RemoteUrl,
    purpose: "gitClone" | "gitPush",
    step: (access: RemoteAccess) => Promise<T>,
  ): Promise<T> {
    const anonymous: RemoteAccess = { auth: null, allowHttp: remote.allowHttp, signal: call.signal };
    if (remote.host !== this.webHost) return step(anonymous);
    if (!call.connection) {
      if (purpose === "gitPush") throw notConfigured();
      return step(anonymous);
    }
    let credentials: GitHubCredentials;
    try {
      credentials = await call.connection.credentials(
        { taskId: call.workspace.taskId, agentId: call.workspace.agentId },
        { toolCallId: call.toolCallId, purpose },
        remote.repository,
      );
    } catch (err) {
      if (purpose === "gitClone" && err instanceof DomainError && err.code === "NOT_CONFIGURED") return step(anonymous);
      throw err;
    }
    const auth: GitToken = { username: credentials.username, token: credentials.token };
    try {
      return await step({ ...anonymous, auth });
    } catch (err) {
      const stderr = err instanceof DomainError ? String(err.details.stderr ?? err.message) : "";
      if (/Authentication failed|returned error: 40[13]|could not read Password/i.test(stderr)) {
        call.connection.refused?.(credentials);
      }
      throw err;
    }
  }

  /**
   * POLICY_DENIED for a repository on GitHub's host that GITHUB_REPOSITORIES (when set) leaves out:
   * the token may reach more repositories than the operator meant agents to touch.
   */
  private assertRepositoryAllowed(remote: RemoteUrl, field: string): void {
    const allowed = this.opts.repositories;
    if (remote.host !== this.webHost || allowed.length === 0) return;
    if (allowed.some((r) => r.toLowerCase() === remote.repository.toLowerCase())) return;
    throw policyDenied(
      "github.repository-not-allowed",
      `${remote.repository} is not one of the repositories agents may work on (GITHUB_REPOSITORIES)`,
      { field },
    );
  }

  async clone(call: GitCall, input: { url: string; branch?: string; depth?: number }): Promise<GitCloneResult> {
    const remote = parseRemoteUrl(input.url, this.opts.origins, "url");
    this.assertRepositoryAllowed(remote, "url");
    return this.exclusive(call.workspace.id, async () => {
      if (!(await this.git.repoDirFree(call.workspace.root))) {
        throw conflict(
          `The workspace's ${REPO_DIR}/ is not empty: a repository goes into an empty ${REPO_DIR}/`,
          "url",
        );
      }
      await assertRoomFor(call.workspace.root, this.opts.disk);
      await this.opts.mirrors.prepare();
      await assertFreeSpace(this.opts.mirrors.dir, this.opts.disk);
      const mirror = await this.withAccess(call, remote, "gitClone", (access) =>
        this.opts.mirrors.clone(call.workspace.id, remote.url, {
          ...access,
          branch: input.branch,
          depth: input.depth,
          maxBytes: this.opts.disk.maxWorkspaceBytes,
        }),
      );
      if (mirror.path.includes("=")) throw new Error("the git data folder must not contain '='");
      // The workspace clones the mirror under the remote's URL (so origin names the remote), the
      // URL rewritten to the mirror for this one command.
      const r = await this.git.run(
        call,
        "git clone (workspace)",
        [
          "-c",
          `url.file://${mirror.path}.insteadOf=${remote.url}`,
          "clone",
          "--quiet",
          "--template=",
          "--no-hardlinks",
          "--",
          remote.url,
          REPO_DIR,
        ],
        { cloneFrom: mirror.path, guards: [diskGuard(call.workspace.root, this.opts.disk)] },
      );
      if (r.run.exitCode !== 0) throw gitFailed("git clone (workspace)", r);
      return { path: REPO_DIR, url: remote.url, repository: remote.repository, branch: mirror.branch, sha: mirror.sha };
    });
  }

  async status(call: GitCall): Promise<GitStatusResult> {
    return this.exclusive(call.workspace.id, async () => {
      const r = await this.git.repo(call, [
        "--no-optional-locks",
        "status",
        "--porcelain=v2",
        "--branch",
        "-z",
        "--untracked-files=all",
      ]);
      if (r.run.exitCode !== 0) throw gitFailed("git status", r);
      return parseStatus(r.stdout, STATUS_MAX_ENTRIES);
    });
  }

  async diff(call: GitCall, input: { staged: boolean; paths: string[]; maxBytes: number }): Promise<GitDiffResult> {
    return this.exclusive(call.workspace.id, async () => {
      const r = await this.git.repo(
        call,
        [
          "--no-optional-locks",
          "diff",
          "--no-ext-diff",
          "--no-textconv",
          "--no-color",
          ...(input.staged ? ["--cached"] : []),
          "--",
          ...input.paths,
        ],
        { outputBytes: input.maxBytes + 64 * 1024 },
      );
      const cut = r.run.status === "LIMIT_EXCEEDED";
      if (!cut && r.run.exitCode !== 0) throw gitFailed("git diff", r);
      const bytes = Buffer.from(r.stdout, "utf8");
      const truncated = cut || bytes.length > input.maxBytes;
      return { diff: truncated ? bytes.subarray(0, input.maxBytes).toString("utf8") : r.stdout, truncated };
    });
  }

  async log(call: GitCall, input: { max: number; ref?: string }): Promise<{ commits: GitCommitInfo[] }> {
    return this.exclusive(call.workspace.id, async () => {
      const r = await this.git.repo(call, [
        "--no-optional-locks",
        "log",
        "--no-ext-diff",
        "--no-textconv",
        "--no-color",
        `--max-count=${input.max}`,
        LOG_FORMAT,
        "--end-of-options",
        ...(input.ref ? [input.ref] : []),
        "--",
      ]);
      if (r.run.exitCode !== 0) {
        if (/does not have any commits yet/.test(r.stderr)) return { commits: [] };
        if (input.ref && /unknown revision|bad revision|ambiguous argument/.test(r.stderr)) {
          throw notFound("Revision", input.ref, "ref");
        }
        throw gitFailed("git log", r);
      }
      return { commits: parseLog(r.stdout) };
    });
  }

  private async branches(call: GitCall): Promise<GitBranchesResult> {
    const r = await this.git.ok(call, ["for-each-ref", BRANCH_FORMAT, "refs/heads", "refs/remotes"]);
    const branches = parseBranches(r.stdout);
    return { current: branches.find((b) => b.current)?.name ?? null, branches };
  }

  /** Lists the branches; with a name, creates it (from `from`, default HEAD) and/or checks it out first. */
  async branch(call: GitCall, input: { name?: string; from?: string; checkout: boolean }): Promise<GitBranchesResult> {
    return this.exclusive(call.workspace.id, async () => {
      const { name, from } = input;
      if (name !== undefined) {
        const create = input.checkout ? ["switch", "--no-guess", "-c", name] : ["branch", "--no-track", name];
        const made = await this.git.repo(call, [...create, ...(from ? [from] : [])]);
        if (made.run.exitCode !== 0) {
          if (!/already exists/.test(made.stderr)) {
            if (from && /not a valid|invalid reference|not a commit/.test(made.stderr)) {
              throw notFound("Revision", from, "from");
            }
            throw gitFailed(`git ${create[0]}`, made);
          }
          if (from) throw conflict(`The branch ${name} already exists`, "name");
          if (input.checkout) {
            await this.git.ok(call, ["switch", "--no-guess", name]);
          }
        }
      }
      return this.branches(call);
    });
  }

  private async defaultAuthor(call: GitCall): Promise<GitPerson> {
    const name = (await this.opts.agentName(call.workspace.agentId)) ?? "agent";
    const slug =
      name
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, "-")
        .replace(/^-|-$/g, "") || "agent";
    return { name, email: `${slug}@users.noreply.${new URL(this.opts.webUrl).hostname}` };
  }

  async commit(
    call: GitCall,
    input: { message: string; paths?: string[]; author?: GitPerson },
  ): Promise<GitCommitResult> {
    return this.exclusive(call.workspace.id, async () => {
      const committer = await this.defaultAuthor(call);
      const author = input.author ?? committer;
      const paths = input.paths ?? [];
      const added = await this.git.repo(call, paths.length > 0 ? ["add", "--", ...paths] : ["add", "-A"]);
      if (added.run.exitCode !== 0) {
        if (/did not match any files/.test(added.stderr)) throw conflict(gitFailed("git add", added).message, "paths");
        throw gitFailed("git add", added);
      }
      const done = await this.git.repo(call, ["commit", "--no-verify", "--quiet", "-F", "-", "--", ...paths], {
        stdin: input.message,
        env: {
          GIT_AUTHOR_NAME: author.name,
          GIT_AUTHOR_EMAIL: author.email,
          GIT_COMMITTER_NAME: committer.name,
          GIT_COMMITTER_EMAIL: committer.email,
        },
      });
      if (done.run.exitCode !== 0) {
        if (/nothing to commit|no changes added|nothing added/.test(done.stdout + done.stderr)) {
          throw conflict("Nothing to commit: the repository has no changes", paths.length > 0 ? "paths" : "message");
        }
        throw gitFailed("git commit", done);
      }
      const head = await this.git.ok(call, ["rev-parse", "HEAD", "--abbrev-ref", "HEAD"]);
      const [sha = "", ref = "HEAD"] = head.stdout.split("\n");
      return {
        sha,
        branch: ref === "HEAD" ? null : ref,
        subject: input.message.split("\n", 1)[0] ?? "",
        author,
      };
    });
  }

  async push(call: GitCall, input: { branch: string }): Promise<GitPushResult> {
    return this.exclusive(call.workspace.id, async () => {
      const mirror = await this.opts.mirrors.existing(call.workspace.id, "branch");
      // Where to push is the service's record (the mirror's config), never the workspace's remote.
      const remote = parseRemoteUrl(await this.opts.mirrors.originUrl(mirror), this.opts.origins, "branch");
      this.assertRepositoryAllowed(remote, "branch");
      if (remote.host === this.webHost && !call.connection) throw notConfigured();
      const bundle = await this.git.bundle(call, input.branch, await this.opts.mirrors.tips(mirror));
      try {
        const sha = await this.opts.mirrors.receiveBundle(mirror, bundle, input.branch, call.signal);
        await this.withAccess(call, remote, "gitPush", (access) =>
          this.opts.mirrors.push(mirror, remote.url, input.branch, access),
        );
        return { repository: remote.repository, branch: input.branch, sha, url: remote.url };
      } finally {
        await rm(bundle, { force: true });
      }
    });
  }
}
