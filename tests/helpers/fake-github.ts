/**
 * A local GitHub for tests, on 127.0.0.1, speaking GitHub's protocols:
 *
 * - GraphQL at POST /graphql and /api/graphql (GitHub Enterprise's path): `authorization: bearer|token
 *   <token>` required (401 with GitHub's body otherwise); every document parsed and validated against
 *   GitHub's real schema (@octokit/graphql-schema), an invalid one answered as GitHub does
 *   (errors/invalid_query_field.mock.json); valid ones executed over an in-memory state seeded with
 *   the recorded repository iwahbe/taskpull (fake-github-state.ts), so a recorded document gets the
 *   recorded answer and mutations change what later queries see. Headers as GitHub sends them
 *   (x-ratelimit-*, x-oauth-scopes, x-github-request-id).
 * - REST (at / and /api/v3): POST /app/installations/:id/access_tokens, the JWT checked (RS256 with
 *   the App's public key, iss = the App id, exp in the future), answering {token, expires_at};
 *   GET /repos/:owner/:repo/installation.
 * - failNext(): the next GraphQL answers replaced by recorded error bodies (errors/*.json: NOT_FOUND,
 *   FORBIDDEN SAML, INSUFFICIENT_SCOPES, RATE_LIMIT with x-ratelimit-remaining 0 and a reset), a
 *   secondary rate limit (403, retry-after, GitHub's message), bad credentials, or any answer.
 *
 * Every request is recorded with its headers and body (requests, graphqlRequests(), operations()).
 */
import { createVerify, generateKeyPair, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { promisify } from "node:util";
import { answerGraphql, githubSchema } from "./fake-github-graph.js";
import {
  addIssue,
  addRepository,
  findRepository,
  isoNow,
  seedState,
  type FakeGitHubState,
  type FakeIssue,
  type FakeRepository,
} from "./fake-github-state.js";

export { addIssue, addRepository, TASKPULL, type FakeGitHubState } from "./fake-github-state.js";
export type { FakeComment, FakeIssue, FakeLabel, FakePull, FakeRepository } from "./fake-github-state.js";

const fixturesDir = join(import.meta.dirname, "..", "fixtures", "github_graphql");
/** A recorded fixture's parsed JSON (path under tests/fixtures/github_graphql/). */
export const githubFixture = <T = unknown>(path: string): T =>
  JSON.parse(readFileSync(join(fixturesDir, path), "utf8")) as T;

/** The recorded error bodies failNext() can answer with, by name. */
export const errorFixtures = {
  NOT_FOUND_issue: "errors/NOT_FOUND_issue.json",
  NOT_FOUND_node_mutation: "errors/NOT_FOUND_node_mutation.json",
  FORBIDDEN_saml: "errors/FORBIDDEN_saml.json",
  INSUFFICIENT_SCOPES: "errors/INSUFFICIENT_SCOPES.json",
  RATE_LIMIT: "errors/RATE_LIMIT.json",
  invalid_query_field: "errors/invalid_query_field.mock.json",
} as const;

/** GitHub's secondary rate limit message (403 with retry-after). */
export const SECONDARY_RATE_LIMIT_MESSAGE =
  "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID 9C31:8954C:60104B:C1D441:688BE22C.";

export type FakeGitHubFailure = keyof typeof errorFixtures | "SECONDARY_RATE_LIMIT" | "BAD_CREDENTIALS";

/** An answer of a test's own; without a body the request is answered normally (after delayMs). */
export interface InjectedAnswer {
  status?: number;
  headers?: Record<string, string>;
  body?: unknown;
  delayMs?: number;
}

export interface FakeGitHubOptions {
  /** The personal access token the GraphQL API accepts (default: a random ghp_ token). */
  token?: string;
  /** Who that token belongs to (the viewer, author of what it creates); default iwahbe. */
  tokenLogin?: string;
  /** x-oauth-scopes answered for personal access tokens. */
  scopes?: string;
  /** The GitHub App's id (default 123456). */
  appId?: string;
  /** The App's private key (PKCS#1 PEM, as GitHub gives it); default a new 2048-bit key. */
  appPrivateKeyPem?: string;
  /** The public key JWTs are checked with (default: the private key's). */
  appPublicKey?: string;
  /** The App's installation (on iwahbe/taskpull); default 4242. */
  installationId?: number;
  /** How long installation tokens live (default 3600 s, as GitHub's). */
  tokenTtlSeconds?: number;
  /** The web address in issue and pull request URLs (default: this server's own). */
  webUrl?: string;
  /** createPullRequest refuses a head branch the repository's `branches` do not list (default false). */
  requireKnownBranches?: boolean;
}

export interface FakeGitHubRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** A GraphQL request's parsed body. */
  graphql?: { query?: string; variables?: Record<string, unknown>; operationName?: string };
  /** A GraphQL document's operation name (IssueCreate, …). */
  operation: string | null;
  status: number;
  at: number;
}

