/**
 * Cluster soak (`npm run bench -- soak [--tasks N] [--minutes M] [--subscribers S]`; not in CI,
 * not in a plain `npm run bench`). On PostgreSQL (BENCH_DATABASE_URL or TEST_DATABASE_URL; a
 * database of its own, created and dropped), from the compiled build: two API processes
 * (`serve --no-workers`) and two `worker` processes, a stand-in model server answering each turn
 * after MODEL_MS, N tasks created through the API (4 model turns each), S graphql-ws subscribers
 * spread over both API nodes (each task's taskEvents followed on both nodes from afterSeq 0, every
 * completion through taskChanged). Midway one worker is SIGKILLed and started again, and every
 * SUBSCRIBER_MOVE_EVERY-th subscriber drops its socket and resumes on the other node at the last
 * seq it saw. Reports tasks per minute against what the model latency and the worker
 * concurrency allow, event delivery latency, lost or repeated events per subscriber and task,
 * and each process's RSS sampled over M minutes (its slope in the last third against the first).
 */
import { chmodSync, readFileSync } from "node:fs";
import { ProcessHarness, listening, readyLine, type Proc, type ServerProc } from "../tests/helpers/process.js";
import { startModelServer } from "./model-server.js";
import { Subscriber, totals } from "./soak-subscribers.js";
import {
  createPgDatabase,
  loadAverage,
  mb,
  ms,
  percentile,
  sleep,
  track,
  type Bench,
  type BenchResult,
} from "./lib.js";

const MODEL_MS = 1_000;
const TURNS = 4;
/** Jobs each worker process runs at once (WORKERS); the agents have as many slots in all. */
const WORKER_CONCURRENCY = 4;
const JOB_LEASE_SECONDS = 10;
const CREATE_CONCURRENCY = 8;
const SUBSCRIBER_MOVE_EVERY = 10;
const SAMPLES = 60;
const POLL_MS = 2_000;
const DELIVERY_P99_TARGET_MS = 1_000;
/** A process's RSS levels off when its last third grows at most this fast (MB/min) … */
const FLAT_MB_PER_MIN = 2;
/** … or at most this share of its first third's growth. */
const FLAT_SHARE = 0.25;
const ADMIN_KEY = "bench-soak-admin-key-0123456789abcdef";

interface Options {
  tasks: number;
  minutes: number;
  subscribers: number;
}

/** `--tasks N --minutes M --subscribers S` from the command line (run.ts passes them on). */
function options(argv: readonly string[]): Options {
  const num = (name: string, def: number) => {
    const i = argv.indexOf(`--${name}`);
    const v = i >= 0 ? Number(argv[i + 1]) : def;
    if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} must be a positive number`);
    return v;
  };
  return { tasks: num("tasks", 1_000), minutes: num("minutes", 10), subscribers: num("subscribers", 200) };
}

/** Resident set size of a process, in bytes (0 once it is gone). */
function rssOf(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Least-squares slope of (t minutes, bytes) samples, in MB per minute. */
function slope(samples: ReadonlyArray<[number, number]>): number {
  if (samples.length < 2) return Number.NaN;
  const n = samples.length;
  const mt = samples.reduce((s, [t]) => s + t, 0) / n;
  const mv = samples.reduce((s, [, v]) => s + v, 0) / n;
  let num = 0;
  let den = 0;
  for (const [t, v] of samples) {
    num += (t - mt) * (v - mv);
    den += (t - mt) ** 2;
  }
  return den === 0 ? 0 : num / den / 1024 / 1024;
}

type Gql = (node: ServerProc, query: string, variables?: Record<string, unknown>) => Promise<Record<string, unknown>>;

const gql: Gql = async (node, query, variables = {}) => {
  const res = await fetch(`${node.url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${ADMIN_KEY}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: Record<string, unknown>; errors?: unknown[] };
  if (!body.data || body.errors?.length) throw new Error(`${node.name}: ${JSON.stringify(body.errors)}`);
  return body.data;
};

