import { isAbsolute, resolve } from "node:path";
import { z } from "zod";

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

const envSchema = z.object({
  PORT: intFrom("PORT", 4000, 0, 65535),
  HOST: z.string().min(1, "must not be empty").default("127.0.0.1"),
  DATA_DIR: z.string().min(1, "must not be empty").default("./data"),
  DATABASE_URL: z
    .string()
    .optional()
    .transform((v) => (v === "" ? undefined : v))
    .refine((v) => v === undefined || /^postgres(ql)?:\/\/.+/.test(v), {
      message: "must be a postgres:// or postgresql:// URL (leave unset for the embedded SQLite database)",
    }),
  LOG_LEVEL: z.enum(logLevels, { message: `must be one of ${logLevels.join(", ")}` }).default("info"),
  ADMIN_API_KEY: z
    .string()
    .optional()
    .transform((v) => (v === "" ? undefined : v))
    .refine((v) => v === undefined || (v.length >= 32 && v.length <= 512 && !/\s/.test(v)), {
      message: "must be 32 to 512 characters without whitespace",
    }),
  SHUTDOWN_TIMEOUT_MS: intFrom("SHUTDOWN_TIMEOUT_MS", 10_000, 100, 600_000),
  WORKERS: intFrom("WORKERS", 2, 0, 64),
  WORKSPACES_DIR: z.string().optional(),
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
  COMMAND_OUTPUT_LIMIT_BYTES: intFrom("COMMAND_OUTPUT_LIMIT_BYTES", 10 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
  PIP_INDEX_URL: z
    .string()
    .optional()
    .transform((v) => (v === "" ? undefined : v))
    .refine((v) => v === undefined || /^(https?|file):\/\/.+/.test(v), {
      message: "must be an http(s):// or file:// URL",
    }),
});

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  logLevel: (typeof logLevels)[number];
  adminApiKey: string | undefined;
  shutdownTimeoutMs: number;
  /** In-process job workers of `serve` (0 = none, like `serve --no-workers`). */
  workers: number;
  workspacesDir: string;
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
  commandOutputLimitBytes: number;
  pipIndexUrl: string | undefined;
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
  const dataDir = isAbsolute(e.DATA_DIR) ? e.DATA_DIR : resolve(process.cwd(), e.DATA_DIR);
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir,
    databaseUrl: e.DATABASE_URL,
    logLevel: e.LOG_LEVEL,
    adminApiKey: e.ADMIN_API_KEY,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    workers: e.WORKERS,
    workspacesDir: e.WORKSPACES_DIR
      ? isAbsolute(e.WORKSPACES_DIR)
        ? e.WORKSPACES_DIR
        : resolve(process.cwd(), e.WORKSPACES_DIR)
      : resolve(dataDir, "workspaces"),
    workspaceDefaultPackages: e.WORKSPACE_DEFAULT_PACKAGES,
    agentHeartbeatTimeoutSeconds: e.AGENT_HEARTBEAT_TIMEOUT,
    jobLeaseSeconds: e.JOB_LEASE_SECONDS,
    agentRuntimeStepMs: e.AGENT_RUNTIME_STEP_MS,
    sandbox: e.SANDBOX,
    toolPolicyFile: e.TOOL_POLICY_FILE ? resolve(process.cwd(), e.TOOL_POLICY_FILE) : undefined,
    commandTimeoutMs: e.COMMAND_TIMEOUT_MS,
    commandOutputLimitBytes: e.COMMAND_OUTPUT_LIMIT_BYTES,
    pipIndexUrl: e.PIP_INDEX_URL,
  };
}