export interface FakeGitHub {
  /** This server (GITHUB_URL in tests unless webUrl says otherwise). */
  url: string;
  /** The REST API, GitHub Enterprise style: `${url}/api/v3` (GITHUB_API_URL). */
  apiUrl: string;
  /** The GraphQL API: `${url}/api/graphql` (GITHUB_GRAPHQL_URL). */
  graphqlUrl: string;
  /** The base of the html URLs of issues and pull requests. */
  webUrl: string;
  token: string;
  appId: string;
  appPrivateKeyPem: string;
  installationId: number;
  state: FakeGitHubState;
  requests: FakeGitHubRequest[];
  graphqlRequests(): FakeGitHubRequest[];
  /** The GraphQL operations received, in order (IssueByNumber, IssueClose, …). */
  operations(): string[];
  /** POST /app/installations/:id/access_tokens answered with a token. */
  readonly tokenRequests: number;
  /** The installation tokens issued, in order. */
  issuedTokens: string[];
  tokenTtlSeconds: number;
  /** How far ahead RATE_LIMIT's x-ratelimit-reset is (default 60 s). */
  rateLimitResetSeconds: number;
  /** SECONDARY_RATE_LIMIT's retry-after (default 60 s). */
  retryAfterSeconds: number;
  requireKnownBranches: boolean;
  /** The next GraphQL requests get these answers, one each, in order. */
  failNext(...answers: Array<FakeGitHubFailure | InjectedAnswer>): void;
  /** A new open issue (default repository iwahbe/taskpull; labels by name, made when missing). */
  addIssue(input: { repository?: string; title: string; body?: string; labels?: string[]; author?: string }): FakeIssue;
  /** A new repository with GitHub's defaults (branch main, default labels); `installationId` to install the App. */
  addRepository(nameWithOwner: string, extra?: Partial<FakeRepository>): FakeRepository;
  /** Another token the GraphQL API accepts (a TASK-scoped secret's, say), belonging to `login`. */
  addToken(token: string, login?: string): void;
  revokeToken(token: string): void;
  /** GITHUB_URL, GITHUB_API_URL and GITHUB_GRAPHQL_URL pointing at this server. */
  env(extra?: Record<string, string>): Record<string, string>;
  /** env() plus GITHUB_APP_ID (the installation is looked up per repository unless withInstallationId). */
  appEnv(opts?: { withInstallationId?: boolean }): Record<string, string>;
  stop(): Promise<void>;
}

interface TokenInfo {
  login: string;
  expiresAt: number | null;
  kind: "pat" | "installation";
}

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  const text = body === undefined ? "" : typeof body === "string" ? body : JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "x-github-request-id": randomBytes(8).toString("hex").toUpperCase(),
    server: "github.com",
    ...headers,
  });
  res.end(text);
};

const restError = (message: string, docs: string, status: number) => ({
  message,
  documentation_url: `https://docs.github.com/${docs}`,
  status: String(status),
});

