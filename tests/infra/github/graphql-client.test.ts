/**
 * The GraphQL client against the local fake GitHub: credentials per call from the secrets (the
 * TASK's token before the GLOBAL one), every recorded error body mapped to its typed error, rate
 * limits held per token (a call within the window is refused without being sent), the secondary
 * rate limit, time limits, an unreachable GitHub, and the token absent from every error and log line.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/config.js";
import { DomainError } from "../../../src/domain/errors.js";
import { SecretStoreGitHubConnection } from "../../../src/infra/github/connection.js";
import { OctokitGitHubGraphql } from "../../../src/infra/github/graphql-client.js";
import { createLogger } from "../../../src/logger.js";
import type { GitHubCall } from "../../../src/tools/github/github-graphql.js";
import { errorFixtures, githubFixture, startFakeGitHub, type FakeGitHub } from "../../helpers/fake-github.js";
import { MemorySecretReader } from "../../helpers/memory-secret-reader.js";
import { failure } from "../../helpers/errors.js";

const VIEWER = "query Viewer { viewer { login } }";
const call: GitHubCall = {
  scope: { taskId: "task-1", agentId: "agent-1" },
  use: { toolCallId: "call-1", purpose: "githubGetIssue" },
  repository: "iwahbe/taskpull",
};

describe("GitHub GraphQL client", () => {
  let fake: FakeGitHub;
  let secrets: MemorySecretReader;
  let clock: number;
  let logs: string[];
  const errors: DomainError[] = [];

  const clientFor = (env: Record<string, string> = {}, timeoutMs?: number) => {
    const config = loadConfig({ ...fake.env(), ...env }).github;
    const logger = createLogger("debug", { write: (line: string) => void logs.push(line) });
    const connection = new SecretStoreGitHubConnection(config, secrets, { logger, now: () => clock });
    return new OctokitGitHubGraphql(connection, { logger, now: () => clock, timeoutMs });
  };
  const failing = async (fn: () => Promise<unknown>) => {
    const err = await failure(fn);
    errors.push(err);
    return err;
  };

  beforeAll(async () => {
    fake = await startFakeGitHub();
  });
  afterAll(async () => {
    // Whatever failed above: GitHub's token never reached an error or a log line.
    const tokens = [fake.token, "ghp_task0000000000000000000000000000000000"];
    for (const err of errors) {
      for (const t of tokens) expect(`${err.message} ${JSON.stringify(err.details)}`).not.toContain(t);
    }
    expect(errors.length).toBeGreaterThan(8);
    for (const t of tokens) expect(logs.join("\n")).not.toContain(t);
    await fake?.stop();
  });
  beforeEach(() => {
    secrets = new MemorySecretReader().set("GITHUB_TOKEN", fake.token);
    clock = Date.now();
    logs ??= [];
  });

  it("sends the GLOBAL token as a bearer token, read for the call's task and agent, and answers with data", async () => {
    const data = await clientFor().request<{ viewer: { login: string } }>(VIEWER, {}, call);
    expect(data).toEqual({ viewer: { login: "iwahbe" } });
    expect(fake.requests.at(-1)?.headers.authorization).toBe(`bearer ${fake.token}`);
    expect(fake.requests.at(-1)?.path).toBe("/api/graphql");
    expect(secrets.reveals).toEqual([{ kind: "GITHUB_TOKEN", lookup: call.scope, use: call.use }]);
  });

  it("finds a GitHub Enterprise server's GraphQL API (/api/graphql) from its REST API (/api/v3)", async () => {
    expect(fake.apiUrl).toMatch(/\/api\/v3$/);
    const client = clientFor({ GITHUB_GRAPHQL_URL: "" });
    await expect(client.request(VIEWER, {}, call)).resolves.toEqual({ viewer: { login: "iwahbe" } });
    expect(fake.requests.at(-1)?.path).toBe("/api/graphql");
    expect(loadConfig({}).github.graphqlUrl).toBe("https://api.github.com/graphql");
  });

  it("uses the TASK's token before the GLOBAL one", async () => {
    const taskToken = "ghp_task0000000000000000000000000000000000";
    fake.addToken(taskToken, "octocat");
    secrets.set("GITHUB_TOKEN", taskToken, "TASK", "task-1");
    const data = await clientFor().request<{ viewer: { login: string } }>(VIEWER, {}, call);
    expect(data.viewer.login).toBe("octocat");
    const other = await clientFor().request<{ viewer: { login: string } }>(
      VIEWER,
      {},
      { ...call, scope: { taskId: "task-2" } },
    );
    expect(other.viewer.login).toBe("iwahbe");
  });

  it("without a token or an App: NOT_CONFIGURED naming the settings, and nothing sent", async () => {
    secrets.delete("GITHUB_TOKEN");
    const before = fake.requests.length;
    const err = await failing(() => clientFor().request(VIEWER, {}, call));
    expect(err.code).toBe("NOT_CONFIGURED");
    expect(err.details.setting).toBe("GITHUB_TOKEN secret or GITHUB_APP_ID");
    expect(fake.requests.length).toBe(before);
  });

  it.each([
    ["NOT_FOUND_issue", "NOT_FOUND"],
    ["NOT_FOUND_node_mutation", "NOT_FOUND"],
    ["FORBIDDEN_saml", "FORBIDDEN"],
    ["INSUFFICIENT_SCOPES", "INSUFFICIENT_SCOPES"],
    ["invalid_query_field", "GITHUB_FAILED"],
  ] as const)("maps the recorded %s body to %s, with GitHub's message", async (fixture, code) => {
    fake.failNext(fixture);
    const err = await failing(() => clientFor().request(VIEWER, {}, call));
    expect(err.code).toBe(code);
    const recorded = githubFixture<{ errors: Array<{ message: string; type?: string }> }>(errorFixtures[fixture]);
    expect(err.message).toContain(recorded.errors[0]!.message);
    expect(err.details.githubType).toBe(recorded.errors[0]!.type ?? null);
    if (fixture === "FORBIDDEN_saml") expect(err.details.samlFailure).toBe(true);
    if (fixture === "INSUFFICIENT_SCOPES") expect(err.message).toContain("and 4 more errors");
    if (fixture === "NOT_FOUND_issue") expect(err.details.githubPath).toEqual(["repository", "issue"]);
  });

  it("RATE_LIMIT: RATE_LIMITED until x-ratelimit-reset, and calls within the window are not sent", async () => {
    const client = clientFor();
    fake.rateLimitResetSeconds = 90;
    fake.failNext("RATE_LIMIT");
    clock = Date.now();
    const err = await failing(() => client.request(VIEWER, {}, call));
    expect(err.code).toBe("RATE_LIMITED");
    expect(err.details.retryAfterSeconds).toBeGreaterThanOrEqual(88);
    expect(err.details.retryAfterSeconds).toBeLessThanOrEqual(91);

    const sent = fake.requests.length;
    clock += 30_000;
    const held = await failing(() => client.request(VIEWER, {}, call));
    expect(held.code).toBe("RATE_LIMITED");
    expect(held.details).toMatchObject({ sent: false });
    expect(held.details.retryAfterSeconds).toBeGreaterThanOrEqual(58);
    expect(held.details.retryAfterSeconds).toBeLessThanOrEqual(61);
    expect(fake.requests.length).toBe(sent);

    // Another token is not held back; this one is again once the reset has passed.
    const taskToken = "ghp_task0000000000000000000000000000000000";
    fake.addToken(taskToken, "octocat");
    secrets.set("GITHUB_TOKEN", taskToken, "TASK", "task-1");
    await expect(client.request(VIEWER, {}, call)).resolves.toEqual({ viewer: { login: "octocat" } });
    secrets.delete("GITHUB_TOKEN", "TASK", "task-1");
    clock += 62_000;
    await expect(client.request(VIEWER, {}, call)).resolves.toEqual({ viewer: { login: "iwahbe" } });
  });

  it("an answer with x-ratelimit-remaining 0 is used, and holds the next call until the reset", async () => {
    const client = clientFor();
    const reset = Math.floor(Date.now() / 1000) + 40;
    fake.failNext({
      headers: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(reset) },
      body: { data: { viewer: { login: "iwahbe" } } },
    });
    clock = Date.now();
    await expect(client.request(VIEWER, {}, call)).resolves.toEqual({ viewer: { login: "iwahbe" } });
    const sent = fake.requests.length;
    const held = await failing(() => client.request(VIEWER, {}, call));
    expect(held.code).toBe("RATE_LIMITED");
    expect(held.details.retryAfterSeconds).toBeGreaterThan(30);
    expect(fake.requests.length).toBe(sent);
  });

  it("a secondary rate limit (403, retry-after): RATE_LIMITED with retry-after's seconds, then held", async () => {
    const client = clientFor();
    fake.retryAfterSeconds = 45;
    fake.failNext("SECONDARY_RATE_LIMIT");
    const err = await failing(() => client.request(VIEWER, {}, call));
    expect(err.code).toBe("RATE_LIMITED");
    expect(err.details).toMatchObject({ retryAfterSeconds: 45, secondary: true, status: 403 });
    expect(err.message).toContain("secondary rate limit");
    const sent = fake.requests.length;
    expect((await failing(() => client.request(VIEWER, {}, call))).code).toBe("RATE_LIMITED");
    expect(fake.requests.length).toBe(sent);
  });

  it("a secondary rate limit without retry-after waits a minute", async () => {
    const client = clientFor();
    fake.failNext({ status: 403, body: { message: "You have exceeded a secondary rate limit. Please wait." } });
    const err = await failing(() => client.request(VIEWER, {}, call));
    expect(err.details).toMatchObject({ retryAfterSeconds: 60, secondary: true });
  });

  it("HTTP 401 is FORBIDDEN saying the credentials were refused; another status GITHUB_FAILED with it", async () => {
    fake.failNext("BAD_CREDENTIALS", {
      status: 502,
      body: "<html>Bad gateway</html>",
      headers: { "content-type": "text/html" },
    });
    const refused = await failing(() => clientFor().request(VIEWER, {}, call));
    expect(refused.code).toBe("FORBIDDEN");
    expect(refused.message).toMatch(/refused the credentials \(HTTP 401: Bad credentials\)/);
    const bad = await failing(() => clientFor().request(VIEWER, {}, call));
    expect(bad.code).toBe("GITHUB_FAILED");
    expect(bad.details.status).toBe(502);
  });

  it("a GitHub that does not answer in time: FETCH_FAILED (timeout); one not there: FETCH_FAILED (unreachable)", async () => {
    fake.failNext({ delayMs: 1_500 });
    const slow = await failing(() => clientFor({}, 200).request(VIEWER, {}, call));
    expect(slow.code).toBe("FETCH_FAILED");
    expect(slow.details).toMatchObject({ reason: "timeout", service: "github" });

    const closed = await startFakeGitHub();
    await closed.stop();
    const gone = await failing(() => clientFor({ GITHUB_GRAPHQL_URL: closed.graphqlUrl }).request(VIEWER, {}, call));
    expect(gone.code).toBe("FETCH_FAILED");
    expect(gone.details).toMatchObject({ reason: "unreachable" });
  });

  it("a call its caller cancels ends with the caller's reason", async () => {
    fake.failNext({ delayMs: 1_000 });
    const controller = new AbortController();
    const pending = clientFor().request(VIEWER, {}, { ...call, signal: controller.signal });
    controller.abort(new Error("task cancelled"));
    await expect(pending).rejects.toThrow("task cancelled");
  });
});
