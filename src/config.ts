import { channelLimits } from "./domain/channels/channel-terms.js";
import { isAbsolute, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import {
  ModelConfigError,
  parseComplexityTiers,
  parseModelList,
  type ComplexityTier,
} from "./infra/models/model-selection.js";
import { DEFAULT_OPENROUTER_BASE_URL } from "./infra/models/model-client.js";
import type { SearchSettings } from "./tools/research/search/search-settings.js";
import { AllowListError, parseAllowList, type AllowList } from "./infra/net/address-policy.js";
import { parseRecipientAllowList, type EmailSettings } from "./domain/outbox/outbox.types.js";

const logLevels = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

const intFrom = (name: string, def: number, min: number, max: number) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === "") return def;
      if (!/^\d+$/.test(v)) {
        ctx.addIssue({ code: "custom", message: `must be a whole number, got "${v}"` });
        return z.NEVER;
      }
      const n = Number(v);
      if (n < min || n > max) {
        ctx.addIssue({ code: "custom", message: `must be between ${min} and ${max}, got ${n}` });
        return z.NEVER;
      }
      return n;
    })
    .describe(name);

/** A model list or tier table from the environment, parsed by the model layer's own parser. */
function modelText<T>(parse: (text: string) => T) {
  return z
    .string()
    .optional()
    .transform((v, ctx) => {
      try {
        return parse(v ?? "");
      } catch (err) {
        ctx.addIssue({ code: "custom", message: err instanceof ModelConfigError ? err.message : "is invalid" });
        return z.NEVER;
      }
    });
}

/** Who may introspect the schema: anyone with a key (the default), anyone, or no one. */
export const introspectionModes = ["authenticated", "public", "off"] as const;
export type IntrospectionMode = (typeof introspectionModes)[number];

/**
 * Web origins whose pages may call the API from a browser (CORS_ORIGINS): none (the default),
 * a list, or `*` for any. Answers never allow credentials: the key travels in a header.
 */
export type CorsOrigins = readonly string[] | "*";

/** An origin as a browser sends it: http(s), host and port, no path. */
export function isOrigin(value: string): boolean {
  try {
    const u = new URL(value);
    return (u.protocol === "http:" || u.protocol === "https:") && u.origin === value;
  } catch {
    return false;
  }
}

/** A master key: base64 of 32 bytes. Never echoed in a message: only its shape is checked. */
const secretsKey = () =>
  z
    .string()
    .optional()
    .transform((v) => (v === undefined || v.trim() === "" ? undefined : v.trim()))
    .refine((v) => v === undefined || (/^[A-Za-z0-9+/]+={0,2}$/.test(v) && Buffer.from(v, "base64").length === 32), {
      message: "must be 32 bytes in base64 (e.g. the output of: openssl rand -base64 32); its value is not shown",
    });

/** An http(s) URL setting; unset or empty: `def`. */
const httpUrl = (def: string) =>
  z
    .string()
    .optional()
    .transform((v) => (v === undefined || v === "" ? def : v))
    .refine((v) => /^https?:\/\/[^\s]+$/.test(v), { message: "must be an http(s):// URL" });

