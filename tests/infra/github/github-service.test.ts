/**
 * Every operation of the GitHub service against the local fake GitHub (real client, real
 * connection, a GLOBAL GITHUB_TOKEN): the recorded documents are sent where GitHub's CLI was
 * recorded (byte for byte), the others validate against GitHub's schema (the fake refuses any
 * other), and what one call changes the next one sees. Then the policy: GITHUB_REPOSITORIES and
 * GITHUB_MERGE_METHODS, bad names, and NOT_FOUND said of the field at fault.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/config.js";
import { DomainError } from "../../../src/domain/errors.js";
import { SecretStoreGitHubConnection } from "../../../src/infra/github/connection.js";
import { OctokitGitHubGraphql } from "../../../src/infra/github/graphql-client.js";
import * as docs from "../../../src/tools/github/github.documents.js";
import type { GitHubCaller } from "../../../src/tools/github/github-graphql.js";
import { GitHubService } from "../../../src/tools/github/github.service.js";
import { githubFixture, startFakeGitHub, TASKPULL, type FakeGitHub } from "../../helpers/fake-github.js";
import { MemorySecretReader } from "../../helpers/memory-secret-reader.js";
import { failure } from "../../helpers/errors.js";

const caller: GitHubCaller = { scope: { taskId: "t1", agentId: "a1" }, use: { toolCallId: null, purpose: "test" } };

describe("GitHub service against the fake GitHub", () => {
  let fake: FakeGitHub;
  let secrets: MemorySecretReader;
  const serviceWith = (env: Record<string, string> = {}) => {
    const config = loadConfig({ ...fake.env(), ...env }).github;
    const connection = new SecretStoreGitHubConnection(config, secrets);
    return new GitHubService(new OctokitGitHubGraphql(connection), config);
  };
  let github: GitHubService;
  /** The GraphQL requests `fn` made, as operation names. */
  const operationsOf = async (fn: () => Promise<unknown>) => {
    const before = fake.graphqlRequests().length;
    await fn();
    return fake
      .graphqlRequests()
      .slice(before)
      .map((r) => r.operation);
  };

  beforeAll(async () => {
    fake = await startFakeGitHub();
    secrets = new MemorySecretReader().set("GITHUB_TOKEN", fake.token);
    github = serviceWith({ GITHUB_MERGE_METHODS: "squash" });
  });
  afterAll(() => fake?.stop());

  it("sends the recorded documents byte for byte where GitHub's CLI was recorded", async () => {
    const recorded = (file: string) => githubFixture<{ request: { query: string } }>(file).request.query;
    expect(docs.IssueByNumber).toBe(recorded("issueByNumber_query.json"));
    expect(docs.IssueClose).toBe(recorded("closeIssue.json"));
    expect(docs.IssueCreate).toBe(recorded("createIssue.json"));
    expect(docs.IssueList).toBe(recorded("listIssues_query.json"));
    expect(docs.PullRequestByNumber).toBe(recorded("pullRequestByNumber_query.json"));
    expect(docs.PullRequestClose).toBe(recorded("closePullRequest.json"));
    expect(docs.PullRequestCreate).toBe(recorded("createPullRequest.json"));
    expect(docs.CommentCreate).toBe(recorded("addComment.mock.json"));
    const exchange = (name: string, i: number) =>
      (
        JSON.parse(
          githubFixture<Array<{ request: { body: string } }>>(`taskpull_${name}.exchanges.json`)[i]!.request.body,
        ) as { query: string }
      ).query;
    expect(docs.IssueRepositoryInfo).toBe(exchange("create_issue", 0));
    expect(docs.RepositoryInfo).toBe(exchange("create_pr", 0));
    expect(docs.PullRequestForBranch).toBe(exchange("create_pr", 1));
  });

  it("lists issues by state (IssueList), with labels through search, and pages with after", async () => {
    const open = await github.listIssues(caller, { repository: TASKPULL, states: ["OPEN"], first: 10 });
    expect(open.items.map((i) => [i.number, i.state])).toEqual([
      [7, "OPEN"],
      [1, "OPEN"],
    ]);
    expect(open.items[0]).toMatchObject({ kind: "ISSUE", repository: TASKPULL, title: "REST test issue", labels: [] });
    expect(open.items[0]!.updatedAt).toEqual(new Date("2026-04-11T00:03:16Z"));

    const all = await github.listIssues(caller, { repository: TASKPULL, states: ["OPEN", "CLOSED"], first: 3 });
    expect(all.items.map((i) => i.number)).toEqual([7, 5, 3]);
    expect(all).toMatchObject({ totalCount: 4, hasNextPage: true });
    const rest = await github.listIssues(caller, {
      repository: TASKPULL,
      states: ["OPEN", "CLOSED"],
      first: 3,
      after: all.endCursor,
    });
    expect(rest.items.map((i) => [i.number, i.stateReason])).toEqual([[1, null]]);
    expect(all.items[1]!.stateReason).toBe("NOT_PLANNED");

    await github.addLabels(caller, { repository: TASKPULL, number: 7, labels: ["bug"] });
    const ops = await operationsOf(async () => {
      const bugs = await github.listIssues(caller, {
        repository: TASKPULL,
        states: ["OPEN"],
        labels: ["bug"],
        first: 10,
      });
      expect(bugs.items.map((i) => [i.number, i.labels])).toEqual([[7, ["bug"]]]);
    });
    expect(ops).toEqual(["IssueSearch"]);
    expect(fake.graphqlRequests().at(-1)?.graphql?.variables?.searchQuery).toBe(
      `repo:${TASKPULL} is:issue is:open label:"bug"`,
    );
  });

  it("searches issues and pull requests with GitHub's syntax", async () => {
    const page = await github.searchIssues(caller, { query: `repo:${TASKPULL} proxy capture`, first: 10 });
    expect(page.items.map((i) => [i.kind, i.number])).toEqual([
      ["PULL_REQUEST", 9],
      ["ISSUE", 1],
    ]);
    expect(page.items[0]).toMatchObject({ headRefName: "recapture-test", baseRefName: "main", isDraft: false });
    const prs = await github.searchIssues(caller, { query: "is:pr is:open", first: 1 });
    expect(prs.items).toHaveLength(1);
    expect(prs.totalCount).toBe(2);
    expect(prs.hasNextPage).toBe(true);
  });

  it("lists pull requests by state", async () => {
    const open = await github.listPullRequests(caller, { repository: TASKPULL, states: ["OPEN"], first: 10 });
    expect(open.items.map((p) => [p.number, p.headRefName])).toEqual([
      [9, "recapture-test"],
      [6, "edit-test"],
    ]);
    const merged = await github.listPullRequests(caller, { repository: TASKPULL, states: ["MERGED"], first: 10 });
    expect(merged.items).toEqual([]);
  });

  it("creates an issue with labels, comments on it, reads it with its comments, closes and reopens it", async () => {
    const ops = await operationsOf(async () => {
      const issue = await github.createIssue(caller, {
        repository: TASKPULL,
        title: "Flaky test in CI",
        body: "It fails one run in ten.",
        labels: ["bug", "help wanted"],
      });
      expect(issue).toMatchObject({
        kind: "ISSUE",
        repository: TASKPULL,
        number: 10,
        state: "OPEN",
        url: `${fake.url}/${TASKPULL}/issues/10`,
      });
    });
    expect(ops).toEqual(["IssueRepositoryInfo", "LabelByName", "LabelByName", "IssueCreate"]);

    const comment = await github.addComment(caller, { repository: TASKPULL, number: 10, body: "Seen again today." });
    expect(comment.url).toMatch(new RegExp(`^${fake.url}/${TASKPULL}/issues/10#issuecomment-\\d+$`));
    await github.addComment(caller, { repository: TASKPULL, number: 10, body: "And again." });

    const read = await github.getIssue(caller, { repository: TASKPULL, number: 10 });
    expect(read).toMatchObject({
      kind: "ISSUE",
      title: "Flaky test in CI",
      body: "It fails one run in ten.",
      author: "iwahbe",
      labels: ["bug", "help wanted"],
      state: "OPEN",
      commentCount: 2,
      merged: null,
    });
    expect(read.comments.map((c) => [c.body, c.author])).toEqual([
      ["Seen again today.", "iwahbe"],
      ["And again.", "iwahbe"],
    ]);
    expect(read.comments[0]!.createdAt).toBeInstanceOf(Date);

    const closed = await github.closeIssue(caller, { repository: TASKPULL, number: 10, reason: "NOT_PLANNED" });
    expect(closed).toMatchObject({ state: "CLOSED", stateReason: "NOT_PLANNED" });
    expect(fake.state.issues.find((i) => i.number === 10)).toMatchObject({
      state: "CLOSED",
      stateReason: "NOT_PLANNED",
    });
    const reopened = await github.reopenIssue(caller, { repository: TASKPULL, number: 10 });
    expect(reopened).toMatchObject({ state: "OPEN", stateReason: "REOPENED" });
    expect((await github.getIssue(caller, { repository: TASKPULL, number: 10 })).stateReason).toBe("REOPENED");
  });

  it("opens a pull request into the default branch; asking again for the same branch returns it (created: false)", async () => {
    const ops = await operationsOf(async () => {
      const pr = await github.createPullRequest(caller, {
        repository: TASKPULL,
        head: "agent/fix-flaky",
        title: "Fix the flaky test",
        body: "Closes #10",
      });
      expect(pr).toMatchObject({
        kind: "PULL_REQUEST",
        number: 11,
        baseRefName: "main",
        headRefName: "agent/fix-flaky",
        created: true,
        state: "OPEN",
      });
    });
    expect(ops).toEqual(["RepositoryInfo", "PullRequestForBranch", "PullRequestCreate"]);
    const again = await github.createPullRequest(caller, {
      repository: TASKPULL,
      head: "agent/fix-flaky",
      title: "x",
      body: "",
    });
    expect(again).toMatchObject({ number: 11, created: false, url: `${fake.url}/${TASKPULL}/pull/11` });
    expect(await github.findPullRequestForBranch(caller, TASKPULL, "no-such-branch")).toBeNull();
    expect(await github.defaultBranch(caller, TASKPULL)).toBe("main");

    const detail = await github.getIssue(caller, { repository: TASKPULL, number: 11 });
    expect(detail).toMatchObject({
      kind: "PULL_REQUEST",
      merged: false,
      headRefName: "agent/fix-flaky",
      isDraft: false,
      stateReason: null,
    });
  });

  it("requests reviewers, adds labels to a pull request and merges it by an allowed method, closing the issue it names", async () => {
    const reviewers = await github.requestReviewers(caller, { repository: TASKPULL, number: 11, users: ["octocat"] });
    expect(reviewers.reviewers).toEqual(["octocat"]);
    const more = await github.requestReviewers(caller, {
      repository: TASKPULL,
      number: 11,
      users: ["hubot", "octocat"],
    });
    expect(more.reviewers).toEqual(["octocat", "hubot"]);

    const labelled = await github.addLabels(caller, { repository: TASKPULL, number: 11, labels: ["enhancement"] });
    expect(labelled).toMatchObject({ labels: ["enhancement"], url: `${fake.url}/${TASKPULL}/pull/11` });

    const refused = await failure(() =>
      github.mergePullRequest(caller, { repository: TASKPULL, number: 11, method: "MERGE" }),
    );
    expect(refused.code).toBe("POLICY_DENIED");
    expect(refused.details).toMatchObject({ rule: "github.merge-method", field: "method" });

    const merged = await github.mergePullRequest(caller, { repository: TASKPULL, number: 11, method: "SQUASH" });
    expect(merged).toMatchObject({
      merged: true,
      method: "SQUASH",
      mergeCommitSha: expect.stringMatching(/^[0-9a-f]{40}$/),
    });
    expect(fake.state.issues.find((i) => i.number === 10)).toMatchObject({ state: "CLOSED", stateReason: "COMPLETED" });
    const twice = await failure(() =>
      github.mergePullRequest(caller, { repository: TASKPULL, number: 11, method: "SQUASH" }),
    );
    expect(twice.code).toBe("CONFLICT");
  });

  it("closes and reopens a pull request through the issue tools", async () => {
    const closed = await github.closeIssue(caller, { repository: TASKPULL, number: 6, reason: "COMPLETED" });
    expect(closed).toMatchObject({ kind: "PULL_REQUEST", state: "CLOSED", stateReason: null });
    const ops = await operationsOf(() => github.reopenIssue(caller, { repository: TASKPULL, number: 6 }));
    expect(ops).toEqual(["IssueByNumber", "PullRequestReopen"]);
    expect(fake.state.pulls.find((p) => p.number === 6)?.state).toBe("OPEN");
  });

  it("merging is refused when GITHUB_MERGE_METHODS is empty, before anything is sent", async () => {
    const before = fake.requests.length;
    const err = await failure(() =>
      serviceWith().mergePullRequest(caller, { repository: TASKPULL, number: 9, method: "MERGE" }),
    );
    expect(err.code).toBe("POLICY_DENIED");
    expect(err.message).toContain("GITHUB_MERGE_METHODS is empty");
    expect(fake.requests.length).toBe(before);
  });

  it("GITHUB_REPOSITORIES: another repository is POLICY_DENIED, a search is limited to the listed ones", async () => {
    const limited = serviceWith({ GITHUB_REPOSITORIES: TASKPULL });
    const before = fake.requests.length;
    const err = await failure(() => limited.getIssue(caller, { repository: "octocat/hello-world", number: 1 }));
    expect(err.code).toBe("POLICY_DENIED");
    expect(err.details).toMatchObject({ rule: "github.repository-not-allowed", field: "repository" });
    const search = await failure(() =>
      limited.searchIssues(caller, { query: "repo:octocat/hello-world bug", first: 5 }),
    );
    expect(search.details.field).toBe("query");
    expect(fake.requests.length).toBe(before);

    await limited.searchIssues(caller, { query: "is:open", first: 5 });
    expect(fake.graphqlRequests().at(-1)?.graphql?.variables?.searchQuery).toBe(`is:open repo:${TASKPULL}`);
    expect((await limited.getIssue(caller, { repository: "IWAHBE/TASKPULL", number: 7 })).number).toBe(7);
  });

  it("bad names are BAD_USER_INPUT; what GitHub does not have is NOT_FOUND said of the field at fault", async () => {
    expect((await failure(() => github.getIssue(caller, { repository: "no-slash", number: 1 }))).code).toBe(
      "BAD_USER_INPUT",
    );
    expect((await failure(() => github.getIssue(caller, { repository: "a/../b", number: 1 }))).code).toBe(
      "BAD_USER_INPUT",
    );
    const head = await failure(() =>
      github.createPullRequest(caller, { repository: TASKPULL, head: "bad..name", title: "t", body: "" }),
    );
    expect(head.details.field).toBe("head");

    const noIssue = await failure(() => github.getIssue(caller, { repository: TASKPULL, number: 404 }));
    expect(noIssue).toMatchObject({ code: "NOT_FOUND", details: { field: "number", githubType: "NOT_FOUND" } });
    const noRepo = await failure(() =>
      github.listIssues(caller, { repository: "iwahbe/nope", states: ["OPEN"], first: 5 }),
    );
    expect(noRepo).toMatchObject({ code: "NOT_FOUND", details: { field: "repository" } });
    expect(noRepo.message).toContain("Could not resolve to a Repository with the name 'iwahbe/nope'");
    const noLabel = await failure(() =>
      github.addLabels(caller, { repository: TASKPULL, number: 7, labels: ["nonexistent"] }),
    );
    expect(noLabel).toMatchObject({ code: "NOT_FOUND", details: { field: "labels", label: "nonexistent" } });
    const noUser = await failure(() =>
      github.requestReviewers(caller, { repository: TASKPULL, number: 9, users: ["nobody-here"] }),
    );
    expect(noUser).toMatchObject({ code: "NOT_FOUND", details: { field: "users" } });
    const issueNotPr = await failure(() =>
      github.requestReviewers(caller, { repository: TASKPULL, number: 7, users: ["octocat"] }),
    );
    expect(issueNotPr.details.field).toBe("number");
  });

  it("GitHub's refusals of a mutation are GITHUB_FAILED with its type and message (reviewing one's own pull request)", async () => {
    const err = await failure(() =>
      github.requestReviewers(caller, { repository: TASKPULL, number: 9, users: ["iwahbe"] }),
    );
    expect(err).toMatchObject({ code: "GITHUB_FAILED", details: { githubType: "UNPROCESSABLE" } });
    expect(err.message).toContain("Review cannot be requested from pull request author");
  });
});
