/**
 * Shared helpers for the benchmarks: temp dirs and child processes that are always cleaned up,
 * percentiles, tables, and the load generator (autocannon in a child process, so it does not
 * share the server's event loop).
 */
import { fork, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import pg from "pg";

export const benchDir = fileURLToPath(new URL(".", import.meta.url));
export const repoDir = join(benchDir, "..");

/** One measured figure, printed in the benchmark's table. */
export interface Figure {
  name: string;
  value: string;
  baseline?: string;
  note?: string;
}

/** A target that passes or fails (never an assertion: the run always completes). */
export interface Target {
  name: string;
  measured: string;
  target: string;
  pass: boolean;
}

export interface BenchResult {
  figures: Figure[];
  targets: Target[];
  /** Free-form lines printed under the table (diagnostics, breakdowns). */
  notes: string[];
}

export interface Bench {
  name: string;
  description: string;
  /** Runs only when named on the command line (long runs, not part of a plain `npm run bench`). */
  optIn?: boolean;
  run(): Promise<BenchResult>;
}

// ---------------------------------------------------------------------------------------------
// Resources that must not outlive the run

const tempDirs = new Set<string>();
const children = new Set<ChildProcess>();

export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `bench-${prefix}-`));
  tempDirs.add(dir);
  return dir;
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  tempDirs.delete(dir);
}

export function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once("exit", () => children.delete(child));
  return child;
}

/** Kills (by pid) every child still running and removes every temp dir; safe to call twice. */
export function cleanupAll(): void {
  for (const c of children) {
    if (c.exitCode === null && c.signalCode === null && c.pid !== undefined) {
      try {
        process.kill(c.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  }
  children.clear();
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
  tempDirs.clear();
}

/** Waits for a child to exit; SIGTERM after `graceMs`, SIGKILL 2 s later. */
export async function stopChild(
  child: ChildProcess,
  graceMs = 5_000,
  signal: NodeJS.Signals | null = null,
): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  if (signal) child.kill(signal);
  const t1 = setTimeout(() => child.kill("SIGTERM"), graceMs);
  const t2 = setTimeout(() => child.kill("SIGKILL"), graceMs + 2_000);
  await exited;
  clearTimeout(t1);
  clearTimeout(t2);
}

// ---------------------------------------------------------------------------------------------
// Small utilities

/**
 * Runs `fn` while dropping the app's one-time "Admin API key (shown once …)" banner from stderr:
 * the benchmarks read the key from DATA_DIR/admin.key and the banner only clutters the report.
 */
export async function withoutKeyBanner<T>(fn: () => Promise<T>): Promise<T> {
  const write = process.stderr.write;
  process.stderr.write = function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]) {
    if (typeof chunk === "string" && chunk.includes("Admin API key (shown once")) return true;
    return (write as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
  } as typeof process.stderr.write;
  try {
    return await fn();
  } finally {
    process.stderr.write = write;
  }
}

/** The 1-minute load average, for judging how much other processes disturbed a run. */
export const loadAverage = () => loadavg()[0] ?? 0;

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] as number;
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** The median and 95th percentile of a sample (any order). */
export function p50p95(values: readonly number[]): { p50: number; p95: number } {
  const sorted = [...values].sort((a, b) => a - b);
  return { p50: median(sorted), p95: percentile(sorted, 95) };
}

/** How long `fn` took, in milliseconds. */
export async function timeMs(fn: () => unknown): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

export const ms = (v: number, digits = 1) => (Number.isFinite(v) ? `${v.toFixed(digits)} ms` : "n/a");
export const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

/** A free TCP port on 127.0.0.1 (for processes that must be told their port up front). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const addr = s.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  return [line(headers), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

// ---------------------------------------------------------------------------------------------
// Load generation (autocannon in a child process)

export interface LoadRequest {
  url: string;
  method: "GET" | "POST";
  headers: Record<string, string>;
  body?: string;
  connections: number;
  warmupSeconds: number;
  durationSeconds: number;
  /** A response body that does not contain this string counts as a mismatch. */
  expectInBody?: string;
  /** Requests per second over all connections (open-loop); unset = as fast as the server answers. */
  overallRate?: number;
}

export interface LoadResult {
  requests: number;
  rps: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  mismatches: number;
  durationSeconds: number;
  /** CPU time this process (the server, when it runs in-process) spent per measured request. */
  serverCpuMsPerRequest: number;
  /** Event-loop utilisation of this process during the measured run (0..1). */
  serverElu: number;
}

/** Runs one warm-up and one measured autocannon run in a child process and returns the measured one. */
export async function runLoad(req: LoadRequest): Promise<LoadResult> {
  const child = track(fork(join(benchDir, "load-child.ts"), [], { execArgv: process.execArgv, stdio: "inherit" }));
  try {
    let cpu0 = process.cpuUsage();
    let elu0 = performance.eventLoopUtilization();
    const result = await new Promise<LoadResult>((resolve, reject) => {
      const limit = setTimeout(
        () => reject(new Error("load generator did not finish in time")),
        (req.warmupSeconds + req.durationSeconds + 30) * 1000,
      );
      child.on(
        "message",
        (m: { measuring?: true; result?: Omit<LoadResult, "serverCpuMsPerRequest" | "serverElu">; error?: string }) => {
          if (m.measuring) {
            cpu0 = process.cpuUsage();
            elu0 = performance.eventLoopUtilization();
            return;
          }
          const cpu = process.cpuUsage(cpu0);
          const elu = performance.eventLoopUtilization(elu0);
          clearTimeout(limit);
          if (m.result) {
            resolve({
              ...m.result,
              serverCpuMsPerRequest: (cpu.user + cpu.system) / 1000 / Math.max(1, m.result.requests),
              serverElu: elu.utilization,
            });
          } else reject(new Error(`load generator failed: ${m.error ?? "unknown"}`));
        },
      );
      child.once("exit", (code) => {
        clearTimeout(limit);
        reject(new Error(`load generator exited with ${code}`));
      });
      child.send(req);
    });
    return result;
  } finally {
    await stopChild(child, 2_000);
  }
}

/** A new, empty PostgreSQL database on the server of `baseUrl`, and the way to drop it. */
export async function createPgDatabase(
  baseUrl: string,
  prefix: string,
): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `${prefix}_${process.pid}_${Date.now()}`;
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const u = new URL(baseUrl);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: baseUrl });
      await c.connect();
      try {
        await c.query(`drop database if exists ${name} with (force)`);
      } finally {
        await c.end();
      }
    },
  };
}
