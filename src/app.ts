import type { AddressInfo } from "node:net";
import type { Config } from "./config.js";
import { closeServices, createServices, type Services } from "./domain/services.js";
import { buildApiSchema } from "./graphql/schema.js";
import { defaultQueryLimits, type QueryLimits } from "./graphql/protections.js";
import { createHttpApp } from "./http/server.js";
import { openDatabase, type Database } from "./infra/db/orm.js";
import { MemoryPubSub } from "./infra/pubsub/memory.js";
import { PostgresPubSub } from "./infra/pubsub/postgres.js";
import type { PubSub } from "./infra/pubsub/pubsub.js";
import { createLogger, redactUrl, type AppLogger } from "./logger.js";
import { attachWebSocket } from "./use/ws.js";

export interface AppOptions {
  config: Config;
  logger?: AppLogger;
  limits?: Partial<QueryLimits>;
  maxSubscriptionsPerSocket?: number;
  /** Called with every SQL statement (benchmarks count statements per request). */
  onQuery?: (sql: string) => void;
}

export interface RunningApp {
  url: string;
  wsUrl: string;
  port: number;
  db: Database;
  pubsub: PubSub;
  services: Services;
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

  const db = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir, onQuery: opts.onQuery });
  let pubsub: PubSub | undefined;
  try {
    const applied = await db.migrate();
    if (applied.length > 0) logger.info({ migrations: applied }, "migrations applied");
    pubsub = config.databaseUrl
      ? await PostgresPubSub.connect({
          url: config.databaseUrl,
          onError: (err) => logger.warn({ err }, "pub/sub connection problem"),
        })
      : new MemoryPubSub();
    const deps = { db, pubsub, logger };
    const services = createServices(deps);

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
      maxBodyBytes: 2 * 1024 * 1024,
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
        return { ready: checks.database === "ok" && migrationsCurrent, checks };
      },
    });
    const ws = attachWebSocket({
      server: http.server,
      schema,
      services,
      pubsub,
      logger,
      limits,
      maxSubscriptionsPerSocket: opts.maxSubscriptionsPerSocket ?? 100,
      maxPayloadBytes: 2 * 1024 * 1024,
      connectionInitTimeoutMs: 3_000,
    });
    await http.start();
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
    const ps = pubsub;
    return {
      url,
      wsUrl: `ws://${host}:${port}/graphql`,
      port,
      db,
      pubsub: ps,
      services,
      logger,
      adminKeyCreated: boot.created,
      stop() {
        stopped ??= (async () => {
          const deadline = Date.now() + config.shutdownTimeoutMs - 500;
          await ws.close();
          await http.stop(deadline);
          closeServices(services);
          await ps.close();
          await db.close();
          logger.info("stopped");
        })();
        return stopped;
      },
    };
  } catch (err) {
    await pubsub?.close().catch(() => {});
    await db.close().catch(() => {});
    throw err;
  }
}
