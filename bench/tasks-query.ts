/**
 * `tasks(first: 50)` over HTTP against 10,000 seeded tasks, versus a bare node:http handler that
 * runs the equivalent SQL on the app's own connection and returns the same JSON. Also:
 *  - the same two at a fixed, moderate request rate (latency without queueing),
 *  - the server CPU each kind of request costs (which part of the request is expensive),
 *  - the SQL statements one request costs for page sizes 10, 50 and 100 (must not grow).
 *
 * The app runs in this process; autocannon runs in a child process (lib.ts#runLoad).
 * BENCH_CPU_PROFILE=<file.cpuprofile> writes a V8 CPU profile of the server during the
 * measured GraphQL load (summarise it with `npx tsx bench/profile-summary.ts <file>`).
 * BENCH_TASKS_ROUNDS=<n> repeats the closed-loop pair n times and shows the ratio's min and median;
 * BENCH_TASKS_QUICK=1 stops after them.
 */
import { writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { Session } from "node:inspector/promises";
import type { AddressInfo } from "node:net";
import { startApp, type RunningApp } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import { readAdminKeyFile } from "../src/domain/auth/api-key.service.js";
import { newId } from "../src/domain/ids.js";
import { taskStatuses } from "../src/domain/terms.js";
import { createLogger } from "../src/logger.js";
import {
  loadAverage,
  median,
  ms,
  removeDir,
  runLoad,
  tempDir,
  withoutKeyBanner,
  type Bench,
  type BenchResult,
  type LoadRequest,
  type LoadResult,
} from "./lib.js";

const TASKS = 10_000;
const AGENTS = 20;
const CONNECTIONS = 50;
const WARMUP_S = 2;
const DURATION_S = 10;
const FIXED_RATE = 50;
const FIXED_RATE_S = 5;
const BREAKDOWN_S = 2;
const P99_TARGET_MS = 25;
const COUNT_REQUESTS = 20;
/** Closed-loop rounds of GraphQL then baseline (BENCH_TASKS_ROUNDS); the ratio's min and median are shown. */
const ROUNDS = Math.max(1, Number(process.env.BENCH_TASKS_ROUNDS ?? 1));

const query = (first: number) =>
  `query { tasks(first: ${first}) { edges { node { id title status assignedAgent { name } } } } }`;

function start(dataDir: string, onQuery?: (sql: string) => void): Promise<RunningApp> {
  const config = loadConfig({ PORT: "0", HOST: "127.0.0.1", DATA_DIR: dataDir, LOG_LEVEL: "silent" });
  return withoutKeyBanner(() =>
    startApp({ config, logger: createLogger("silent"), workers: 0, ...(onQuery ? { onQuery } : {}) }),
  );
}

const placeholders = (rows: number, cols: number) =>
  Array.from({ length: rows }, () => `(${Array.from({ length: cols }, () => "?").join(", ")})`).join(", ");

/**
 * Bulk insert with raw SQL in one transaction: agents; tasks with time-ordered ids, mixed
 * statuses and agents assigned round-robin (a PENDING task has none, as the state machine
 * guarantees); one STATUS_CHANGE event per task, so event_seq = 1 matches its events.
 * The transaction is begun and committed on the connection, as the app's inTransaction does:
 * em.transactional() keeps its state in AsyncLocalStorage, which on Node 20 turns on promise
 * hooks for the rest of the process and would slow the server (and the baseline) under test.
 */
async function seed(app: RunningApp): Promise<void> {
  const base = Date.now() - TASKS * 1000;
  const agentIds: string[] = [];
  const em = app.db.fork();
  await em.begin();
  try {
    const agentRows: unknown[] = [];
    for (let i = 0; i < AGENTS; i++) {
      const id = newId();
      agentIds.push(id);
      agentRows.push(id, `bench-agent-${String(i + 1).padStart(2, "0")}`, "AVAILABLE", 1, 10, null, base, base);
    }
    await em.execute(
      "insert into agent (id, name, status, min_complexity, max_complexity, last_active_at, created_at, updated_at) " +
        `values ${placeholders(AGENTS, 8)}`,
      agentRows,
    );
    const CHUNK = 250;
    for (let from = 0; from < TASKS; from += CHUNK) {
      const n = Math.min(CHUNK, TASKS - from);
      const taskRows: unknown[] = [];
      const eventRows: unknown[] = [];
      for (let k = 0; k < n; k++) {
        const i = from + k;
        const id = newId();
        const status = taskStatuses[i % taskStatuses.length] as string;
        const agent = status === "PENDING" ? null : (agentIds[i % AGENTS] as string);
        const at = base + i * 1000;
        taskRows.push(id, `Bench task ${i + 1}`, `Seeded task number ${i + 1}`, (i % 10) + 1, i % 101, status);
        taskRows.push(agent, null, 1, at, at);
        const data = JSON.stringify({ from: null, to: "PENDING" });
        eventRows.push(newId(), id, 1, "STATUS_CHANGE", "Task created", data, null, at);
      }
      await em.execute(
        "insert into task (id, title, description, complexity, priority, status, assigned_agent_id, parent_id, " +
          `event_seq, created_at, updated_at) values ${placeholders(n, 11)}`,
        taskRows,
      );
      await em.execute(
        "insert into task_event (id, task_id, seq, type, content, data, agent_id, created_at) " +
          `values ${placeholders(n, 8)}`,
        eventRows,
      );
    }
    const tx = em.getTransactionContext();
    await em.getConnection("write").commit(tx);
  } catch (err) {
    await em.rollback().catch(() => {});
    throw err;
  }
  await app.db.fork().execute("analyze");
}

/** The baseline: the same data, the same JSON shape, the same connection, no GraphQL and no ORM mapping. */
function startBaseline(app: RunningApp): Promise<Server> {
  const sql =
    "select t.id, t.title, t.status, a.name as agent_name from task t " +
    "left join agent a on a.id = t.assigned_agent_id order by t.id desc limit 50";
  type Row = { id: string; title: string; status: string; agent_name: string | null };
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      app.db
        .fork()
        .execute<Row[]>(sql)
        .then((rows) => {
          const edges = rows.map((r) => ({
            node: {
              id: r.id,
              title: r.title,
              status: r.status,
              assignedAgent: r.agent_name === null ? null : { name: r.agent_name },
            },
          }));
          const body = JSON.stringify({ data: { tasks: { edges } } });
          res.writeHead(200, {
            "content-type": "application/json; charset=utf-8",
            "content-length": Buffer.byteLength(body),
          });
          res.end(body);
        })
        .catch((err: unknown) => {
          res.statusCode = 500;
          res.end(String(err));
        });
    });
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

