import type { SecretLookup, SecretUse } from "../../domain/secrets/secret.types.js";

/** Credentials for one GitHub call or git operation (HTTP Basic: username and token). */
export interface GitHubCredentials {
  /** "x-access-token" for App installation tokens and fine-grained tokens alike. */
  username: string;
  token: string;
  /** When the token stops working (App installation tokens); null for a PAT. */
  expiresAt: Date | null;
}

/**
 * The service's connection to GitHub: where it is and how it signs in (a GITHUB_TOKEN secret, or a
 * GitHub App's installation token). Implemented in src/infra/github/connection.ts.
 */
export interface GitHubConnection {
  /** The web address (https://github.com or a GitHub Enterprise server). */
  readonly webUrl: string;
  readonly graphqlUrl: string;
  /**
   * The credentials for `scope` (a TASK secret, then AGENT, then GLOBAL, or the App's installation
   * token for `repository` = owner/name). Throws NOT_CONFIGURED when there are none.
   */
  credentials(scope: SecretLookup, use: SecretUse, repository?: string): Promise<GitHubCredentials>;
  /**
   * GitHub refused these credentials (HTTP 401): a cached App installation token is dropped, so
   * the next call fetches a new one. A refused PAT stays as it is (the secret must be replaced).
   */
  refused?(credentials: GitHubCredentials): void;
}
