/**
 * The agent runtime, on SQLite and (with BENCH_DATABASE_URL or TEST_DATABASE_URL) PostgreSQL.
 *
 * 1. Overhead per step: one task of STEPS model turns against a model server that answers at
 *    once, each turn one writeFile; the runtime reports each step's model time, tool time and the
 *    rest (reading the task, the budget check, building the prompt, persisting the turn and the
 *    result, events). Baseline: one TaskService.addEvent (a committed event row) in the same run.
 *    Target: median overhead ≤ 5 ms.
 * 2. Throughput: TASKS tasks at once, each on its own builtin agent, against a model server that
 *    answers each turn after MODEL_MS; every task takes TURNS turns, so the latency allows
 *    TASKS / (TURNS · MODEL_MS) tasks per second. The model holds its answers until every task has
 *    its workspace and has asked its first question (workspace creation is shown apart); the clock
 *    runs from then to the last COMPLETE. Target: ≥ 80 % of what the latency allows.
 */
import { chmodSync } from "node:fs";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { startApp, type RunningApp } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import { createLogger } from "../src/logger.js";
import type { Principal } from "../src/domain/auth/principal.js";
import { startModelServer } from "./model-server.js";
import {
  loadAverage,
  median,
  ms,
  percentile,
  removeDir,
  tempDir,
  withoutKeyBanner,
  type Bench,
  type BenchResult,
  createPgDatabase,
} from "./lib.js";

const STEPS = 60;
const WARMUP_STEPS = 5;
const OVERHEAD_TARGET_MS = 5;
const TASKS = 50;
const TURNS = 4;
const MODEL_MS = 200;
const THROUGHPUT_TARGET = 0.8;

const system: Principal = { apiKeyId: "", name: "bench", role: "ADMIN", agentId: null };

async function withApp<T>(
  databaseUrl: string | undefined,
  modelUrl: string,
  workers: number,
  onStep:
    ((s: { taskId: string; step: number; modelMs: number; toolMs: number; overheadMs: number }) => void) | undefined,
  fn: (app: RunningApp, sql: Map<string, number>) => Promise<T>,
): Promise<T> {
  const statements = new Map<string, number>();
  const dataDir = tempDir("runtime");
  chmodSync(dataDir, 0o755);
  const config = loadConfig({
    PORT: "0",
    DATA_DIR: dataDir,
    LOG_LEVEL: "silent",
    ADMIN_API_KEY: "bench-runtime-admin-key-0123456789abcdef",
    OPENROUTER_BASE_URL: modelUrl,
    OPENROUTER_API_KEY: "sk-bench",
    MODEL_DEFAULT: "bench-model",
    AGENT_MAX_STEPS: "10000",
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
  });
  const app = await withoutKeyBanner(() =>
    startApp({
      config,
      logger: createLogger("silent"),
      workers,
      sweepIntervalMs: 60_000,
      onQuery: process.env.BENCH_COUNT_SQL
        ? (text) => {
            const shape = text.replace(/\s+/g, " ").slice(0, 70);
            statements.set(shape, (statements.get(shape) ?? 0) + 1);
          }
        : undefined,
      ...(onStep ? { modelRuntime: { onStep, streamFlushMs: 100 } } : {}),
    }),
  );
  try {
    return await fn(app, statements);
  } finally {
    await app.stop();
    removeDir(dataDir);
  }
}

/**
 * Resolves when every task is finished. Woken by TASK_CHANGED (the notification's revision
 * usually saves the read), so waiting costs the measured process next to nothing; a slow poll
 * is the backstop.
 */
