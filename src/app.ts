import { channelLimits } from "./domain/channels/channel-terms.js";
import type { AddressInfo } from "node:net";
import type { Config, GitHubConfig, ModelConfig, ReportConfig } from "./config.js";
import { join } from "node:path";
import { AgentService } from "./domain/agents/agent.service.js";
import { AssignmentFeed } from "./domain/agents/assignment-feed.js";
import { AssignmentService, type AssignmentOptions } from "./domain/assignment/assignment.service.js";
import { ApiKeyService } from "./domain/auth/api-key.service.js";
import { SqlRunStore } from "./infra/db/stores/run.store.js";
import type { Deps, Logger } from "./domain/shared/deps.js";
import { TaskControlService } from "./domain/tasks/task-control.service.js";
import { SqlNodeStore } from "./infra/db/stores/node.store.js";
import { NodeService } from "./domain/nodes/node.service.js";
import { SqlTaskStore } from "./infra/db/stores/task.store.js";
import { SqlAssignmentStore } from "./infra/db/stores/assignment.store.js";
import { SqlCommandRunStore } from "./infra/db/stores/command-run.store.js";
import { SqlToolCallStore } from "./infra/db/stores/tool-call.store.js";
import { SqlToolPolicyStore } from "./infra/db/stores/tool-policy.store.js";
import { SqlSearchStore } from "./infra/db/stores/search.store.js";
import { SqlSourceStore } from "./infra/db/stores/source.store.js";
import { SqlNotificationStore } from "./infra/db/stores/notification.store.js";
import { SqlChannelStore } from "./infra/db/stores/channel.store.js";
import { ChannelService } from "./domain/channels/channel.service.js";
import { activeStatuses } from "./domain/tasks/task-state.js";
import { NotificationService } from "./domain/notifications/notification.service.js";
import { NotificationSubscriptionService } from "./domain/notifications/notification-subscription.service.js";
import { NotificationTrigger } from "./domain/notifications/notification-trigger.js";
import { LoggingNotificationChannel, type NotificationChannel } from "./domain/notifications/notification-channel.js";
import { LateNotificationChannel, OutboxNotificationChannel } from "./domain/notifications/outbox-channel.js";
import { SqlSecretStore } from "./infra/db/stores/secret.store.js";
import { SecretService } from "./domain/secrets/secret.service.js";
import type { SecretCipher } from "./domain/secrets/secret-cipher.js";
import { openSecretCipher } from "./infra/secrets/master-key.js";
import { SecretStoreGitHubConnection } from "./infra/github/connection.js";
import { OctokitGitHubGraphql } from "./infra/github/graphql-client.js";
import { GitHubService } from "./tools/github/github.service.js";
import { SourceService } from "./domain/research/source.service.js";
import { SqlTaskLinkStore } from "./infra/db/stores/task-link.store.js";
import { SqlWebhookDeliveryStore } from "./infra/db/stores/webhook-delivery.store.js";
import { TaskLinkService } from "./domain/links/task-link.service.js";
import { IssueTaskService } from "./domain/links/issue-task.service.js";
import { GitHubWebhookService, type GitHubWebhookSettings } from "./domain/links/github-webhook.service.js";
import { createWebhookRoutes, WEBHOOK_MAX_BODY_BYTES } from "./http/webhooks.js";
import { TaskReportService } from "./domain/links/task-report.service.js";
import { GitHubIssueTracker } from "./tools/github/github-issue-tracker.js";
import { ResearchService } from "./tools/research/research.service.js";
import { TaskModel } from "./tools/research/task-model.js";
import { createGuardedFetcher, type ClosableFetcher } from "./infra/net/guarded-fetch.js";
import { SearchService } from "./tools/research/search/search.service.js";
import type { SearchSettings } from "./tools/research/search/search-settings.js";
import type { GuardedFetcher } from "./tools/research/fetcher.js";
import { PdfRenderer, withMetadata } from "./infra/reports/pdf-renderer.js";
import { ArtifactService } from "./domain/artifacts/artifact.service.js";
import type { Principal } from "./domain/auth/principal.js";
import { fileActor, SharedFilesService } from "./domain/workspaces/shared-files.service.js";
import { SqlSharedFileStore } from "./infra/db/stores/shared-files.store.js";
import { AdvisoryPathMutex } from "./infra/db/advisory-mutex.js";
import { singleProcessMutex, type PathMutex } from "./domain/workspaces/path-mutex.js";
import { SqlArtifactStore } from "./infra/db/stores/artifact.store.js";
import { taskFacts } from "./tools/reports/report-facts.js";
import { TaskService } from "./domain/tasks/task.service.js";
import { DelegationService, type DelegationLimits } from "./domain/tasks/delegation.service.js";
import { UsageService } from "./domain/usage/usage.service.js";
import { WorkspaceService } from "./domain/workspaces/workspace.service.js";
import { WorkspaceRouter } from "./domain/workspaces/workspace-router.js";
import { WorkspaceHolderService } from "./domain/workspaces/workspace-holders.js";
import { SqlWorkspaceHolderStore } from "./infra/db/stores/workspace-holder.store.js";
import { SqlWorkspaceRemote } from "./infra/workspace-remote/sql-remote.js";
import { SqlAgentStore } from "./infra/db/stores/agent.store.js";
import { SqlApiKeyStore } from "./infra/db/stores/api-key.store.js";
import { SqlTaskEventLog } from "./infra/db/stores/task-event.store.js";
import { SqlUsageStore } from "./infra/db/stores/usage.store.js";
import { SqlWorkspaceStore } from "./infra/db/stores/workspace.store.js";
import { readinessCheck } from "./readiness.js";
import { loadPolicy } from "./infra/sandbox/command-policy.js";
import { createSandbox, probeSandbox, type Sandbox, type SandboxLimits } from "./infra/sandbox/sandbox.js";
import { DOWNLOADS_DIR } from "./infra/workspace-fs/workspace-fs.js";
import { modelServer, pickRuntime } from "./runtime/pick-runtime.js";
import type { AppServices, SandboxMode, SandboxStatus } from "./services.js";
import { toolCatalog } from "./tools/catalog.js";
import type { DiskLimits } from "./tools/files/disk.js";
import { ToolRegistry } from "./tools/registry.js";
import { CommandService } from "./tools/terminal/command.service.js";
import { ToolPolicyService } from "./tools/terminal/policy.service.js";
import { ToolService } from "./tools/tool.service.js";
import { GitService } from "./tools/git/git.service.js";
import { GIT_MIRRORS_DIR, GitMirrors } from "./infra/git/mirror.js";
import { HostGit } from "./infra/git/host-git.js";
import { buildApiSchema } from "./graphql/schema.js";
import { defaultQueryLimits, type QueryLimits } from "./graphql/protections.js";
import { createDashboard } from "./http/dashboard.js";
import { createFileOps, createFileRoutes, defaultAllowedUploadTypes } from "./http/files.js";
import { fileWorkspace, remoteFiles, serveFileOps } from "./http/remote-files.js";
import { may } from "./domain/auth/access.js";
import { principalFrom } from "./http/identity.js";
import { createHttpApp } from "./http/server.js";
import { openDatabase, type Database } from "./infra/db/orm.js";
import { transactor } from "./infra/db/transactions.js";
import { MemoryPubSub } from "./infra/pubsub/memory.js";
import { PostgresPubSub } from "./infra/pubsub/postgres.js";
import type { PubSub } from "./infra/pubsub/pubsub.js";
import { createLogger, redactUrl, type AppLogger } from "./logger.js";
import { Metrics } from "./metrics/metrics.js";
import type { Recorder } from "./domain/shared/recorder.js";
import { startMetricsServer, type MetricsServer } from "./metrics/server.js";
import { startTracingIfConfigured } from "./telemetry/tracing-switch.js";
import { attachWebSocket } from "./ws/ws.js";
import { MemoryRateLimiter, SqlRateLimiter, rateLimitedMessage } from "./infra/rate-limit.js";
import { DomainError } from "./domain/errors.js";
import type { AgentRuntime } from "./runtime/runtime.js";
import { type ModelRuntimeDeps } from "./runtime/model.runtime.js";
import { createQueue } from "./infra/queue/create-queue.js";
import type { JobQueue } from "./infra/queue/queue.js";
import { WorkspaceFs } from "./infra/workspace-fs/workspace-fs.js";
import { workspaceOwner } from "./tools/files/files.js";
import { RoutedReportAttachments, WorkspaceReportAttachments } from "./tools/email/report-attachments.js";
import { keepReserve } from "./infra/disk-reserve.js";
import { startWorkers, type Workers } from "./jobs/workers.js";
import { startRetention } from "./jobs/retention.js";
import { startWorkspaceRetention } from "./jobs/workspace-retention.js";
import { startWorkspaceHolder } from "./jobs/workspace-holder.worker.js";
import { dispatchOutbox } from "./jobs/outbox.worker.js";
import { OutboxService } from "./domain/outbox/outbox.service.js";
import type { EmailSettings } from "./domain/outbox/outbox.types.js";
import { SqlOutboxStore } from "./infra/db/stores/outbox.store.js";
import { SmtpSender } from "./infra/mail/smtp-sender.js";
import { sanitizeEmailHtml } from "./infra/mail/sanitize.js";
import { GuardedWebhookSender } from "./infra/net/webhook-sender.js";

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
  /** Where EMAIL and WEBHOOK notifications go (default: logged at debug level, not delivered). */
  notificationChannel?: NotificationChannel;
  /** How long the task and agent gauges reuse a database answer (default 5 s; tests shorten it). */
  metricsCacheMs?: number;
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
  /** http://host:port/metrics when METRICS_PORT is set, else null. */
  metricsUrl: string | null;
  stop(): Promise<void>;
}

