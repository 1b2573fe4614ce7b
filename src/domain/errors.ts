/** Every code a domain error can carry. The GraphQL boundary maps each one (checked by the compiler). */
export const errorCodes = [
  "BAD_USER_INPUT",
  "NOT_FOUND",
  "CONFLICT",
  "INVALID_TRANSITION",
  "UNAUTHENTICATED",
  "FORBIDDEN",
  "POLICY_DENIED",
  "LIMIT_EXCEEDED",
  "SANDBOX_UNAVAILABLE",
  /** The network could not give what was asked: unreachable host, TLS, an HTTP error status, a body that is not what was asked (`reason` says which). */
  "FETCH_FAILED",
  /** Over a rate limit after waiting the longest allowed (`retryAfterSeconds` says when to try again). */
  "RATE_LIMITED",
  /** The search engine refused to answer (its anomaly page): `retryAfterSeconds` says when it is asked again. */
  "SEARCH_THROTTLED",
  /** The search engine's page did not have the expected structure (a changed layout). */
  "SEARCH_PARSE_FAILED",
  /** A feature's settings are missing (no GitHub credentials, no secrets key): `setting` names what to set. */
  "NOT_CONFIGURED",
  /** A secret could not be decrypted: its ciphertext or wrapped key was altered, or the master key that wrapped it is not configured. */
  "SECRET_UNREADABLE",
  /** GitHub refused: the token lacks a scope or permission the operation needs. */
  "INSUFFICIENT_SCOPES",
  /** GitHub answered with an error none of the other codes describe (its type and message are kept). */
  "GITHUB_FAILED",
  /** A git command failed: `exitCode` and `stderr` (credentials removed) say how. */
  "GIT_FAILED",
  /** The workspace's files were removed by WORKSPACE_RETENTION_DAYS (its task finished long ago); its record stays. */
  "WORKSPACE_REMOVED",
  /** The process holding the workspace did not answer in time (stopped, or cut off): try again later. */
  "WORKSPACE_UNAVAILABLE",
  /** The workspace's holder has been gone past HOLDER_LOST_AFTER_MS: its files are out of reach (status LOST). */
  "WORKSPACE_LOST",
] as const;

export type ErrorCode = (typeof errorCodes)[number];

/**
 * What a ToolCall records as its error: the code of the domain error it failed with, INTERNAL for
 * any other failure (its message is not kept), INTERRUPTED when the worker running it stopped.
 */
export const toolCallErrorCodes = [...errorCodes, "INTERNAL", "INTERRUPTED"] as const;
export type ToolCallErrorCode = (typeof toolCallErrorCodes)[number];

export interface ErrorDetails {
  /** The input field at fault, as the client named it (e.g. "title", "after"). */
  field?: string;
  [key: string]: unknown;
}

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: ErrorDetails = {},
  ) {
    super(message);
    this.name = "DomainError";
  }
}

/** One problem of an input: the field's path as the client named it (`input.title`, `limits.0`) and what is wrong. */
export interface FieldProblem {
  path: string;
  message: string;
}

/** One bad field: `field` names it, and `fields` lists it as every BAD_USER_INPUT error does. */
export const badInput = (field: string, message: string, extra: ErrorDetails = {}) =>
  new DomainError("BAD_USER_INPUT", `${field}: ${message}`, { fields: [{ path: field, message }], ...extra, field });

/** Every problem of one input at once (BAD_USER_INPUT): `field` names the first, `fields` all of them. */
export function invalidFields(problems: readonly FieldProblem[]): DomainError {
  const fields = problems.length > 0 ? [...problems] : [{ path: "input", message: "is invalid" }];
  const message = fields.map((f) => `${f.path}: ${f.message}`).join("; ");
  return new DomainError("BAD_USER_INPUT", message.length > 1_000 ? `${message.slice(0, 999)}…` : message, {
    field: fields[0]!.path,
    fields,
  });
}

/** An id as quoted in a message: a client may send anything as an id, even 100 KB. */
const quoteId = (id: string): string => JSON.stringify(id.length > 64 ? `${id.slice(0, 64)}…` : id);

export const notFound = (what: string, id: string, field = "id") =>
  new DomainError("NOT_FOUND", `${what} ${quoteId(id)} does not exist`, { field });

export const conflict = (message: string, field?: string) =>
  new DomainError("CONFLICT", message, field === undefined ? {} : { field });

/** WORKSPACE_REMOVED for a workspace whose files retention removed (`removedAt`: when). */
export const workspaceRemoved = (workspaceId: string, removedAt: Date, field?: string) =>
  new DomainError(
    "WORKSPACE_REMOVED",
    `Workspace ${quoteId(workspaceId)} was removed on ${removedAt.toISOString()} (WORKSPACE_RETENTION_DAYS): its task finished long ago and its files are gone`,
    { workspaceId, removedAt: removedAt.toISOString(), ...(field ? { field } : {}) },
  );

export const forbidden = (message: string) => new DomainError("FORBIDDEN", message);

export const unauthenticated = (message = "A valid API key is required") => new DomainError("UNAUTHENTICATED", message);

/** A tool policy refused the call; `rule` names the rule that did (e.g. "path.outside-workspace"). */
export const policyDenied = (rule: string, message: string, extra: ErrorDetails = {}) =>
  new DomainError("POLICY_DENIED", `${message} (rule ${rule})`, { ...extra, rule });
