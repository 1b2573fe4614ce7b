import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import {
  CreateRuntimeAgentDocument,
  CreateRuntimeTaskDocument,
  MeDocument,
  TaskChangedDocument,
} from "../generated/graphql.js";
import { callTurn, TURN_COST } from "../helpers/model-turns.js";
import { parsePrometheusText, sampleNames, valueOf, type Family } from "../helpers/prom-text.js";
import { describeProfiles } from "../helpers/profiles.js";
import { untilValue } from "../helpers/process.js";
import { startFakeOpenRouter, type FakeOpenRouter } from "../helpers/fake-openrouter.js";
import { startRuntimeServer, until } from "../helpers/runtime.js";
import { collect, type TestServer } from "../helpers/server.js";
import { freePort } from "../helpers/ports.js";

type Scrape = Map<string, Family>;

async function scrape(s: TestServer): Promise<Scrape> {
  const res = await fetch(s.app.metricsUrl!);
  expect(res.status).toBe(200);
  return parsePrometheusText(await res.text());
}

/** The sum of every sample of `name` whose labels include `labels`. */
function sum(f: Scrape, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const family of f.values()) {
    for (const s of family.samples) {
      if (s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)) total += s.value;
    }
  }
  return total;
}

const families = [
  "agents_jobs_total",
  "agents_job_duration_seconds_count",
  "agents_model_calls_total",
  "agents_model_tokens_total",
  "agents_model_cost_usd_total",
  "agents_sandbox_runs_total",
  "agents_sandbox_run_duration_seconds_count",
  "agents_sandbox_run_cpu_seconds_count",
  "agents_sandbox_run_peak_memory_bytes_count",
  "agents_workspaces_disk_used_bytes",
  "agents_db_transaction_duration_seconds_count",
  "agents_db_pool_connections",
  "agents_ws_operations_total",
  "agents_ws_errors_total",
];