/** The composition root: the only place that picks concrete implementations. */
export async function startApp(opts: AppOptions): Promise<RunningApp> {
  const { config } = opts;
  const logger = opts.logger ?? createLogger(config.logLevel, undefined, config.logFormat);
  const profile = config.databaseUrl ? "cluster" : "embedded";
  logger.info(
    { profile, database: config.databaseUrl ? redactUrl(config.databaseUrl) : `${config.dataDir}/agents.db` },
    "starting",
  );

  const core = await startCore(config, logger, opts);
  const { db, pubsub, queue, services, metrics } = core;
  let workers: Workers | null = null;
  let metricsServer: MetricsServer | null = null;
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
    // Embedded: one process, counts in memory. Cluster: counts in PostgreSQL, shared by every process.
    const rateLimiter =
      config.apiRateLimit === 0
        ? undefined
        : db.dialect === "postgresql"
          ? new SqlRateLimiter(
              () => db.fork(),
              config.apiRateLimit,
              (err) => logger.warn({ err }, "rate limit: counting failed; the request is let through"),
            )
          : new MemoryRateLimiter(config.apiRateLimit);
    const http = createHttpApp({
      rateLimiter,
      schema,
      services,
      logger,
      limits,
      introspection: config.introspection,
      corsOrigins: config.corsOrigins,
      maxBodyBytes: 2 * 1024 * 1024,
      files: createFileRoutes({
        ...fileOpsOptions(services, config, logger),
        resolveWorkspace: (id) => fileWorkspace(services.workspaces, services.workspaceRouter, id),
        remote: remoteFiles(services.workspaceRouter, services.workspaces),
        // A valid key's file request counts against API_RATE_LIMIT like a GraphQL request.
        authenticate: async (header) => {
          const principal = await principalFrom(header, services.apiKeys).catch(() => null);
          const decision = principal && rateLimiter ? await rateLimiter.hit(principal.apiKeyId) : null;
          if (decision && !decision.allowed) {
            const { retryAfterSeconds } = decision;
            throw new DomainError("RATE_LIMITED", rateLimitedMessage(retryAfterSeconds), { retryAfterSeconds });
          }
          return principal;
        },
        may: async (p, action, id) => {
          const ws = await services.workspaces.get(id);
          return ws !== null && may(p, action, { kind: "workspace", agentId: ws.agentId });
        },
      }),
      readiness: readinessCheck(db, config, services.sandbox),
      dashboard: createDashboard(config.webDir),
      webhooks: createWebhookRoutes({
        receive: (delivery) => services.webhooks.receive(delivery),
        maxBodyBytes: WEBHOOK_MAX_BODY_BYTES,
        logger,
      }),
      metrics,
      traces: config.traces !== null,
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
      rateLimiter,
      metrics,
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
    if (metrics) {
      metrics.attach({ sockets: () => ({ open: ws.connections, subscriptions: ws.subscriptionsByField() }) });
      metricsServer = await startMetricsServer(metrics, config.metricsPort, config.metricsHost, logger);
    }

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
      metricsUrl: metricsServer?.url ?? null,
      stop() {
        stopped ??= (async () => {
          const deadline = Date.now() + config.shutdownTimeoutMs - 500;
          await metricsServer?.close();
          await ws.close();
          await Promise.all([http.stop(deadline), workers?.stop(Math.max(0, deadline - Date.now() - 1_000))]);
          await core.close();
          logger.info("stopped");
        })();
        return stopped;
      },
    };
  } catch (err) {
    await metricsServer?.close().catch(() => {});
    await workers?.stop(0).catch(() => {});
    await core.close().catch(() => {});
    throw err;
  }
}

