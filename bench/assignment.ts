/**
 * Task creation with assignment: 2,000 `TaskService.create` calls from 50 concurrent callers
 * against 20 agents with room for 5 tasks each, on SQLite and on PostgreSQL, beside a baseline
 * measured in the same run on the same database: a bare INSERT of the same task rows (same
 * columns), with the same concurrency, on the app's own connection pool.
 *
 * The services run in this process with no job workers (`startCore`, workers never started):
 * nothing runs the tasks, so the first 100 are assigned (assignment event, workspace row,
 * create-workspace job queued after the commit) and the other 1,900 stay PENDING.
 *
 * PostgreSQL uses a fresh database on the server of BENCH_DATABASE_URL or TEST_DATABASE_URL,
 * dropped afterwards; without either the PostgreSQL half is skipped with a note.
 * Queue latency (enqueue to job start) is measured by another benchmark, not here.
 */
import { startCore, type Core } from "../src/app.js";
import { loadConfig, type Config } from "../src/config.js";
import { newId } from "../src/domain/ids.js";
import { createLogger } from "../src/logger.js";
import {
  loadAverage,
  ms,
  percentile,
  removeDir,
  tempDir,
  type Bench,
  type BenchResult,
  createPgDatabase,
} from "./lib.js";

const AGENTS = 20;
const CAPACITY = 5;
const TASKS = 2_000;
const CALLERS = 50;
const WARMUP = 200;

interface Run {
  ms: number;
  /** CPU time of this process (the services and the drivers) per call, all threads. */
  cpuMsPerCall: number;
  /** Per-call latencies, sorted ascending. */
  latencies: number[];
}

/** `n` calls of `fn(i)` from `concurrency` callers, each starting its next call when the last one ends. */
async function concurrently(n: number, concurrency: number, fn: (i: number) => Promise<void>): Promise<Run> {
  let next = 0;
  const latencies: number[] = [];
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < n; i = next++) {
        const s = performance.now();
        await fn(i);
        latencies.push(performance.now() - s);
      }
    }),
  );
  const elapsed = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { ms: elapsed, cpuMsPerCall: (cpu.user + cpu.system) / 1000 / n, latencies: latencies.sort((a, b) => a - b) };
}

const perSecond = (n: number, r: Run) => (n * 1000) / r.ms;

/** Removes every task (and what refers to it): each measured phase starts on an empty table. */
async function clearTasks(core: Core): Promise<void> {
  const em = core.db.fork();
  await em.execute("delete from workspace");
  await em.execute("delete from task_event");
  await em.execute("delete from task");
}

interface ProfileFigures {
  create: Run;
  insert: Run;
  assigned: number;
  pending: number;
  notes: string[];
  consistent: boolean;
  consistency: string;
}