const envSchema = z.object({
  PORT: intFrom("PORT", 4000, 0, 65535),
  HOST: z.string().min(1, "must not be empty").default("127.0.0.1"),
  METRICS_PORT: intFrom("METRICS_PORT", 0, 0, 65535),
  METRICS_HOST: z.string().min(1, "must not be empty").default("127.0.0.1"),
  LOG_FORMAT: z.enum(["json", "pretty"], { message: "must be json or pretty" }).optional(),
  DATA_DIR: z.string().min(1, "must not be empty").default("./data"),
  DATABASE_URL: z
    .string()
    .optional()
    .transform((v) => (v === "" ? undefined : v))
    .refine((v) => v === undefined || /^postgres(ql)?:\/\/.+/.test(v), {
      message: "must be a postgres:// or postgresql:// URL (leave unset for the embedded SQLite database)",
    }),
  LOG_LEVEL: z.enum(logLevels, { message: `must be one of ${logLevels.join(", ")}` }).default("info"),
  API_RATE_LIMIT: intFrom("API_RATE_LIMIT", 0, 0, 1_000_000),
  INTROSPECTION: z
    .enum(introspectionModes, { message: `must be one of ${introspectionModes.join(", ")}` })
    .default("authenticated"),
  ADMIN_API_KEY: z
    .string()
    .optional()
    .transform((v) => (v === "" ? undefined : v))
    .refine((v) => v === undefined || (v.length >= 32 && v.length <= 512 && !/\s/.test(v)), {
      message: "must be 32 to 512 characters without whitespace",
    }),
  SHUTDOWN_TIMEOUT_MS: intFrom("SHUTDOWN_TIMEOUT_MS", 10_000, 100, 600_000),
  WORKERS: intFrom("WORKERS", 2, 0, 64),
  RETENTION_DAYS: intFrom("RETENTION_DAYS", 0, 0, 36_500),
  WORKSPACE_RETENTION_DAYS: intFrom("WORKSPACE_RETENTION_DAYS", 0, 0, 36_500),
  OTEL_EXPORTER_OTLP_ENDPOINT: z
    .string()
    .optional()
    .transform((v) => (v === "" ? undefined : v))
    .refine((v) => v === undefined || /^https?:\/\/[^\s]+$/.test(v), { message: "must be an http(s):// URL" }),
  // Secrets (an authorization header): the message names the variable, never its value.
  OTEL_EXPORTER_OTLP_HEADERS: z
    .string()
    .optional()
    .transform((v, ctx) => {
      const headers = parseOtlpHeaders(v ?? "");
      if (headers) return headers;
      ctx.addIssue({ code: "custom", message: "must be name=value pairs separated by commas" });
      return z.NEVER;
    }),
  OTEL_SERVICE_NAME: z
    .string()
    .optional()
    .transform((v) => (v === undefined || v === "" ? DEFAULT_SERVICE_NAME : v)),
  WORKSPACES_DIR: z.string().optional(),
  WORKSPACES_SHARED: z
    .enum(["true", "false", ""], { message: "must be true or false" })
    .optional()
    .transform((v) => v === "true"),
  WORKSPACE_HOLDER_TIMEOUT: intFrom("WORKSPACE_HOLDER_TIMEOUT", 30, 2, 86_400),
  WEB_DIR: z.string().optional(),
  WORKSPACE_DEFAULT_PACKAGES: z
    .string()
    .optional()
    .transform((v) => (v ?? "").split(/[\s,]+/).filter((p) => p.length > 0))
    .refine((list) => list.every((p) => /^[A-Za-z0-9][A-Za-z0-9._\-\[\],<>=!~]*$/.test(p)), {
      message: "must be a comma- or space-separated list of pip requirement names (e.g. requests,pandas>=2)",
    }),
  AGENT_HEARTBEAT_TIMEOUT: intFrom("AGENT_HEARTBEAT_TIMEOUT", 60, 1, 86_400),
  JOB_LEASE_SECONDS: intFrom("JOB_LEASE_SECONDS", 30, 1, 3_600),
  AGENT_RUNTIME_STEP_MS: intFrom("AGENT_RUNTIME_STEP_MS", 1_000, 0, 3_600_000),
  SANDBOX: z.enum(["auto", "bwrap", "none"], { message: "must be auto, bwrap or none" }).default("auto"),
  TOOL_POLICY_FILE: z.string().optional(),
  COMMAND_TIMEOUT_MS: intFrom("COMMAND_TIMEOUT_MS", 60_000, 100, 3_600_000),
  COMMAND_MAX_TIMEOUT_MS: intFrom("COMMAND_MAX_TIMEOUT_MS", 1_800_000, 1_000, 86_400_000),
  COMMAND_MAX_CONCURRENT: intFrom("COMMAND_MAX_CONCURRENT", 8, 1, 1_000),
  COMMAND_MAX_PER_WORKSPACE: intFrom("COMMAND_MAX_PER_WORKSPACE", 2, 1, 100),
  DISK_MIN_FREE_BYTES: intFrom("DISK_MIN_FREE_BYTES", 100 * 1024 * 1024, 0, Number.MAX_SAFE_INTEGER),
  WORKSPACE_MAX_BYTES: intFrom("WORKSPACE_MAX_BYTES", 1024 * 1024 * 1024, 1024, Number.MAX_SAFE_INTEGER),
  COMMAND_OUTPUT_LIMIT_BYTES: intFrom("COMMAND_OUTPUT_LIMIT_BYTES", 10 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
  AGENT_RUNTIME: z.enum(["model", "scripted"], { message: "must be model or scripted" }).default("model"),
  OPENROUTER_BASE_URL: z
    .string()
    .optional()
    .transform((v) => (v === undefined || v === "" ? DEFAULT_OPENROUTER_BASE_URL : v.replace(/\/+$/, "")))
    .refine((v) => /^https?:\/\/[^\s]+$/.test(v), { message: "must be an http(s):// URL" }),
  // Never echoed in a message: only its shape is checked.
  OPENROUTER_API_KEY: z
    .string()
    .optional()
    .transform((v) => (v === undefined || v.trim() === "" ? undefined : v.trim()))
    .refine((v) => v === undefined || (v.length <= 1000 && !/\s/.test(v)), {
      message: "must be one token without whitespace (its value is not shown)",
    }),
  MODEL_DEFAULT: modelText((t) => parseModelList(t, "model list")),
  MODEL_TIERS: modelText((t) => parseComplexityTiers(t)),
  MODEL_PROVIDER: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === "") return undefined;
      try {
        const parsed: unknown = JSON.parse(v);
        if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
      } catch {
        // reported below
      }
      ctx.addIssue({ code: "custom", message: 'must be a JSON object, e.g. {"sort":"price"}' });
      return z.NEVER;
    }),
  MODEL_FALLBACK: z.enum(["client", "openrouter"], { message: "must be client or openrouter" }).default("client"),
  MODEL_TIMEOUT_MS: intFrom("MODEL_TIMEOUT_MS", 120_000, 1_000, 3_600_000),
  MODEL_RETRIES: intFrom("MODEL_RETRIES", 2, 0, 10),
  AGENT_MAX_STEPS: intFrom("AGENT_MAX_STEPS", 100, 1, 10_000),
  AGENT_MAX_RUN_SECONDS: intFrom("AGENT_MAX_RUN_SECONDS", 3_600, 1, 7 * 86_400),
  AGENT_LOOP_LIMIT: intFrom("AGENT_LOOP_LIMIT", 3, 2, 100),
  CHANNEL_MESSAGES_PER_MINUTE: intFrom("CHANNEL_MESSAGES_PER_MINUTE", channelLimits.messagesPerMinute, 1, 100_000),
  DELEGATION_MAX_DEPTH: intFrom("DELEGATION_MAX_DEPTH", 3, 0, 20),
  DELEGATION_MAX_CHILDREN: intFrom("DELEGATION_MAX_CHILDREN", 10, 0, 1_000),
  DELEGATION_MAX_DESCENDANTS: intFrom("DELEGATION_MAX_DESCENDANTS", 50, 0, 5_000),
  DELEGATION_SELF_ALLOWED: z
    .enum(["true", "false", ""], { message: "must be true or false" })
    .optional()
    .transform((v) => v === "true"),
  PIP_INDEX_URL: z
    .string()
    .optional()
    .transform((v) => (v === "" ? undefined : v))
    .refine((v) => v === undefined || /^(https?|file):\/\/.+/.test(v), {
      message: "must be an http(s):// or file:// URL",
    }),
  SEARCH_DDG_URL: httpUrl("https://html.duckduckgo.com/html/"),
  SEARCH_DDG_LITE_URL: z
    .string()
    .optional()
    .transform((v) => (v === undefined || v === "" ? "https://lite.duckduckgo.com/lite/" : v === "none" ? null : v))
    .refine((v) => v === null || /^https?:\/\/[^\s]+$/.test(v), { message: "must be an http(s):// URL or none" }),
  SEARCH_DDG_ENDPOINT: z.enum(["html", "lite"], { message: "must be html or lite" }).default("html"),
  SEARCH_RATE_PER_MINUTE: intFrom("SEARCH_RATE_PER_MINUTE", 20, 1, 10_000),
  SEARCH_RATE_PER_AGENT_PER_MINUTE: intFrom("SEARCH_RATE_PER_AGENT_PER_MINUTE", 10, 1, 10_000),
  SEARCH_RATE_BURST: intFrom("SEARCH_RATE_BURST", 3, 1, 10_000),
  SEARCH_RATE_MAX_WAIT_MS: intFrom("SEARCH_RATE_MAX_WAIT_MS", 10_000, 0, 600_000),
  SEARCH_CACHE_TTL_SECONDS: intFrom("SEARCH_CACHE_TTL_SECONDS", 3_600, 0, 30 * 86_400),
  SEARCH_THROTTLE_BACKOFF_SECONDS: intFrom("SEARCH_THROTTLE_BACKOFF_SECONDS", 60, 1, 86_400),
  SEARCH_THROTTLE_MAX_BACKOFF_SECONDS: intFrom("SEARCH_THROTTLE_MAX_BACKOFF_SECONDS", 3_600, 1, 7 * 86_400),
  CORS_ORIGINS: z
    .string()
    .optional()
    .transform((v, ctx): CorsOrigins => {
      const items = (v ?? "")
        .split(",")
        .map((o) => o.trim())
        .filter((o) => o !== "");
      if (items.length === 1 && items[0] === "*") return "*";
      const bad = items.find((o) => !isOrigin(o));
      if (bad !== undefined) {
        ctx.addIssue({
          code: "custom",
          message:
            bad === "*"
              ? "may be * alone or a list of origins, not both"
              : `has ${JSON.stringify(bad.slice(0, 100))}, which is not an origin (like https://app.example.com or http://localhost:5173)`,
        });
        return z.NEVER;
      }
      return [...new Set(items)];
    }),
  FETCH_ALLOW: z
    .string()
    .optional()
    .transform((v, ctx) => {
      try {
        return parseAllowList(v ?? "");
      } catch (err) {
        ctx.addIssue({ code: "custom", message: err instanceof AllowListError ? err.message : "is invalid" });
        return z.NEVER;
      }
    }),
  FETCH_MAX_BYTES: intFrom("FETCH_MAX_BYTES", 5 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
  FETCH_TIMEOUT_MS: intFrom("FETCH_TIMEOUT_MS", 20_000, 100, 600_000),
  FETCH_FIRST_BYTE_TIMEOUT_MS: intFrom("FETCH_FIRST_BYTE_TIMEOUT_MS", 10_000, 100, 600_000),
  FETCH_HOST_DELAY_MS: intFrom("FETCH_HOST_DELAY_MS", 1_000, 0, 600_000),
  FETCH_CONTACT_URL: z
    .string()
    .optional()
    .transform((v) => (v === "" ? undefined : v))
    .refine((v) => v === undefined || /^(https?:\/\/|mailto:)[\x21-\x7e]+$/.test(v), {
      message: "must be an http(s):// or mailto: URL without spaces",
    }),
  SECRETS_KEY: secretsKey(),
  SECRETS_KEY_PREVIOUS: secretsKey(),
  GITHUB_URL: httpUrl("https://github.com"),
  GITHUB_API_URL: httpUrl("https://api.github.com"),
  GITHUB_GRAPHQL_URL: z
    .string()
    .optional()
    .transform((v) => (v === "" ? undefined : v))
    .refine((v) => v === undefined || /^https?:\/\/[^\s]+$/.test(v), { message: "must be an http(s):// URL" }),
  GITHUB_APP_ID: z
    .string()
    .optional()
    .transform((v) => (v === undefined || v === "" ? undefined : v))
    .refine((v) => v === undefined || /^[0-9]{1,12}$/.test(v), { message: "must be the App's numeric id" }),
  GITHUB_APP_INSTALLATION_ID: z
    .string()
    .optional()
    .transform((v) => (v === undefined || v === "" ? undefined : v))
    .refine((v) => v === undefined || /^[0-9]{1,15}$/.test(v), { message: "must be the installation's numeric id" }),
  GIT_ALLOWED_HOSTS: z
    .string()
    .optional()
    .transform((v, ctx) => {
      const items = (v ?? "").split(/[\s,]+/).filter((o) => o !== "");
      const origins: string[] = [];
      for (const item of items) {
        const origin = /^https?:\/\//.test(item) ? item.replace(/\/+$/, "") : `https://${item}`;
        if (!isOrigin(origin)) {
          ctx.addIssue({
            code: "custom",
            message: `has ${JSON.stringify(item.slice(0, 100))}, which is neither a host name (github.com) nor an origin (http://127.0.0.1:8080)`,
          });
          return z.NEVER;
        }
        origins.push(origin);
      }
      return origins;
    }),
  GITHUB_REPOSITORIES: z
    .string()
    .optional()
    .transform((v) => (v ?? "").split(/[\s,]+/).filter((r) => r !== ""))
    .refine((list) => list.every((r) => /^[A-Za-z0-9_.-]{1,100}\/[A-Za-z0-9_.-]{1,100}$/.test(r)), {
      message: "must be a comma-separated list of owner/name repositories",
    }),
  GITHUB_TASK_LABEL: z
    .string()
    .optional()
    .transform((v) => (v === undefined || v.trim() === "" ? "agent" : v.trim()))
    .refine((v) => v.length <= 50, { message: "must be at most 50 characters" }),
  GITHUB_MERGE_METHODS: z
    .string()
    .optional()
    .transform((v) =>
      (v ?? "")
        .split(/[\s,]+/)
        .filter((m) => m !== "")
        .map((m) => m.toUpperCase()),
    )
    .refine((list) => list.every((m) => ["MERGE", "SQUASH", "REBASE"].includes(m)), {
      message: "must be a list of MERGE, SQUASH and REBASE (empty: merging is refused)",
    }),
  GIT_TIMEOUT_MS: intFrom("GIT_TIMEOUT_MS", 300_000, 1_000, 3_600_000),
  CHROMIUM_PATH: z
    .string()
    .optional()
    .transform((v) => (v === undefined || v.trim() === "" ? undefined : v.trim())),
  REPORT_MAX_CONCURRENT: intFrom("REPORT_MAX_CONCURRENT", 2, 1, 32),
  REPORT_TIMEOUT_MS: intFrom("REPORT_TIMEOUT_MS", 60_000, 100, 600_000),
  REPORT_MAX_BYTES: intFrom("REPORT_MAX_BYTES", 50 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
  FETCH_USER_AGENT: z
    .string()
    .optional()
    .transform((v) => (v === undefined || v.trim() === "" ? undefined : v.trim()))
    .refine((v) => v === undefined || /^[\x20-\x7e]{1,256}$/.test(v), {
      message: "must be 1 to 256 printable ASCII characters",
    }),
  // The URL may carry a password: no message quotes the value.
  SMTP_URL: z
    .string()
    .optional()
    .transform((v) => (v === undefined || v.trim() === "" ? undefined : v.trim()))
    .refine(
      (v) => v === undefined || (/^smtps?:\/\/[^\s]+$/.test(v) && URL.canParse(v) && new URL(v).hostname !== ""),
      {
        message: "must be an smtp:// or smtps:// URL with a host",
      },
    ),
  SMTP_FROM: z
    .string()
    .optional()
    .transform((v) => (v === undefined || v.trim() === "" ? undefined : v.trim()))
    .refine((v) => v === undefined || (/^[^\r\n]{3,320}$/.test(v) && /@/.test(v)), {
      message: 'must be one address ("Name <a@b.example>" or a@b.example), on one line',
    }),
  SMTP_CA_FILE: z
    .string()
    .optional()
    .transform((v) => (v === undefined || v.trim() === "" ? undefined : resolve(process.cwd(), v.trim()))),
  SMTP_INSECURE: z
    .enum(["true", "false", ""], { message: "must be true or false" })
    .optional()
    .transform((v) => v === "true"),
  PUBLIC_URL: z
    .string()
    .optional()
    .transform((v) => (v === undefined || v.trim() === "" ? undefined : v.trim().replace(/\/+$/, "")))
    .refine((v) => v === undefined || /^https?:\/\//.test(v), { message: "must be an http(s) URL" }),
  EMAIL_ALLOWED_RECIPIENTS: z
    .string()
    .optional()
    .transform((v, ctx) => {
      try {
        return parseRecipientAllowList(v ?? "");
      } catch (err) {
        ctx.addIssue({ code: "custom", message: err instanceof Error ? err.message : "is invalid" });
        return z.NEVER;
      }
    }),
  EMAIL_MAX_BYTES: intFrom("EMAIL_MAX_BYTES", 10 * 1024 * 1024, 1024, 50 * 1024 * 1024),
  EMAIL_RATE_PER_MINUTE: intFrom("EMAIL_RATE_PER_MINUTE", 30, 1, 100_000),
});

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  logLevel: (typeof logLevels)[number];
  /** METRICS_PORT: the Prometheus /metrics listener's port; 0 (the default) means no listener. */
  metricsPort: number;
  /** OTEL_EXPORTER_OTLP_ENDPOINT set: spans go there over OTLP/HTTP (JSON); null: no tracing, at no cost. */
  traces: TraceExportConfig | null;
  /** METRICS_HOST: the interface the metrics listener binds to. */
  metricsHost: string;
  /** LOG_FORMAT: json, or pretty (colourised lines); unset: pretty on a TTY, else json. */
  logFormat: "json" | "pretty" | undefined;
  /** Who may introspect the schema (GraphiQL sends the key): a key holder, anyone, or no one. */
  introspection: IntrospectionMode;
  /** HTTP GraphQL requests plus WebSocket operations per minute per API key; 0: no limit. */
  apiRateLimit: number;
  /** Origins whose web pages may call /graphql and the file routes (CORS). */
  corsOrigins: CorsOrigins;
  adminApiKey: string | undefined;
  shutdownTimeoutMs: number;
  /** In-process job workers of `serve` (0 = none, like `serve --no-workers`). */
  workers: number;
  /** Finished tasks' events, command output and conversation are pruned after this many days (0 = kept). */
  retentionDays: number;
  /** Folders of tasks finished more than this many days ago are removed, rows marked REMOVED (0 = kept). */
  workspaceRetentionDays: number;
  workspacesDir: string;
  /** WORKSPACES_SHARED: every process sees the same WORKSPACES_DIR (NFS…); no workspace operation is routed. */
  workspacesShared: boolean;
  /** Seconds without a heartbeat after which a workspace holder's workspaces are LOST (cluster profile). */
  workspaceHolderTimeoutSeconds: number;
  /** The built dashboard (index.html and assets/), served at /: dist/web unless WEB_DIR says. */
  webDir: string;
  workspaceDefaultPackages: string[];
  /** Seconds without a heartbeat after which an agent goes OFFLINE. */
  agentHeartbeatTimeoutSeconds: number;
  /** Seconds after which a dead worker's job is taken over. */
  jobLeaseSeconds: number;
  /** Milliseconds the scripted runtime spends in each phase. */
  agentRuntimeStepMs: number;
  /** auto: bubblewrap when it works, else untrusted code is refused; none: no isolation (operator opt-out). */
  sandbox: "auto" | "bwrap" | "none";
  toolPolicyFile: string | undefined;
  commandTimeoutMs: number;
  /** The longest wall time a caller may ask a run for. */
  commandMaxTimeoutMs: number;
  /** Runs at once in this process; more wait their turn. */
  commandMaxConcurrent: number;
  /** Runs at once in one workspace; more wait their turn. */
  commandMaxPerWorkspace: number;
  commandOutputLimitBytes: number;
  /** Free space kept on the data filesystem: under it new runs and writes are refused. */
  diskMinFreeBytes: number;
  /** Everything in one workspace (files, venv, what commands write). */
  workspaceMaxBytes: number;
  pipIndexUrl: string | undefined;
  /** model: builtin agents run with a language model; scripted: a deterministic walk through the phases. */
  agentRuntime: "model" | "scripted";
  model: ModelConfig;
  /** The guarded fetcher's rules and caps (src/infra/net): every web fetch of the service's. */
  fetch: FetchConfig;
  /** Web search (webSearch): the engine's endpoints, rate limits, cache and backoff. */
  search: SearchSettings;
  /** The secrets store's master keys (SECRETS_KEY, SECRETS_KEY_PREVIOUS). */
  secrets: SecretsConfig;
  /** GitHub and git: where GitHub is, how the service signs in, what git may reach. */
  github: GitHubConfig;
  /** PDF reports: the Chromium they are printed with and the renderer's caps. */
  reports: ReportConfig;
  /** SMTP_*, PUBLIC_URL and EMAIL_*: the outbox's mail (no SMTP_URL: email is NOT_CONFIGURED). */
  email: EmailSettings;
  /** DELEGATION_*: how deep and wide the trees of delegateTask may grow. */
  delegation: DelegationSettings;
  /** CHANNEL_MESSAGES_PER_MINUTE: messages one author may post in one channel per minute. */
  channelMessagesPerMinute: number;
}