/** What uploads and downloads need wherever the files are (the API process, or the workspace's holder). */
function fileOpsOptions(services: AppServices, config: Config, logger: Logger) {
  /** Who uploads to a workspace: the holder of its locks and the author of its FileChange. */
  const uploader = async (p: Principal, workspaceId: string) =>
    fileActor(p, { taskId: (await services.workspaces.get(workspaceId))?.taskId ?? null, toolCallId: null });
  return {
    guardWrite: async <T>(
      p: Principal,
      workspace: { id: string; root: string },
      paths: readonly string[],
      change: () => Promise<T>,
    ) => services.sharedFiles.guard(workspace, paths, await uploader(p, workspace.id), change),
    afterWrite: async (p: Principal, id: string, change: { path: string; sizeBytes: number; version: string }) => {
      await services.sharedFiles.recordChange(id, { kind: "UPLOAD", fromPath: null, ...change }, await uploader(p, id));
    },
    limits: {
      maxUploadBytes: MAX_UPLOAD_BYTES,
      maxWorkspaceBytes: config.workspaceMaxBytes,
      minFreeBytes: config.diskMinFreeBytes,
    },
    allowedUploadTypes: defaultAllowedUploadTypes,
    logger,
  };
}

/** Largest file one upload may carry. */
const MAX_UPLOAD_BYTES = 100 * 1024 * 1024;

