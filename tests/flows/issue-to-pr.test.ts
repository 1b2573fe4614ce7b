/**
 * "Label an issue, get a pull request", end to end on the real server: a signed webhook delivery
 * for an issue labelled `agent` → a task assigned to a builtin agent → the model runtime (a
 * scripted model on the fake OpenRouter) clones, writes, commits and pushes over authenticated
 * HTTP to a local git server (git http-backend) → the task completes → the service opens a pull
 * request that closes the issue on the fake GitHub (GraphQL validated against GitHub's schema)
 * and comments on the issue with its link. A task that fails comments why. GitHub's credentials
 * and the webhook's secret go in through createSecret.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import {
  CreateAgentDocument,
  CreateRuntimeAgentDocument,
  CreateSecretDocument,
  TaskLinksDocument,
  UpdateTaskStatusDocument,
  type TaskLinksQuery,
} from "../generated/graphql.js";
import { startFakeGitHub, addRepository, type FakeGitHub } from "../helpers/fake-github.js";
import { startFakeOpenRouter, type FakeOpenRouter } from "../helpers/fake-openrouter.js";
import { startGitHttpServer, type GitHttpServer } from "../helpers/git-http-server.js";
import { untilValue } from "../helpers/process.js";
import { deliver, issuePayload, pullRequestPayload } from "../helpers/github-webhooks.js";
import { hasBwrap } from "../helpers/hostile.js";
import { callTurn } from "../helpers/model-turns.js";
import { describeProfiles } from "../helpers/profiles.js";
import { startRuntimeServer } from "../helpers/runtime.js";
import { createTestDatabase } from "../helpers/pg.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

const REPO = "octo/widgets";

type TaskView = TaskLinksQuery["task"];

describeProfiles("label an issue, get a pull request", (profile) => {
  if (!hasBwrap) {
    it.skip("needs bubblewrap (the git tools run in the sandbox)", () => {});
    return;
  }
  const token = `ghp_${randomBytes(18).toString("hex")}`;
  const webhookSecret = `whsec-${randomBytes(12).toString("hex")}`;
  let git: GitHttpServer;
  let github: FakeGitHub;
  let model: FakeOpenRouter;
  let s: TestServer;

  /** An open issue on the fake GitHub, and the `issues` `labeled` delivery GitHub sends for it. */
  function openIssue(number: number, title: string, body: string) {
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
    github.state.issues.push({
      id: `I_kwDOflow${number}`,
      repository: REPO,
      number,
      title,
      body,
      author: "octocat",
      labels: [],
      createdAt: now,
      updatedAt: now,
      closedAt: null,
      state: "OPEN",
      stateReason: null,
    });
    return issuePayload(
      "labeled",
      { repository: REPO, number, title, body, author: "octocat", labels: ["agent"], webUrl: github.webUrl },
      { label: "agent" },
    );
  }

  /** The task's view until `done` holds (the report is a queued job: its links are the row to wait for). */
  async function taskUntil(id: string, done: (t: NonNullable<TaskView>) => boolean, what: string) {
    let last: TaskView = null;
    return untilValue(what, async () => {
      last = (await s.ok(TaskLinksDocument, { id })).task;
      return last && done(last) ? last : null;
    }).catch((err: unknown) => {
      throw new Error(`${String(err)}; last: ${JSON.stringify(last, null, 1).slice(0, 3000)}`);
    });
  }

  beforeAll(async () => {
    git = await startGitHttpServer(token);
    git.createRepo(REPO, { "README.md": "# Widgets\n", "widget.py": "def spin():\n    while True:\n        pass\n" });
    github = await startFakeGitHub({ token, webUrl: git.origin });
    addRepository(github.state, REPO);
    model = await startFakeOpenRouter();
    s = await startRuntimeServer(profile, model, {
      ...github.env(),
      GIT_ALLOWED_HOSTS: git.origin,
      GITHUB_REPOSITORIES: REPO,
      SECRETS_KEY: randomBytes(32).toString("base64"),
    });
    for (const [name, kind, value] of [
      ["github", "GITHUB_TOKEN", token],
      ["github-webhook", "GITHUB_WEBHOOK_SECRET", webhookSecret],
    ] as const) {
      await s.ok(CreateSecretDocument, { input: { name, kind, value, scope: "GLOBAL" } });
    }
    await s.ok(CreateRuntimeAgentDocument, {
      input: { name: "fixer", kind: "BUILTIN", minComplexity: 1, maxComplexity: 10 },
    });
  });
  afterAll(async () => {
    await s?.stop();
    await model?.close();
    await github?.stop();
    await git?.close();
  });
  afterEach(() => {
    expect(model.pending(), "every scripted turn was used").toBe(0);
  });

  it("turns a labelled issue into a task whose pushed branch becomes a pull request closing the issue", async () => {
    const branch = "agent/issue-7";
    model.script(
      callTurn([
        ["gitClone", { url: git.url(REPO) }],
        ["gitBranch", { name: branch, checkout: true }],
        ["writeFile", { path: "src/widget.py", content: "def spin():\n    return 'done'\n" }],
      ]),
      callTurn([
        ["gitCommit", { message: "Stop the widget spinning forever\n\nFixes the endless loop." }],
        ["gitPush", { branch }],
        ["set_phase", { phase: "BUILD" }],
      ]),
      callTurn([["set_phase", { phase: "TEST" }]]),
      callTurn([["set_phase", { phase: "REVIEW" }]]),
      callTurn([["complete_task", { summary: "spin() returns instead of looping forever." }]]),
    );
    const delivered = await deliver(
      s.url,
      "issues",
      openIssue(7, "The widget spins forever", "Calling spin() never returns."),
      { secret: webhookSecret },
    );
    expect(delivered.status).toBe(201);
    const taskId = delivered.body.taskId!;

    // Links and events are read by separate statements of one query: a link committed between
    // the two shows in one and not yet in the other, so wait for both.
    const done = await taskUntil(
      taskId,
      (t) =>
        t.status === "COMPLETE" &&
        t.links.some((l) => l.kind === "COMMENT") &&
        t.events.some((e) => e.details?.__typename === "LinkDetails" && e.details.kind === "COMMENT"),
      "the task COMPLETE and its issue commented on",
    );
    expect(done.assignedAgent?.name).toBe("fixer");
    expect(done.title).toBe("The widget spins forever");

    // The branch is on the git server, with the agent's change.
    const sha = git.git(REPO, "rev-parse", `refs/heads/${branch}`).trim();
    expect(git.git(REPO, "show", `${branch}:widget.py`)).toContain("return 'done'");

    // The pull request on GitHub: from the branch into the default branch, closing the issue.
    const pulls = github.state.pulls.filter((p) => p.repository === REPO);
    expect(pulls).toHaveLength(1);
    const pr = pulls[0]!;
    expect(pr).toMatchObject({ headRefName: branch, baseRefName: "main", title: "The widget spins forever" });
    expect(pr.body).toContain("Closes #7");
    expect(pr.body).toContain("spin() returns instead of looping forever.");
    const prUrl = `${github.webUrl}/${REPO}/pull/${pr.number}`;

    // The issue's comment links the pull request.
    const comments = github.state.comments.filter((c) => c.repository === REPO && c.number === 7);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toContain(prUrl);

    // The task's links: the issue, the pushed branch, the pull request, the comment.
    expect(done.links.map((l) => l.kind)).toEqual(["ISSUE", "BRANCH", "PULL_REQUEST", "COMMENT"]);
    const [issue, pushed, pull, comment] = done.links;
    expect(issue).toMatchObject({
      repository: REPO,
      number: 7,
      state: "OPEN",
      url: `${github.webUrl}/${REPO}/issues/7`,
    });
    expect(pushed).toMatchObject({ repository: REPO, branch, sha, state: "PUSHED" });
    expect(pull).toMatchObject({ repository: REPO, number: pr.number, url: prUrl, state: "OPEN", branch });
    expect(comment).toMatchObject({ repository: REPO, number: 7, state: "POSTED" });
    const linkEvents = done.events.filter((e) => e.type === "LINK").map((e) => e.details);
    expect(linkEvents.map((d) => (d?.__typename === "LinkDetails" ? [d.kind, d.by] : null))).toEqual([
      ["ISSUE", "GitHub webhook"],
      ["BRANCH", "gitPush"],
      ["PULL_REQUEST", "GitHub report"],
      ["COMMENT", "GitHub report"],
    ]);

    // Run again (a retried job, a restart): nothing more is sent to GitHub.
    const mutationsBefore = github.operations().filter((o) => /Create$/.test(o)).length;
    expect(await s.app.services.reports.report(taskId)).toBe("ALREADY_REPORTED");
    // The links lost (a stop between GitHub's answer and the link's write): GitHub itself is asked.
    await s.app.db
      .fork()
      .execute("delete from task_link where task_id = ? and kind in ('PULL_REQUEST', 'COMMENT')", [taskId]);
    expect(await s.app.services.reports.report(taskId)).toBe("REPORTED");
    expect(github.operations().filter((o) => /Create$/.test(o)).length).toBe(mutationsBefore);
    expect(github.state.pulls.filter((p) => p.repository === REPO)).toHaveLength(1);
    expect(github.state.comments.filter((c) => c.repository === REPO && c.number === 7)).toHaveLength(1);
    // Neither the token nor the webhook's secret is in anything the task shows.
    for (const secret of [token, webhookSecret]) expect(JSON.stringify(done)).not.toContain(secret);
    const again = (await s.ok(TaskLinksDocument, { id: taskId })).task!;
    expect(again.links.map((l) => [l.kind, l.url])).toEqual(done.links.map((l) => [l.kind, l.url]));

    // GitHub's webhook for the merge moves the pull request's link to MERGED.
    const merged = await deliver(
      s.url,
      "pull_request",
      pullRequestPayload("closed", {
        repository: REPO,
        number: pr.number,
        head: branch,
        title: pr.title,
        state: "closed",
        merged: true,
        webUrl: github.webUrl,
      }),
      { secret: webhookSecret },
    );
    expect(merged.body.outcome).toBe("LINK_UPDATED");
    const after = (await s.ok(TaskLinksDocument, { id: taskId })).task!;
    expect(after.links.find((l) => l.kind === "PULL_REQUEST")?.state).toBe("MERGED");
  });

  it("comments on the issue why its task failed, after GitHub recovers from an outage", async () => {
    model.script(callTurn([["fail_task", { reason: "The issue does not say which widget is meant." }]]));
    // The first GitHub calls of the report fail as an outage does; the job is retried with backoff.
    github.failNext({ status: 502, body: "<html>502 Bad Gateway</html>" }, { status: 502, body: "Bad Gateway" });
    const delivered = await deliver(s.url, "issues", openIssue(8, "Fix the other widget", "It is broken."), {
      secret: webhookSecret,
    });
    expect(delivered.status).toBe(201);
    const failed = await taskUntil(
      delivered.body.taskId!,
      (t) => t.status === "FAILED" && t.links.some((l) => l.kind === "COMMENT"),
      "the task FAILED and its issue commented on",
    );
    const comments = github.state.comments.filter((c) => c.repository === REPO && c.number === 8);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toContain("failed");
    expect(comments[0]!.body).toContain("> The issue does not say which widget is meant.");
    expect(comments[0]!.body).toContain("`agent` label");
    expect(failed.links.map((l) => l.kind)).toEqual(["ISSUE", "COMMENT"]);
    // The outage was met: two answers of 502, then the job's retry went through.
    expect(github.requests.filter((r) => r.status === 502)).toHaveLength(2);
    expect(github.state.pulls.filter((p) => p.repository === REPO)).toHaveLength(1);
  });
});

