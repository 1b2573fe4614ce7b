/**
 * A `worker` process (no HTTP API) serves its own /metrics on METRICS_PORT: the jobs it runs,
 * its transactions and its pool show there, not on the API process's listener. Processes of
 * the compiled build on one PostgreSQL; skipped without TEST_DATABASE_URL.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CreateAgentDocument, CreateTaskDocument, TaskDocument } from "../generated/graphql.js";
import { createTestDatabase, pgBaseUrl } from "../helpers/pg.js";
import { freePort } from "../helpers/ports.js";
import {
  gql,
  listening,
  ok as okAs,
  ProcessHarness,
  readyLine,
  untilValue,
  type Proc,
  type ServerProc,
} from "../helpers/process.js";
import { parsePrometheusText, valueOf } from "../helpers/prom-text.js";

const ADMIN_KEY = "worker-metrics-test-admin-key-0123456789abc";

describe.skipIf(!pgBaseUrl)("a worker process's /metrics [postgres]", () => {
  const harness = new ProcessHarness();
  let dropDb: () => Promise<void> = async () => {};
  let api: ServerProc;
  let worker: Proc;
  let workerMetrics: string;
  let apiMetrics: string;

  beforeAll(async () => {
    await harness.build();
    const db = await createTestDatabase();
    dropDb = db.drop;
    const workspaces = harness.tempDir("agents-workspaces-");
    const env = (name: string) => ({
      DATA_DIR: harness.tempDir(`agents-${name}-`),
      DATABASE_URL: db.url,
      ADMIN_API_KEY: ADMIN_KEY,
      WORKSPACES_DIR: workspaces,
      WORKERS: "1",
      AGENT_RUNTIME: "scripted",
      AGENT_RUNTIME_STEP_MS: "100",
    });
    api = await listening(
      harness.spawn("api", ["serve", "--no-workers"], { ...env("api"), METRICS_PORT: String(await freePort()) }),
      30_000,
    );
    apiMetrics = String((await readyLine(api, "metrics listening", 5_000)).url);
    worker = harness.spawn("worker", ["worker"], { ...env("worker"), METRICS_PORT: String(await freePort()) });
    await readyLine(worker, "worker started", 30_000);
    workerMetrics = String((await readyLine(worker, "metrics listening", 5_000)).url);
  }, 90_000);

  afterAll(async () => {
    await harness.stopAll(5_000);
    await dropDb();
    harness.removeTempDirs();
  }, 30_000);

  const scrape = async (url: string) => parsePrometheusText(await (await fetch(url)).text());
  const completed = { queue: "run-task", outcome: "completed" };

  it("counts the worker's jobs on its own listener", { timeout: 120_000 }, async () => {
    await okAs(
      api,
      CreateAgentDocument,
      { input: { name: "metered", kind: "BUILTIN", minComplexity: 1, maxComplexity: 10 } },
      ADMIN_KEY,
    );
    const task = (await okAs(api, CreateTaskDocument, { input: { title: "measured", complexity: 2 } }, ADMIN_KEY))
      .createTask;
    let last: unknown = null;
    await untilValue(
      "the task to complete",
      async () => {
        const r = await gql(api, TaskDocument, { id: task.id }, ADMIN_KEY);
        last = r;
        return r.data?.task?.status === "COMPLETE";
      },
      60_000,
    ).catch((err: Error) => {
      throw new Error(`${err.message}; last: ${JSON.stringify(last).slice(0, 3000)}`);
    });
    const w = await untilValue(
      "the worker to count the run-task job",
      async () => {
        const f = await scrape(workerMetrics);
        return valueOf(f, "agents_jobs_total", completed) >= 1 ? f : null;
      },
      20_000,
    );
    expect(valueOf(w, "agents_job_duration_seconds_count", { queue: "run-task" })).toBeGreaterThanOrEqual(1);
    expect(valueOf(w, "agents_db_transaction_duration_seconds_count", { outcome: "commit" })).toBeGreaterThan(0);
    expect(valueOf(w, "agents_db_pool_connections", { state: "max" })).toBe(20);
    expect(valueOf(w, "agents_tasks", { status: "COMPLETE" })).toBe(1);
    // The API process ran no job: its counter has no run-task series.
    expect(valueOf(await scrape(apiMetrics), "agents_jobs_total", completed)).toBe(0);
  });
});
