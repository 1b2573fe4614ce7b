/**
 * GitHub's GraphQL API over @octokit/graphql: the token per call from the connection, a time limit
 * per call, GitHub's rate limits respected (a call is not sent while one holds for its token), and
 * every failure a typed error (see github-errors.ts).
 */
import { GraphqlResponseError, withCustomRequest } from "@octokit/graphql";
import { request as octokitRequest } from "@octokit/request";
import type { Logger } from "../../domain/shared/deps.js";
import type { GitHubConnection } from "../../tools/github/connection.js";
import type { GitHubCall, GitHubGraphql } from "../../tools/github/github-graphql.js";
import {
  fromGraphqlErrors,
  fromHttpError,
  isHttpError,
  rateLimited,
  RateLimitMemory,
  tokenIdentity,
  unreachable,
  type GitHubGraphqlError,
  type Headers,
} from "./github-errors.js";

/** The longest one GitHub call may take. */
export const GITHUB_TIMEOUT_MS = 30_000;

export const GITHUB_USER_AGENT = "agent-system/0.1 (GitHub)";

/** @octokit/request writes deprecation notices to the console unless given a log: they go to ours. */
export const octokitLog = (logger?: Logger) => ({
  debug: () => {},
  info: () => {},
  warn: (message: string) => logger?.warn({ github: message.slice(0, 300) }, "GitHub API notice"),
  error: () => {},
});

export interface GitHubGraphqlOptions {
  /** Replaces global fetch (tests count requests through it). */
  fetch?: typeof fetch;
  /** The clock rate limits are read against (tests move it). */
  now?: () => number;
  timeoutMs?: number;
  logger?: Logger;
}

const operationOf = (document: string): string => /\b(?:query|mutation)\s+(\w+)/.exec(document)?.[1] ?? "anonymous";

export class OctokitGitHubGraphql implements GitHubGraphql {
  private readonly limits = new RateLimitMemory();

  constructor(
    private readonly connection: GitHubConnection,
    private readonly opts: GitHubGraphqlOptions = {},
  ) {}

  private now(): number {
    return this.opts.now?.() ?? Date.now();
  }

  async request<T>(document: string, variables: Record<string, unknown>, call: GitHubCall): Promise<T> {
    const credentials = await this.connection.credentials(call.scope, call.use, call.repository);
    const url = this.connection.graphqlUrl;
    const identity = tokenIdentity(credentials.token, url);
    const operation = operationOf(document);
    const waitMs = this.limits.waitMs(identity, this.now());
    if (waitMs > 0) {
      throw rateLimited(Math.ceil(waitMs / 1000), "GitHub's rate limit for these credentials has not reset yet", {
        sent: false,
      });
    }

    const timeoutMs = this.opts.timeoutMs ?? GITHUB_TIMEOUT_MS;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = call.signal ? AbortSignal.any([call.signal, timeout]) : timeout;
    let headers: Headers = {};
    const baseFetch = this.opts.fetch ?? globalThis.fetch;
    const send = octokitRequest.defaults({
      headers: { authorization: `bearer ${credentials.token}`, "user-agent": GITHUB_USER_AGENT },
      request: {
        signal,
        log: octokitLog(this.opts.logger),
        // Every answer's headers, for the rate limits: a success's too, which @octokit/graphql drops.
        fetch: async (input: string | URL | Request, init?: RequestInit) => {
          const response = await baseFetch(input, init);
          headers = Object.fromEntries(response.headers.entries());
          return response;
        },
      },
    });
    const started = this.now();
    try {
      const data = await withCustomRequest(send)<T>({ query: document, url, ...variables });
      this.limits.observe(identity, headers, this.now());
      this.opts.logger?.debug({ operation, ms: this.now() - started }, "GitHub call");
      return data;
    } catch (err) {
      const now = this.now();
      this.limits.observe(identity, headers, now);
      if (call.signal?.aborted) throw call.signal.reason ?? err;
      if (timeout.aborted) throw unreachable("timeout", `${timeoutMs} ms`, credentials.token);
      const ctx = { token: credentials.token, headers, now };
      let mapped: ReturnType<typeof fromGraphqlErrors>;
      if (err instanceof GraphqlResponseError) {
        mapped = fromGraphqlErrors((err.errors ?? []) as GitHubGraphqlError[], ctx);
      } else if (isHttpError(err) && err.response) {
        if (err.status === 401) this.connection.refused?.(credentials);
        mapped = fromHttpError(err.status, err.response.data, ctx);
      } else if (isHttpError(err)) {
        throw unreachable("unreachable", err.message.slice(0, 300), credentials.token);
      } else {
        throw err;
      }
      if (mapped.until !== null) {
        this.limits.hold(identity, mapped.until);
        this.opts.logger?.warn(
          { operation, host: new URL(url).host, retryAfterSeconds: mapped.error.details.retryAfterSeconds },
          "GitHub rate limit: calls with these credentials wait until it resets",
        );
      } else {
        this.opts.logger?.debug({ operation, code: mapped.error.code }, "GitHub call failed");
      }
      throw mapped.error;
    }
  }
}