export interface Core {
  db: Database;
  pubsub: PubSub;
  queue: JobQueue;
  services: AppServices;
  /** The process's metrics (METRICS_PORT), fed by the queue, the database and the services. */
  metrics: Metrics | undefined;
  startWorkers(concurrency: number): Promise<Workers>;
  close(): Promise<void>;
}

/** Database, bus, queue and services: what `serve` and `worker` processes share. */
export async function startCore(
  config: Config,
  logger: AppLogger,
  opts: Pick<
    AppOptions,
    | "onQuery"
    | "runtime"
    | "scriptedStepMs"
    | "sweepIntervalMs"
    | "sandboxProbe"
    | "modelRuntime"
    | "notificationChannel"
    | "metricsCacheMs"
  > = {},
): Promise<Core> {
  // The master key first: a key file that must not be used stops the start before anything opens.
  const secretCipher = openSecretCipher(config, logger);
  // OTEL_EXPORTER_OTLP_ENDPOINT unset: the SDK is not even loaded.
  const tracing = await startTracingIfConfigured(config.traces, logger);
  const stopTracing = () =>
    tracing?.stop().catch((err: unknown) => logger.warn({ err }, "could not send the last spans"));
  const db = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir, onQuery: opts.onQuery }).catch(
    async (err: unknown) => {
      await stopTracing();
      throw err;
    },
  );
  // Nothing is measured unless a listener will serve it (METRICS_PORT, off by default).
  const metrics = config.metricsPort > 0 ? coreMetrics(config, db, opts.metricsCacheMs) : undefined;
  let pubsub: PubSub | undefined;
  let queue: JobQueue | undefined;
  let fetcher: ClosableFetcher | undefined;
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
      recorder: metrics?.work,
    });
    const q0 = queue;
    metrics?.attach({ queueDepth: () => q0.depth() });
    fetcher = createGuardedFetcher(config.fetch, { chromiumPath: config.reports.chromiumPath });
    const deps = domainDeps(db, pubsub, logger, metrics?.work);
    const workspaceHolders = new WorkspaceHolderService(deps, new SqlWorkspaceHolderStore(db));
    const lostAfterMs = config.workspaceHolderTimeoutSeconds * 1000;
    // Cluster profile without a shared WORKSPACES_DIR: operations go to the process holding the workspace.
    const workspaceRouter = new WorkspaceRouter({
      shared: config.workspacesShared,
      remote:
        config.databaseUrl && !config.workspacesShared
          ? new SqlWorkspaceRemote({
              db,
              pubsub,
              logger,
              holderAlive: (id) => workspaceHolders.alive(id, lostAfterMs),
            })
          : null,
    });
    const services = await assembleServices(db, deps, {
      workspaceRouter,
      workspaceHolders,
      notificationChannel: opts.notificationChannel,
      search: { settings: config.search, fetcher },
      research: {
        model: config.model,
        maxDocumentBytes: config.fetch.maxBytes,
        backoffBaseMs: opts.modelRuntime?.backoffBaseMs,
      },
      workspacesDir: config.workspacesDir,
      delegation: config.delegation,
      channelMessagesPerMinute: config.channelMessagesPerMinute,
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
      secretCipher,
      github: config.github,
      dataDir: config.dataDir,
      githubWebhook: { repositories: config.github.repositories, taskLabel: config.github.taskLabel },
      reports: config.reports,
      email: config.email,
      queue,
    });
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
    const net = fetcher;
    let closed: Promise<void> | undefined;
    return {
      db,
      pubsub: ps,
      queue: q,
      services,
      metrics,
      startWorkers: async (concurrency) => {
        serveFileOps(
          services.workspaceRouter,
          services.workspaces,
          createFileOps(fileOpsOptions(services, config, logger)),
        );
        const holder = await startWorkspaceHolder({
          services,
          workspacesDir: config.workspacesDir,
          lostAfterMs: config.workspaceHolderTimeoutSeconds * 1000,
          logger,
        });
        const workers = await startWorkers({
          services,
          queue: q,
          pubsub: ps,
          workspaceFs,
          runtime,
          logger,
          concurrency,
          agentHeartbeatTimeoutSeconds: config.agentHeartbeatTimeoutSeconds,
          sweepIntervalMs: opts.sweepIntervalMs,
        });
        // RETENTION_DAYS: pruning runs where workers run (several at once on PostgreSQL is harmless).
        const retention = config.retentionDays > 0 ? startRetention({ db, logger, days: config.retentionDays }) : null;
        // WORKSPACE_RETENTION_DAYS: folders of tasks finished long ago, each removed by the process
        // holding it (a folder's rows share their holder: a shared child uses its parent's folder).
        const workspaceRetention =
          config.workspaceRetentionDays > 0
            ? startWorkspaceRetention({
                db,
                workspaceFs,
                mirrors: services.gitMirrors,
                logger,
                days: config.workspaceRetentionDays,
                reachable: async ({ workspaces }) => {
                  const first = workspaces[0] ? await services.workspaces.get(workspaces[0].id) : null;
                  return first !== null && services.workspaceRouter.isLocal(first);
                },
              })
            : null;
        return {
          async stop(graceMs) {
            await retention?.stop();
            await workspaceRetention?.stop();
            await workers.stop(graceMs);
            await holder.stop();
          },
        };
      },
      close() {
        closed ??= (async () => {
          await q.stop(0).catch((err: unknown) => logger.warn({ err }, "queue stop failed"));
          await closeAppServices(services);
          await net.close().catch((err: unknown) => logger.warn({ err }, "fetcher close failed"));
          await ps.close();
          await db.close();
          // Last: the spans of everything above are sent before the process ends.
          await stopTracing();
        })();
        return closed;
      },
    };
  } catch (err) {
    await queue?.stop(0).catch(() => {});
    await fetcher?.close().catch(() => {});
    await pubsub?.close().catch(() => {});
    await db.close().catch(() => {});
    await stopTracing();
    throw err;
  }
}