const countOf = async (node: ServerProc, status: string) =>
  (
    (
      await gql(node, `query($s: [TaskStatus!]) { tasks(first: 0, filter: { status: $s }) { totalCount } }`, {
        s: [status],
      })
    ).tasks as { totalCount: number }
  ).totalCount;

/** Every task's lastEventSeq, a page at a time. */
async function lastSeqs(node: ServerProc): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  let after: string | null = null;
  for (;;) {
    const d = await gql(
      node,
      "query($after: String) { tasks(first: 100, after: $after) { edges { node { id lastEventSeq } } pageInfo { hasNextPage endCursor } } }",
      { after },
    );
    const page = d.tasks as {
      edges: Array<{ node: { id: string; lastEventSeq: number } }>;
      pageInfo: { hasNextPage: boolean; endCursor: string | null };
    };
    for (const e of page.edges) out.set(e.node.id, e.node.lastEventSeq);
    if (!page.pageInfo.hasNextPage) return out;
    after = page.pageInfo.endCursor;
  }
}

/** The processes of the cluster and their RSS samples. */
class Cluster {
  readonly harness = new ProcessHarness();
  readonly apis: ServerProc[] = [];
  readonly workers: Proc[] = [];
  readonly rss = new Map<string, Array<[number, number]>>();
  /** The worker SIGKILLed midway, and the one started in its place (their RSS series are partial). */
  readonly replaced: string[] = [];
  private env: Record<string, string> = {};

  async start(databaseUrl: string, modelUrl: string): Promise<void> {
    await this.harness.build();
    const workspaces = this.harness.tempDir("bench-soak-workspaces-");
    // The sandbox runs commands as an unprivileged user, who must be able to reach the workspaces.
    chmodSync(workspaces, 0o755);
    this.env = {
      DATABASE_URL: databaseUrl,
      ADMIN_API_KEY: ADMIN_KEY,
      WORKSPACES_DIR: workspaces,
      WORKERS: String(WORKER_CONCURRENCY),
      JOB_LEASE_SECONDS: String(JOB_LEASE_SECONDS),
      OPENROUTER_BASE_URL: modelUrl,
      OPENROUTER_API_KEY: "sk-bench-soak",
      MODEL_DEFAULT: "bench-model",
    };
    // The first process applies the migrations; the others start once it has.
    this.apis.push(await listening(this.spawn("api-1", ["serve", "--no-workers"]), 60_000));
    const [api2] = await Promise.all([
      listening(this.spawn("api-2", ["serve", "--no-workers"]), 60_000),
      this.startWorker("worker-1"),
      this.startWorker("worker-2"),
    ]);
    this.apis.push(api2);
  }

  private spawn(name: string, args: string[]): Proc {
    const p = this.harness.spawn(name, args, { ...this.env, DATA_DIR: this.harness.tempDir(`bench-soak-${name}-`) });
    track(p.child);
    this.rss.set(name, []);
    return p;
  }

  async startWorker(name: string): Promise<Proc> {
    const p = this.spawn(name, ["worker"]);
    await readyLine(p, "worker started", 60_000);
    this.workers.push(p);
    return p;
  }

  /** SIGKILLs the first worker and starts a new one in its place. */
  async killAndRestart(): Promise<void> {
    const victim = this.workers.shift();
    if (!victim) return;
    victim.child.kill("SIGKILL");
    await victim.exit;
    const restarted = await this.startWorker(`${victim.name}-restarted`);
    this.replaced.push(victim.name, restarted.name);
  }

  sample(minutes: number): void {
    for (const p of this.harness.procs) {
      if (p.exited() !== undefined) continue;
      const v = rssOf(p.pid);
      if (v > 0) this.rss.get(p.name)?.push([minutes, v]);
    }
  }
}