describeProfiles("metrics of the work done", (profile) => {
  let fake: FakeOpenRouter;
  let s: TestServer;
  beforeAll(async () => {
    fake = await startFakeOpenRouter();
    s = await startRuntimeServer(profile, fake, { METRICS_PORT: String(await freePort()) }, { metricsCacheMs: 0 });
  });
  afterAll(async () => {
    await s?.stop();
    await fake?.close();
  });
  afterEach(() => {
    expect(fake.pending(), "every scripted turn was used").toBe(0);
  });

  it(
    "counts a task's jobs, model calls, tokens, cost, its sandbox run, transactions and disk use",
    { timeout: 120_000 },
    async () => {
      const before = await scrape(s);
      for (const n of families.filter((n) => !n.startsWith("agents_ws_"))) {
        // Families without a series yet are still declared (HELP and TYPE).
        expect(sampleNames(before), n).toContain(n);
      }
      await s.ok(CreateRuntimeAgentDocument, {
        input: { name: `metered-${profile}`, kind: "BUILTIN", minComplexity: 7, maxComplexity: 7 },
      });
      fake.script(
        callTurn([["writeFile", { path: "src/data.txt", content: "x".repeat(64 * 1024) }]]),
        callTurn([["runCommand", { program: "python3", args: ["-c", "print(sum(range(10**6)))"] }]]),
        callTurn([
          ["set_phase", { phase: "BUILD" }],
          ["set_phase", { phase: "TEST" }],
          ["set_phase", { phase: "REVIEW" }],
          ["complete_task", { summary: "done" }],
        ]),
      );
      const t = (
        await s.ok(CreateRuntimeTaskDocument, { input: { title: "metered", description: "d", complexity: 7 } })
      ).createTask;
      await until(s, t.id, (x) => x.status === "COMPLETE", "COMPLETE", 60_000);
      const after = await untilValue(
        "the run-task job's outcome",
        async () => {
          const f = await scrape(s);
          return sum(f, "agents_jobs_total", { queue: "run-task", outcome: "completed" }) >
            sum(before, "agents_jobs_total", { queue: "run-task", outcome: "completed" })
            ? f
            : null;
        },
        30_000,
      );
      const grew = (name: string, labels: Record<string, string> = {}) =>
        sum(after, name, labels) - sum(before, name, labels);
      expect(grew("agents_jobs_total", { queue: "create-workspace", outcome: "completed" })).toBeGreaterThanOrEqual(1);
      expect(grew("agents_job_duration_seconds_count", { queue: "run-task" })).toBeGreaterThanOrEqual(1);
      // Three turns, three successful calls, each with the recording's tokens and cost.
      expect(grew("agents_model_calls_total", { outcome: "SUCCESS" })).toBe(3);
      expect(grew("agents_model_tokens_total", { kind: "prompt" })).toBeGreaterThan(0);
      expect(grew("agents_model_tokens_total", { kind: "completion" })).toBeGreaterThan(0);
      expect(grew("agents_model_cost_usd_total")).toBeCloseTo(3 * TURN_COST, 9);
      const modelLabels = after.get("agents_model_calls_total")!.samples.map((x) => x.labels.model);
      expect(modelLabels.every((m) => m && !m.includes(" "))).toBe(true);
      // The sandbox run: its status, duration, CPU and peak memory.
      expect(grew("agents_sandbox_runs_total", { status: "SUCCEEDED" })).toBe(1);
      expect(grew("agents_sandbox_run_duration_seconds_count", { status: "SUCCEEDED" })).toBe(1);
      expect(grew("agents_sandbox_run_cpu_seconds_count")).toBe(1);
      expect(grew("agents_sandbox_run_peak_memory_bytes_count")).toBe(1);
      expect(grew("agents_db_transaction_duration_seconds_count", { outcome: "commit" })).toBeGreaterThan(5);
      expect(valueOf(after, "agents_db_pool_connections", { state: "max" })).toBe(profile === "sqlite" ? 1 : 20);
      // The walk of WORKSPACES_DIR sees the 64 KiB file (a later scrape: a stale total is refreshed behind it).
      await untilValue(
        "the workspace's bytes to be counted",
        async () =>
          valueOf(await scrape(s), "agents_workspaces_disk_used_bytes") >=
          valueOf(before, "agents_workspaces_disk_used_bytes") + 64 * 1024,
        20_000,
      );
    },
  );

  it("counts WebSocket operations by name and type, and their errors by code", async () => {
    const before = await scrape(s);
    const client = s.ws();
    const sub = collect(client, TaskChangedDocument, {});
    const bad = await new Promise<unknown[]>((resolve) => {
      client.subscribe(
        { query: "subscription WsBroken { noSuchField }" },
        { next: () => {}, error: (e) => resolve(e as unknown[]), complete: () => resolve([]) },
      );
    });
    expect(bad).not.toHaveLength(0);
    const me = await new Promise<unknown>((resolve, reject) => {
      client.subscribe({ query: "query WsMe { me { name } }" }, { next: resolve, error: reject, complete: () => {} });
    });
    expect(me).toHaveProperty("data");
    const after = await untilValue(
      "the subscription to be counted",
      async () => {
        const f = await scrape(s);
        return sum(f, "agents_ws_operations_total", { operation: "TaskChanged" }) >
          sum(before, "agents_ws_operations_total", { operation: "TaskChanged" })
          ? f
          : null;
      },
      10_000,
    );
    sub.stop();
    const grew = (name: string, labels: Record<string, string>) => sum(after, name, labels) - sum(before, name, labels);
    expect(grew("agents_ws_operations_total", { operation: "TaskChanged", type: "subscription" })).toBe(1);
    expect(grew("agents_ws_operations_total", { operation: "WsMe", type: "query" })).toBe(1);
    expect(grew("agents_ws_errors_total", { code: "GRAPHQL_VALIDATION_FAILED" })).toBe(1);
    // HTTP operations are not counted as WebSocket ones.
    await s.ok(MeDocument);
    expect(sum(await scrape(s), "agents_ws_operations_total", { operation: "Me" })).toBe(0);
  });
});
