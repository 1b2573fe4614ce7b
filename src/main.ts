#!/usr/bin/env node
import { ConfigError, loadConfig, type Config } from "./config.js";
import { openDatabase } from "./infra/db/orm.js";
import { createLogger } from "./logger.js";

const usage = `Usage: agent-system [command]

Commands:
  serve [--no-workers]   Run the GraphQL API and WORKERS in-process job workers (default command)
  worker                 Run job workers only (no HTTP); any number may share one PostgreSQL
  migrate                Apply pending database migrations and exit
  backup <file>          Copy the SQLite database to <file>, consistently, while servers run
  restore <file>         Put a backup in place of the SQLite database (servers stopped)

Configuration is read from the environment; see README.md.`;

/** Exits 0 after a graceful stop on SIGTERM/SIGINT, 1 when it fails or overruns SHUTDOWN_TIMEOUT_MS. */
function stopOnSignals(config: Config, logger: ReturnType<typeof createLogger>, stop: () => Promise<void>): void {
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    const force = setTimeout(() => {
      logger.error({ timeoutMs: config.shutdownTimeoutMs }, "shutdown took too long; exiting");
      process.exit(1);
    }, config.shutdownTimeoutMs);
    force.unref();
    stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
}

async function worker(config: Config): Promise<void> {
  process.env.NODE_ENV ??= "production";
  const { startCore } = await import("./app.js");
  const logger = createLogger(config.logLevel, undefined, config.logFormat);
  const core = await startCore(config, logger);
  const workers = await core.startWorkers(Math.max(1, config.workers));
  logger.info({ concurrency: Math.max(1, config.workers) }, "worker started");
  // METRICS_PORT: a worker serves its own /metrics (its jobs, model calls, sandbox runs).
  const metricsServer = core.metrics
    ? await (
        await import("./metrics/server.js")
      ).startMetricsServer(core.metrics, config.metricsPort, config.metricsHost, logger)
    : null;
  stopOnSignals(config, logger, async () => {
    await metricsServer?.close();
    await workers.stop(Math.max(0, config.shutdownTimeoutMs - 2_000));
    await core.close();
    logger.info("stopped");
  });
}

async function serve(config: Config, noWorkers: boolean): Promise<void> {
  // graphql-js checks every type with a slow cross-realm instanceOf outside production; it reads
  // NODE_ENV once, when first loaded, which is why app.js is imported only now.
  process.env.NODE_ENV ??= "production";
  const { startApp } = await import("./app.js");
  const logger = createLogger(config.logLevel, undefined, config.logFormat);
  const app = await startApp({ config, logger, ...(noWorkers ? { workers: 0 } : {}) });
  stopOnSignals(config, logger, () => app.stop());
}

async function migrate(config: Config): Promise<void> {
  const logger = createLogger(config.logLevel, undefined, config.logFormat);
  const db = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir });
  try {
    const applied = await db.migrate();
    logger.info({ applied }, applied.length ? "migrations applied" : "database is up to date");
  } finally {
    await db.close();
  }
}

/** `backup <file>` / `restore <file>`: exit 0 done, 1 refused (the reason on stderr), 2 PostgreSQL (use its tools). */
async function backupOrRestore(config: Config, command: "backup" | "restore", file: string): Promise<void> {
  const { BackupError, backupSqlite, pgDumpAdvice, restoreSqlite } = await import("./infra/db/backup.js");
  if (config.databaseUrl) {
    process.stderr.write(`${pgDumpAdvice(file)}\n`);
    process.exit(2);
  }
  try {
    if (command === "backup") {
      const done = await backupSqlite(config.dataDir, file);
      process.stdout.write(`Backed up the database to ${done.file} (${done.bytes} bytes)\n`);
    } else {
      const done = await restoreSqlite(config.dataDir, file);
      process.stdout.write(
        `Restored ${done.file} from ${file}${done.previous ? `; the previous database is ${done.previous}` : ""}\n`,
      );
    }
  } catch (err) {
    if (!(err instanceof BackupError)) throw err;
    process.stderr.write(`${command} refused (${err.code}): ${err.message}\n`);
    process.exit(1);
  }
}

/**
 * A promise that failed with nobody to handle it is a bug, logged loudly; it never takes the
 * server down with it (a full disk once did, through one such failure).
 */
function keepRunningOnStrayRejections(): void {
  let logger: ReturnType<typeof createLogger> | undefined;
  process.on("unhandledRejection", (reason: unknown) => {
    logger ??= createLogger("error");
    logger.error({ err: reason }, "unhandled promise rejection (a bug): the server keeps running");
  });
}

async function main(): Promise<void> {
  keepRunningOnStrayRejections();
  const command = process.argv[2] ?? "serve";
  if (command === "--help" || command === "-h" || command === "help") {
    process.stdout.write(`${usage}\n`);
    return;
  }
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const flags = process.argv.slice(3);
  if (command === "backup" || command === "restore") {
    if (flags.length !== 1 || flags[0]!.startsWith("-")) {
      process.stderr.write(`"${command}" takes one file name\n\n${usage}\n`);
      process.exit(2);
    }
    return backupOrRestore(config, command, flags[0]!);
  }
  const unknown = flags.filter((f) => !(command === "serve" && f === "--no-workers"));
  if (unknown.length > 0) {
    process.stderr.write(`Unknown option "${unknown[0]}" for "${command}"\n\n${usage}\n`);
    process.exit(2);
  }
  if (command === "serve") return serve(config, flags.includes("--no-workers"));
  if (command === "worker") return worker(config);
  if (command === "migrate") return migrate(config);
  process.stderr.write(`Unknown command "${command}"\n\n${usage}\n`);
  process.exit(2);
}

main().catch((err: unknown) => {
  process.stderr.write(`Fatal: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
