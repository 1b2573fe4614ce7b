/**
 * The GitHub App side of the connection against the local fake: the App's private key (a GLOBAL
 * secret) signs a JWT that the fake checks (RS256, iss, exp) before it issues an installation
 * token; the token is fetched once and reused until 5 minutes before it expires, then renewed; a
 * token GitHub refuses is dropped; the installation is looked up per repository when not configured.
 */
import { generateKeyPairSync } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/config.js";
import { DomainError } from "../../../src/domain/errors.js";
import { INSTALLATION_TOKEN_MARGIN_MS, SecretStoreGitHubConnection } from "../../../src/infra/github/connection.js";
import { OctokitGitHubGraphql } from "../../../src/infra/github/graphql-client.js";
import { createLogger } from "../../../src/logger.js";
import { startFakeGitHub, type FakeGitHub } from "../../helpers/fake-github.js";
import { MemorySecretReader } from "../../helpers/memory-secret-reader.js";
import { failure } from "../../helpers/errors.js";

const scope = { taskId: "task-1", agentId: "agent-1" };
const use = { toolCallId: "call-1", purpose: "githubCreatePullRequest" };
const VIEWER = "query Viewer { viewer { login } }";

describe("GitHub App connection", () => {
  let fake: FakeGitHub;
  let secrets: MemorySecretReader;
  let clock: number;
  const logs: string[] = [];

  const connect = (env: Record<string, string> = {}) => {
    const config = loadConfig({ ...fake.appEnv({ withInstallationId: true }), ...env }).github;
    const logger = createLogger("debug", { write: (line: string) => void logs.push(line) });
    return new SecretStoreGitHubConnection(config, secrets, { now: () => clock, logger });
  };

  beforeAll(async () => {
    fake = await startFakeGitHub({ tokenTtlSeconds: 3600 });
  });
  afterAll(async () => {
    const joined = logs.join("\n");
    expect(joined).not.toContain("PRIVATE KEY");
    for (const token of fake.issuedTokens) expect(joined).not.toContain(token);
    await fake?.stop();
  });
  beforeEach(() => {
    secrets = new MemorySecretReader().set("GITHUB_APP_PRIVATE_KEY", fake.appPrivateKeyPem);
    clock = Date.now();
  });

  it("exchanges a JWT signed with the App's key for an installation token, read as a GLOBAL secret", async () => {
    const before = fake.tokenRequests;
    const creds = await connect().credentials(scope, use, "iwahbe/taskpull");
    expect(fake.tokenRequests).toBe(before + 1);
    expect(creds.token).toBe(fake.issuedTokens.at(-1));
    expect(creds.token).toMatch(/^ghs_/);
    expect(creds.username).toBe("x-access-token");
    expect(creds.expiresAt!.getTime()).toBeGreaterThan(Date.now() + 55 * 60_000);
    expect(secrets.reveals).toEqual([
      {
        kind: "GITHUB_APP_PRIVATE_KEY",
        lookup: {},
        use: { toolCallId: "call-1", purpose: "githubCreatePullRequest (GitHub App installation token)" },
      },
    ]);
    const tokenRequest = fake.requests.find(
      (r) => r.path === `/api/v3/app/installations/${fake.installationId}/access_tokens`,
    );
    expect(tokenRequest?.headers.authorization).toMatch(/^bearer [\w-]+\.[\w-]+\.[\w-]+$/);
  });

  it("reuses the token until 5 minutes before it expires, then fetches a new one", async () => {
    const connection = connect();
    const first = await connection.credentials(scope, use);
    const requests = fake.tokenRequests;
    const expiresAt = first.expiresAt!.getTime();

    clock = expiresAt - INSTALLATION_TOKEN_MARGIN_MS - 1_000;
    expect((await connection.credentials(scope, use)).token).toBe(first.token);
    expect((await connection.credentials({ taskId: "another" }, use)).token).toBe(first.token);
    expect(fake.tokenRequests).toBe(requests);
    expect(secrets.reveals).toHaveLength(1);

    clock = expiresAt - INSTALLATION_TOKEN_MARGIN_MS + 1_000;
    const renewed = await connection.credentials(scope, use);
    expect(fake.tokenRequests).toBe(requests + 1);
    expect(renewed.token).not.toBe(first.token);
    expect(renewed.token).toBe(fake.issuedTokens.at(-1));
  });

  it("renews at once when GitHub's tokens live less than the margin (the fake's expiry set to 4 minutes)", async () => {
    fake.tokenTtlSeconds = 240;
    try {
      const connection = connect();
      const before = fake.tokenRequests;
      await connection.credentials(scope, use);
      await connection.credentials(scope, use);
      expect(fake.tokenRequests).toBe(before + 2);
    } finally {
      fake.tokenTtlSeconds = 3600;
    }
  });

  it("callers asking at once share one token request", async () => {
    const connection = connect();
    const before = fake.tokenRequests;
    const all = await Promise.all([1, 2, 3, 4].map(() => connection.credentials(scope, use)));
    expect(new Set(all.map((c) => c.token)).size).toBe(1);
    expect(fake.tokenRequests).toBe(before + 1);
  });

  it("the token signs GraphQL calls; one GitHub refuses (401) is dropped and the next call gets a new one", async () => {
    const connection = connect();
    const client = new OctokitGitHubGraphql(connection, { now: () => clock });
    const call = { scope, use, repository: "iwahbe/taskpull" };
    expect(await client.request(VIEWER, {}, call)).toEqual({ viewer: { login: "agent-system[bot]" } });
    const before = fake.tokenRequests;
    fake.revokeToken(fake.issuedTokens.at(-1)!);
    const refused = await failure(() => client.request(VIEWER, {}, call));
    expect(refused.code).toBe("FORBIDDEN");
    expect(await client.request(VIEWER, {}, call)).toEqual({ viewer: { login: "agent-system[bot]" } });
    expect(fake.tokenRequests).toBe(before + 1);
  });

  it("without GITHUB_APP_INSTALLATION_ID: the installation of the repository is looked up once", async () => {
    const connection = connect({ GITHUB_APP_INSTALLATION_ID: "" });
    const lookups = () => fake.requests.filter((r) => r.path === "/api/v3/repos/iwahbe/taskpull/installation").length;
    const before = lookups();
    await connection.credentials(scope, use, "iwahbe/taskpull");
    await connection.credentials(scope, use, "IWAHBE/TaskPull");
    expect(lookups()).toBe(before + 1);

    fake.state.repositories.push({
      ...fake.state.repositories[0]!,
      id: "R_other",
      name: "elsewhere",
      installationId: null,
    });
    const missing = await failure(() => connection.credentials(scope, use, "iwahbe/elsewhere"));
    expect(missing.code).toBe("NOT_CONFIGURED");
    expect(missing.message).toContain("not installed on iwahbe/elsewhere");
    const unnamed = await failure(() => connection.credentials(scope, use));
    expect(unnamed.details.setting).toBe("GITHUB_APP_INSTALLATION_ID");
  });

  it("no private key: NOT_CONFIGURED; a key GitHub does not know: FORBIDDEN; a value that is no key: NOT_CONFIGURED", async () => {
    secrets.delete("GITHUB_APP_PRIVATE_KEY");
    const none = await failure(() => connect().credentials(scope, use));
    expect(none.code).toBe("NOT_CONFIGURED");
    expect(none.details.setting).toBe("GITHUB_APP_PRIVATE_KEY secret");

    const other = generateKeyPairSync("rsa", {
      modulusLength: 2048,
      privateKeyEncoding: { type: "pkcs8", format: "pem" },
      publicKeyEncoding: { type: "spki", format: "pem" },
    });
    secrets.set("GITHUB_APP_PRIVATE_KEY", other.privateKey);
    const wrong = await failure(() => connect().credentials(scope, use));
    expect(wrong.code).toBe("FORBIDDEN");
    expect(wrong.message).toContain("GITHUB_APP_PRIVATE_KEY");
    expect(wrong.message).not.toContain("PRIVATE KEY-----");

    secrets.set("GITHUB_APP_PRIVATE_KEY", "-----BEGIN RSA PRIVATE KEY-----\nnot a key\n-----END RSA PRIVATE KEY-----");
    const garbage = await failure(() => connect().credentials(scope, use));
    expect(garbage.code).toBe("NOT_CONFIGURED");
    expect(garbage.message).not.toContain("not a key");
  });

  it("an App id GitHub does not know is refused (the JWT's iss checked)", async () => {
    const err = await failure(() => connect({ GITHUB_APP_ID: "999" }).credentials(scope, use));
    expect(err.code).toBe("FORBIDDEN");
  });
});
