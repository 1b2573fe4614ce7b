import { statfs } from "node:fs/promises";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import { jobNames, type QueueDepth } from "../infra/queue/queue.js";
import { DiskUsage, DISK_USAGE_TTL_MS } from "./disk-usage.js";
import { WorkMetrics } from "./work-metrics.js";

/**
 * The process's Prometheus metrics. One registry per app (not prom-client's global one): tests
 * start several servers in one process, and each must report only its own work.
 *
 * Labels never carry ids, keys, paths or user text. Operation names are chosen by clients, so
 * at most MAX_OPERATION_NAMES distinct ones are kept; later ones are counted as "other".
 */
export const MAX_OPERATION_NAMES = 200;
/** How long a DB-backed gauge's answer is reused: a scrape storm costs one GROUP BY per window. */
export const DB_GAUGE_TTL_MS = 5_000;

export interface MetricsSources {
  /** `SELECT status, count(*)` over a table: [status, count] pairs. */
  countByStatus(table: "task" | "agent"): Promise<Array<[string, number]>>;
  /** Open WebSocket connections and their active subscriptions by root field. */
  sockets(): { open: number; subscriptions: Map<string, number> };
  /** Waiting jobs per kind (JobQueue.depth). */
  queueDepth(): Promise<QueueDepth[]>;
  /** The directory whose free space is exported (WORKSPACES_DIR). */
  workspacesDir: string;
}

export interface WsOperationLabels {
  name: string | null | undefined;
  type: string | null | undefined;
}

const OP_TYPES = new Set(["query", "mutation", "subscription"]);
/** GraphQL names only ([_A-Za-z][_0-9A-Za-z]*), short: anything else is not a name to export. */
const NAME_RE = /^[_A-Za-z][_0-9A-Za-z]{0,99}$/;
const CODE_RE = /^[A-Z][A-Z0-9_]{0,63}$/;

export class Metrics {
  readonly registry = new Registry();
  private readonly names = new Set<string>();
  private sources: Partial<MetricsSources> = {};
  private diskUsage: DiskUsage | null = null;
  /** Jobs, model calls, sandbox runs, transactions, the pool, WebSocket operations. */
  readonly work = new WorkMetrics(this.registry);