/** Creates the tasks through both API nodes, CREATE_CONCURRENCY at a time, and hands each id on. */
async function createTasks(apis: ServerProc[], n: number, onCreated: (id: string, i: number) => void): Promise<void> {
  let next = 0;
  const one = async () => {
    for (let i = next++; i < n; i = next++) {
      const d = await gql(
        apis[i % apis.length]!,
        "mutation($t: String!) { createTask(input: { title: $t, complexity: 5 }) { id } }",
        {
          t: `soak task ${i + 1}`,
        },
      );
      onCreated((d.createTask as { id: string }).id, i);
    }
  };
  await Promise.all(Array.from({ length: CREATE_CONCURRENCY }, one));
}

async function soak(o: Options, databaseUrl: string, result: BenchResult): Promise<void> {
  const model = await startModelServer({ name: "phases" }, MODEL_MS);
  const cluster = new Cluster();
  const subscribers: Subscriber[] = [];
  let sampler: NodeJS.Timeout | undefined;
  try {
    await cluster.start(databaseUrl, model.url);
    const [api1, api2] = cluster.apis as [ServerProc, ServerProc];
    const slots = 2 * WORKER_CONCURRENCY;
    for (let i = 0; i < slots; i++) {
      await gql(api1, "mutation($n: String!) { createAgent(input: { name: $n, kind: BUILTIN }) { id } }", {
        n: `soak-agent-${i + 1}`,
      });
    }
    for (let k = 0; k < o.subscribers; k++) subscribers.push(new Subscriber(cluster.apis[k % 2]!.wsUrl, ADMIN_KEY));
    await sleep(1_000); // the taskChanged subscriptions are open before the first task exists

    const t0 = performance.now();
    const elapsedMin = () => (performance.now() - t0) / 60_000;
    const sampleEvery = (o.minutes * 60_000) / SAMPLES;
    cluster.sample(0);
    sampler = setInterval(() => cluster.sample(elapsedMin()), sampleEvery);

    // Each task is followed on both nodes: subscribers k and k + 1 (of opposite parity).
    const creating = createTasks(cluster.apis, o.tasks, (id, i) => {
      subscribers[i % o.subscribers]!.follow(id);
      subscribers[(i + 1) % o.subscribers]!.follow(id);
    });
    const allowedPerMin = (slots / ((TURNS * MODEL_MS) / 1000)) * 60;
    const deadlineMin = Math.max(o.minutes, (2 * o.tasks) / allowedPerMin) + 2;
    let killedAt = Number.NaN;
    let lastDoneAt = Number.NaN;
    let complete = 0;
    let failed = 0;
    for (;;) {
      await sleep(POLL_MS);
      complete = await countOf(api1, "COMPLETE");
      if (Number.isNaN(killedAt) && complete >= o.tasks / 2) {
        killedAt = elapsedMin();
        await cluster.killAndRestart();
        for (let k = 0; k < subscribers.length; k += SUBSCRIBER_MOVE_EVERY) {
          await subscribers[k]!.moveTo(cluster.apis[(k + 1) % 2]!.wsUrl);
        }
      }
      if (complete >= o.tasks) {
        lastDoneAt = elapsedMin();
        break;
      }
      if (elapsedMin() > deadlineMin) {
        failed = await countOf(api2, "FAILED");
        result.notes.push(
          `stopped waiting after ${deadlineMin.toFixed(1)} min: ${complete} COMPLETE, ${failed} FAILED`,
        );
        break;
      }
    }
    await creating;
    // The streams complete after each task's final event; then the memory is watched to the end.
    for (const end = Date.now() + 30_000; Date.now() < end && !subscribers.every((s) => s.allDone());) await sleep(200);
    while (elapsedMin() < o.minutes) await sleep(1_000);
    clearInterval(sampler);
    cluster.sample(elapsedMin());
    const seqs = await lastSeqs(api2);
    report(o, { cluster, subscribers, seqs, complete, killedAt, lastDoneAt, allowedPerMin }, result);
    result.notes.push(...errorLines(cluster.harness.procs));
  } finally {
    clearInterval(sampler);
    await Promise.all(subscribers.map((s) => s.close().catch(() => {})));
    await cluster.harness.stopAll(5_000);
    cluster.harness.removeTempDirs();
    await model.close();
  }
}