async function waitAll(app: RunningApp, ids: string[], timeoutMs: number): Promise<void> {
  const done = (s: string | undefined) => s === "COMPLETE" || s === "FAILED" || s === "CANCELLED";
  const open = new Set(ids);
  for (const [id, t] of await app.services.tasks.byIds(ids)) if (done(t.status)) open.delete(id);
  if (open.size === 0) return;
  await new Promise<void>((resolve, reject) => {
    const finish = (err?: Error) => {
      unsubscribe();
      clearInterval(poll);
      clearTimeout(timer);
      if (err) reject(err);
      else resolve();
    };
    const check = (id: string, rev?: string) => {
      if (!open.has(id)) return;
      void app.services.tasks.getShared(id, rev).then((t) => {
        if (t && done(t.status) && open.delete(id) && open.size === 0) finish();
      });
    };
    const unsubscribe = app.pubsub.subscribe("TASK_CHANGED", ({ taskId, rev }) => check(taskId, rev));
    const poll = setInterval(() => {
      for (const id of open) check(id);
    }, 1_000);
    const timer = setTimeout(
      () => finish(new Error(`${open.size} task(s) did not finish in ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
}

async function overhead(label: string, databaseUrl: string | undefined, result: BenchResult): Promise<void> {
  const server = await startModelServer({ name: "writes", steps: STEPS }, 0);
  const steps: Array<{ modelMs: number; toolMs: number; overheadMs: number }> = [];
  try {
    await withApp(
      databaseUrl,
      server.url,
      1,
      (s) => steps.push(s),
      async (app) => {
        await app.services.agents.create({ name: "bench-agent", kind: "BUILTIN" });
        const task = await app.services.tasks.create({ title: "overhead", complexity: 5 });
        await waitAll(app, [task.id], 120_000);
        // Baseline: one committed event row, the unit most of the runtime's bookkeeping is made of.
        const events: number[] = [];
        for (let i = 0; i < 60; i++) {
          const t0 = performance.now();
          await app.services.tasks.addEvent(task.id, { type: "PROGRESS", content: `baseline ${i}` }, system);
          events.push(performance.now() - t0);
        }
        const measured = steps.slice(WARMUP_STEPS, STEPS);
        const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
        const over = sorted(measured.map((s) => s.overheadMs));
        const event = median(sorted(events.slice(10)));
        result.figures.push(
          {
            name: `${label}: runtime overhead per step, p50 / p95`,
            value: `${ms(median(over), 2)} / ${ms(percentile(over, 95), 2)}`,
            baseline: `${ms(event, 2)} per event row`,
            note: `${measured.length} steps; ≈ ${(median(over) / event).toFixed(1)} event rows' worth`,
          },
          {
            name: `${label}: model call p50 (instant server)`,
            value: ms(median(sorted(measured.map((s) => s.modelMs))), 2),
            note: "HTTP + SSE parse, not counted as overhead",
          },
          {
            name: `${label}: writeFile execution p50`,
            value: ms(median(sorted(measured.map((s) => s.toolMs))), 2),
            note: "ToolCall row, event, file write; not counted as overhead",
          },
        );
        result.targets.push({
          name: `${label}: runtime overhead per step (median, model and tool time excluded)`,
          measured: ms(median(over), 2),
          target: `≤ ${OVERHEAD_TARGET_MS} ms`,
          pass: median(over) <= OVERHEAD_TARGET_MS,
        });
      },
    );
  } finally {
    await server.close();
  }
}

/** Rounds of the throughput part (each on a fresh database); the median round is reported. */
const ROUNDS = Math.max(1, Number(process.env.BENCH_RUNTIME_ROUNDS ?? 3));

async function throughputRounds(
  label: string,
  database: () => Promise<{ url: string | undefined; drop(): Promise<void> }>,
  result: BenchResult,
): Promise<void> {
  const rounds: Array<{ perMin: number; r: BenchResult }> = [];
  for (let i = 0; i < ROUNDS; i++) {
    const db = await database();
    try {
      const r: BenchResult = { figures: [], targets: [], notes: [] };
      rounds.push({ perMin: await throughput(label, db.url, r), r });
    } finally {
      await db.drop();
    }
  }
  rounds.sort((a, b) => a.perMin - b.perMin);
  const mid = rounds[Math.floor(rounds.length / 2)]!;
  result.figures.push(...mid.r.figures);
  result.targets.push(...mid.r.targets);
  result.notes.push(
    `${label}: tasks per minute in ${rounds.length} rounds, each on a fresh database: ${rounds.map((x) => x.perMin.toFixed(0)).join(", ")} (the median round is shown)`,
    ...mid.r.notes,
  );
}

