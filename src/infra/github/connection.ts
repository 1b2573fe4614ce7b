/**
 * How the service signs in to GitHub: a GITHUB_TOKEN secret (a classic or fine-grained personal
 * access token; the TASK's, else the AGENT's, else the GLOBAL one), or, when GITHUB_APP_ID is set,
 * a GitHub App: its private key (the GLOBAL GITHUB_APP_PRIVATE_KEY secret) signs a JWT that
 * @octokit/auth-app exchanges for an installation token, kept in memory until 5 minutes before it
 * expires (or until GitHub refuses it). Secrets are read from the store at the moment they are
 * needed and not kept; installation tokens are, for their hour.
 */
import type { createAppAuth } from "@octokit/auth-app";
import { request as octokitRequest } from "@octokit/request";
import type { GitHubConfig } from "../../config.js";
import { DomainError } from "../../domain/errors.js";
import type { SecretLookup, SecretReader, SecretUse } from "../../domain/secrets/secret.types.js";
import type { Logger } from "../../domain/shared/deps.js";
import type { GitHubConnection, GitHubCredentials } from "../../tools/github/connection.js";
import { fromHttpError, isHttpError, unreachable } from "./github-errors.js";
import { GITHUB_TIMEOUT_MS, GITHUB_USER_AGENT, octokitLog } from "./graphql-client.js";

/** An installation token is renewed this long before it expires. */
export const INSTALLATION_TOKEN_MARGIN_MS = 5 * 60_000;
/** How long a repository's installation id, once looked up, is used without asking again. */
const INSTALLATION_LOOKUP_TTL_MS = 60 * 60_000;

/** Git takes any user name with a token; GitHub's documentation uses this one. */
const GIT_USERNAME = "x-access-token";

export const notConfigured = (message: string, setting: string) =>
  new DomainError("NOT_CONFIGURED", message, { setting });

export interface GitHubConnectionOptions {
  fetch?: typeof fetch;
  /** The clock token expiry is read against (tests move it). */
  now?: () => number;
  timeoutMs?: number;
  logger?: Logger;
}

type ConnectionSettings = Pick<
  GitHubConfig,
  "webUrl" | "apiUrl" | "graphqlUrl" | "appId" | "appInstallationId" | "repositories"
>;

interface CachedToken {
  token: string;
  expiresAt: number;
}

type AppAuth = ReturnType<typeof createAppAuth>;

export class SecretStoreGitHubConnection implements GitHubConnection {
  readonly webUrl: string;
  readonly graphqlUrl: string;
  /** Installation tokens, by installation id. */
  private readonly tokens = new Map<string, CachedToken>();
  /** Token requests under way, by installation id: concurrent callers share one. */
  private readonly pending = new Map<string, Promise<CachedToken>>();
  /** Installation ids looked up, by repository (lower case). */
  private readonly installations = new Map<string, { id: string; at: number }>();

  constructor(
    private readonly settings: ConnectionSettings,
    private readonly secrets: SecretReader,
    private readonly opts: GitHubConnectionOptions = {},
  ) {
    this.webUrl = settings.webUrl;
    this.graphqlUrl = settings.graphqlUrl;
  }

  private now(): number {
    return this.opts.now?.() ?? Date.now();
  }

  async credentials(scope: SecretLookup, use: SecretUse, repository?: string): Promise<GitHubCredentials> {
    if (this.settings.appId) return this.appCredentials(this.settings.appId, use, repository);
    const token = (await this.secrets.reveal("GITHUB_TOKEN", scope, use))?.trim();
    if (!token) {
      throw notConfigured(
        "No GitHub credentials: add a GITHUB_TOKEN secret (createSecret) or configure a GitHub App (GITHUB_APP_ID)",
        "GITHUB_TOKEN secret or GITHUB_APP_ID",
      );
    }
    return { username: GIT_USERNAME, token, expiresAt: null };
  }

  refused(credentials: GitHubCredentials): void {
    for (const [id, cached] of this.tokens) {
      if (cached.token === credentials.token) this.tokens.delete(id);
    }
  }

  private async appCredentials(appId: string, use: SecretUse, repository?: string): Promise<GitHubCredentials> {
    const known = this.settings.appInstallationId ?? this.knownInstallation(repository);
    const cached = known ? this.fresh(known) : null;
    if (cached) return { username: GIT_USERNAME, token: cached.token, expiresAt: new Date(cached.expiresAt) };
    const key = known ?? `repository:${(repository ?? "").toLowerCase()}`;
    let pending = this.pending.get(key);
    if (!pending) {
      pending = this.fetchToken(appId, use, known, repository).finally(() => this.pending.delete(key));
      this.pending.set(key, pending);
    }
    const token = await pending;
    return { username: GIT_USERNAME, token: token.token, expiresAt: new Date(token.expiresAt) };
  }

  /** A cached token with more than the margin left. */
  private fresh(installationId: string): CachedToken | null {
    const cached = this.tokens.get(installationId);
    return cached && cached.expiresAt - INSTALLATION_TOKEN_MARGIN_MS > this.now() ? cached : null;
  }

  private knownInstallation(repository: string | undefined): string | null {
    const name = (repository ?? this.settings.repositories[0])?.toLowerCase();
    const found = name ? this.installations.get(name) : undefined;
    return found && this.now() - found.at < INSTALLATION_LOOKUP_TTL_MS ? found.id : null;
  }

