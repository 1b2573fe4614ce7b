/**
 * The github* tools through the GraphQL API on the real server, against the local fake GitHub
 * (which validates every document against GitHub's schema): reads are queries, changes mutations;
 * the token is a secret created with createSecret (a TASK secret before the GLOBAL one); a VIEWER
 * reads but does not write; merging is refused without GITHUB_MERGE_METHODS; GitHub's errors reach
 * the caller typed; the token is in no answer and no log line.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  CreateApiKeyDocument,
  CreateSecretDocument,
  DeleteSecretDocument,
  GithubAddLabelsDocument,
  GithubCloseIssueDocument,
  GithubCommentDocument,
  GithubCreateIssueDocument,
  GithubCreatePullRequestDocument,
  GithubGetIssueDocument,
  GithubListIssuesDocument,
  GithubListPullRequestsDocument,
  GithubMergePullRequestDocument,
  GithubReopenIssueDocument,
  GithubRequestReviewersDocument,
  GithubSearchIssuesDocument,
  SecretsDocument,
} from "../generated/graphql.js";
import { startFakeGitHub, TASKPULL, type FakeGitHub } from "../helpers/fake-github.js";
import { createLogger } from "../../src/logger.js";
import { describeProfiles } from "../helpers/profiles.js";
import { searchSetup, type SearchSetup } from "../helpers/search-setup.js";
import { startTestServer, type GqlResult, type TestServer } from "../helpers/server.js";

const codeOf = (r: GqlResult<unknown>) => r.errors?.[0]?.extensions?.code;

describeProfiles("GitHub tools through the API", (profile) => {
  let fake: FakeGitHub;
  let s: TestServer;
  let agent: SearchSetup;
  let viewerKey: string;
  let operatorKey: string;
  const answers: unknown[] = [];
  const logs: string[] = [];

  /** Runs an operation and keeps its answer (to look for the token in it at the end). */
  const run: TestServer["gql"] = async (doc, variables, key) => {
    const r = await s.gql(doc, variables, key);
    answers.push(r);
    return r;
  };

  beforeAll(async () => {
    fake = await startFakeGitHub();
    s = await startTestServer(profile, {
      workers: 1,
      env: { ...fake.env(), SECRETS_KEY: randomBytes(32).toString("base64") },
      logger: createLogger("debug", { write: (line: string) => void logs.push(line) }),
    });
    agent = await searchSetup(s, `github-${profile}`, 3);
    const key = async (role: "VIEWER" | "OPERATOR") =>
      (await s.ok(CreateApiKeyDocument, { input: { name: `${role.toLowerCase()}-${profile}`, role } })).createApiKey
        .key;
    viewerKey = await key("VIEWER");
    operatorKey = await key("OPERATOR");
  });
  afterAll(async () => {
    const all = JSON.stringify(answers);
    expect(all).not.toContain(fake.token);
    expect(logs.some((line) => line.includes('"GitHub call"'))).toBe(true);
    expect(logs.join("\n")).not.toContain(fake.token);
    await s?.stop();
    await fake?.stop();
  });

  it("without a GITHUB_TOKEN secret a tool is NOT_CONFIGURED, naming what to set, and nothing is sent", async () => {
    const r = await run(GithubListIssuesDocument, { workspaceId: agent.workspaceId, repository: TASKPULL }, agent.key);
    expect(codeOf(r)).toBe("NOT_CONFIGURED");
    expect(r.errors?.[0]?.extensions?.setting).toBe("GITHUB_TOKEN secret or GITHUB_APP_ID");
    expect(fake.requests).toHaveLength(0);
  });

  it("an agent reads issues and pull requests with the GLOBAL token (queries)", async () => {
    await s.ok(CreateSecretDocument, {
      input: { name: "github", kind: "GITHUB_TOKEN", scope: "GLOBAL", value: fake.token },
    });
    const list = await run(
      GithubListIssuesDocument,
      { workspaceId: agent.workspaceId, repository: TASKPULL, states: ["OPEN", "CLOSED"] },
      agent.key,
    );
    expect(list.errors).toBeUndefined();
    expect(list.data?.githubListIssues.items.map((i) => [i.number, i.state])).toEqual([
      [7, "OPEN"],
      [5, "CLOSED"],
      [3, "CLOSED"],
      [1, "OPEN"],
    ]);
    expect(fake.requests.at(-1)?.headers.authorization).toBe(`bearer ${fake.token}`);

    const prs = await run(
      GithubListPullRequestsDocument,
      { workspaceId: agent.workspaceId, repository: TASKPULL },
      agent.key,
    );
    expect(prs.data?.githubListPullRequests.items.map((p) => [p.kind, p.number, p.headRefName])).toEqual([
      ["PULL_REQUEST", 9, "recapture-test"],
      ["PULL_REQUEST", 6, "edit-test"],
    ]);

    const found = await run(
      GithubSearchIssuesDocument,
      { workspaceId: agent.workspaceId, query: "is:issue is:open REST" },
      agent.key,
    );
    expect(found.data?.githubSearchIssues.items.map((i) => i.number)).toEqual([7]);

    const secrets = await s.ok(SecretsDocument, { kind: "GITHUB_TOKEN" });
    expect(secrets.secrets.edges[0]?.node.lastUsedFor).toBe("githubSearchIssues");
    expect(secrets.secrets.edges[0]?.node.lastUsedByToolCallId).toEqual(expect.any(String));
  });

  it("an agent creates, comments, reads, closes and reopens an issue (mutations)", async () => {
    const ws = agent.workspaceId;
    const created = await run(
      GithubCreateIssueDocument,
      {
        workspaceId: ws,
        repository: TASKPULL,
        title: "Docs are stale",
        body: "See the README.",
        labels: ["documentation"],
      },
      agent.key,
    );
    expect(created.errors).toBeUndefined();
    const number = created.data!.githubCreateIssue.number;
    expect(created.data?.githubCreateIssue).toMatchObject({
      kind: "ISSUE",
      state: "OPEN",
      url: `${fake.url}/${TASKPULL}/issues/${number}`,
    });
    expect(fake.state.issues.find((i) => i.number === number)?.author).toBe("iwahbe");

    const comment = await run(
      GithubCommentDocument,
      { workspaceId: ws, repository: TASKPULL, number, body: "Working on it." },
      agent.key,
    );
    expect(comment.data?.githubComment.url).toContain(`/issues/${number}#issuecomment-`);

    const read = await run(GithubGetIssueDocument, { workspaceId: ws, repository: TASKPULL, number }, viewerKey);
    expect(read.data?.githubGetIssue).toMatchObject({
      kind: "ISSUE",
      title: "Docs are stale",
      body: "See the README.",
      labels: ["documentation"],
      commentCount: 1,
      comments: [{ body: "Working on it.", author: "iwahbe" }],
      merged: null,
    });

    const closed = await run(
      GithubCloseIssueDocument,
      { workspaceId: ws, repository: TASKPULL, number, reason: "NOT_PLANNED" },
      operatorKey,
    );
    expect(closed.data?.githubCloseIssue).toMatchObject({ state: "CLOSED", stateReason: "NOT_PLANNED" });
    const reopened = await run(GithubReopenIssueDocument, { workspaceId: ws, repository: TASKPULL, number }, agent.key);
    expect(reopened.data?.githubReopenIssue).toMatchObject({ state: "OPEN", stateReason: "REOPENED" });
  });

  it("an agent opens a pull request, asks for reviews and labels it; merging is refused without GITHUB_MERGE_METHODS", async () => {
    const ws = agent.workspaceId;
    const pr = await run(
      GithubCreatePullRequestDocument,
      {
        workspaceId: ws,
        repository: TASKPULL,
        head: "agent/docs",
        title: "Refresh the docs",
        body: "Closes #7",
        draft: false,
      },
      agent.key,
    );
    expect(pr.errors).toBeUndefined();
    expect(pr.data?.githubCreatePullRequest).toMatchObject({
      created: true,
      baseRefName: "main",
      headRefName: "agent/docs",
      state: "OPEN",
    });
    const number = pr.data!.githubCreatePullRequest.number;

    const reviews = await run(
      GithubRequestReviewersDocument,
      { workspaceId: ws, repository: TASKPULL, number, users: ["octocat"] },
      agent.key,
    );
    expect(reviews.data?.githubRequestReviewers.reviewers).toEqual(["octocat"]);
    const labels = await run(
      GithubAddLabelsDocument,
      { workspaceId: ws, repository: TASKPULL, number, labels: ["documentation", "enhancement"] },
      agent.key,
    );
    expect(labels.data?.githubAddLabels.labels).toEqual(["documentation", "enhancement"]);

    const sent = fake.requests.length;
    const merge = await run(
      GithubMergePullRequestDocument,
      { workspaceId: ws, repository: TASKPULL, number, method: "MERGE" },
      agent.key,
    );
    expect(codeOf(merge)).toBe("POLICY_DENIED");
    expect(merge.errors?.[0]?.extensions).toMatchObject({ rule: "github.merge-method", field: "method" });
    expect(fake.requests.length).toBe(sent);
    expect(fake.state.pulls.find((p) => p.number === number)?.state).toBe("OPEN");
  });

  it("a VIEWER reads (queries) but does not write: FORBIDDEN, and nothing reaches GitHub", async () => {
    const read = await run(
      GithubListIssuesDocument,
      { workspaceId: agent.workspaceId, repository: TASKPULL },
      viewerKey,
    );
    expect(read.errors).toBeUndefined();
    const sent = fake.requests.length;
    const write = await run(
      GithubCreateIssueDocument,
      { workspaceId: agent.workspaceId, repository: TASKPULL, title: "x" },
      viewerKey,
    );
    expect(codeOf(write)).toBe("FORBIDDEN");
    const comment = await run(
      GithubCommentDocument,
      { workspaceId: agent.workspaceId, repository: TASKPULL, number: 7, body: "x" },
      viewerKey,
    );
    expect(codeOf(comment)).toBe("FORBIDDEN");
    expect(fake.requests.length).toBe(sent);
  });

  it("the task's own TASK secret is used before the GLOBAL one", async () => {
    const taskToken = `ghp_${randomBytes(18).toString("hex")}`;
    fake.addToken(taskToken, "octocat");
    const secret = await s.ok(CreateSecretDocument, {
      input: { name: "github-task", kind: "GITHUB_TOKEN", scope: "TASK", scopeId: agent.taskId, value: taskToken },
    });
    const created = await run(
      GithubCreateIssueDocument,
      { workspaceId: agent.workspaceId, repository: TASKPULL, title: "By the task's token" },
      agent.key,
    );
    const number = created.data!.githubCreateIssue.number;
    expect(fake.state.issues.find((i) => i.number === number)?.author).toBe("octocat");
    expect(fake.requests.at(-1)?.headers.authorization).toBe(`bearer ${taskToken}`);
    expect(JSON.stringify(answers)).not.toContain(taskToken);
    expect(logs.join("\n")).not.toContain(taskToken);
    await s.ok(DeleteSecretDocument, { id: secret.createSecret.id });
  });

  it("bad input is BAD_USER_INPUT naming the field; GitHub's NOT_FOUND and INSUFFICIENT_SCOPES reach the caller typed", async () => {
    const ws = agent.workspaceId;
    const bad = await run(
      GithubGetIssueDocument,
      { workspaceId: ws, repository: "not-a-repository", number: 1 },
      agent.key,
    );
    expect(codeOf(bad)).toBe("BAD_USER_INPUT");
    expect(bad.errors?.[0]?.extensions?.field).toBe("repository");
    const zero = await run(GithubGetIssueDocument, { workspaceId: ws, repository: TASKPULL, number: 0 }, agent.key);
    expect(codeOf(zero)).toBe("BAD_USER_INPUT");

    const missing = await run(
      GithubGetIssueDocument,
      { workspaceId: ws, repository: TASKPULL, number: 4040 },
      agent.key,
    );
    expect(codeOf(missing)).toBe("NOT_FOUND");
    expect(missing.errors?.[0]?.extensions).toMatchObject({ field: "number", githubType: "NOT_FOUND" });

    fake.failNext("INSUFFICIENT_SCOPES");
    const scopes = await run(GithubListIssuesDocument, { workspaceId: ws, repository: TASKPULL }, agent.key);
    expect(codeOf(scopes)).toBe("INSUFFICIENT_SCOPES");
  });

  it("a rate limit is RATE_LIMITED with retryAfterSeconds, and the next call waits without being sent", async () => {
    fake.failNext("RATE_LIMIT");
    const limited = await run(
      GithubListIssuesDocument,
      { workspaceId: agent.workspaceId, repository: TASKPULL },
      agent.key,
    );
    expect(codeOf(limited)).toBe("RATE_LIMITED");
    expect(limited.errors?.[0]?.extensions?.retryAfterSeconds).toBeGreaterThan(50);
    const sent = fake.requests.length;
    const held = await run(
      GithubGetIssueDocument,
      { workspaceId: agent.workspaceId, repository: TASKPULL, number: 7 },
      agent.key,
    );
    expect(codeOf(held)).toBe("RATE_LIMITED");
    expect(fake.requests.length).toBe(sent);
  });
});