/** How many times each distinct string occurs, in order of first occurrence. */
function countBy(xs: readonly string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const x of xs) m.set(x, (m.get(x) ?? 0) + 1);
  return m;
}

/** The processes' error log lines (pino level ≥ 50), the same message counted once per process. */
function errorLines(procs: readonly Proc[]): string[] {
  const out: string[] = [];
  for (const p of procs) {
    let lines: Array<Record<string, unknown>>;
    try {
      lines = p.logs().filter((l) => Number(l.level) >= 50);
    } catch {
      continue; // a line cut short (a killed process): nothing to read reliably
    }
    const texts = lines.map((l) => {
      const err = l.err as { message?: string } | undefined;
      return `${String(l.msg)}${err?.message ? `: ${err.message}` : ""}`.slice(0, 240);
    });
    for (const [text, n] of countBy(texts)) out.push(`${p.name} logged ${n}× at error level: ${text}`);
  }
  return out.slice(0, 20);
}

interface Outcome {
  cluster: Cluster;
  subscribers: Subscriber[];
  seqs: Map<string, number>;
  complete: number;
  killedAt: number;
  lastDoneAt: number;
  allowedPerMin: number;
}

function report(o: Options, r: Outcome, result: BenchResult): void {
  const t = totals(r.subscribers);
  // A stream that completed before the task's last event (one written after its final status) is short.
  let short = 0;
  for (const s of r.subscribers) for (const [id, last] of s.lastSeqs()) if (last < (r.seqs.get(id) ?? 0)) short++;
  const perMin = r.complete / r.lastDoneAt;
  const stayed = o.subscribers - t.resumes;
  const eventErrors = t.errors.filter((e) => e.startsWith("taskEvents")).length;
  const lat = [...t.liveLatencies].sort((a, b) => a - b);
  const p99 = percentile(lat, 99);
  result.figures.push(
    {
      name: "tasks per minute",
      value: perMin.toFixed(1),
      baseline: `${r.allowedPerMin.toFixed(0)} allowed`,
      note: `${((100 * perMin) / r.allowedPerMin).toFixed(0)}% of ${2 * WORKER_CONCURRENCY} slots × ${TURNS} turns × ${MODEL_MS} ms; ${r.complete}/${o.tasks} COMPLETE in ${r.lastDoneAt.toFixed(2)} min`,
    },
    {
      name: "event delivery p50 / p99 / max",
      value: `${ms(percentile(lat, 50), 0)} / ${ms(p99, 0)} / ${ms(lat[lat.length - 1] ?? Number.NaN, 0)}`,
      note: `${lat.length} live events (created → received; replayed ones not counted)`,
    },
    {
      name: "taskEvents streams: lost / repeated",
      value: `${t.gaps} / ${t.repeats}`,
      note: `${t.streams} streams (2 per task, one per node), ${t.streamsDone} completed, ${t.events} events, ${short} ended before the task's last seq`,
    },
    {
      name: "taskChanged COMPLETE: tasks received",
      value: `${t.completions.stayed} + ${t.completions.moved}`,
      note: `of ${stayed} × ${r.complete} by subscribers that stayed + ${t.resumes} × ${r.complete} by those that moved (live only: no replay)`,
    },
    {
      name: "taskChanged COMPLETE: repeated",
      value: `${t.completionRepeats.all}`,
      note: `deliveries beyond the first per subscriber and task; ${t.completionRepeats.sameSeq} with a lastEventSeq already received`,
    },
  );
  const levels: string[] = [];
  for (const [name, samples] of r.cluster.rss) {
    if (samples.length === 0) continue;
    const third = Math.floor(samples.length / 3);
    const first = slope(samples.slice(0, third));
    const last = slope(samples.slice(samples.length - third));
    const peak = Math.max(...samples.map(([, v]) => v));
    const flat = last <= FLAT_MB_PER_MIN || last <= FLAT_SHARE * first;
    const judged = third >= 3 && !r.cluster.replaced.includes(name) ? flat : null;
    if (judged !== null) levels.push(`${name} ${flat ? "levels off" : "GROWS"}`);
    result.figures.push({
      name: `RSS ${name}`,
      value: `${mb(samples[0]![1])} → ${mb(samples[samples.length - 1]![1])}`,
      note: `peak ${mb(peak)}; MB/min first third ${first.toFixed(2)}, last third ${last.toFixed(2)}; ${samples.length} samples${judged === null ? " (not judged: killed or started midway)" : ""}`,
    });
  }
  result.notes.push(
    `${r.cluster.replaced[0] ?? "no worker"} SIGKILLed at ${r.killedAt.toFixed(2)} min (half the tasks COMPLETE) and started again; ` +
      `every ${SUBSCRIBER_MOVE_EVERY}th subscriber then moved to the other API node (resume with afterSeq)`,
    ...[...countBy(t.errors.map((e) => e.replace(/request id [^)]*/, "request id …")))]
      .slice(0, 10)
      .map(([e, n]) => `subscriber error (${n}×): ${e}`),
  );
  result.targets.push(
    {
      name: "every task COMPLETE",
      measured: `${r.complete}/${o.tasks}`,
      target: `${o.tasks}`,
      pass: r.complete === o.tasks,
    },
    {
      name: "no event lost or repeated (taskEvents, per subscriber and task)",
      measured: `${t.gaps} lost, ${t.repeats} repeated, ${eventErrors} errors, ${t.streams - t.streamsDone} not completed`,
      target: "0",
      pass: t.gaps === 0 && t.repeats === 0 && eventErrors === 0 && t.streamsDone === t.streams,
    },
    {
      name: "taskChanged subscriptions ended by an error",
      measured: `${t.errors.length - eventErrors} of ${o.subscribers + t.resumes}`,
      target: "0",
      pass: t.errors.length === eventErrors,
    },
    {
      name: "event delivery p99",
      measured: ms(p99, 0),
      target: `≤ ${ms(DELIVERY_P99_TARGET_MS, 0)}`,
      pass: p99 <= DELIVERY_P99_TARGET_MS,
    },
    {
      name: "RSS levels off (last third's slope)",
      measured: levels.join(", "),
      target: `≤ ${FLAT_MB_PER_MIN} MB/min or ≤ ${FLAT_SHARE * 100}% of the first third's`,
      pass: levels.every((l) => l.endsWith("levels off")),
    },
  );
}

export const soakBench: Bench = {
  name: "soak",
  description: "cluster soak: 2 API + 2 worker processes on PostgreSQL, live subscribers, a worker killed midway",
  optIn: true,
  async run(): Promise<BenchResult> {
    const result: BenchResult = { figures: [], targets: [], notes: [] };
    const o = options(process.argv);
    const base = process.env.BENCH_DATABASE_URL || process.env.TEST_DATABASE_URL;
    if (!base) {
      result.notes.push("skipped: set BENCH_DATABASE_URL or TEST_DATABASE_URL (a PostgreSQL server)");
      return result;
    }
    result.notes.push(
      `${o.tasks} tasks, ${o.minutes} min, ${o.subscribers} subscribers; load average at start ${loadAverage().toFixed(1)}`,
    );
    const db = await createPgDatabase(base, "bench_soak");
    try {
      await soak(o, db.url, result);
    } finally {
      await db.drop();
    }
    result.notes.push(`load average (1 min) at end ${loadAverage().toFixed(1)}`);
    return result;
  },
};