async function throughput(label: string, databaseUrl: string | undefined, result: BenchResult): Promise<number> {
  const server = await startModelServer({ name: "phases" }, MODEL_MS);
  const steps: Array<{
    taskId: string;
    step: number;
    at: number;
    modelMs: number;
    toolMs: number;
    overheadMs: number;
  }> = [];
  const lag = monitorEventLoopDelay({ resolution: 10 });
  try {
    return await withApp(
      databaseUrl,
      server.url,
      TASKS,
      (st) => steps.push({ ...st, at: performance.now() }),
      async (app, statements) => {
        for (let i = 0; i < TASKS; i++) await app.services.agents.create({ name: `agent-${i}`, kind: "BUILTIN" });
        // Every task gets its workspace and asks its first question; then the model starts answering,
        // so the figure is the runtime's and not the workspaces' (their creation is shown apart).
        await server.closeGate();
        const t0 = performance.now();
        const created = await Promise.all(
          Array.from({ length: TASKS }, (_, i) => app.services.tasks.create({ title: `task ${i}`, complexity: 5 })),
        );
        const ids = created.map((t) => t.id);
        while ((await server.waiting()) < TASKS) {
          if (performance.now() - t0 > 120_000) throw new Error(`only ${await server.waiting()} tasks asked the model`);
          await new Promise((r) => setTimeout(r, 10));
        }
        const setupSeconds = (performance.now() - t0) / 1000;
        lag.enable();
        const t1 = performance.now();
        const cpu0 = process.cpuUsage();
        const serverCpu0 = await server.cpuMs();
        const elu0 = performance.eventLoopUtilization();
        statements.clear(); // counted from here: the statements of the runs, not of the set-up
        await server.open();
        await waitAll(app, ids, 300_000);
        const runSeconds = (performance.now() - t1) / 1000;
        const cpu = process.cpuUsage(cpu0);
        const elu = performance.eventLoopUtilization(elu0);
        if (process.env.BENCH_MARKS) {
          process.stderr.write(`run window ${t1.toFixed(0)}-${performance.now().toFixed(0)} ms\n`);
          // Each step's end, by task and step, relative to the gate opening: where the time goes.
          const byStep = new Map<number, number[]>();
          for (const s of steps) {
            if (s.at < t1) continue;
            const xs = byStep.get(s.step) ?? [];
            xs.push(s.at - t1);
            byStep.set(s.step, xs);
          }
          for (const k of ["modelMs", "toolMs", "overheadMs"] as const) {
            for (let st = 1; st <= 4; st++) {
              const xs = steps
                .filter((x) => x.at >= t1 && x.step === st)
                .map((x) => x[k])
                .sort((a, b) => a - b);
              if (xs.length)
                process.stderr.write(
                  `  ${k} step ${st}: p10 ${percentile(xs, 10).toFixed(1)} p50 ${median(xs).toFixed(1)} p90 ${percentile(xs, 90).toFixed(1)} max ${xs[xs.length - 1]!.toFixed(1)}\n`,
                );
            }
          }
          for (const [step, xs] of [...byStep].sort((a, b) => a[0] - b[0])) {
            xs.sort((a, b) => a - b);
            process.stderr.write(
              `step ${step}: ends ${xs.length} tasks, first ${xs[0]!.toFixed(0)} p50 ${median(xs).toFixed(0)} last ${xs[xs.length - 1]!.toFixed(0)} ms\n`,
            );
          }
        }
        lag.disable();
        const requests = await server.requests();
        const serverCpuMs = (await server.cpuMs()) - serverCpu0;
        const cpuMs = (cpu.user + cpu.system) / 1000;
        result.notes.push(
          `${label}: CPU of this process while the tasks ran: ${(cpuMs / requests).toFixed(1)} ms per model turn, ${(cpuMs / 1000 / runSeconds).toFixed(2)} cores busy (the model server is another process); the event loop was busy ${(100 * elu.utilization).toFixed(0)} % of the time; the model server used ${(serverCpuMs / requests).toFixed(1)} ms per request`,
        );
        const p50 = (xs: number[]) => median([...xs].sort((a, b) => a - b));
        const statuses = await app.services.tasks.byIds(ids);
        const completed = ids.filter((id) => statuses.get(id)?.status === "COMPLETE").length;
        const allowedPerMin = (TASKS / ((TURNS * MODEL_MS) / 1000)) * 60;
        const measuredPerMin = (TASKS / runSeconds) * 60;
        result.figures.push(
          {
            name: `${label}: tasks per minute, ${TASKS} at once`,
            value: measuredPerMin.toFixed(0),
            baseline: `${allowedPerMin.toFixed(0)} allowed`,
            note: `${((100 * measuredPerMin) / allowedPerMin).toFixed(1)} % of what ${TURNS} turns × ${MODEL_MS} ms allow`,
          },
          {
            name: `${label}: all ${TASKS} tasks, first answer → last COMPLETE`,
            value: `${runSeconds.toFixed(2)} s`,
            baseline: `${((TURNS * MODEL_MS) / 1000).toFixed(2)} s`,
            note: `${completed}/${TASKS} COMPLETE; ${requests} model requests`,
          },
          {
            name: `${label}: ${TASKS} workspaces created and first questions asked`,
            value: `${setupSeconds.toFixed(2)} s`,
            note: "before the clock starts",
          },
        );
        result.notes.push(
          `${label}: per model turn under load: model call p50 ${ms(p50(steps.map((x) => x.modelMs)))}, tool p50 ${ms(p50(steps.map((x) => x.toolMs)))}, runtime p50 ${ms(p50(steps.map((x) => x.overheadMs)))}; event-loop delay p50 ${ms(lag.percentile(50) / 1e6)}, p99 ${ms(lag.percentile(99) / 1e6)}`,
        );
        const total = [...statements.values()].reduce((a, b) => a + b, 0);
        if (total > 0) {
          result.notes.push(
            `${label}: ${total} SQL statements (${(total / requests).toFixed(1)} per model turn, while the tasks ran); most frequent:`,
            ...[...statements.entries()]
              .sort((a, b) => b[1] - a[1])
              .slice(0, 30)
              .map(([q, n]) => `  ${String(n).padStart(6)}  ${q}`),
          );
        }
        result.targets.push({
          name: `${label}: tasks per minute vs what the model latency allows`,
          measured: `${measuredPerMin.toFixed(0)} (${((100 * measuredPerMin) / allowedPerMin).toFixed(1)} %)`,
          target: `≥ ${(THROUGHPUT_TARGET * 100).toFixed(0)} % of ${allowedPerMin.toFixed(0)}`,
          pass: completed === TASKS && measuredPerMin >= THROUGHPUT_TARGET * allowedPerMin,
        });
        return measuredPerMin;
      },
    );
  } finally {
    await server.close();
  }
}