interface ServiceOptions extends AssignmentOptions {
  workspaceRouter: WorkspaceRouter;
  workspaceHolders: WorkspaceHolderService;
  notificationChannel?: NotificationChannel;
  /** DELEGATION_* settings (defaults: defaultDelegationLimits). */
  delegation?: DelegationLimits;
  /** CHANNEL_MESSAGES_PER_MINUTE (default channelLimits.messagesPerMinute). */
  channelMessagesPerMinute?: number;
  sandboxMode: SandboxMode;
  policyFile?: string;
  commandLimits: SandboxLimits;
  pipIndexUrl?: string;
  /** COMMAND_MAX_TIMEOUT_MS, COMMAND_MAX_CONCURRENT, COMMAND_MAX_PER_WORKSPACE. */
  commandBounds: { maxTimeoutMs: number; maxConcurrent: number; maxPerWorkspace: number };
  /** WORKSPACE_MAX_BYTES and DISK_MIN_FREE_BYTES. */
  disk: DiskLimits;
  /** Checks that bubblewrap works (tests replace it to play a machine without one). */
  probe?: typeof probeSandbox;
  /** Web search: SEARCH_* settings and the fetcher it reaches the engine through. */
  search: { settings: SearchSettings; fetcher: GuardedFetcher };
  /** The research tools: the task's model (MODEL_*) for syntheses, the largest document extract reads. */
  research: { model: ModelConfig; maxDocumentBytes: number; backoffBaseMs?: number };
  /** Encrypts and decrypts secret values (the master key from SECRETS_KEY or DATA_DIR/secrets.key). */
  secretCipher: SecretCipher;
  /** GITHUB_*: where GitHub is, how the service signs in, which repositories and merge methods are allowed. */
  github: GitHubConfig;
  /** DATA_DIR: git's private folder (DATA_DIR/git-service: askpass, bundles being checked) is there. */
  dataDir: string;
  /** GITHUB_REPOSITORIES and GITHUB_TASK_LABEL: which labelled issues become tasks. */
  githubWebhook: GitHubWebhookSettings;
  /** CHROMIUM_PATH and REPORT_*: the PDF renderer's browser and caps. */
  reports: ReportConfig;
  /** SMTP_*, PUBLIC_URL, EMAIL_*: the outbox's email. */
  email: EmailSettings;
  /** The outbox queues its send jobs here. */
  queue: JobQueue;
}

/** DELEGATION_* defaults (see src/config.ts), for assemblies that pass no settings. */
export const defaultDelegationLimits: DelegationLimits = {
  maxDepth: 3,
  maxChildren: 10,
  maxDescendants: 50,
  selfAllowed: false,
};

export const defaultCommandLimits: SandboxLimits = {
  wallTimeMs: 60_000,
  cpuSeconds: 60,
  memoryBytes: 1024 * 1024 * 1024,
  processes: 64,
  fileSizeBytes: 100 * 1024 * 1024,
  outputBytes: 10 * 1024 * 1024,
};