export interface DelegationSettings {
  /** Levels below a root (a root is 0; DELEGATION_MAX_DEPTH, default 3). */
  maxDepth: number;
  /** Children of one task (DELEGATION_MAX_CHILDREN, default 10). */
  maxChildren: number;
  /** Tasks under one root, the root apart (DELEGATION_MAX_DESCENDANTS, default 50). */
  maxDescendants: number;
  /** Whether a delegated task may go to the agent that delegated it (DELEGATION_SELF_ALLOWED). */
  selfAllowed: boolean;
}

/** Debian's Chromium binary, used when CHROMIUM_PATH is unset (/usr/bin/chromium is a wrapper script adding flags of its own). */
export const DEFAULT_CHROMIUM_PATH = "/usr/lib/chromium/chromium";

export interface ReportConfig {
  /** CHROMIUM_PATH, else DEFAULT_CHROMIUM_PATH (puppeteer's own download cannot work offline). */
  chromiumPath: string;
  /** REPORT_MAX_CONCURRENT: renders at once in this process; more wait their turn. */
  maxConcurrent: number;
  /** REPORT_TIMEOUT_MS: one render's wall time (content, layout, printing). */
  timeoutMs: number;
  /** REPORT_MAX_BYTES: the largest PDF kept. */
  maxBytes: number;
}

