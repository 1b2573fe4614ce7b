import type { Config } from "./config.js";
import type { Database } from "./infra/db/orm.js";
import { hasReserve, keepReserve } from "./infra/disk-reserve.js";
import type { SandboxStatus } from "./services.js";
import { freeBytesAt } from "./tools/files/free-space.js";

/**
 * What GET /readyz answers: ready when the database answers (its file neither deleted nor
 * replaced), its migrations are applied and the disk has room; every check says why it is not.
 * The sandbox is reported, not required: without it the API serves and refuses untrusted code.
 */
export function readinessCheck(
  db: Database,
  config: Pick<Config, "databaseUrl" | "dataDir" | "diskMinFreeBytes">,
  sandbox: SandboxStatus,
): () => Promise<{ ready: boolean; checks: Record<string, unknown> }> {
  let migrationsCurrent = true;
  return async () => {
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
      sandbox.kind === "BWRAP"
        ? "bubblewrap"
        : sandbox.kind === "NONE"
          ? "none (SANDBOX=none: commands run without isolation)"
          : `unavailable: ${sandbox.reason ?? "unknown"}`;
    return { ready: checks.database === "ok" && migrationsCurrent && diskOk, checks };
  };
}