/** The domain's services over stores on `db` (no sandbox, no tools). */
export function assembleDomain(
  db: Database,
  deps: Deps,
  opts: AssignmentOptions & {
    notificationChannel?: NotificationChannel;
    delegation?: DelegationLimits;
    channelMessagesPerMinute?: number;
  },
) {
  const taskStore = new SqlTaskStore(db);
  const agentStore = new SqlAgentStore(db);
  const assignment = new AssignmentService(
    deps,
    { assignment: new SqlAssignmentStore(db), tasks: taskStore, agents: agentStore },
    opts,
  );
  const channelStore = new SqlChannelStore(db);
  const tasks = new TaskService(deps, taskStore, assignment, channelStore);
  const agents = new AgentService(deps, agentStore, assignment);
  const workspaces = new WorkspaceService(deps, new SqlWorkspaceStore(db));
  const linkStore = new SqlTaskLinkStore(db);
  const links = new TaskLinkService(deps, linkStore);
  const control = new TaskControlService(deps, tasks, taskStore, opts.jobs);
  const channels = new ChannelService(
    deps,
    channelStore,
    {
      task: (id) => tasks.get(id),
      runningTaskOf: async (agentId) => (await taskStore.heldBy(agentId, activeStatuses, 1))[0] ?? null,
      messageInTx: (...args) => control.messageInTx(...args),
    },
    { messagesPerMinute: opts.channelMessagesPerMinute ?? channelLimits.messagesPerMinute },
  );
  const notificationStore = new SqlNotificationStore(db);
  const lookups = { task: (id: string) => tasks.get(id), agent: (id: string) => agents.get(id) };
  const notifications = new NotificationService(deps, notificationStore);
  // EMAIL and WEBHOOK: the outbox, once assembleServices has made it (logged until then).
  const notificationChannel = new LateNotificationChannel(new LoggingNotificationChannel(deps.logger));
  const usage = new UsageService(deps, new SqlUsageStore(db));
  const artifacts = new ArtifactService(deps, new SqlArtifactStore(db));
  const delegation = new DelegationService(
    deps,
    tasks,
    taskStore,
    {
      findAgent: (hint) => agents.find(hint),
      artifactsOf: async (taskId) => ((await artifacts.ofTasks([taskId])).get(taskId) ?? []).map((a) => a.path),
      spent: async (taskId, tx) => {
        const sums = await usage.ofTask(taskId, tx);
        return { costUsd: sums.costUsd, tokens: sums.totalTokens };
      },
      enqueue: (name, payload, o) => opts.jobs.enqueue(name, payload, o),
    },
    opts.delegation ?? defaultDelegationLimits,
  );
  return {
    agents,
    delegation,
    tasks,
    assignment,
    apiKeys: new ApiKeyService(deps, new SqlApiKeyStore(db)),
    workspaces,
    sharedFiles: new SharedFilesService(deps, new SqlSharedFileStore(db), pathMutexOf(db, deps.logger)),
    assignments: new AssignmentFeed(deps, { agents, tasks, workspaces }),
    usage,
    nodes: new NodeService(new SqlNodeStore(db), tasks, channels),
    sources: new SourceService(deps, new SqlSourceStore(db)),
    links,
    artifacts,
    issueTasks: new IssueTaskService(deps, tasks, links, linkStore),
    control,
    channels,
    runs: new SqlRunStore(db, deps),
    notifications,
    notificationSubscriptions: new NotificationSubscriptionService(deps, notificationStore, lookups),
    // EMAIL and WEBHOOK subscriptions: the outbox's channel replaces the logging one when wired.
    notificationTrigger: new NotificationTrigger(
      deps,
      notificationStore,
      notifications,
      lookups,
      opts.notificationChannel ?? notificationChannel,
      {
        channelMessage: async (channelId, seq) => {
          const [channel, [message]] = await Promise.all([
            channelStore.get(channelId),
            channelStore.readAfter(channelId, seq - 1, 1),
          ]);
          if (!channel || message?.seq !== seq) return null;
          return { channel, message, task: channel.taskId ? await tasks.get(channel.taskId) : null };
        },
      },
    ),
    notificationChannel,
  };
}

/** The domain's Deps on one database and bus (and the metrics' recorder, when METRICS_PORT is set). */
export function domainDeps(db: Database, pubsub: PubSub, logger: Logger, recorder?: Recorder): Deps {
  return {
    pubsub,
    logger,
    transact: transactor({ db, pubsub, logger, recorder }),
    events: new SqlTaskEventLog(db.read),
    ...(recorder ? { recorder } : {}),
  };
}

