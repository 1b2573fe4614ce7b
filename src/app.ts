import type { AddressInfo } from "node:net";
import type { Config } from "./config.js";
import { closeAppServices, createAppServices, defaultCommandLimits, type AppServices } from "./app-services.js";
import { buildApiSchema } from "./graphql/schema.js";
import { defaultQueryLimits, type QueryLimits } from "./graphql/protections.js";
import { createFileRoutes, defaultAllowedUploadTypes } from "./http/files.js";
import { createHttpApp, principalFrom } from "./http/server.js";
import { openDatabase, type Database } from "./infra/db/orm.js";
import { MemoryPubSub } from "./infra/pubsub/memory.js";
import { PostgresPubSub } from "./infra/pubsub/postgres.js";
import type { PubSub } from "./infra/pubsub/pubsub.js";
import { createLogger, redactUrl, type AppLogger } from "./logger.js";
import { attachWebSocket } from "./ws/ws.js";
import type { AgentRuntime } from "./runtime/runtime.js";
import { ScriptedRuntime } from "./runtime/scripted.runtime.js";
import { ModelRuntime, type ModelRuntimeDeps } from "./runtime/model.runtime.js";
import { DEFAULT_OPENROUTER_BASE_URL, ModelClient } from "./infra/models/model-client.js";
import { createQueue } from "./infra/queue/create-queue.js";
import type { JobQueue } from "./infra/queue/queue.js";
import { WorkspaceFs } from "./infra/workspace-fs/workspace-fs.js";
import { workspaceOwner } from "./tools/files/files.js";
import { freeBytesAt } from "./tools/files/free-space.js";
import { hasReserve, keepReserve } from "./infra/disk-reserve.js";
import { startWorkers, type Workers } from "./jobs/workers.js";

export interface AppOptions {
  config: Config;
  logger?: AppLogger;
  limits?: Partial<QueryLimits>;
  maxSubscriptionsPerSocket?: number;
  /** Called with every SQL statement (benchmarks count statements per request). */
  onQuery?: (sql: string) => void;
  /** In-process job workers; default config.workers (`serve --no-workers` passes 0). */
  workers?: number;
  /** The runtime builtin agents run with (default: the scripted runtime). */
  runtime?: (services: AppServices) => AgentRuntime;
  /** Milliseconds per phase of the scripted runtime (tests shorten it). */
  scriptedStepMs?: number;
  /** Tuning of the model runtime (tests and benchmarks shorten backoffs, observe steps). */
  modelRuntime?: Pick<ModelRuntimeDeps, "backoffBaseMs" | "streamFlushMs" | "onStep">;
  /** How often workers re-offer pending tasks and look for silent agents. */
  sweepIntervalMs?: number;
  /** Replaces the bubblewrap check (tests play a machine without a sandbox). */
  sandboxProbe?: () => Promise<{ available: true } | { available: false; reason: string }>;
}

export interface RunningApp {
  url: string;
  wsUrl: string;
  port: number;
  db: Database;
  pubsub: PubSub;
  services: AppServices;
  queue: JobQueue;
  logger: AppLogger;
  /** The admin key generated on this start, if one was (also written to DATA_DIR/admin.key). */
  adminKeyCreated: string | null;
  stop(): Promise<void>;
}