  readonly graphqlOperations = new Counter({
    name: "agents_graphql_operations_total",
    help: "GraphQL operations executed, by operation name and type.",
    labelNames: ["operation", "type"] as const,
    registers: [this.registry],
  });
  readonly graphqlDuration = new Histogram({
    name: "agents_graphql_operation_duration_seconds",
    help: "Wall time of a GraphQL operation over HTTP, from request to response.",
    labelNames: ["operation", "type"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly graphqlErrors = new Counter({
    name: "agents_graphql_errors_total",
    help: "GraphQL errors returned, by operation name, type and error code.",
    labelNames: ["operation", "type", "code"] as const,
    registers: [this.registry],
  });

  /** `diskTtlMs`: how long a walk of WORKSPACES_DIR is reused (tests use 0: every scrape starts one). */
  constructor(
    private readonly dbTtlMs = DB_GAUGE_TTL_MS,
    private readonly diskTtlMs = DISK_USAGE_TTL_MS,
  ) {
    // Process CPU, memory, handles and event-loop lag (nodejs_eventloop_lag_*), under agents_.
    collectDefaultMetrics({ register: this.registry, prefix: "agents_" });
    const self = this;
    new Gauge({
      name: "agents_websockets_open",
      help: "Open GraphQL WebSocket connections.",
      registers: [this.registry],
      collect() {
        this.set(self.sources.sockets?.().open ?? 0);
      },
    });
    new Gauge({
      name: "agents_subscriptions_active",
      help: "Active GraphQL subscriptions, by root field.",
      labelNames: ["field"] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [field, n] of self.sources.sockets?.().subscriptions ?? []) this.set({ field }, n);
      },
    });
    this.statusGauge("task", "agents_tasks", "Tasks by status (read from the database, cached 5 s).");
    this.statusGauge("agent", "agents_agents", "Agents by status (read from the database, cached 5 s).");
    this.queueGauges();
    new Gauge({
      name: "agents_workspaces_disk_free_bytes",
      help: "Free bytes on the file system holding WORKSPACES_DIR (for unprivileged users).",
      registers: [this.registry],
      async collect() {
        const dir = self.sources.workspacesDir;
        if (!dir) return;
        const s = await statfs(dir).catch(() => null);
        if (s) this.set(s.bavail * s.bsize);
      },
    });
    new Gauge({
      name: "agents_workspaces_disk_used_bytes",
      help: "Bytes allocated under WORKSPACES_DIR (a du-like walk, no symlink followed, cached 60 s).",
      registers: [this.registry],
      async collect() {
        const dir = self.sources.workspacesDir;
        if (!dir) return;
        self.diskUsage ??= new DiskUsage(dir, self.diskTtlMs);
        const used = await self.diskUsage.read().catch(() => null);
        if (used) this.set(used.bytes);
      },
    });
  }

  /** Connects the scrape-time gauges to the app's parts (called once they exist). */
  attach(sources: Partial<MetricsSources>): void {
    this.sources = { ...this.sources, ...sources };
  }

  /** A bounded label for a client-chosen operation name. */
  operationLabel(name: string | null | undefined): string {
    if (!name) return "anonymous";
    if (!NAME_RE.test(name)) return "other";
    if (this.names.has(name)) return name;
    if (this.names.size >= MAX_OPERATION_NAMES) return "other";
    this.names.add(name);
    return name;
  }

  /** A request refused before Apollo's plugins run (no or a bad API key: no context was built). */
  /** An operation started over WebSocket (counted once, however many events it sends). */
  wsOperation(op: WsOperationLabels): void {
    this.work.wsOperations.inc({ operation: this.operationLabel(op.name), type: Metrics.typeLabel(op.type) });
  }

  /** Errors sent for an operation over WebSocket, by code. */
  wsErrors(op: WsOperationLabels, codes: readonly unknown[]): void {
    const labels = { operation: this.operationLabel(op.name), type: Metrics.typeLabel(op.type) };
    for (const code of codes) this.work.wsErrors.inc({ ...labels, code: Metrics.codeLabel(code) });
  }

  refused(op: { name: unknown; type: string | null }, code: string): void {
    const labels = {
      operation: this.operationLabel(typeof op.name === "string" ? op.name : null),
      type: Metrics.typeLabel(op.type),
    };
    this.graphqlOperations.inc(labels);
    this.graphqlErrors.inc({ ...labels, code: Metrics.codeLabel(code) });
  }

  static typeLabel(type: string | null | undefined): string {
    return type && OP_TYPES.has(type) ? type : "unknown";
  }

  static codeLabel(code: unknown): string {
    return typeof code === "string" && CODE_RE.test(code) ? code : "UNKNOWN";
  }

  private statusGauge(table: "task" | "agent", name: string, help: string): void {
    const self = this;
    let cached: { at: number; rows: Promise<Array<[string, number]>> } | null = null;
    new Gauge({
      name,
      help,
      labelNames: ["status"] as const,
      registers: [this.registry],
      async collect() {
        const source = self.sources.countByStatus;
        if (!source) return;
        if (!cached || Date.now() - cached.at >= self.dbTtlMs) {
          const rows = source(table);
          cached = { at: Date.now(), rows };
          // A failed read is not cached: the next scrape asks again.
          rows.catch(() => (cached = null));
        }
        const rows = await cached.rows.catch(() => null);
        if (!rows) return;
        this.reset();
        for (const [status, n] of rows) this.set({ status: status.slice(0, 32) }, n);
      },
    });
  }

  /** Depth and oldest age per job kind, read once per scrape; every kind is reported (0 when idle). */
  private queueGauges(): void {
    const self = this;
    let pending: Promise<Map<string, QueueDepth> | null> | null = null;
    // Both gauges share one read: the first to collect starts it, the second finds it running.
    const read = () =>
      (pending ??= (async () => {
        const source = self.sources.queueDepth;
        const rows = source ? await source().catch(() => null) : null;
        return rows && new Map(rows.map((r) => [r.name, r]));
      })().finally(() => queueMicrotask(() => (pending = null))));
    new Gauge({
      name: "agents_queue_jobs_waiting",
      help: "Jobs due and waiting for a worker, by job kind.",
      labelNames: ["queue"] as const,
      registers: [this.registry],
      async collect() {
        const depth = await read();
        if (!depth) return;
        for (const name of jobNames) this.set({ queue: name }, depth.get(name)?.waiting ?? 0);
      },
    });
    new Gauge({
      name: "agents_queue_oldest_job_age_seconds",
      help: "Seconds the longest-waiting due job of each kind has waited (0 when none waits).",
      labelNames: ["queue"] as const,
      registers: [this.registry],
      async collect() {
        const depth = await read();
        if (!depth) return;
        for (const name of jobNames) this.set({ queue: name }, depth.get(name)?.oldestAgeSeconds ?? 0);
      },
    });
  }

  /** The Prometheus text exposition of every family. */
  metrics(): Promise<string> {
    return this.registry.metrics();
  }
}