  private async fetchToken(
    appId: string,
    use: SecretUse,
    known: string | null,
    repository: string | undefined,
  ): Promise<CachedToken> {
    const signal = AbortSignal.timeout(this.opts.timeoutMs ?? GITHUB_TIMEOUT_MS);
    const auth = await this.appAuth(appId, use, signal);
    const installationId = known ?? (await this.lookUpInstallation(auth, repository, signal));
    const again = this.fresh(installationId);
    if (again) return again;
    try {
      const result = await auth({ type: "installation", installationId: Number(installationId), refresh: true });
      const token = { token: result.token, expiresAt: Date.parse(result.expiresAt) };
      this.tokens.set(installationId, token);
      this.opts.logger?.info({ installationId, expiresAt: result.expiresAt }, "GitHub App installation token fetched");
      return token;
    } catch (err) {
      throw this.appError(err, signal, `installation ${installationId}`);
    }
  }

  /** @octokit/auth-app over the App's private key, read from the store for this one token request. */
  private async appAuth(appId: string, use: SecretUse, signal: AbortSignal): Promise<AppAuth> {
    const purpose = `${use.purpose} (GitHub App installation token)`;
    const privateKey = await this.secrets.reveal("GITHUB_APP_PRIVATE_KEY", {}, { toolCallId: use.toolCallId, purpose });
    if (!privateKey) {
      throw notConfigured(
        "GITHUB_APP_ID is set but there is no GITHUB_APP_PRIVATE_KEY secret (GLOBAL): add the App's private key with createSecret",
        "GITHUB_APP_PRIVATE_KEY secret",
      );
    }
    if (!/-----BEGIN (RSA )?PRIVATE KEY-----/.test(privateKey)) {
      throw notConfigured(
        "The GITHUB_APP_PRIVATE_KEY secret is not a private key in PEM form (-----BEGIN RSA PRIVATE KEY-----)",
        "GITHUB_APP_PRIVATE_KEY secret",
      );
    }
    // Loaded at the first App token (most installations sign in with a token secret, not an App).
    const { createAppAuth } = await import("@octokit/auth-app");
    return createAppAuth({ appId, privateKey, request: this.request(signal), log: octokitLog(this.opts.logger) });
  }

  private request(signal: AbortSignal) {
    return octokitRequest.defaults({
      baseUrl: this.settings.apiUrl,
      headers: { "user-agent": GITHUB_USER_AGENT },
      request: { signal, fetch: this.opts.fetch ?? globalThis.fetch, log: octokitLog(this.opts.logger) },
    });
  }

  /** The App's installation on `repository` (GET /repos/{owner}/{repo}/installation, signed with the App's JWT). */
  private async lookUpInstallation(auth: AppAuth, repository: string | undefined, signal: AbortSignal) {
    const name = repository ?? this.settings.repositories[0];
    if (!name) {
      throw notConfigured(
        "The GitHub App's installation is not known: set GITHUB_APP_INSTALLATION_ID (or GITHUB_REPOSITORIES)",
        "GITHUB_APP_INSTALLATION_ID",
      );
    }
    const [owner = "", repo = ""] = name.split("/");
    try {
      const { token: jwt } = await auth({ type: "app" });
      const response = await this.request(signal)("GET /repos/{owner}/{repo}/installation", {
        owner,
        repo,
        headers: { authorization: `bearer ${jwt}` },
      });
      const id = String((response.data as { id: number }).id);
      this.installations.set(name.toLowerCase(), { id, at: this.now() });
      return id;
    } catch (err) {
      if (isHttpError(err) && err.status === 404) {
        throw notConfigured(
          `The GitHub App is not installed on ${name} (or cannot see it): install it there, or set GITHUB_APP_INSTALLATION_ID`,
          "GITHUB_APP_INSTALLATION_ID",
        );
      }
      throw this.appError(err, signal, name);
    }
  }

  /** A failure of the App's token exchange, typed; never the key's or the JWT's text. */
  private appError(err: unknown, signal: AbortSignal, what: string): Error {
    if (err instanceof DomainError) return err;
    if (signal.aborted) return unreachable("timeout", `GitHub App token for ${what}`, "");
    if (isHttpError(err) && err.response) {
      if (err.status === 401) {
        return new DomainError(
          "FORBIDDEN",
          "GitHub refused the GitHub App's credentials (HTTP 401): check GITHUB_APP_ID and the GITHUB_APP_PRIVATE_KEY secret",
          { status: 401, reason: "credentials refused" },
        );
      }
      if (err.status === 404) {
        return notConfigured(`GitHub knows no installation ${what} of the App`, "GITHUB_APP_INSTALLATION_ID");
      }
      return fromHttpError(err.status, err.response.data, { token: "", headers: err.response.headers, now: this.now() })
        .error;
    }
    if (isHttpError(err)) return unreachable("unreachable", err.message.slice(0, 300), "");
    this.opts.logger?.warn({ what }, "the GitHub App's token could not be made (is the private key valid?)");
    return notConfigured(
      "The GitHub App's JWT could not be signed with the GITHUB_APP_PRIVATE_KEY secret (is it the App's RSA private key?)",
      "GITHUB_APP_PRIVATE_KEY secret",
    );
  }
}