/** The composition root: the only place that picks concrete implementations. */
export async function startApp(opts: AppOptions): Promise<RunningApp> {
  const { config } = opts;
  const logger = opts.logger ?? createLogger(config.logLevel);
  const profile = config.databaseUrl ? "cluster" : "embedded";
  logger.info(
    { profile, database: config.databaseUrl ? redactUrl(config.databaseUrl) : `${config.dataDir}/agents.db` },
    "starting",
  );

  const core = await startCore(config, logger, opts);
  const { db, pubsub, queue, services } = core;
  let workers: Workers | null = null;
  try {
    const boot = await services.apiKeys.bootstrap({ adminApiKey: config.adminApiKey, dataDir: config.dataDir });
    if (boot.created) {
      // The one time this secret is shown; it is also in the 0600 file.
      process.stderr.write(
        `\n  Admin API key (shown once, also saved to ${boot.file}):\n\n    ${boot.created}\n\n  Send it as "Authorization: Bearer <key>".\n\n`,
      );
      logger.warn({ file: boot.file }, "created the bootstrap admin API key");
    }

    const limits = { ...defaultQueryLimits, ...opts.limits };
    const schema = await buildApiSchema();
    let migrationsCurrent = true;
    const http = createHttpApp({
      schema,
      services,
      logger,
      limits,
      introspection: config.introspection,
      maxBodyBytes: 2 * 1024 * 1024,
      files: createFileRoutes({
        resolveWorkspace: async (id) => {
          const ws = await services.workspaces.get(id);
          return ws && ws.status === "READY" ? { root: ws.path } : null;
        },
        authenticate: (header) => principalFrom(header, services).catch(() => null),
        canRead: async (p, id) => p.role !== "AGENT" || (await services.workspaces.get(id))?.agentId === p.agentId,
        canWrite: async (p, id) =>
          ["ADMIN", "OPERATOR"].includes(p.role) ||
          (p.role === "AGENT" && (await services.workspaces.get(id))?.agentId === p.agentId),
        limits: {
          maxUploadBytes: 100 * 1024 * 1024,
          maxWorkspaceBytes: config.workspaceMaxBytes,
          minFreeBytes: config.diskMinFreeBytes,
        },
        allowedUploadTypes: defaultAllowedUploadTypes,
        logger,
      }),
      readiness: async () => {
        const checks: Record<string, unknown> = {};
        try {
          await db.ping();
          checks.database = "ok";
        } catch (err) {
          checks.database = `unreachable: ${(err as Error).message}`;
        }
        if (!migrationsCurrent || checks.database !== "ok") {
          try {
            migrationsCurrent = (await db.pendingMigrations()).length === 0;
          } catch {
            migrationsCurrent = false;
          }
        }
        checks.migrations = migrationsCurrent ? "applied" : "pending";
        // Under the floor (or with no room at all) nothing can be written: not ready, and why.
        const floor = Math.max(config.diskMinFreeBytes, 1024 * 1024);
        // The reserve that lets SQLite start on a full disk (given up at start), made again once
        // there is room: while it is missing the disk is full, even with its space free.
        const reserved = config.databaseUrl ? true : keepReserve(config.dataDir) || hasReserve(config.dataDir);
        const free = await freeBytesAt(config.dataDir).catch(() => null);
        const diskOk = (free === null || free >= floor) && reserved;
        checks.disk = diskOk
          ? "ok"
          : `full: ${free} bytes free on ${config.dataDir}${reserved ? "" : ", its reserve given up"}; ${floor} bytes are kept free (DISK_MIN_FREE_BYTES)`;
        // Not a readiness condition: without a sandbox the API serves, and refuses untrusted code.
        checks.sandbox =
          services.sandbox.kind === "BWRAP"
            ? "bubblewrap"
            : services.sandbox.kind === "NONE"
              ? "none (SANDBOX=none: commands run without isolation)"
              : `unavailable: ${services.sandbox.reason ?? "unknown"}`;
        return { ready: checks.database === "ok" && migrationsCurrent && diskOk, checks };
      },
    });
    const ws = attachWebSocket({
      server: http.server,
      schema,
      services,
      pubsub,
      logger,
      limits,
      introspection: config.introspection,
      maxSubscriptionsPerSocket: opts.maxSubscriptionsPerSocket ?? 100,
      maxPayloadBytes: 2 * 1024 * 1024,
      connectionInitTimeoutMs: 3_000,
    });
    await http.start();
    // The workers (and the README writer among them) listen before the first request can arrive:
    // a change made as soon as the server answers must find every listener of this process ready.
    const workerCount = opts.workers ?? config.workers;
    workers = workerCount > 0 ? await core.startWorkers(workerCount) : null;
    await new Promise<void>((resolve, reject) => {
      http.server.once("error", reject);
      http.server.listen(config.port, config.host, () => {
        http.server.off("error", reject);
        resolve();
      });
    });
    const port = (http.server.address() as AddressInfo).port;
    const host = config.host.includes(":") ? `[${config.host}]` : config.host;
    const url = `http://${host}:${port}`;
    logger.info({ url: `${url}/graphql`, graphiql: `${url}/graphiql` }, "listening");

    let stopped: Promise<void> | undefined;
    return {
      url,
      wsUrl: `ws://${host}:${port}/graphql`,
      port,
      db,
      pubsub,
      services,
      queue,
      logger,
      adminKeyCreated: boot.created,
      stop() {
        stopped ??= (async () => {
          const deadline = Date.now() + config.shutdownTimeoutMs - 500;
          await ws.close();
          await Promise.all([http.stop(deadline), workers?.stop(Math.max(0, deadline - Date.now() - 1_000))]);
          await core.close();
          logger.info("stopped");
        })();
        return stopped;
      },
    };
  } catch (err) {
    await workers?.stop(0).catch(() => {});
    await core.close().catch(() => {});
    throw err;
  }
}

export interface Core {
  db: Database;
  pubsub: PubSub;
  queue: JobQueue;
  services: AppServices;
  startWorkers(concurrency: number): Promise<Workers>;
  close(): Promise<void>;
}