async function measure(core: Core): Promise<ProfileFigures> {
  const { services, db } = core;
  const sqlite = db.dialect === "sqlite";
  const ts = (d: Date) => (sqlite ? d.getTime() : d);
  const input = (i: number) => ({
    title: `Bench task ${i + 1}`,
    description: "Created by the assignment benchmark",
    complexity: (i % 10) + 1,
    priority: i % 5,
  });
  const insertSql =
    "insert into task (id, title, description, complexity, priority, status, assigned_agent_id, assigned_at, " +
    "parent_id, event_seq, created_at, updated_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
  const bareInsert = async (i: number) => {
    const t = input(i);
    const now = ts(new Date());
    await db
      .fork()
      .execute(insertSql, [
        newId(),
        t.title,
        t.description,
        t.complexity,
        t.priority,
        "PENDING",
        null,
        null,
        null,
        0,
        now,
        now,
      ]);
  };

  // Warm-up of both paths (JIT, connection pools, statement caches), with no agents yet.
  await concurrently(WARMUP, CALLERS, async (i) => void (await services.tasks.create(input(i))));
  await concurrently(WARMUP, CALLERS, bareInsert);
  await clearTasks(core);

  for (let a = 0; a < AGENTS; a++) {
    await services.agents.create({
      name: `bench-agent-${String(a + 1).padStart(2, "0")}`,
      minComplexity: 1,
      maxComplexity: 10,
      maxConcurrentTasks: CAPACITY,
    });
  }

  // Measured: the service, then the baseline, each on an empty task table.
  const outcome: Array<"assigned" | "pending"> = [];
  const create = await concurrently(TASKS, CALLERS, async (i) => {
    const t = await services.tasks.create(input(i));
    outcome[i] = t.status === "PENDING" ? "pending" : "assigned";
  });
  const assigned = outcome.filter((o) => o === "assigned").length;
  const pending = outcome.filter((o) => o === "pending").length;

  // The database agrees with the results, and no agent went over its capacity.
  const em = db.fork();
  const num = (v: unknown) => Number(v);
  const [tasksRow] = await em.execute<Array<{ assigned: unknown; pending: unknown }>>(
    "select sum(case when assigned_agent_id is not null then 1 else 0 end) as assigned, " +
      "sum(case when status = 'PENDING' then 1 else 0 end) as pending from task",
  );
  const [agentsRow] = await em.execute<Array<{ active: unknown; over: unknown; maxActive: unknown }>>(
    `select sum(active_tasks) as active, sum(case when active_tasks > max_concurrent_tasks then 1 else 0 end) as over, ` +
      `max(active_tasks) as "maxActive" from agent`,
  );
  const [wsRow] = await em.execute<Array<{ n: unknown }>>("select count(*) as n from workspace");
  const dbAssigned = num(tasksRow?.assigned);
  const consistent =
    dbAssigned === assigned &&
    num(tasksRow?.pending) === pending &&
    num(agentsRow?.active) === assigned &&
    num(agentsRow?.over) === 0 &&
    num(wsRow?.n) === assigned &&
    assigned === Math.min(TASKS, AGENTS * CAPACITY);
  const consistency =
    `${assigned} assigned (${dbAssigned} in the task table, ${num(agentsRow?.active)} agent slots taken, ` +
    `busiest agent ${num(agentsRow?.maxActive)}/${CAPACITY}, ${num(wsRow?.n)} workspace rows)`;

  const notes: string[] = [];
  const firstPending = outcome.indexOf("pending");
  const lastAssigned = outcome.lastIndexOf("assigned");
  const skipped = outcome.slice(0, lastAssigned).filter((o) => o === "pending").length;
  notes.push(
    `calls in start order: first PENDING result at call #${firstPending + 1}, last assigned at call #${lastAssigned + 1}` +
      (skipped > 0
        ? `; ${skipped} task(s) stayed PENDING although a later call still found a free slot ` +
          `(a concurrent claimer held the fitting agents' rows: FOR UPDATE SKIP LOCKED skipped them)`
        : "; no task stayed PENDING while a slot was free"),
  );

  await clearTasks(core);
  const insert = await concurrently(TASKS, CALLERS, bareInsert);
  return { create, insert, assigned, pending, notes, consistent, consistency };
}

/**
 * ORM statements per create, counted on a second start of the same database with a statement
 * hook (which slows every statement down, so it is not on during the timed runs): sequential
 * creates for a new agent with room (assigned), then with the agent full (left PENDING).
 */
async function countStatements(config: Config): Promise<{ assigned: string; pending: string }> {
  let counting = false;
  let n = 0;
  const core = await startCore(config, createLogger("silent"), {
    onQuery: (sql) => {
      if (counting && sql.includes("[query]")) n++;
    },
  });
  const SAMPLE = 10;
  try {
    await clearTasks(core);
    // The other agents are still BUSY (clearing the tasks did not free their slots): this one is the only fit.
    const agent = await core.services.agents.create({ name: "bench-counter", maxConcurrentTasks: SAMPLE });
    const per = async (expect: "assigned" | "pending") => {
      n = 0;
      counting = true;
      for (let i = 0; i < SAMPLE; i++) {
        const t = await core.services.tasks.create({ title: `Counted task ${i + 1}`, complexity: 5 });
        if ((t.assignedAgentId === agent.id) !== (expect === "assigned")) throw new Error(`expected ${expect}`);
      }
      counting = false;
      return (n / SAMPLE).toFixed(1);
    };
    const assigned = await per("assigned");
    const pending = await per("pending");
    return { assigned, pending };
  } finally {
    await core.close();
  }
}