export interface SecretsConfig {
  /** The master key (32 bytes); unset: on the embedded profile a key file in DATA_DIR, else secrets are not configured. */
  key: Buffer | undefined;
  /** The key before the last rotation: still unwraps data keys until rotateSecretsKey re-wraps them. */
  previousKey: Buffer | undefined;
}

export interface GitHubConfig {
  /** The web address (https://github.com, or a GitHub Enterprise server). */
  webUrl: string;
  /** The REST API (App installation tokens). */
  apiUrl: string;
  /** The GraphQL API (issues and pull requests). */
  graphqlUrl: string;
  /** A GitHub App signs the service in when set (its private key is a GITHUB_APP_PRIVATE_KEY secret). */
  appId: string | undefined;
  /** The App's installation; unset: looked up for each repository. */
  appInstallationId: string | undefined;
  /** Origins git may clone from and push to (https unless an entry says http://). */
  gitOrigins: string[];
  /** Repositories whose labelled issues become tasks (owner/name). */
  repositories: string[];
  /** The label that turns an issue into a task. */
  taskLabel: string;
  /** How pull requests may be merged (empty: merging is refused). */
  mergeMethods: Array<"MERGE" | "SQUASH" | "REBASE">;
  /** The longest a git command (clone, push, a workspace step) may take. */
  gitTimeoutMs: number;
}