async function bodyOf(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

const b64url = (s: string) => Buffer.from(s, "base64url").toString("utf8");

/** Checks an App JWT as GitHub does: RS256 over the App's public key, iss = the App id, exp ahead, iat not ahead. */
function jwtProblem(authorization: string | undefined, appId: string, publicKey: string): string | null {
  const jwt = /^bearer\s+(\S+)$/i.exec(authorization ?? "")?.[1];
  const parts = jwt?.split(".");
  if (!jwt || parts?.length !== 3) return "A JSON web token could not be decoded";
  try {
    const header = JSON.parse(b64url(parts[0]!)) as { alg?: string };
    const payload = JSON.parse(b64url(parts[1]!)) as { iss?: unknown; exp?: number; iat?: number };
    const verifier = createVerify("RSA-SHA256").update(`${parts[0]}.${parts[1]}`);
    if (header.alg !== "RS256" || !verifier.verify(publicKey, Buffer.from(parts[2]!, "base64url"))) {
      return "A JSON web token could not be decoded";
    }
    const now = Math.floor(Date.now() / 1000);
    if (String(payload.iss) !== appId) return "'Issuer' claim ('iss') must be an Integer";
    if (typeof payload.exp !== "number" || payload.exp <= now) {
      return "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires";
    }
    if (payload.exp - now > 600) return "'Expiration time' claim ('exp') is too far in the future";
    if (typeof payload.iat !== "number" || payload.iat > now + 60)
      return "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued";
    return null;
  } catch {
    return "A JSON web token could not be decoded";
  }
}

export async function startFakeGitHub(opts: FakeGitHubOptions = {}): Promise<FakeGitHub> {
  await githubSchema(); // built before the first request, not during it
  let privateKey = opts.appPrivateKeyPem;
  let publicKey = opts.appPublicKey;
  if (!privateKey) {
    const pair = await promisify(generateKeyPair)("rsa", {
      modulusLength: 2048,
      publicKeyEncoding: { type: "spki", format: "pem" },
      privateKeyEncoding: { type: "pkcs1", format: "pem" },
    });
    privateKey = pair.privateKey;
    publicKey ??= pair.publicKey;
  }
  const appPublicKey = publicKey ?? privateKey;
  const installationId = opts.installationId ?? 4242;
  const appId = opts.appId ?? "123456";
  const token = opts.token ?? `ghp_${randomBytes(18).toString("hex")}`;
  const tokens = new Map<string, TokenInfo>([
    [token, { login: opts.tokenLogin ?? "iwahbe", expiresAt: null, kind: "pat" }],
  ]);
  const injected: Array<FakeGitHubFailure | InjectedAnswer> = [];
  const rateWindowReset = Math.floor(Date.now() / 1000) + 3600;
  const used = new Map<string, number>();
  let tokenRequests = 0;

  const rateHeaders = (tok: string): Record<string, string> => {
    const count = (used.get(tok) ?? 0) + 1;
    used.set(tok, count);
    const info = tokens.get(tok);
    return {
      "x-ratelimit-limit": "5000",
      "x-ratelimit-remaining": String(Math.max(0, 5000 - count)),
      "x-ratelimit-reset": String(rateWindowReset),
      "x-ratelimit-used": String(count),
      "x-ratelimit-resource": "graphql",
      "x-github-media-type": "github.v4; format=json",
      ...(info?.kind === "pat"
        ? { "x-oauth-scopes": opts.scopes ?? "repo, read:org", "x-accepted-oauth-scopes": "repo" }
        : {}),
    };
  };

  const failureAnswer = (failure: FakeGitHubFailure | InjectedAnswer): InjectedAnswer => {
    if (typeof failure !== "string") return failure;
    if (failure === "SECONDARY_RATE_LIMIT") {
      return {
        status: 403,
        headers: { "retry-after": String(fake.retryAfterSeconds) },
        body: {
          message: SECONDARY_RATE_LIMIT_MESSAGE,
          documentation_url:
            "https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits",
        },
      };
    }
    if (failure === "BAD_CREDENTIALS") return { status: 401, body: restError("Bad credentials", "graphql", 401) };
    const headers: Record<string, string> =
      failure === "RATE_LIMIT"
        ? {
            "x-ratelimit-remaining": "0",
            "x-ratelimit-used": "5000",
            "x-ratelimit-reset": String(Math.floor(Date.now() / 1000) + fake.rateLimitResetSeconds),
          }
        : {};
    return { status: 200, headers, body: githubFixture(errorFixtures[failure]) };
  };

  const handleGraphql = async (req: IncomingMessage, res: ServerResponse, record: FakeGitHubRequest) => {
    const presented = /^(?:bearer|token)\s+(\S+)$/i.exec(req.headers.authorization ?? "")?.[1];
    const info = presented ? tokens.get(presented) : undefined;
    if (!presented || !info || (info.expiresAt !== null && info.expiresAt <= Date.now())) {
      record.status = 401;
      return json(res, 401, restError("Bad credentials", "graphql", 401));
    }
    const headers = rateHeaders(presented);
    const next = injected.shift();
    if (next !== undefined) {
      const answer = failureAnswer(next);
      if (answer.delayMs) await new Promise((r) => setTimeout(r, answer.delayMs));
      if (answer.body !== undefined) {
        record.status = answer.status ?? 200;
        return json(res, record.status, answer.body, { ...headers, ...answer.headers });
      }
    }
    if (!record.graphql) {
      record.status = 400;
      return json(res, 400, restError("Problems parsing JSON", "graphql", 400), headers);
    }
    const answer = await answerGraphql(
      { state: fake.state, webUrl: fake.webUrl, viewer: info.login, requireKnownBranches: fake.requireKnownBranches },
      record.graphql,
    );
    record.status = 200;
    json(res, 200, answer, headers);
  };

  const handleRest = (req: IncomingMessage, res: ServerResponse, path: string, record: FakeGitHubRequest) => {
    const tokenRoute = /^\/app\/installations\/(\d+)\/access_tokens$/.exec(path);
    const installationRoute = /^\/repos\/([^/]+)\/([^/]+)\/installation$/.exec(path);
    if (!(req.method === "POST" && tokenRoute) && !(req.method === "GET" && installationRoute)) {
      record.status = 404;
      return json(res, 404, restError("Not Found", "rest", 404));
    }
    const problem = jwtProblem(req.headers.authorization, appId, appPublicKey);
    if (problem) {
      record.status = 401;
      return json(res, 401, restError(problem, "rest", 401));
    }
    if (tokenRoute) {
      if (Number(tokenRoute[1]) !== installationId) {
        record.status = 404;
        return json(
          res,
          404,
          restError("Not Found", "rest/apps/apps#create-an-installation-access-token-for-an-app", 404),
        );
      }
      tokenRequests += 1;
      const issued = `ghs_${randomBytes(18).toString("hex")}`;
      const expiresAt = Date.now() + fake.tokenTtlSeconds * 1000;
      tokens.set(issued, { login: "agent-system[bot]", expiresAt, kind: "installation" });
      fake.issuedTokens.push(issued);
      record.status = 201;
      return json(res, 201, {
        token: issued,
        expires_at: new Date(expiresAt).toISOString().replace(/\.\d{3}Z$/, "Z"),
        permissions: { contents: "write", issues: "write", metadata: "read", pull_requests: "write" },
        repository_selection: "all",
      });
    }
    const repo = findRepository(fake.state, `${installationRoute![1]}/${installationRoute![2]}`);
    if (!repo || repo.installationId === null) {
      record.status = 404;
      return json(
        res,
        404,
        restError("Not Found", "rest/apps/apps#get-a-repository-installation-for-the-authenticated-app", 404),
      );
    }
    record.status = 200;
    return json(res, 200, {
      id: repo.installationId,
      account: { login: repo.owner, type: "User" },
      app_id: Number(appId),
      app_slug: "agent-system",
      target_type: "User",
      repository_selection: "all",
      access_tokens_url: `${fake.apiUrl}/app/installations/${repo.installationId}/access_tokens`,
      created_at: isoNow(),
    });
  };

  const server = createServer(async (req, res) => {
    const path = new URL(req.url ?? "/", "http://127.0.0.1").pathname;
    const body = await bodyOf(req);
    const record: FakeGitHubRequest = {
      method: req.method ?? "GET",
      path,
      headers: req.headers,
      body,
      operation: null,
      status: 0,
      at: Date.now(),
    };
    fake.requests.push(record);
    try {
      if (req.method === "POST" && (path === "/graphql" || path === "/api/graphql")) {
        try {
          record.graphql = JSON.parse(body) as FakeGitHubRequest["graphql"];
          record.operation = /\b(?:query|mutation)\s+(\w+)/.exec(record.graphql?.query ?? "")?.[1] ?? null;
        } catch {
          record.graphql = undefined;
        }
        await handleGraphql(req, res, record);
      } else {
        handleRest(req, res, path.replace(/^\/api\/v3(?=\/)/, ""), record);
      }
    } catch (err) {
      record.status = 500;
      json(res, 500, { message: `fake GitHub failed: ${(err as Error).message}` });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const fake: FakeGitHub = {
    url,
    apiUrl: `${url}/api/v3`,
    graphqlUrl: `${url}/api/graphql`,
    webUrl: opts.webUrl ?? url,
    token,
    appId,
    appPrivateKeyPem: privateKey,
    installationId,
    state: seedState(installationId),
    requests: [],
    graphqlRequests: () => fake.requests.filter((r) => r.path.endsWith("/graphql")),
    operations: () => fake.graphqlRequests().flatMap((r) => (r.operation ? [r.operation] : [])),
    get tokenRequests() {
      return tokenRequests;
    },
    issuedTokens: [],
    tokenTtlSeconds: opts.tokenTtlSeconds ?? 3600,
    rateLimitResetSeconds: 60,
    retryAfterSeconds: 60,
    requireKnownBranches: opts.requireKnownBranches ?? false,
    failNext: (...answers) => void injected.push(...answers),
    addIssue: (input) => addIssue(fake.state, input),
    addRepository: (nameWithOwner, extra) => addRepository(fake.state, nameWithOwner, extra),
    addToken: (extra, login = "iwahbe") => void tokens.set(extra, { login, expiresAt: null, kind: "pat" }),
    revokeToken: (revoked) => void tokens.delete(revoked),
    env: (extra = {}) => ({
      GITHUB_URL: fake.webUrl,
      GITHUB_API_URL: fake.apiUrl,
      GITHUB_GRAPHQL_URL: fake.graphqlUrl,
      ...extra,
    }),
    appEnv: ({ withInstallationId = false } = {}) => ({
      ...fake.env(),
      GITHUB_APP_ID: appId,
      ...(withInstallationId ? { GITHUB_APP_INSTALLATION_ID: String(installationId) } : {}),
    }),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return fake;
}
