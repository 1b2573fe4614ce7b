import type { SecretLookup, SecretUse } from "../../domain/secrets/secret.types.js";

/**
 * Who a GitHub call is for: the scope its credentials are looked up in (a TASK secret, then
 * AGENT, then GLOBAL, or the App's installation for `repository`), and what the use of the secret
 * is recorded as. Tools make one from their context; services (the webhook flow) from the task.
 */
export interface GitHubCaller {
  scope: SecretLookup;
  use: SecretUse;
  /** Cancels the call (a cancelled task, a stopping server). */
  signal?: AbortSignal;
}

/** One GraphQL call: the caller and the repository it is about (owner/name; picks the App installation). */
export interface GitHubCall extends GitHubCaller {
  repository?: string;
}

/**
 * The GitHub GraphQL API as the service talks to it (implemented in
 * src/infra/github/graphql-client.ts over @octokit/graphql): one document, its variables, the
 * answer's `data`. Every failure is a DomainError: NOT_FOUND, FORBIDDEN, INSUFFICIENT_SCOPES,
 * RATE_LIMITED (with retryAfterSeconds), NOT_CONFIGURED (no credentials), FETCH_FAILED (GitHub
 * unreachable or too slow) or GITHUB_FAILED (GitHub's type and message kept).
 */
export interface GitHubGraphql {
  request<T>(document: string, variables: Record<string, unknown>, call: GitHubCall): Promise<T>;
}