export interface FetchConfig {
  /** FETCH_ALLOW: host names whose name rules are lifted, and addresses or CIDRs allowed whatever the name. */
  allow: AllowList;
  /** The most a body may be, after decompression. */
  maxBytes: number;
  /** The longest a fetch may take (redirects included, waiting for the host's turn not). */
  timeoutMs: number;
  /** The longest wait for an answer's first byte. */
  firstByteTimeoutMs: number;
  /** Time between the end of one request to a host and the start of the next (0: no spacing). */
  hostDelayMs: number;
  /** Sent with every request (and matched against robots.txt). */
  userAgent: string;
}

/** The product part of the User-Agent the service fetches with. */
export const FETCH_PRODUCT = "agent-system/0.1";

export interface ModelConfig {
  baseUrl: string;
  apiKey: string | undefined;
  defaultModels: string[];
  tiers: ComplexityTier[];
  provider: Record<string, unknown> | undefined;
  /** client: this service tries the chain's models in turn; openrouter: it sends the chain as OpenRouter's `models`. */
  fallback: "client" | "openrouter";
  timeoutMs: number;
  retries: number;
  maxSteps: number;
  maxRunMs: number;
  loopLimit: number;
}

/** OTEL_SERVICE_NAME unset: the service's name in traces. */
export const DEFAULT_SERVICE_NAME = "agent-system";

