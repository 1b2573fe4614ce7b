/**
 * GitHub's answers that are not what was asked for, as typed errors; and the rate limits GitHub
 * announces, remembered so that no call is sent while one holds. No message here carries a token:
 * GitHub's own messages are kept (they name scopes and resources, not credentials), and any text
 * that reaches an error is scrubbed of the token used.
 */
import { createHash } from "node:crypto";
import { DomainError, type ErrorCode } from "../../domain/errors.js";

/** Response headers as @octokit/request gives them (lower-case names). */
export type Headers = Record<string, string | number | undefined>;

/** How long to wait after a secondary rate limit that gave no retry-after (GitHub's advice: at least a minute). */
export const SECONDARY_RATE_LIMIT_WAIT_SECONDS = 60;

/** One GraphQL error as GitHub sends it (`type` is GitHub's; validation errors have none). */
export interface GitHubGraphqlError {
  type?: string;
  message?: string;
  path?: Array<string | number>;
  extensions?: Record<string, unknown>;
}

const header = (headers: Headers, name: string): string | undefined => {
  const value = headers[name];
  return value === undefined ? undefined : String(value);
};

/** Where the token was, "[REDACTED]" (defence in depth: GitHub does not echo tokens). */
export const scrub = (text: string, token: string | undefined): string =>
  token && token.length >= 4 ? text.split(token).join("[REDACTED]") : text;

/** A token's identity for the rate-limit memory: a hash of it and the host, never the token. */
export function tokenIdentity(token: string, url: string): string {
  const digest = createHash("sha256").update(token).digest("hex").slice(0, 24);
  let host = url;
  try {
    host = new URL(url).host;
  } catch {
    // a bad URL fails the request itself
  }
  return `${digest}@${host}`;
}

/**
 * When GitHub says calls may go on again, in ms since the epoch: retry-after (seconds), else the
 * primary limit's x-ratelimit-reset when x-ratelimit-remaining is 0; null when it says neither.
 */
export function resumeAt(headers: Headers, now: number): number | null {
  const retryAfter = Number(header(headers, "retry-after"));
  if (header(headers, "retry-after") !== undefined && Number.isFinite(retryAfter) && retryAfter >= 0) {
    return now + retryAfter * 1000;
  }
  const reset = Number(header(headers, "x-ratelimit-reset"));
  if (header(headers, "x-ratelimit-remaining") === "0" && Number.isFinite(reset) && reset > 0) {
    return Math.max(now, reset * 1000);
  }
  return null;
}

/** The primary limit's reset (x-ratelimit-reset), whatever remains; null without the header. */
function resetAt(headers: Headers, now: number): number | null {
  const reset = Number(header(headers, "x-ratelimit-reset"));
  return header(headers, "x-ratelimit-reset") !== undefined && Number.isFinite(reset) && reset > 0
    ? Math.max(now, reset * 1000)
    : null;
}

export const rateLimited = (retryAfterSeconds: number, message: string, extra: Record<string, unknown> = {}) =>
  new DomainError("RATE_LIMITED", `${message.replace(/\.$/, "")}; try again in ${retryAfterSeconds} s`, {
    retryAfterSeconds,
    ...extra,
  });

/**
 * Per token identity and host: until when GitHub's rate limit holds. A call made before then is
 * refused without being sent (RATE_LIMITED with the seconds left).
 */
export class RateLimitMemory {
  private readonly until = new Map<string, number>();

  /** Milliseconds before `identity` may call again (0: now). */
  waitMs(identity: string, now: number): number {
    const until = this.until.get(identity);
    if (until === undefined) return 0;
    if (until <= now) {
      this.until.delete(identity);
      return 0;
    }
    return until - now;
  }

  hold(identity: string, until: number): void {
    this.until.set(identity, Math.max(until, this.until.get(identity) ?? 0));
  }

  /** Reads an answer's headers: none remaining holds further calls until the reset. */
  observe(identity: string, headers: Headers, now: number): void {
    const until = header(headers, "x-ratelimit-remaining") === "0" ? resumeAt(headers, now) : null;
    if (until !== null && until > now) this.hold(identity, until);
  }
}

/** What mapping an error needs to know of the call. */
export interface ErrorContext {
  token: string;
  headers: Headers;
  now: number;
}

/** The codes GitHub's GraphQL `type`s map to (RATE_LIMIT and RATE_LIMITED are handled apart). */
const graphqlTypes: Record<string, ErrorCode> = {
  NOT_FOUND: "NOT_FOUND",
  FORBIDDEN: "FORBIDDEN",
  INSUFFICIENT_SCOPES: "INSUFFICIENT_SCOPES",
};