async function runProfile(label: string, databaseUrl: string | undefined, result: BenchResult): Promise<void> {
  const dataDir = tempDir("assignment");
  try {
    const config = loadConfig({
      DATA_DIR: dataDir,
      LOG_LEVEL: "silent",
      ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    });
    const core = await startCore(config, createLogger("silent"));
    let f: ProfileFigures;
    try {
      f = await measure(core);
    } finally {
      await core.close();
    }
    const statements = await countStatements(config);
    const rate = perSecond(TASKS, f.create);
    const base = perSecond(TASKS, f.insert);
    result.figures.push(
      {
        name: `${label}: tasks created/s (${CALLERS} callers)`,
        value: rate.toFixed(0),
        baseline: `${base.toFixed(0)} rows/s`,
        note: `${((rate / base) * 100).toFixed(1)}% of the bare INSERT (${(base / rate).toFixed(1)}× slower)`,
      },
      {
        name: `${label}: call latency p50`,
        value: ms(percentile(f.create.latencies, 50), 2),
        baseline: ms(percentile(f.insert.latencies, 50), 2),
        note: `${(percentile(f.create.latencies, 50) / percentile(f.insert.latencies, 50)).toFixed(1)}× baseline`,
      },
      {
        name: `${label}: call latency p95`,
        value: ms(percentile(f.create.latencies, 95), 2),
        baseline: ms(percentile(f.insert.latencies, 95), 2),
        note: `${(percentile(f.create.latencies, 95) / percentile(f.insert.latencies, 95)).toFixed(1)}× baseline`,
      },
      {
        name: `${label}: CPU of this process per call`,
        value: ms(f.create.cpuMsPerCall, 2),
        baseline: ms(f.insert.cpuMsPerCall, 2),
        note: `${(f.create.cpuMsPerCall / f.insert.cpuMsPerCall).toFixed(1)}× baseline (database server not included)`,
      },
      {
        name: `${label}: assigned / pending`,
        value: `${f.assigned} / ${f.pending}`,
        note: `capacity ${AGENTS} agents × ${CAPACITY} = ${AGENTS * CAPACITY}`,
      },
    );
    result.figures.push({
      name: `${label}: SQL statements per create`,
      value: `${statements.assigned} / ${statements.pending}`,
      baseline: "1",
      note: `assigned / left PENDING; through the ORM (queue and NOTIFY not counted)`,
    });
    result.notes.push(
      `${label}: ${TASKS} creates in ${ms(f.create.ms, 0)}, ${TASKS} bare INSERTs in ${ms(f.insert.ms, 0)}; ` +
        `max call ${ms(f.create.latencies.at(-1) ?? NaN, 1)} vs ${ms(f.insert.latencies.at(-1) ?? NaN, 1)}`,
      ...f.notes.map((n) => `${label}: ${n}`),
    );
    result.targets.push({
      name: `${label}: every free slot taken, none over capacity, rows agree`,
      measured: f.consistency,
      target: `${Math.min(TASKS, AGENTS * CAPACITY)} assigned`,
      pass: f.consistent,
    });
  } finally {
    removeDir(dataDir);
  }
}

export const assignmentBench: Bench = {
  name: "assignment",
  description:
    `${TASKS.toLocaleString("en")} createTask calls (with assignment) from ${CALLERS} callers, ` +
    `${AGENTS} agents × ${CAPACITY}, SQLite and PostgreSQL, vs a bare INSERT of the same rows`,
  async run(): Promise<BenchResult> {
    const result: BenchResult = { figures: [], targets: [], notes: [] };
    const load0 = loadAverage();
    await runProfile("SQLite", undefined, result);
    const pgBase = process.env.BENCH_DATABASE_URL || process.env.TEST_DATABASE_URL;
    if (pgBase) {
      const db = await createPgDatabase(pgBase, "bench_assignment");
      try {
        await runProfile("PostgreSQL", db.url, result);
      } finally {
        await db.drop();
      }
    } else {
      result.notes.push("PostgreSQL skipped: set BENCH_DATABASE_URL or TEST_DATABASE_URL (a postgres:// server URL).");
    }
    result.notes.push(
      `load average (1 min) at start ${load0.toFixed(1)}, at end ${loadAverage().toFixed(1)} on this host`,
    );
    return result;
  },
};