export const runtimeBench: Bench = {
  name: "runtime",
  description: `agent runtime: overhead per step (${STEPS} steps) and ${TASKS} concurrent tasks with a ${MODEL_MS} ms model`,
  async run(): Promise<BenchResult> {
    const result: BenchResult = { figures: [], targets: [], notes: [] };
    const load0 = loadAverage();
    // BENCH_RUNTIME_PART=overhead|throughput runs one part (for profiling).
    const part = process.env.BENCH_RUNTIME_PART;
    const runOverhead = part !== "throughput";
    const runThroughput = part !== "overhead";
    if (runOverhead) await overhead("SQLite", undefined, result);
    if (runThroughput) {
      await throughputRounds("SQLite", async () => ({ url: undefined, drop: async () => {} }), result);
    }
    const base = process.env.BENCH_DATABASE_URL || process.env.TEST_DATABASE_URL;
    if (base) {
      if (runOverhead) {
        const db = await createPgDatabase(base, "bench_runtime");
        try {
          await overhead("PostgreSQL", db.url, result);
        } finally {
          await db.drop();
        }
      }
      if (runThroughput) await throughputRounds("PostgreSQL", () => createPgDatabase(base, "bench_runtime"), result);
    } else {
      result.notes.push("PostgreSQL skipped: set BENCH_DATABASE_URL or TEST_DATABASE_URL.");
    }
    result.notes.push(`load average (1 min) at start ${load0.toFixed(1)}, at end ${loadAverage().toFixed(1)}`);
    return result;
  },
};