/** The metrics of a process (serve or worker): what every process measures, read from `db`. */
function coreMetrics(config: Config, db: Database, cacheMs: number | undefined): Metrics {
  const metrics = new Metrics(cacheMs, cacheMs);
  metrics.attach({
    // Table names are fixed here, never from input.
    countByStatus: async (table) => {
      const rows: Array<{ status: string; n: number | string }> = await db
        .fork()
        .getConnection()
        .execute(`select status, count(*) as n from ${table === "task" ? "task" : "agent"} group by status`);
      return rows.map((r) => [String(r.status), Number(r.n)]);
    },
    workspacesDir: config.workspacesDir,
  });
  metrics.work.attachPool(() => db.poolStats());
  return metrics;
}

/** The domain's services, the sandbox and the tools, wired together. */
async function assembleServices(db: Database, deps: Deps, opts: ServiceOptions): Promise<AppServices> {
  const services = assembleDomain(db, deps, opts);
  const secrets = new SecretService(deps, new SqlSecretStore(db), opts.secretCipher);
  services.notificationSubscriptions.secrets = {
    create: (subscriptionId, value, field) => secrets.createForSubscription(subscriptionId, value, field),
    update: (secretId, value, field) => secrets.update(secretId, value, field),
    delete: (secretId) => secrets.delete(secretId),
  };
  const githubConnection = new SecretStoreGitHubConnection(opts.github, secrets, { logger: deps.logger });
  const github = new GitHubService(new OctokitGitHubGraphql(githubConnection, { logger: deps.logger }), opts.github);
  const webhooks = new GitHubWebhookService(
    deps,
    secrets,
    new SqlWebhookDeliveryStore(db),
    services.issueTasks,
    services.links,
    opts.githubWebhook,
  );
  const smtp = opts.email.smtpUrl ? new SmtpSender({ settings: opts.email, secrets }) : null;
  const outbox = new OutboxService({
    store: new SqlOutboxStore(db),
    settings: opts.email,
    sender: smtp,
    webhookSender: new GuardedWebhookSender(opts.search.fetcher, secrets),
    dispatch: (id) => dispatchOutbox(opts.queue, id),
    sanitizeHtml: sanitizeEmailHtml,
    logger: deps.logger,
  });
  const workspaceOfTask = async (taskId: string) => (await services.workspaces.byTaskIds([taskId])).get(taskId) ?? null;
  const reportFiles = new RoutedReportAttachments(
    new WorkspaceReportAttachments(async (taskId) => (await workspaceOfTask(taskId))?.path ?? null),
    opts.workspaceRouter,
    workspaceOfTask,
  );
  services.notificationChannel.target = new OutboxNotificationChannel(outbox, deps.logger, reportFiles);
  const reports = new TaskReportService(deps, services.tasks, services.links, new GitHubIssueTracker(github), {
    taskLabel: opts.githubWebhook.taskLabel,
  });
  let status: SandboxStatus;
  let sandbox: Sandbox | null = null;
  if (opts.sandboxMode === "none") {
    status = { mode: "none", kind: "NONE", reason: "SANDBOX=none: commands run WITHOUT isolation" };
    sandbox = createSandbox({ mode: "none", logger: deps.logger });
    deps.logger.warn({ sandbox: "none" }, "SANDBOX=none: untrusted commands run on this host WITHOUT isolation");
  } else {
    const probe = await (opts.probe ?? probeSandbox)();
    if (probe.available) {
      status = { mode: opts.sandboxMode, kind: "BWRAP", reason: null };
      sandbox = createSandbox({ mode: "bwrap", logger: deps.logger });
    } else {
      status = { mode: opts.sandboxMode, kind: "UNAVAILABLE", reason: probe.reason };
      deps.logger.warn(
        { reason: probe.reason },
        "no sandbox: runCommand, runPython and installPackages are refused (install bubblewrap, or set SANDBOX=none)",
      );
    }
  }
  const policies = new ToolPolicyService(deps, new SqlToolPolicyStore(db), loadPolicy(opts.policyFile));
  const commands = new CommandService(
    deps,
    new SqlCommandRunStore(db),
    () => {
      if (!sandbox) throw new Error("no sandbox");
      return sandbox;
    },
    services.tasks,
    {
      maxConcurrent: opts.commandBounds.maxConcurrent,
      maxPerWorkspace: opts.commandBounds.maxPerWorkspace,
      disk: opts.disk,
    },
  );
  const search = new SearchService(new SqlSearchStore(db), opts.search.fetcher, opts.search.settings, deps.logger);
  const research = new ResearchService({
    fetcher: opts.search.fetcher,
    search,
    sources: services.sources,
    model: new TaskModel({
      ...modelServer(opts.research.model),
      settings: opts.research.model,
      tasks: services.tasks,
      agents: services.agents,
      usage: services.usage,
      backoffBaseMs: opts.research.backoffBaseMs,
    }),
    logger: deps.logger,
    maxDocumentBytes: opts.research.maxDocumentBytes,
  });
  const gitPrivateDir = join(opts.dataDir, "git-service");
  const gitMirrors = new GitMirrors(
    join(opts.workspacesDir, GIT_MIRRORS_DIR),
    new HostGit({ privateDir: gitPrivateDir, timeoutMs: opts.github.gitTimeoutMs }),
  );
  const git = new GitService({
    sandbox: () => {
      if (!sandbox) throw new Error("no sandbox");
      return sandbox;
    },
    // Beside the workspaces (like pip's downloads), so that a cluster sharing WORKSPACES_DIR shares them too.
    mirrors: gitMirrors,
    tmpDir: join(gitPrivateDir, "tmp"),
    origins: opts.github.gitOrigins,
    webUrl: opts.github.webUrl,
    repositories: opts.github.repositories,
    timeoutMs: opts.github.gitTimeoutMs,
    disk: opts.disk,
    agentName: async (id) => (await services.agents.get(id))?.name ?? null,
  });
  // Chromium starts at the first report, not here.
  const reportRenderer = new PdfRenderer(opts.reports);
  const tools = new ToolService(
    deps,
    new SqlToolCallStore(db),
    new ToolRegistry(toolCatalog),
    services.workspaces,
    services.tasks,
    {
      commands,
      checkCommand: (program, args, scope) => policies.check(program, args, scope),
      sandboxUnavailable: () => (sandbox ? null : (status.reason ?? "no sandbox")),
      limits: opts.commandLimits,
      maxTimeoutMs: opts.commandBounds.maxTimeoutMs,
      fileLimits: { maxWorkspaceBytes: opts.disk.maxWorkspaceBytes, minFreeBytes: opts.disk.minFreeBytes },
      sharedFiles: services.sharedFiles,
      python: {
        indexUrl: opts.pipIndexUrl,
        packages: { allow: [], deny: [] },
        onlyBinary: true,
        downloadsDir: join(opts.workspacesDir, DOWNLOADS_DIR),
      },
      search,
      research,
      email: {
        outbox,
        recipientsOf: async (agentId) => (await services.agents.get(agentId))?.emailRecipients ?? null,
      },
      channels: services.channels,
      github: { service: github, connection: githubConnection },
      reports: {
        author: "agent-system",
        facts: (taskId) => taskFacts(services, taskId),
        render: async (html, print, meta) => withMetadata(await reportRenderer.render(html, print), meta),
        recordArtifact: async (taskId, artifact) => {
          const recorded = await services.artifacts.record(taskId, artifact);
          await services.notificationTrigger
            .reportReady(taskId, { id: recorded.id, path: artifact.path, sha256: artifact.sha256 })
            .catch((err: unknown) => deps.logger.warn({ err, taskId }, "report-ready notification failed"));
        },
      },
      delegation: services.delegation,
      git: {
        service: git,
        connection: githubConnection,
        // The pushed branch becomes the task's BRANCH link (a finished task's pull request is made from it).
        onPushed: async (ctx, pushed) => {
          await services.links.recordPush(ctx.workspace.taskId, pushed, "gitPush");
        },
      },
    },
    opts.workspaceRouter,
  );
  if (db.dialect === "sqlite") {
    const orphaned = await commands.failOrphanedRuns();
    if (orphaned > 0) deps.logger.warn({ runs: orphaned }, "command runs cut off by the last stop recorded as FAILED");
  }
  const stepRunner = sandbox ?? createSandbox({ mode: "none", logger: deps.logger, quiet: true });
  return {
    ...services,
    workspaceRouter: opts.workspaceRouter,
    workspaceHolders: opts.workspaceHolders,
    secrets,
    github,
    webhooks,
    reports,
    outbox,
    closeOutbox: () => smtp?.close(),
    tools,
    gitMirrors,
    commands,
    policies,
    search,
    reportRenderer,
    sandbox: status,
    stepRunner,
  };
}

/** The file tools' changes are exclusive per path across processes on PostgreSQL (the cluster profile). */
function pathMutexOf(db: Database, logger: Deps["logger"]): PathMutex {
  if (db.dialect === "sqlite") return singleProcessMutex;
  return new AdvisoryPathMutex(String(db.orm.config.get("clientUrl")), logger);
}

async function closeAppServices(services: AppServices): Promise<void> {
  await services.sharedFiles.close();
  services.closeOutbox();
  await services.commands.close();
  await services.reportRenderer.close();
  services.tasks.close();
  services.notifications.close();
  services.channels.close();
  services.apiKeys.close();
}
