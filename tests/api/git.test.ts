import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../src/logger.js";
import {
  CreateApiKeyDocument,
  CreateSecretDocument,
  DeleteSecretDocument,
  GitBranchDocument,
  GitCloneDocument,
  GitCommitDocument,
  GitDiffDocument,
  GitLogDocument,
  GitPushDocument,
  GitStatusDocument,
  RunCommandDocument,
  TaskDocument,
  ToolCallsDocument,
  WriteFileDocument,
} from "../generated/graphql.js";
import { startGitHttpServer, type GitHttpServer } from "../helpers/git-http-server.js";
import { hasBwrap, hostileWorkspace, outputUntil, type HostileWorkspace } from "../helpers/hostile.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { countFiles, filesWithToken, sampleProcesses, tokenForms, type ProcessSample } from "../helpers/token-scan.js";

type Errors = { errors?: readonly { extensions?: Record<string, unknown> }[] };
const firstError = (r: Errors) => r.errors?.[0]?.extensions ?? {};

/** Samples every process a few times while a held request keeps git running, then lets it go on. */
async function sampledWhileHeld(held: { reached: Promise<void>; release(): void }, token: string) {
  await held.reached;
  const samples: ProcessSample[] = [];
  for (let i = 0; i < 5; i++) samples.push(sampleProcesses(token));
  held.release();
  return samples;
}