async function post(url: string, key: string | null, body: string): Promise<string> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body,
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${text.slice(0, 300)}`);
  return text;
}

const failures = (r: LoadResult) => r.errors + r.timeouts + r.non2xx + r.mismatches;
const describeLoad = (label: string, r: LoadResult) =>
  `${label}: ${r.requests} requests in ${r.durationSeconds.toFixed(1)} s; ` +
  `errors ${r.errors}, timeouts ${r.timeouts}, non-2xx ${r.non2xx}, body mismatches ${r.mismatches}; ` +
  `server event loop busy ${(r.serverElu * 100).toFixed(0)}%`;

const stripAnsi = (s: string) =>
  s
    // eslint-disable-next-line no-control-regex
    .replace(/\x1b\[[0-9;]*m/g, "")
    .replace(/^\[query\]\s*/, "")
    .trim();

async function profiled<T>(file: string | undefined, fn: () => Promise<T>): Promise<T> {
  if (!file) return fn();
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.start");
  try {
    return await fn();
  } finally {
    const { profile } = await session.post("Profiler.stop");
    writeFileSync(file, JSON.stringify(profile));
    session.disconnect();
  }
}

export const tasksQueryBench: Bench = {
  name: "tasks",
  description: `tasks(first: 50) over ${TASKS.toLocaleString("en")} tasks, ${CONNECTIONS} connections, vs bare SQL handler`,
  async run(): Promise<BenchResult> {
    const result: BenchResult = { figures: [], targets: [], notes: [] };
    const dataDir = tempDir("tasks");
    const load0 = loadAverage();
    try {
      // 1. Seed (the first start applies the migrations and writes the admin key).
      let app = await start(dataDir);
      const seedStart = performance.now();
      await seed(app);
      result.notes.push(
        `seeded ${TASKS} tasks, ${AGENTS} agents, ${TASKS} events in ${ms(performance.now() - seedStart, 0)}`,
      );
      const adminKey = readAdminKeyFile(dataDir);
      if (!adminKey) throw new Error("no admin.key written");
      const body = JSON.stringify({ query: query(50) });
      const graphqlUrl = `${app.url}/graphql`;
      const auth = { "content-type": "application/json", authorization: `Bearer ${adminKey}` };

      const baseline = await startBaseline(app);
      const baselineUrl = `http://127.0.0.1:${(baseline.address() as AddressInfo).port}/tasks`;
      try {
        // 2. Same answer from both servers?
        const viaGraphql = await post(graphqlUrl, adminKey, body);
        const viaSql = await post(baselineUrl, adminKey, body);
        // The data must be the same; GraphQL adds `extensions.cost` (the query's cost, see
        // docs), which the baseline leaves out.
        const dataOf = (text: string) => JSON.stringify((JSON.parse(text) as { data?: unknown }).data);
        const same = dataOf(viaGraphql) === dataOf(viaSql);
        const parsed = JSON.parse(viaGraphql) as { data?: { tasks?: { edges?: unknown[] } }; extensions?: object };
        result.notes.push(
          `responses: GraphQL ${viaGraphql.length} bytes, ${parsed.data?.tasks?.edges?.length ?? "?"} nodes; ` +
            `data identical to the baseline's: ${same ? "yes" : "NO"}` +
            (parsed.extensions ? ` (GraphQL adds extensions: ${Object.keys(parsed.extensions).join(", ")})` : ""),
        );
        if (!same) {
          const a = dataOf(viaGraphql);
          const b = dataOf(viaSql);
          let at = 0;
          while (at < a.length && a[at] === b[at]) at++;
          const from = Math.max(0, at - 100);
          result.notes.push(
            `  first difference at character ${at}:`,
            `  GraphQL: …${a.slice(from, at + 100)}…`,
            `  baseline: …${b.slice(from, at + 100)}…`,
          );
        }

        // 3. Closed-loop load at 50 connections: GraphQL, then the baseline, the same way.
        const load: Omit<LoadRequest, "url"> = {
          method: "POST",
          headers: auth,
          body,
          connections: CONNECTIONS,
          warmupSeconds: WARMUP_S,
          durationSeconds: DURATION_S,
          expectInBody: '"edges":[{"node"',
        };
        const g = await profiled(process.env.BENCH_CPU_PROFILE, () => runLoad({ ...load, url: graphqlUrl }));
        const b = await runLoad({ ...load, url: baselineUrl });
        // More rounds, each pair back to back, so that the ratio survives other load on the host.
        // The CPU ratio (baseline's server CPU per request over GraphQL's) is what the throughput
        // ratio tends to on an idle host, where the server is the bottleneck.
        const ratios = [g.rps / b.rps];
        const cpuRatios = [b.serverCpuMsPerRequest / g.serverCpuMsPerRequest];
        for (let i = 1; i < ROUNDS; i++) {
          const gi = await runLoad({ ...load, url: graphqlUrl });
          const bi = await runLoad({ ...load, url: baselineUrl });
          ratios.push(gi.rps / bi.rps);
          cpuRatios.push(bi.serverCpuMsPerRequest / gi.serverCpuMsPerRequest);
        }
        if (ROUNDS > 1) {
          const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
          for (const [what, xs] of [
            ["requests/s", ratios],
            ["CPU per request (inverse)", cpuRatios],
          ] as const) {
            result.figures.push({
              name: `GraphQL / baseline ${what}, ${ROUNDS} rounds`,
              value: `${pct(Math.min(...xs))} min, ${pct(median(xs))} median`,
              note: xs.map(pct).join(", "),
            });
          }
        }
        if (process.env.BENCH_TASKS_QUICK) {
          result.figures.unshift({
            name: `requests/s (${CONNECTIONS} conn)`,
            value: g.rps.toFixed(0),
            baseline: b.rps.toFixed(0),
          });
          return result;
        }
        // 4. Open-loop load at a moderate fixed rate: latency without a queue in front of the server.
        const fixed = { ...load, warmupSeconds: 1, durationSeconds: FIXED_RATE_S, overallRate: FIXED_RATE };
        const gf = await runLoad({ ...fixed, url: graphqlUrl });
        const bf = await runLoad({ ...fixed, url: baselineUrl });

        const c = `${CONNECTIONS} conn`;
        result.figures.push(
          {
            name: `requests/s (${c})`,
            value: g.rps.toFixed(0),
            baseline: b.rps.toFixed(0),
            note: `GraphQL = ${((g.rps / b.rps) * 100).toFixed(1)}% of baseline`,
          },
          { name: `latency p50 (${c})`, value: ms(g.p50, 0), baseline: ms(b.p50, 0) },
          {
            name: `latency p99 (${c})`,
            value: ms(g.p99, 0),
            baseline: ms(b.p99, 0),
            note: `${(g.p99 / Math.max(b.p99, 1)).toFixed(1)}× baseline`,
          },
          { name: `latency max (${c})`, value: ms(g.max, 0), baseline: ms(b.max, 0) },
          {
            name: `server CPU per request (${c})`,
            value: ms(g.serverCpuMsPerRequest, 2),
            baseline: ms(b.serverCpuMsPerRequest, 2),
            note: `${(g.serverCpuMsPerRequest / b.serverCpuMsPerRequest).toFixed(1)}× baseline (all threads)`,
          },
          { name: `latency p50 (fixed ${FIXED_RATE} req/s)`, value: ms(gf.p50, 0), baseline: ms(bf.p50, 0) },
          {
            name: `latency p99 (fixed ${FIXED_RATE} req/s)`,
            value: ms(gf.p99, 0),
            baseline: ms(bf.p99, 0),
            note: `${gf.requests} / ${bf.requests} requests`,
          },
        );
        result.notes.push(
          describeLoad("GraphQL, 50 connections", g),
          describeLoad("baseline, 50 connections", b),
          describeLoad(`GraphQL, ${FIXED_RATE} req/s`, gf),
          describeLoad(`baseline, ${FIXED_RATE} req/s`, bf),
          `p99 ≤ ${P99_TARGET_MS} ms at ${CONNECTIONS} closed-loop connections needs ≥ ${Math.ceil((CONNECTIONS * 1000) / P99_TARGET_MS)} req/s ` +
            `(Little's law), i.e. ≤ ${(P99_TARGET_MS / CONNECTIONS).toFixed(2)} ms of server time per request; ` +
            `the baseline needs ${b.serverCpuMsPerRequest.toFixed(2)} ms, GraphQL ${g.serverCpuMsPerRequest.toFixed(2)} ms.`,
        );
        result.targets.push({
          name: `tasks(first: 50) p99 at ${CONNECTIONS} connections`,
          measured: ms(g.p99, 0) + (failures(g) === 0 ? "" : " (with failed requests!)"),
          target: `≤ ${P99_TARGET_MS} ms`,
          pass: failures(g) === 0 && g.p99 <= P99_TARGET_MS,
        });

        // 5. Where the server time goes: CPU per request for growing parts of the query.
        const variants: Array<[string, string, boolean]> = [
          ["{ __typename }, no key", "{ __typename }", false],
          ["{ __typename } + key check", "{ __typename }", true],
          ["+ tasks(first: 0) { id }", "query { tasks(first: 0) { edges { node { id } } } }", true],
          ["+ 50 nodes { id title status }", "query { tasks(first: 50) { edges { node { id title status } } } }", true],
          ["+ assignedAgent { name } (the full query)", query(50), true],
        ];
        const breakdown: string[] = [];
        let previous = 0;
        for (const [label, q, withKey] of variants) {
          const r = await runLoad({
            url: graphqlUrl,
            method: "POST",
            headers: withKey ? auth : { "content-type": "application/json" },
            body: JSON.stringify({ query: q }),
            connections: 10,
            warmupSeconds: 1,
            durationSeconds: BREAKDOWN_S,
            expectInBody: '"data"',
          });
          const cost = r.serverCpuMsPerRequest;
          breakdown.push(
            `  ${label.padEnd(44)} ${cost.toFixed(2).padStart(6)} ms/request ` +
              `(${cost - previous >= 0 ? "+" : ""}${(cost - previous).toFixed(2)})  ${r.rps.toFixed(0)} req/s` +
              (failures(r) ? `  FAILED REQUESTS: ${failures(r)}` : ""),
          );
          previous = cost;
        }
        result.notes.push("server CPU per request by query part (10 connections, all threads):", ...breakdown);
      } finally {
        await new Promise<void>((r) => baseline.close(() => r()));
        await app.stop();
      }

      // 6. Statements per request, on a second start of the same data with onQuery counting.
      let counting = false;
      const statements: string[] = [];
      app = await start(dataDir, (sql) => {
        if (counting && sql.includes("[query]")) statements.push(sql);
      });
      try {
        await post(`${app.url}/graphql`, adminKey, JSON.stringify({ query: query(10) })); // key touch, caches
        const perSize: Array<[number, number]> = [];
        let sample: string[] = [];
        for (const first of [10, 50, 100]) {
          const q = JSON.stringify({ query: query(first) });
          statements.length = 0;
          counting = true;
          for (let i = 0; i < COUNT_REQUESTS; i++) await post(`${app.url}/graphql`, adminKey, q);
          counting = false;
          perSize.push([first, statements.length / COUNT_REQUESTS]);
          if (first === 50) sample = statements.slice(0, Math.ceil(statements.length / COUNT_REQUESTS)).map(stripAnsi);
        }
        for (const [first, n] of perSize) {
          result.figures.push({
            name: `SQL statements per request, first: ${first}`,
            value: n.toFixed(2),
            note: `mean of ${COUNT_REQUESTS} sequential requests`,
          });
        }
        result.notes.push("statements of one tasks(first: 50) request:", ...sample.map((s) => `  ${s.slice(0, 200)}`));
        const counts = perSize.map(([, n]) => n);
        result.targets.push({
          name: "SQL statements per request independent of page size",
          measured: perSize.map(([f, n]) => `${f}→${n}`).join(", "),
          target: "equal for 10, 50, 100",
          pass: counts.every((n) => n === counts[0]),
        });
      } finally {
        await app.stop();
      }
    } finally {
      removeDir(dataDir);
    }
    result.notes.push(
      `load average (1 min) at start ${load0.toFixed(1)}, at end ${loadAverage().toFixed(1)} on this host`,
    );
    return result;
  },
};