describeProfiles("a GitHub report cut off by a stop", (profile) => {
  it("is made by the next start", async () => {
    const token = `ghp_${randomBytes(18).toString("hex")}`;
    const webhookSecret = `whsec-${randomBytes(12).toString("hex")}`;
    const github = await startFakeGitHub({ token });
    addRepository(github.state, REPO);
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
    github.state.issues.push({
      id: "I_kwDOrestart1",
      repository: REPO,
      number: 21,
      title: "Restart me",
      body: "",
      author: "octocat",
      labels: [],
      createdAt: now,
      updatedAt: now,
      closedAt: null,
      state: "OPEN",
      stateReason: null,
    });
    const dataDir = mkdtempSync(join(tmpdir(), "agents-restart-"));
    const pgDb = profile === "postgres" ? await createTestDatabase() : null;
    const env = { ...github.env(), GITHUB_REPOSITORIES: REPO, SECRETS_KEY: randomBytes(32).toString("base64") };
    const common = { dataDir, databaseUrl: pgDb?.url, keepData: true, env };
    let second: TestServer | undefined;
    try {
      // A server without workers: the task fails, and no one is there to tell GitHub.
      const first = await startTestServer(profile, { ...common, workers: 0 });
      let taskId: string;
      try {
        for (const [name, kind, value] of [
          ["github", "GITHUB_TOKEN", token],
          ["github-webhook", "GITHUB_WEBHOOK_SECRET", webhookSecret],
        ] as const) {
          await first.ok(CreateSecretDocument, { input: { name, kind, value, scope: "GLOBAL" } });
        }
        await first.ok(CreateAgentDocument, { input: { name: "outside", minComplexity: 1, maxComplexity: 10 } });
        const payload = issuePayload(
          "labeled",
          { repository: REPO, number: 21, title: "Restart me", webUrl: github.webUrl },
          { label: "agent" },
        );
        taskId = (await deliver(first.url, "issues", payload, { secret: webhookSecret })).body.taskId!;
        await first.ok(UpdateTaskStatusDocument, { id: taskId, status: "FAILED", note: "The build server is gone." });
      } finally {
        await first.stop();
      }
      expect(github.state.comments.filter((c) => c.number === 21)).toHaveLength(0);

      second = await startTestServer(profile, { ...common, workers: 1 });
      const server = second;
      let links: string[] = [];
      await untilValue(
        "the COMMENT link",
        async () => {
          links = (await server.ok(TaskLinksDocument, { id: taskId })).task!.links.map((l) => l.kind);
          return links.includes("COMMENT");
        },
        20_000,
      ).catch(() => undefined);
      expect(links).toEqual(["ISSUE", "COMMENT"]);
      const comments = github.state.comments.filter((c) => c.repository === REPO && c.number === 21);
      expect(comments).toHaveLength(1);
      expect(comments[0]!.body).toContain("> The build server is gone.");
    } finally {
      await second?.stop();
      rmSync(dataDir, { recursive: true, force: true });
      await pgDb?.drop();
      await github.stop();
    }
  });
});