describe.skipIf(!hasBwrap)("git tools over the API [sqlite]", () => {
  const token = `ghp_${randomBytes(18).toString("hex")}`;
  const logs: string[] = [];
  let git: GitHttpServer;
  let s: TestServer;
  let ws: HostileWorkspace;
  let secretId = "";
  const results: unknown[] = [];
  const samples: ProcessSample[] = [];

  beforeAll(async () => {
    git = await startGitHttpServer(token);
    git.createRepo("acme/widget", { "README.md": "# Widget\n", "lib/widget.py": "VALUE = 1\n" });
    s = await startTestServer("sqlite", {
      workers: 1,
      env: { GIT_ALLOWED_HOSTS: git.origin, GITHUB_URL: git.origin },
      logger: createLogger("debug", { write: (line: string) => void logs.push(line) }),
    });
    secretId = (
      await s.ok(CreateSecretDocument, {
        input: { kind: "GITHUB_TOKEN", name: "github", scope: "GLOBAL", value: token },
      })
    ).createSecret.id;
    ws = await hostileWorkspace(s, 3);
  });
  afterAll(async () => {
    await s?.stop();
    await git?.close();
  });

  const as = <T>(r: Promise<T>) => r.then((v) => (results.push(v), v));

  it("clones, commits and pushes over authenticated HTTP, with the token in no process, file, log or record", async () => {
    const workspaceId = ws.workspaceId;
    const cloneHeld = git.hold(/\/git-upload-pack$/);
    const cloning = as(s.ok(GitCloneDocument, { workspaceId, url: git.url("acme/widget") }, ws.agentKey));
    samples.push(...(await sampledWhileHeld(cloneHeld, token)));
    const cloned = (await cloning).gitClone;
    expect(cloned).toEqual({
      path: "src",
      url: git.url("acme/widget"),
      repository: "acme/widget",
      branch: "main",
      sha: git.git("acme/widget", "rev-parse", "main").trim(),
    });
    // The sample caught git signed in and waiting: it saw the HTTP transport's process.
    expect(samples.flatMap((p) => p.commandLines).some((c) => c.includes("remote-http"))).toBe(true);

    const clean = (await as(s.ok(GitStatusDocument, { workspaceId }, ws.agentKey))).gitStatus;
    expect(clean).toMatchObject({ branch: "main", upstream: "origin/main", ahead: 0, behind: 0, clean: true });

    await s.ok(
      WriteFileDocument,
      { input: { workspaceId, path: "src/README.md", content: "# Widget\n\nNow documented.\n" } },
      ws.agentKey,
    );
    await s.ok(WriteFileDocument, { input: { workspaceId, path: "src/NOTES.txt", content: "new\n" } }, ws.agentKey);
    const changed = (await as(s.ok(GitStatusDocument, { workspaceId }, ws.agentKey))).gitStatus;
    expect(changed.clean).toBe(false);
    expect(changed.entries).toEqual(
      expect.arrayContaining([
        { path: "README.md", origPath: null, status: ".M", kind: "CHANGED" },
        { path: "NOTES.txt", origPath: null, status: "??", kind: "UNTRACKED" },
      ]),
    );
    const diff = (await as(s.ok(GitDiffDocument, { workspaceId }, ws.agentKey))).gitDiff;
    expect(diff.diff).toContain("+Now documented.");
    expect(diff.truncated).toBe(false);
    const cut = (await s.ok(GitDiffDocument, { workspaceId, maxBytes: 20 }, ws.agentKey)).gitDiff;
    expect(cut).toMatchObject({ truncated: true });
    expect(Buffer.byteLength(cut.diff)).toBeLessThanOrEqual(20);

    const branches = (
      await as(s.ok(GitBranchDocument, { workspaceId, name: "feature/readme", checkout: true }, ws.agentKey))
    ).gitBranch;
    expect(branches.current).toBe("feature/readme");
    expect(branches.branches.map((b) => b.name)).toEqual(
      expect.arrayContaining(["main", "feature/readme", "origin/main"]),
    );

    const commit = (
      await as(s.ok(GitCommitDocument, { workspaceId, message: "Document the widget\n\nA README." }, ws.agentKey))
    ).gitCommit;
    expect(commit).toMatchObject({ branch: "feature/readme", subject: "Document the widget" });
    expect(commit.author.email).toMatch(/@users\.noreply\.127\.0\.0\.1$/);
    const log = (await as(s.ok(GitLogDocument, { workspaceId, max: 5 }, ws.agentKey))).gitLog.commits;
    expect(log.map((c) => c.subject)).toEqual(["Document the widget", "seed"]);
    expect(log[0]?.sha).toBe(commit.sha);
    expect((await s.ok(GitStatusDocument, { workspaceId }, ws.agentKey)).gitStatus.clean).toBe(true);

    const pushHeld = git.hold(/\/git-receive-pack$/);
    const pushing = as(s.ok(GitPushDocument, { workspaceId, branch: "feature/readme" }, ws.agentKey));
    samples.push(...(await sampledWhileHeld(pushHeld, token)));
    const pushed = (await pushing).gitPush;
    expect(pushed).toEqual({
      repository: "acme/widget",
      branch: "feature/readme",
      sha: commit.sha,
      url: git.url("acme/widget"),
    });
    // The server has the commit, its content and its author.
    expect(git.git("acme/widget", "rev-parse", "refs/heads/feature/readme").trim()).toBe(commit.sha);
    expect(git.git("acme/widget", "show", "feature/readme:README.md")).toBe("# Widget\n\nNow documented.\n");
    expect(git.git("acme/widget", "show", "feature/readme:NOTES.txt")).toBe("new\n");
    expect(git.git("acme/widget", "log", "-1", "--format=%an", "feature/readme").trim()).toBe(commit.author.name);
    // Every request that got through was signed in with the token, as x-access-token.
    expect(git.requests.filter((r) => r.authorised).every((r) => r.user === "x-access-token")).toBe(true);
    expect(git.requests.some((r) => r.authorised && r.path.endsWith("/git-receive-pack"))).toBe(true);

    // Pushing again what the remote has is fine (nothing new to send).
    expect((await s.ok(GitPushDocument, { workspaceId, branch: "feature/readme" }, ws.agentKey)).gitPush.sha).toBe(
      commit.sha,
    );

    // What the sandbox's programs see of the environment.
    const envRun = (await s.ok(RunCommandDocument, { input: { workspaceId, program: "env", args: [] } }, ws.agentKey))
      .runCommand;
    const env = await outputUntil(s, envRun.id, null);
    expect(env).toContain("HOME=");

    // The token is nowhere: processes, logs, events, tool calls and results, the command's output,
    // and every byte under DATA_DIR (workspaces with .git, the mirror, git's folder, the database).
    const forms = tokenForms(token);
    const leaks = (text: string) => forms.filter((f) => text.includes(f));
    expect(samples.flatMap((p) => p.hits)).toEqual([]);
    expect(leaks(logs.join(""))).toEqual([]);
    expect(logs.length).toBeGreaterThan(0);
    const task = await s.ok(TaskDocument, { id: ws.taskId, first: 500 });
    expect(task.task?.events.length).toBeGreaterThan(5);
    expect(leaks(JSON.stringify(task))).toEqual([]);
    const calls = await s.ok(ToolCallsDocument, { taskId: ws.taskId, first: 100 });
    expect(calls.toolCalls.edges.map((e) => e.node.tool)).toEqual(expect.arrayContaining(["gitClone", "gitPush"]));
    expect(leaks(JSON.stringify(calls))).toEqual([]);
    expect(leaks(JSON.stringify(results))).toEqual([]);
    expect(leaks(env)).toEqual([]);
    expect(countFiles(join(ws.root, "src", ".git"))).toBeGreaterThan(10);
    expect(filesWithToken(s.config.dataDir, token)).toEqual([]);
    const mirrorConfig = readFileSync(
      join(s.config.workspacesDir, ".git-mirrors", `${workspaceId}.git`, "config"),
      "utf8",
    );
    expect(mirrorConfig).toContain(`url = ${git.url("acme/widget")}`);
    expect(leaks(mirrorConfig)).toEqual([]);
  });

  it("refuses a push the remote has moved past with CONFLICT, and delivers it on a new branch", async () => {
    const workspaceId = ws.workspaceId;
    git.addCommit("acme/widget", "main", { "OTHER.md": "someone else\n" });
    await s.ok(GitBranchDocument, { workspaceId, name: "main", checkout: true }, ws.agentKey);
    await s.ok(
      WriteFileDocument,
      { input: { workspaceId, path: "src/lib/widget.py", content: "VALUE = 2\n" } },
      ws.agentKey,
    );
    const commit = (
      await s.ok(GitCommitDocument, { workspaceId, message: "Two", paths: ["lib/widget.py"] }, ws.agentKey)
    ).gitCommit;
    const refused = await s.gql(GitPushDocument, { workspaceId, branch: "main" }, ws.agentKey);
    expect(firstError(refused)).toMatchObject({ code: "CONFLICT", field: "branch" });
    expect(refused.errors?.[0]?.message).toMatch(/non-fast-forward/);
    await s.ok(GitBranchDocument, { workspaceId, name: "two", checkout: true }, ws.agentKey);
    const pushed = (await s.ok(GitPushDocument, { workspaceId, branch: "two" }, ws.agentKey)).gitPush;
    expect(pushed.sha).toBe(commit.sha);
    expect(git.git("acme/widget", "rev-parse", "refs/heads/two").trim()).toBe(commit.sha);
  });

  it("names what is wrong: an unknown branch, nothing to commit, an existing src/", async () => {
    const workspaceId = ws.workspaceId;
    const missing = await s.gql(GitPushDocument, { workspaceId, branch: "nope" }, ws.agentKey);
    expect(firstError(missing)).toMatchObject({ code: "NOT_FOUND", field: "branch" });
    const nothing = await s.gql(GitCommitDocument, { workspaceId, message: "empty" }, ws.agentKey);
    expect(firstError(nothing)).toMatchObject({ code: "CONFLICT" });
    const again = await s.gql(GitCloneDocument, { workspaceId, url: git.url("acme/widget") }, ws.agentKey);
    expect(firstError(again)).toMatchObject({ code: "CONFLICT", field: "url" });
    // A VIEWER may not make the workspace's git run (a repository's config can run programs).
    const viewerKey = (await s.ok(CreateApiKeyDocument, { input: { name: "git-viewer", role: "VIEWER" } })).createApiKey
      .key;
    const viewer = await s.gql(GitStatusDocument, { workspaceId }, viewerKey);
    expect(firstError(viewer)).toMatchObject({ code: "FORBIDDEN" });
  });

  it("clones one branch shallow (branch, depth), and pushes from the shallow clone", async () => {
    git.git("acme/widget", "branch", "dev", "main");
    const other = await hostileWorkspace(s, 3);
    const workspaceId = other.workspaceId;
    const cloned = (
      await s.ok(
        GitCloneDocument,
        { workspaceId, url: `${git.origin}/acme/widget`, branch: "dev", depth: 1 },
        other.agentKey,
      )
    ).gitClone;
    expect(cloned).toMatchObject({ branch: "dev", url: `${git.origin}/acme/widget`, repository: "acme/widget" });
    const log = (await s.ok(GitLogDocument, { workspaceId, max: 10 }, other.agentKey)).gitLog.commits;
    expect(log).toHaveLength(1);
    expect(log[0]?.sha).toBe(cloned.sha);
    const listed = (await s.ok(GitBranchDocument, { workspaceId }, other.agentKey)).gitBranch;
    expect(listed.current).toBe("dev");
    await s.ok(WriteFileDocument, { input: { workspaceId, path: "src/dev.txt", content: "dev\n" } }, other.agentKey);
    const commit = (
      await s.ok(
        GitCommitDocument,
        { workspaceId, message: "On dev", author: { name: "Ada Lovelace", email: "ada@example.test" } },
        other.agentKey,
      )
    ).gitCommit;
    expect(commit.author).toEqual({ name: "Ada Lovelace", email: "ada@example.test" });
    const pushed = (await s.ok(GitPushDocument, { workspaceId, branch: "dev" }, other.agentKey)).gitPush;
    expect(pushed.sha).toBe(commit.sha);
    expect(git.git("acme/widget", "log", "-1", "--format=%an <%ae>|%cn", "dev").trim()).toMatch(
      /^Ada Lovelace <ada@example\.test>\|attacker-/,
    );
    const third = await hostileWorkspace(s, 3);
    const missing = await s.gql(
      GitCloneDocument,
      { workspaceId: third.workspaceId, url: git.url("acme/widget"), branch: "no-such" },
      third.agentKey,
    );
    expect(firstError(missing)).toMatchObject({ code: "NOT_FOUND", field: "branch" });
  });

  it("without credentials: a clone goes anonymous (this server refuses it), a push is NOT_CONFIGURED", async () => {
    await s.ok(DeleteSecretDocument, { id: secretId });
    const push = await s.gql(GitPushDocument, { workspaceId: ws.workspaceId, branch: "two" }, ws.agentKey);
    expect(firstError(push)).toMatchObject({ code: "NOT_CONFIGURED" });
    const other = await hostileWorkspace(s, 3);
    const before = git.requests.length;
    const clone = await s.gql(
      GitCloneDocument,
      { workspaceId: other.workspaceId, url: git.url("acme/widget") },
      other.agentKey,
    );
    expect(firstError(clone)).toMatchObject({ code: "GIT_FAILED" });
    const tried = git.requests.slice(before);
    expect(tried.length).toBeGreaterThan(0);
    expect(tried.every((r) => r.user === null && !r.authorised)).toBe(true);
  });
});
