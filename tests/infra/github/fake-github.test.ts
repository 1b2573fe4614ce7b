/**
 * The fake GitHub against the recordings: each recorded GraphQL request of GitHub's CLI, sent to a
 * fresh fake in the order the exchanges can follow one another, gets the recorded answer (values
 * that depend on when it runs, such as a new issue's number, compared by shape); an invalid document
 * gets GitHub's validation answer; a request without a token gets GitHub's 401.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { githubFixture, startFakeGitHub, type FakeGitHub } from "../../helpers/fake-github.js";

interface Exchange {
  request: { method: string; path: string; body: string };
  response: { status_code: number; headers: Record<string, string>; body: string };
}

const exchanges = (name: string) =>
  githubFixture<Exchange[]>(`taskpull_${name}.exchanges.json`).filter((x) => x.request.path === "/graphql");

describe("the fake GitHub answers the recorded requests with the recorded answers", () => {
  let fake: FakeGitHub;
  beforeAll(async () => {
    fake = await startFakeGitHub({ webUrl: "https://github.com" });
  });
  afterAll(() => fake?.stop());

  const send = async (body: string, token: string | null = fake.token) => {
    const res = await fetch(fake.graphqlUrl, {
      method: "POST",
      headers: { "content-type": "application/json", ...(token ? { authorization: `token ${token}` } : {}) },
      body,
    });
    return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
  };

  it("closes issue #1 as recorded (IssueByNumber, IssueClose)", async () => {
    for (const x of exchanges("close_issue")) {
      const answer = await send(x.request.body);
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual(JSON.parse(x.response.body));
      expect(answer.headers.get("content-type")).toBe(x.response.headers["content-type"]);
      expect(Number(answer.headers.get("x-ratelimit-remaining"))).toBeGreaterThan(0);
    }
    expect(fake.operations()).toEqual(["IssueByNumber", "IssueClose"]);
  });

  it("lists the issues as recorded after #1 was closed (IssueList; #1's updatedAt and the cursor are now's)", async () => {
    const [x] = exchanges("list_issues");
    const answer = await send(x!.request.body);
    const recorded = JSON.parse(x!.response.body) as { data: { repository: { issues: Record<string, any> } } };
    const got = answer.body as typeof recorded;
    const recordedIssues = recorded.data.repository.issues;
    const gotIssues = got.data.repository.issues;
    expect(gotIssues.nodes.map((n: { number: number }) => n.number)).toEqual([7, 5, 3, 1]);
    const without = (issues: Record<string, any>) => ({
      ...issues,
      nodes: issues.nodes.map((n: Record<string, unknown>) => ({
        ...n,
        updatedAt: n.number === 1 ? "(now)" : n.updatedAt,
      })),
      pageInfo: { ...issues.pageInfo, endCursor: "(cursor)" },
    });
    expect(without(gotIssues)).toEqual(without(recordedIssues));
    expect(gotIssues.pageInfo.endCursor).toEqual(expect.any(String));
  });

  it("answers the edit-pr update as recorded; its lookup names a field newer than the installed schema", async () => {
    const [lookup, , update] = githubFixture<Exchange[]>("taskpull_edit_pr.exchanges.json");
    expect((await send(update!.request.body)).body).toEqual(JSON.parse(update!.response.body));
    // GitHub's CLI asked for assignedActors, added to GitHub's schema after the @octokit/graphql-schema
    // release installed here: the fake refuses exactly that field, as GitHub refuses a field it lacks.
    const refused = (await send(lookup!.request.body)).body as { errors: Array<{ message: string }> };
    expect(refused.errors.map((e) => e.message)).toEqual([
      "Field 'assignedActors' doesn't exist on type 'PullRequest'",
    ]);
  });

  it("closes pull request #9 as recorded (PullRequestByNumber, PullRequestClose)", async () => {
    for (const x of exchanges("close_pr"))
      expect((await send(x.request.body)).body).toEqual(JSON.parse(x.response.body));
    expect(fake.state.pulls.find((p) => p.number === 9)?.state).toBe("CLOSED");
  });

  it("creates an issue and a pull request as recorded: the lookups equal, the new ones have the next numbers", async () => {
    const [issueInfo, issueCreate] = exchanges("create_issue");
    expect((await send(issueInfo!.request.body)).body).toEqual(JSON.parse(issueInfo!.response.body));
    const created = (await send(issueCreate!.request.body)).body as {
      data: { createIssue: { issue: { id: string; url: string } } };
    };
    expect(created.data.createIssue.issue).toEqual({
      id: expect.stringMatching(/^I_kw/),
      url: "https://github.com/iwahbe/taskpull/issues/10",
    });

    const [repoInfo, forBranch, prCreate] = exchanges("create_pr");
    expect((await send(repoInfo!.request.body)).body).toEqual(JSON.parse(repoInfo!.response.body));
    expect((await send(forBranch!.request.body)).body).toEqual(JSON.parse(forBranch!.response.body));
    const pr = (await send(prCreate!.request.body)).body as {
      data: { createPullRequest: { pullRequest: { url: string } } };
    };
    expect(pr.data.createPullRequest.pullRequest.url).toBe("https://github.com/iwahbe/taskpull/pull/11");
    expect(fake.state.pulls.at(-1)).toMatchObject({
      number: 11,
      headRefName: "recapture-test",
      baseRefName: "main",
      state: "OPEN",
    });
  });

  it("answers the recorded addComment request (CommentCreate) with a comment URL of the recorded shape", async () => {
    const mock = githubFixture<{ request: { query: string } }>("addComment.mock.json");
    const body = JSON.stringify({
      query: mock.request.query,
      variables: { input: { body: "hello", subjectId: "I_kwDORru3U8780gG7" } },
    });
    const answer = (await send(body)).body as { data: { addComment: { commentEdge: { node: { url: string } } } } };
    expect(answer.data.addComment.commentEdge.node.url).toMatch(
      /^https:\/\/github\.com\/iwahbe\/taskpull\/issues\/7#issuecomment-\d+$/,
    );
  });

  it("answers a document GitHub's schema does not validate like GitHub (errors/invalid_query_field.mock.json)", async () => {
    const answer = await send(JSON.stringify({ query: "query {\n  viewer {\n    bioHtml\n  }\n}" }));
    const recorded = githubFixture<{ data: null; errors: Array<{ message: string }> }>(
      "errors/invalid_query_field.mock.json",
    );
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      data: null,
      errors: [{ message: recorded.errors[0]!.message, locations: [{ line: 3, column: 5 }] }],
    });
  });

  it("refuses a request without a token, or with one it does not know, with GitHub's 401", async () => {
    for (const token of [null, "ghp_unknown0000000000000000000000000000"]) {
      const answer = await send(JSON.stringify({ query: "{ viewer { login } }" }), token);
      expect(answer.status).toBe(401);
      expect(answer.body).toMatchObject({ message: "Bad credentials" });
    }
  });

  it("raises NOT_FOUND in GitHub's format for a number that does not exist", async () => {
    const answer = await send(
      JSON.stringify({
        query: 'query($n: Int!) { repository(owner: "iwahbe", name: "taskpull") { issue(number: $n) { id } } }',
        variables: { n: 404 },
      }),
    );
    const recorded = githubFixture<{ errors: Array<{ message: string }> }>("errors/NOT_FOUND_issue.json");
    expect(answer.body).toMatchObject({
      data: { repository: { issue: null } },
      errors: [{ type: "NOT_FOUND", path: ["repository", "issue"], message: recorded.errors[0]!.message }],
    });
  });
});