export interface TraceExportConfig {
  /** OTEL_EXPORTER_OTLP_ENDPOINT: the collector's base URL; spans are posted to <endpoint>/v1/traces. */
  endpoint: string;
  /** OTEL_EXPORTER_OTLP_HEADERS: sent with every export (credentials: never logged). */
  headers: Record<string, string>;
  /** OTEL_SERVICE_NAME: the resource's service.name. */
  serviceName: string;
}

/**
 * OTEL_EXPORTER_OTLP_HEADERS as the OpenTelemetry specification writes it: `name=value` pairs
 * separated by commas, surrounding spaces ignored, values percent-encoded. Null: malformed.
 */
export function parseOtlpHeaders(text: string): Record<string, string> | null {
  const headers: Record<string, string> = {};
  for (const pair of text.split(",")) {
    if (pair.trim() === "") continue;
    const eq = pair.indexOf("=");
    const name = eq > 0 ? pair.slice(0, eq).trim() : "";
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) return null;
    try {
      headers[name.toLowerCase()] = decodeURIComponent(pair.slice(eq + 1).trim());
    } catch {
      return null;
    }
  }
  return headers;
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    readonly problem: string,
  ) {
    super(`Invalid configuration: ${variable} ${problem}`);
    this.name = "ConfigError";
  }
}

