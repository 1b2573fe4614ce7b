import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  GitBranchDocument,
  GitCloneDocument,
  GitCommitDocument,
  GitDiffDocument,
  GitLogDocument,
  GitPushDocument,
} from "../generated/graphql.js";
import { startGitHttpServer, type GitHttpServer } from "../helpers/git-http-server.js";
import { hasBwrap, hostileWorkspace, type HostileWorkspace } from "../helpers/hostile.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

type Errors = { errors?: readonly { message: string; extensions?: Record<string, unknown> }[] };
const firstError = (r: Errors) => r.errors?.[0]?.extensions ?? {};

/** Every refused form of input, refused before any git runs: no request reaches the server, no mirror is made. */
describe.skipIf(!hasBwrap)("git tools refuse bad input [sqlite]", () => {
  let git: GitHttpServer;
  let s: TestServer;
  let ws: HostileWorkspace;

  beforeAll(async () => {
    git = await startGitHttpServer("unused-token");
    git.createRepo("acme/widget", { "README.md": "hi\n" });
    s = await startTestServer("sqlite", { workers: 1, env: { GIT_ALLOWED_HOSTS: git.origin, GITHUB_URL: git.origin } });
    ws = await hostileWorkspace(s, 2);
  });
  afterAll(async () => {
    await s?.stop();
    await git?.close();
  });

  const clone = (url: string, extra: { branch?: string; depth?: number } = {}) =>
    s.gql(GitCloneDocument, { workspaceId: ws.workspaceId, url, ...extra }, ws.agentKey);

  it("refuses every URL that is not an allowed https (here http) repository address", async () => {
    const origin = git.origin;
    const port = new URL(origin).port;
    const cases: Array<[string, Record<string, unknown>]> = [
      [`ext::sh -c touch% /tmp/pwned`, { code: "POLICY_DENIED", rule: "git.url-scheme", field: "url" }],
      ["file:///etc/passwd", { code: "POLICY_DENIED", rule: "git.url-scheme" }],
      ["file::/srv/repo.git", { code: "POLICY_DENIED", rule: "git.url-scheme" }],
      ["/srv/repo.git", { code: "POLICY_DENIED", rule: "git.url-scheme" }],
      ["./repo", { code: "POLICY_DENIED", rule: "git.url-scheme" }],
      ["git@github.com:acme/widget.git", { code: "POLICY_DENIED", rule: "git.url-scheme" }],
      [`ssh://git@127.0.0.1:${port}/acme/widget.git`, { code: "POLICY_DENIED", rule: "git.url-scheme" }],
      [`git://127.0.0.1:${port}/acme/widget.git`, { code: "POLICY_DENIED", rule: "git.url-scheme" }],
      [`fd::17`, { code: "POLICY_DENIED", rule: "git.url-scheme" }],
      [`${origin}/acme/widget.git\n`, { code: "POLICY_DENIED", rule: "git.url-scheme" }],
      [`http://x-access-token:secret@127.0.0.1:${port}/acme/widget.git`, { rule: "git.url-credentials" }],
      [`http://user@127.0.0.1:${port}/acme/widget.git`, { code: "POLICY_DENIED", rule: "git.url-credentials" }],
      ["https://evil.example/acme/widget.git", { code: "POLICY_DENIED", rule: "git.url-origin", field: "url" }],
      [`https://127.0.0.1:${port}/acme/widget.git`, { code: "POLICY_DENIED", rule: "git.url-origin" }],
      [`http://127.0.0.1:${Number(port) + 1}/acme/widget.git`, { code: "POLICY_DENIED", rule: "git.url-origin" }],
      [`http://localhost:${port}/acme/widget.git`, { code: "POLICY_DENIED", rule: "git.url-origin" }],
      [`${origin}/acme/widget.git?service=x`, { code: "BAD_USER_INPUT", field: "url" }],
      [`${origin}/acme/widget.git#main`, { code: "BAD_USER_INPUT", field: "url" }],
      [`${origin}/acme`, { code: "BAD_USER_INPUT", field: "url" }],
      [`${origin}/`, { code: "BAD_USER_INPUT", field: "url" }],
      [`${origin}/a/b/c.git`, { code: "BAD_USER_INPUT", field: "url" }],
      [`${origin}/acme/wid%20get.git`, { code: "BAD_USER_INPUT", field: "url" }],
      ["", { code: "BAD_USER_INPUT", field: "url" }],
    ];
    const before = git.requests.length;
    for (const [url, expected] of cases) {
      const r = await clone(url);
      expect({ url, ...firstError(r) }).toMatchObject({ url, ...expected });
    }
    expect(git.requests.length).toBe(before);
    expect(existsSync(join(s.config.workspacesDir, ".git-mirrors", `${ws.workspaceId}.git`))).toBe(false);
  });

  it("with GITHUB_REPOSITORIES set, refuses repositories on GitHub's host that it leaves out", async () => {
    const limited = await startTestServer("sqlite", {
      workers: 1,
      env: { GIT_ALLOWED_HOSTS: git.origin, GITHUB_URL: git.origin, GITHUB_REPOSITORIES: "acme/other" },
    });
    try {
      const limitedWs = await hostileWorkspace(limited, 2);
      const before = git.requests.length;
      const r = await limited.gql(
        GitCloneDocument,
        { workspaceId: limitedWs.workspaceId, url: git.url("acme/widget") },
        limitedWs.agentKey,
      );
      expect(firstError(r)).toMatchObject({
        code: "POLICY_DENIED",
        rule: "github.repository-not-allowed",
        field: "url",
      });
      expect(git.requests.length).toBe(before);
    } finally {
      await limited.stop();
    }
  });

  it("refuses bad branch names, revisions, depths and paths, naming every field", async () => {
    const workspaceId = ws.workspaceId;
    const url = git.url("acme/widget");
    const badBranches = [
      "-x",
      "--upload-pack=touch",
      "a..b",
      "a b",
      "x.lock",
      "a/x.lock/b",
      "/x",
      "x/",
      "a//b",
      "@",
      "HEAD",
      "a~1",
      "a^",
      "a:b",
      "a?",
      "a*",
      "a[b",
      ".hidden",
      "a/.b",
      "a@{1}",
      "a\\b",
      "x.",
      "tab\there",
      "nul\u0000",
      "",
      "x".repeat(256),
    ];
    for (const branch of badBranches) {
      const r = await clone(url, { branch });
      expect({ branch, ...firstError(r) }).toMatchObject({ branch, code: "BAD_USER_INPUT", field: "branch" });
      const push = await s.gql(GitPushDocument, { workspaceId, branch }, ws.agentKey);
      expect({ branch, ...firstError(push) }).toMatchObject({ branch, code: "BAD_USER_INPUT", field: "branch" });
      const made = await s.gql(GitBranchDocument, { workspaceId, name: branch }, ws.agentKey);
      expect({ branch, ...firstError(made) }).toMatchObject({ branch, code: "BAD_USER_INPUT", field: "name" });
    }
    for (const depth of [0, -1, 100_001]) {
      const r = await clone(url, { depth });
      expect({ depth, ...firstError(r) }).toMatchObject({ depth, code: "BAD_USER_INPUT", field: "depth" });
    }
    // Every offending field at once.
    const both = await clone(url, { branch: "-x", depth: 0 });
    const fields = (firstError(both).fields as Array<{ path: string }>).map((f) => f.path);
    expect(fields).toEqual(expect.arrayContaining(["branch", "depth"]));

    for (const ref of ["--output=/tmp/x", "-p", "a b", "HEAD;id", "$(id)"]) {
      const r = await s.gql(GitLogDocument, { workspaceId, ref }, ws.agentKey);
      expect({ ref, ...firstError(r) }).toMatchObject({ ref, code: "BAD_USER_INPUT", field: "ref" });
    }
    for (const max of [0, 201]) {
      const r = await s.gql(GitLogDocument, { workspaceId, max }, ws.agentKey);
      expect(firstError(r)).toMatchObject({ code: "BAD_USER_INPUT", field: "max" });
    }
    const from = await s.gql(GitBranchDocument, { workspaceId, name: "ok", from: "--orphan" }, ws.agentKey);
    expect(firstError(from)).toMatchObject({ code: "BAD_USER_INPUT", field: "from" });
    for (const path of ["/etc/passwd", "../outside", "a/../../b"]) {
      const r = await s.gql(GitDiffDocument, { workspaceId, paths: [path] }, ws.agentKey);
      expect({ path, ...firstError(r) }).toMatchObject({ path, code: "BAD_USER_INPUT", field: "paths.0" });
    }
    const blank = await s.gql(GitCommitDocument, { workspaceId, message: "  \n" }, ws.agentKey);
    expect(firstError(blank)).toMatchObject({ code: "BAD_USER_INPUT", field: "message" });
    const author = await s.gql(
      GitCommitDocument,
      { workspaceId, message: "x", author: { name: "Eve <evil>", email: "not-an-email" } },
      ws.agentKey,
    );
    const authorFields = (firstError(author).fields as Array<{ path: string }>).map((f) => f.path);
    expect(authorFields).toEqual(expect.arrayContaining(["author.name", "author.email"]));
    // Nothing was cloned, so the workspace tools have no repository to work on.
    const noRepo = await s.gql(GitLogDocument, { workspaceId }, ws.agentKey);
    expect(firstError(noRepo)).toMatchObject({ code: "CONFLICT" });
    const noMirror = await s.gql(GitPushDocument, { workspaceId, branch: "main" }, ws.agentKey);
    expect(firstError(noMirror)).toMatchObject({ code: "CONFLICT", field: "branch" });
  });
});