const isRateLimitType = (type: string | undefined) => type === "RATE_LIMIT" || type === "RATE_LIMITED";

/**
 * GitHub's `errors` (HTTP 200) as one typed error: a rate limit first (it says when to call again),
 * else the first error of a known type, else GITHUB_FAILED with GitHub's type and message.
 * `until` is set when calls must be held back.
 */
export function fromGraphqlErrors(
  errors: readonly GitHubGraphqlError[],
  ctx: ErrorContext,
): { error: DomainError; until: number | null } {
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more error${errors.length > 2 ? "s" : ""})` : "";
  const limit = errors.find((e) => isRateLimitType(e.type));
  if (limit) {
    const until =
      resumeAt(ctx.headers, ctx.now) ??
      resetAt(ctx.headers, ctx.now) ??
      ctx.now + SECONDARY_RATE_LIMIT_WAIT_SECONDS * 1000;
    const seconds = Math.max(1, Math.ceil((until - ctx.now) / 1000));
    const message = scrub(limit.message ?? "rate limit exceeded", ctx.token);
    return { error: rateLimited(seconds, `GitHub's rate limit: ${message}`, { githubType: limit.type }), until };
  }
  const known = errors.find((e) => e.type !== undefined && e.type in graphqlTypes);
  const first = known ?? errors[0] ?? { message: "GitHub answered with an error it did not describe" };
  const code = known?.type ? (graphqlTypes[known.type] ?? "GITHUB_FAILED") : "GITHUB_FAILED";
  const details: Record<string, unknown> = { githubType: first.type ?? null };
  if (first.path) details.githubPath = first.path;
  if (first.extensions?.saml_failure === true) details.samlFailure = true;
  const message = scrub(first.message ?? "no message", ctx.token);
  return { error: new DomainError(code, `GitHub: ${message}${more}`, details), until: null };
}

/** An HTTP error answer of GitHub's (4xx, 5xx) as a typed error. */
export function fromHttpError(
  status: number,
  body: unknown,
  ctx: ErrorContext,
): { error: DomainError; until: number | null } {
  const githubMessage = scrub(messageOf(body), ctx.token);
  if (status === 401) {
    return {
      error: new DomainError(
        "FORBIDDEN",
        `GitHub refused the credentials (HTTP 401: ${githubMessage}): replace the GITHUB_TOKEN secret or check the GitHub App`,
        { status, reason: "credentials refused" },
      ),
      until: null,
    };
  }
  const secondary = /secondary rate limit|abuse/i.test(githubMessage);
  const until = resumeAt(ctx.headers, ctx.now);
  if ((status === 403 || status === 429) && (secondary || until !== null)) {
    const resume = until ?? ctx.now + SECONDARY_RATE_LIMIT_WAIT_SECONDS * 1000;
    const seconds = Math.max(1, Math.ceil((resume - ctx.now) / 1000));
    const what = secondary ? "GitHub's secondary rate limit" : "GitHub's rate limit";
    return { error: rateLimited(seconds, `${what}: ${githubMessage}`, { status, secondary }), until: resume };
  }
  if (status === 403) {
    return { error: new DomainError("FORBIDDEN", `GitHub: ${githubMessage}`, { status }), until: null };
  }
  return {
    error: new DomainError("GITHUB_FAILED", `GitHub answered HTTP ${status}: ${githubMessage}`, { status }),
    until: null,
  };
}

/** GitHub's message of an error body ({"message": …}), or the start of a body that is not one. */
function messageOf(body: unknown): string {
  if (body && typeof body === "object" && "message" in body && typeof body.message === "string") {
    return body.message.slice(0, 500);
  }
  if (typeof body === "string" && body.trim() !== "") return body.trim().slice(0, 200);
  return "no message";
}

/** The network failed: GitHub unreachable, or too slow (FETCH_FAILED with the reason). */
export function unreachable(reason: "unreachable" | "timeout", detail: string, token: string): DomainError {
  const message =
    reason === "timeout" ? `GitHub did not answer in time (${detail})` : `GitHub could not be reached: ${detail}`;
  return new DomainError("FETCH_FAILED", scrub(message, token), { reason, service: "github" });
}

/** An @octokit/request error (HttpError): its status and, when GitHub answered, the answer. */
export interface HttpErrorLike {
  name: string;
  status: number;
  message: string;
  response?: { status: number; headers: Headers; data: unknown };
}

export const isHttpError = (err: unknown): err is HttpErrorLike =>
  err instanceof Error && err.name === "HttpError" && typeof (err as { status?: unknown }).status === "number";