/** Database, bus, queue and services: what `serve` and `worker` processes share. */
export async function startCore(
  config: Config,
  logger: AppLogger,
  opts: Pick<
    AppOptions,
    "onQuery" | "runtime" | "scriptedStepMs" | "sweepIntervalMs" | "sandboxProbe" | "modelRuntime"
  > = {},
): Promise<Core> {
  const db = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir, onQuery: opts.onQuery });
  let pubsub: PubSub | undefined;
  let queue: JobQueue | undefined;
  try {
    const applied = await db.migrate();
    if (applied.length > 0) logger.info({ migrations: applied }, "migrations applied");
    if (!config.databaseUrl) {
      try {
        keepReserve(config.dataDir);
      } catch (err) {
        logger.warn({ err }, "could not make the disk reserve");
      }
    }
    pubsub = config.databaseUrl
      ? await PostgresPubSub.connect({
          url: config.databaseUrl,
          onError: (err) => logger.warn({ err }, "pub/sub connection problem"),
        })
      : new MemoryPubSub();
    queue = await createQueue({
      databaseUrl: config.databaseUrl,
      leaseSeconds: config.jobLeaseSeconds,
      logger,
    });
    const services = await createAppServices(
      { db, pubsub, logger },
      {
        workspacesDir: config.workspacesDir,
        jobs: queue,
        sandboxMode: config.sandbox,
        policyFile: config.toolPolicyFile,
        commandLimits: {
          ...defaultCommandLimits,
          wallTimeMs: config.commandTimeoutMs,
          outputBytes: config.commandOutputLimitBytes,
        },
        pipIndexUrl: config.pipIndexUrl,
        commandBounds: {
          maxTimeoutMs: config.commandMaxTimeoutMs,
          maxConcurrent: config.commandMaxConcurrent,
          maxPerWorkspace: config.commandMaxPerWorkspace,
        },
        disk: { maxWorkspaceBytes: config.workspaceMaxBytes, minFreeBytes: config.diskMinFreeBytes },
        probe: opts.sandboxProbe,
      },
    );
    const workspaceFs = new WorkspaceFs({
      root: config.workspacesDir,
      defaultPackages: config.workspaceDefaultPackages,
      indexUrl: config.pipIndexUrl,
      sandbox: services.stepRunner,
      owner: workspaceOwner(),
      logger,
    });
    await workspaceFs.prepare();
    const runtime = opts.runtime?.(services) ?? pickRuntime(config, services, pubsub, logger, opts);
    const ps = pubsub;
    const q = queue;
    let closed: Promise<void> | undefined;
    return {
      db,
      pubsub: ps,
      queue: q,
      services,
      startWorkers: (concurrency) =>
        startWorkers({
          services,
          queue: q,
          pubsub: ps,
          workspaceFs,
          runtime,
          logger,
          concurrency,
          agentHeartbeatTimeoutSeconds: config.agentHeartbeatTimeoutSeconds,
          sweepIntervalMs: opts.sweepIntervalMs,
        }),
      close() {
        closed ??= (async () => {
          await q.stop(0).catch((err: unknown) => logger.warn({ err }, "queue stop failed"));
          await closeAppServices(services);
          await ps.close();
          await db.close();
        })();
        return closed;
      },
    };
  } catch (err) {
    await queue?.stop(0).catch(() => {});
    await pubsub?.close().catch(() => {});
    await db.close().catch(() => {});
    throw err;
  }
}

/** The runtime builtin agents run with: a language model (default) or the scripted walk. */
function pickRuntime(
  config: Config,
  services: AppServices,
  pubsub: PubSub,
  logger: AppLogger,
  opts: Pick<AppOptions, "scriptedStepMs" | "modelRuntime">,
): AgentRuntime {
  if (config.agentRuntime === "scripted") {
    return new ScriptedRuntime(services.tasks, opts.scriptedStepMs ?? config.agentRuntimeStepMs);
  }
  const m = config.model;
  // OpenRouter needs a key; any other OpenAI-compatible server (Ollama, vLLM, LM Studio) may not.
  const missing =
    m.baseUrl === DEFAULT_OPENROUTER_BASE_URL && !m.apiKey
      ? "OPENROUTER_API_KEY is not set (or set OPENROUTER_BASE_URL to an OpenAI-compatible server)"
      : null;
  if (missing) logger.warn({ missing }, "builtin agents wait: no model server is configured");
  const client = missing
    ? null
    : new ModelClient({
        baseUrl: m.baseUrl,
        apiKey: m.apiKey,
        timeoutMs: m.timeoutMs,
        headers: { "X-Title": "agent-system" },
      });
  return new ModelRuntime({
    tasks: services.tasks,
    control: services.control,
    agents: services.agents,
    usage: services.usage,
    tools: services.tools,
    commands: services.commands,
    store: services.runs,
    pubsub,
    logger,
    client,
    missing,
    config: m,
    ...opts.modelRuntime,
  });
}
