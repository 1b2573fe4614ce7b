/**
 * Delegation: from delegateTask to the child's first model call, against createTask to its first
 * model call, in the same run (SQLite; PostgreSQL too with BENCH_DATABASE_URL or
 * TEST_DATABASE_URL).
 *
 * One app with builtin worker agents and a model server that answers at once (four turns through
 * the phases). A parent task sits with an external agent (no runtime of its own). SAMPLES times,
 * alternately: DelegationService.delegate (a child of the parent, its own workspace) or
 * TaskService.create (a task of its own), then the clock stops when the new task's first model
 * turn starts (the runtime's step hook: the step's end minus its model, tool and bookkeeping
 * time). Both paths make a workspace (folders and venv) and queue a run the same way; the
 * figure is what delegation adds (locking the parent, the tree checks, the budget carve, the
 * parent's event). A child sharing the parent's workspace (no folders or venv made) is shown too.
 */
import { chmodSync } from "node:fs";
import { startApp, type RunningApp } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import type { Principal } from "../src/domain/auth/principal.js";
import { createLogger } from "../src/logger.js";
import {
  createPgDatabase,
  loadAverage,
  median,
  ms,
  percentile,
  removeDir,
  tempDir,
  withoutKeyBanner,
  type Bench,
  type BenchResult,
} from "./lib.js";
import { startModelServer } from "./model-server.js";

const SAMPLES = Math.max(2, Number(process.env.BENCH_DELEGATION_SAMPLES ?? 30));
const WARMUP = 3;
const system: Principal = { apiKeyId: "", name: "bench", role: "ADMIN", agentId: null };

type Path = "delegate" | "shared" | "create";

async function measure(label: string, databaseUrl: string | undefined, result: BenchResult): Promise<void> {
  const server = await startModelServer({ name: "phases" }, 0);
  const dataDir = tempDir("delegation");
  chmodSync(dataDir, 0o755);
  /** When each task's first model turn started (performance.now()), by task id. */
  const firstCall = new Map<string, number>();
  const waiters = new Map<string, (at: number) => void>();
  const config = loadConfig({
    PORT: "0",
    DATA_DIR: dataDir,
    LOG_LEVEL: "silent",
    ADMIN_API_KEY: "bench-delegation-admin-key-0123456789abcdef",
    OPENROUTER_BASE_URL: server.url,
    OPENROUTER_API_KEY: "sk-bench",
    MODEL_DEFAULT: "bench-model",
    DELEGATION_MAX_CHILDREN: "1000",
    DELEGATION_MAX_DESCENDANTS: "5000",
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
  });
  let app: RunningApp | undefined;
  try {
    app = await withoutKeyBanner(() =>
      startApp({
        config,
        logger: createLogger("silent"),
        workers: 4,
        sweepIntervalMs: 60_000,
        modelRuntime: {
          onStep: (s) => {
            if (s.step !== 1 || firstCall.has(s.taskId)) return;
            const at = performance.now() - (s.modelMs + s.toolMs + s.overheadMs);
            firstCall.set(s.taskId, at);
            waiters.get(s.taskId)?.(at);
          },
        },
      }),
    );
    const running = app;
    await running.services.agents.create({
      name: "lead",
      kind: "EXTERNAL",
      minComplexity: 9,
      maxComplexity: 9,
      maxConcurrentTasks: 1,
    });
    for (let i = 0; i < 4; i++) {
      await running.services.agents.create({
        name: `worker-${i}`,
        kind: "BUILTIN",
        minComplexity: 5,
        maxComplexity: 5,
        maxConcurrentTasks: 50,
      });
    }
    const parent = await running.services.tasks.create({ title: "the parent", complexity: 9 });
    // The parent's workspace is READY before a child shares it.
    for (let i = 0; ; i++) {
      const ws = (await running.services.workspaces.byTaskIds([parent.id])).get(parent.id);
      if (ws?.status === "READY") break;
      if (i > 600) throw new Error("the parent's workspace was not made");
      await new Promise((r) => setTimeout(r, 50));
    }
    const firstCallOf = (taskId: string) =>
      new Promise<number>((resolve, reject) => {
        const known = firstCall.get(taskId);
        if (known !== undefined) return resolve(known);
        const timer = setTimeout(() => reject(new Error(`no model call for ${taskId}`)), 60_000);
        waiters.set(taskId, (at) => {
          clearTimeout(timer);
          resolve(at);
        });
      });
    const one = async (path: Path, i: number): Promise<number> => {
      const t0 = performance.now();
      const task =
        path === "create"
          ? await running.services.tasks.create({ title: `task ${i}`, complexity: 5 })
          : await running.services.delegation.delegate(
              parent.id,
              { title: `part ${i}`, complexity: 5, sharedWorkspace: path === "shared" ? { subfolder: `p${i}` } : null },
              system,
            );
      return (await firstCallOf(task.id)) - t0;
    };
    const times: Record<Path, number[]> = { delegate: [], shared: [], create: [] };
    for (let i = 0; i < SAMPLES + WARMUP; i++) {
      // Alternating, so drift (a warming cache, a growing table) touches each path alike.
      for (const path of (i % 2 === 0
        ? ["delegate", "create", "shared"]
        : ["create", "delegate", "shared"]) as Path[]) {
        const t = await one(path, i);
        if (i >= WARMUP) times[path].push(t);
      }
    }
    const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
    const [d, c, sh] = [sorted(times.delegate), sorted(times.create), sorted(times.shared)];
    result.figures.push(
      {
        name: `${label}: delegateTask → child's first model call, p50 / p95`,
        value: `${ms(median(d))} / ${ms(percentile(d, 95))}`,
        baseline: `createTask → first model call ${ms(median(c))} / ${ms(percentile(c, 95))}`,
        note: `ratio p50 ${(median(d) / median(c)).toFixed(2)}, p95 ${(percentile(d, 95) / percentile(c, 95)).toFixed(2)}; ${SAMPLES} each`,
      },
      {
        name: `${label}: delegateTask with a shared workspace → first model call, p50 / p95`,
        value: `${ms(median(sh))} / ${ms(percentile(sh, 95))}`,
        note: `ratio to createTask p50 ${(median(sh) / median(c)).toFixed(2)} (no folders or venv to make)`,
      },
    );
  } finally {
    await app?.stop();
    await server.close();
    removeDir(dataDir);
  }
}

export const delegationBench: Bench = {
  name: "delegation",
  description: `delegateTask → the child's first model call, against createTask → first model call (${SAMPLES} each)`,
  async run(): Promise<BenchResult> {
    const result: BenchResult = { figures: [], targets: [], notes: [] };
    const load0 = loadAverage();
    await measure("SQLite", undefined, result);
    const base = process.env.BENCH_DATABASE_URL || process.env.TEST_DATABASE_URL;
    if (base) {
      const db = await createPgDatabase(base, "bench_delegation");
      try {
        await measure("PostgreSQL", db.url, result);
      } finally {
        await db.drop();
      }
    } else {
      result.notes.push("PostgreSQL skipped: set BENCH_DATABASE_URL or TEST_DATABASE_URL.");
    }
    result.notes.push(`load average (1 min) at start ${load0.toFixed(1)}, at end ${loadAverage().toFixed(1)}`);
    return result;
  },
};