/** Parses the environment once; throws ConfigError naming the first bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const variable = String(issue?.path[0] ?? "environment");
    throw new ConfigError(variable, issue?.message ?? "is invalid");
  }
  const e = parsed.data;
  if (e.SEARCH_DDG_ENDPOINT === "lite" && e.SEARCH_DDG_LITE_URL === null) {
    throw new ConfigError("SEARCH_DDG_LITE_URL", "must be a URL when SEARCH_DDG_ENDPOINT is lite");
  }
  const dataDir = isAbsolute(e.DATA_DIR) ? e.DATA_DIR : resolve(process.cwd(), e.DATA_DIR);
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir,
    databaseUrl: e.DATABASE_URL,
    logLevel: e.LOG_LEVEL,
    metricsPort: e.METRICS_PORT,
    metricsHost: e.METRICS_HOST,
    logFormat: e.LOG_FORMAT,
    introspection: e.INTROSPECTION,
    apiRateLimit: e.API_RATE_LIMIT,
    corsOrigins: e.CORS_ORIGINS,
    adminApiKey: e.ADMIN_API_KEY,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    workers: e.WORKERS,
    retentionDays: e.RETENTION_DAYS,
    workspaceRetentionDays: e.WORKSPACE_RETENTION_DAYS,
    traces: e.OTEL_EXPORTER_OTLP_ENDPOINT
      ? {
          endpoint: e.OTEL_EXPORTER_OTLP_ENDPOINT,
          headers: e.OTEL_EXPORTER_OTLP_HEADERS,
          serviceName: e.OTEL_SERVICE_NAME,
        }
      : null,
    workspacesDir: e.WORKSPACES_DIR
      ? isAbsolute(e.WORKSPACES_DIR)
        ? e.WORKSPACES_DIR
        : resolve(process.cwd(), e.WORKSPACES_DIR)
      : resolve(dataDir, "workspaces"),
    workspacesShared: e.WORKSPACES_SHARED,
    workspaceHolderTimeoutSeconds: e.WORKSPACE_HOLDER_TIMEOUT,
    webDir: e.WEB_DIR ? resolve(process.cwd(), e.WEB_DIR) : fileURLToPath(new URL("../dist/web", import.meta.url)),
    workspaceDefaultPackages: e.WORKSPACE_DEFAULT_PACKAGES,
    agentHeartbeatTimeoutSeconds: e.AGENT_HEARTBEAT_TIMEOUT,
    jobLeaseSeconds: e.JOB_LEASE_SECONDS,
    agentRuntimeStepMs: e.AGENT_RUNTIME_STEP_MS,
    sandbox: e.SANDBOX,
    toolPolicyFile: e.TOOL_POLICY_FILE ? resolve(process.cwd(), e.TOOL_POLICY_FILE) : undefined,
    commandTimeoutMs: e.COMMAND_TIMEOUT_MS,
    commandMaxTimeoutMs: e.COMMAND_MAX_TIMEOUT_MS,
    commandMaxConcurrent: e.COMMAND_MAX_CONCURRENT,
    commandMaxPerWorkspace: e.COMMAND_MAX_PER_WORKSPACE,
    diskMinFreeBytes: e.DISK_MIN_FREE_BYTES,
    workspaceMaxBytes: e.WORKSPACE_MAX_BYTES,
    commandOutputLimitBytes: e.COMMAND_OUTPUT_LIMIT_BYTES,
    pipIndexUrl: e.PIP_INDEX_URL,
    agentRuntime: e.AGENT_RUNTIME,
    model: {
      baseUrl: e.OPENROUTER_BASE_URL,
      apiKey: e.OPENROUTER_API_KEY,
      defaultModels: e.MODEL_DEFAULT,
      tiers: e.MODEL_TIERS,
      provider: e.MODEL_PROVIDER,
      fallback: e.MODEL_FALLBACK,
      timeoutMs: e.MODEL_TIMEOUT_MS,
      retries: e.MODEL_RETRIES,
      maxSteps: e.AGENT_MAX_STEPS,
      maxRunMs: e.AGENT_MAX_RUN_SECONDS * 1000,
      loopLimit: e.AGENT_LOOP_LIMIT,
    },
    fetch: {
      allow: e.FETCH_ALLOW,
      maxBytes: e.FETCH_MAX_BYTES,
      timeoutMs: e.FETCH_TIMEOUT_MS,
      firstByteTimeoutMs: e.FETCH_FIRST_BYTE_TIMEOUT_MS,
      hostDelayMs: e.FETCH_HOST_DELAY_MS,
      userAgent:
        e.FETCH_USER_AGENT ?? (e.FETCH_CONTACT_URL ? `${FETCH_PRODUCT} (+${e.FETCH_CONTACT_URL})` : FETCH_PRODUCT),
    },
    search: {
      htmlUrl: e.SEARCH_DDG_URL,
      liteUrl: e.SEARCH_DDG_LITE_URL,
      endpoint: e.SEARCH_DDG_ENDPOINT,
      ratePerMinute: e.SEARCH_RATE_PER_MINUTE,
      ratePerAgentPerMinute: e.SEARCH_RATE_PER_AGENT_PER_MINUTE,
      rateBurst: e.SEARCH_RATE_BURST,
      rateMaxWaitMs: e.SEARCH_RATE_MAX_WAIT_MS,
      cacheTtlSeconds: e.SEARCH_CACHE_TTL_SECONDS,
      throttleBackoffSeconds: e.SEARCH_THROTTLE_BACKOFF_SECONDS,
      throttleMaxBackoffSeconds: Math.max(e.SEARCH_THROTTLE_MAX_BACKOFF_SECONDS, e.SEARCH_THROTTLE_BACKOFF_SECONDS),
    },
    secrets: {
      key: e.SECRETS_KEY === undefined ? undefined : Buffer.from(e.SECRETS_KEY, "base64"),
      previousKey: e.SECRETS_KEY_PREVIOUS === undefined ? undefined : Buffer.from(e.SECRETS_KEY_PREVIOUS, "base64"),
    },
    reports: {
      chromiumPath: e.CHROMIUM_PATH ?? DEFAULT_CHROMIUM_PATH,
      maxConcurrent: e.REPORT_MAX_CONCURRENT,
      timeoutMs: e.REPORT_TIMEOUT_MS,
      maxBytes: e.REPORT_MAX_BYTES,
    },
    github: {
      webUrl: e.GITHUB_URL.replace(/\/+$/, ""),
      apiUrl: e.GITHUB_API_URL.replace(/\/+$/, ""),
      // api.github.com/graphql; a GitHub Enterprise server's REST API is /api/v3 and its GraphQL /api/graphql.
      graphqlUrl:
        e.GITHUB_GRAPHQL_URL ?? `${e.GITHUB_API_URL.replace(/\/+$/, "").replace(/\/api\/v3$/, "/api")}/graphql`,
      appId: e.GITHUB_APP_ID,
      appInstallationId: e.GITHUB_APP_INSTALLATION_ID,
      gitOrigins: e.GIT_ALLOWED_HOSTS.length > 0 ? e.GIT_ALLOWED_HOSTS : [new URL(e.GITHUB_URL).origin],
      repositories: e.GITHUB_REPOSITORIES,
      taskLabel: e.GITHUB_TASK_LABEL,
      mergeMethods: e.GITHUB_MERGE_METHODS as GitHubConfig["mergeMethods"],
      gitTimeoutMs: e.GIT_TIMEOUT_MS,
    },
    email: {
      smtpUrl: e.SMTP_URL,
      from: e.SMTP_FROM,
      insecure: e.SMTP_INSECURE,
      caFile: e.SMTP_CA_FILE,
      publicUrl: e.PUBLIC_URL,
      allowedRecipients: e.EMAIL_ALLOWED_RECIPIENTS,
      maxBytes: e.EMAIL_MAX_BYTES,
      ratePerMinute: e.EMAIL_RATE_PER_MINUTE,
    },
    delegation: {
      maxDepth: e.DELEGATION_MAX_DEPTH,
      maxChildren: e.DELEGATION_MAX_CHILDREN,
      maxDescendants: e.DELEGATION_MAX_DESCENDANTS,
      selfAllowed: e.DELEGATION_SELF_ALLOWED,
    },
    channelMessagesPerMinute: e.CHANNEL_MESSAGES_PER_MINUTE,
  };
}
