import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentChangedDocument, CreateAgentDocument, CreateTaskDocument, MeDocument } from "../generated/graphql.js";
import { parsePrometheusText, sampleNames, valueOf, type Family } from "../helpers/prom-text.js";
import { describeProfiles } from "../helpers/profiles.js";
import { collect, startTestServer, type TestServer } from "../helpers/server.js";
import { root, untilValue } from "../helpers/process.js";
import { freePort } from "../helpers/ports.js";
import { Metrics, MAX_OPERATION_NAMES } from "../../src/metrics/metrics.js";
import { MAX_MODEL_NAMES } from "../../src/metrics/work-metrics.js";

async function scrape(s: TestServer): Promise<Map<string, Family>> {
  const res = await fetch(s.app.metricsUrl!);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toContain("text/plain");
  return parsePrometheusText(await res.text());
}

describeProfiles("Prometheus metrics", (profile) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer(profile, { env: { METRICS_PORT: String(await freePort()) }, metricsCacheMs: 0 });
  });
  afterAll(() => s?.stop());

  it("serves every family in the text format on its own listener", async () => {
    expect(s.app.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const names = sampleNames(await scrape(s));
    for (const n of [
      "agents_graphql_operations_total",
      "agents_graphql_operation_duration_seconds",
      "agents_graphql_errors_total",
      "agents_websockets_open",
      "agents_subscriptions_active",
      "agents_tasks",
      "agents_agents",
      "agents_workspaces_disk_free_bytes",
      "agents_nodejs_eventloop_lag_seconds",
      "agents_process_cpu_seconds_total",
    ]) {
      expect(names, n).toContain(n);
    }
    expect((await fetch(s.app.metricsUrl!.replace("/metrics", "/graphql"))).status).toBe(404);
    // The API's own port does not serve /metrics.
    expect((await fetch(`${s.url}/metrics`)).status).not.toBe(200);
  });

  it("the Grafana dashboard and the alert rules parse and use only exported metrics", async () => {
    const dashboard = JSON.parse(readFileSync(join(root, "deploy/grafana/agent-system.json"), "utf8")) as {
      panels: Array<{ targets: Array<{ expr: string }> }>;
    };
    const rules = parseYaml(readFileSync(join(root, "deploy/prometheus/alerts.yml"), "utf8")) as {
      groups: Array<{ rules: Array<{ alert?: string; record?: string; expr: string }> }>;
    };
    const exprs = [
      ...dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr)),
      ...rules.groups.flatMap((g) => g.rules.map((r) => r.expr)),
    ];
    expect(rules.groups[0]?.rules.map((r) => r.alert)).toEqual(
      expect.arrayContaining([
        "AgentQueueStuck",
        "AgentGraphqlErrorRate",
        "AgentWorkspaceDiskLow",
        "AgentsOffline",
        "AgentBudgetBurn",
        "AgentJobsFailing",
      ]),
    );
    // The budget the burn alert compares against is one recording rule, used where it is defined.
    const recorded = new Set(rules.groups.flatMap((g) => g.rules.flatMap((r) => (r.record ? [r.record] : []))));
    expect(recorded).toContain("agents:model_budget_usd_per_day");
    for (const e of exprs) for (const r of e.match(/\bagents:[a-z0-9_:]+/g) ?? []) expect(recorded, r).toContain(r);
    const used = new Set(exprs.flatMap((e) => e.match(/\bagents_[a-z0-9_]+/g) ?? []));
    expect(used.size).toBeGreaterThan(8);
    const names = sampleNames(await scrape(s));
    for (const n of used) expect(names, n).toContain(n);
  });

  it("counts operations, their durations and errors by code", async () => {
    const before = await scrape(s);
    await s.ok(MeDocument);
    await s.ok(MeDocument);
    const denied = await s.gql(MeDocument, undefined, "not-a-key");
    expect(denied.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    const after = await scrape(s);
    const me = { operation: "Me", type: "query" };
    // The refused one counts too (it never reached the operation's plugins).
    expect(valueOf(after, "agents_graphql_operations_total", me)).toBe(
      valueOf(before, "agents_graphql_operations_total", me) + 3,
    );
    expect(valueOf(after, "agents_graphql_operation_duration_seconds_count", me)).toBe(
      valueOf(before, "agents_graphql_operation_duration_seconds_count", me) + 2,
    );
    expect(valueOf(after, "agents_graphql_errors_total", { ...me, code: "INTERNAL_SERVER_ERROR" })).toBe(0);
    const refused = { ...me, code: "UNAUTHENTICATED" };
    expect(valueOf(after, "agents_graphql_errors_total", refused)).toBe(
      valueOf(before, "agents_graphql_errors_total", refused) + 1,
    );
  });

  it("counts validation errors by code, under the client's operation name", async () => {
    const before = await scrape(s);
    const res = await fetch(`${s.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${s.adminKey}` },
      body: JSON.stringify({ query: "query Broken { noSuchField }", operationName: "Broken" }),
    });
    expect(res.status).toBe(400);
    const after = await scrape(s);
    const labels = { operation: "Broken", type: "unknown", code: "GRAPHQL_VALIDATION_FAILED" };
    expect(valueOf(after, "agents_graphql_errors_total", labels)).toBe(
      valueOf(before, "agents_graphql_errors_total", labels) + 1,
    );
  });

  it("reports tasks and agents by status from the database", async () => {
    const before = await scrape(s);
    await s.ok(CreateAgentDocument, { input: { name: `metrics-${profile}`, maxComplexity: 5 } });
    await s.ok(CreateTaskDocument, { input: { title: "measured", complexity: 1 } });
    const after = await scrape(s);
    const total = (f: Map<string, Family>, n: string) => (f.get(n)?.samples ?? []).reduce((sum, x) => sum + x.value, 0);
    expect(total(after, "agents_tasks")).toBe(total(before, "agents_tasks") + 1);
    expect(total(after, "agents_agents")).toBe(total(before, "agents_agents") + 1);
    expect(valueOf(after, "agents_workspaces_disk_free_bytes")).toBeGreaterThan(0);
  });

  it("counts open sockets and active subscriptions by field", async () => {
    const client = s.ws();
    const sub = collect(client, AgentChangedDocument, {});
    // The client subscribes asynchronously: wait until the server has registered it.
    const during = await untilValue(
      "the subscription to be counted",
      async () => {
        const f = await scrape(s);
        return valueOf(f, "agents_subscriptions_active", { field: "agentChanged" }) === 1 ? f : null;
      },
      10_000,
    );
    expect(valueOf(during, "agents_websockets_open")).toBe(1);
    sub.stop();
    await client.dispose();
    // The server learns of the close asynchronously: wait for the gauge to say so.
    await untilValue(
      "the socket's close to be counted",
      async () => {
        const f = await scrape(s);
        return valueOf(f, "agents_websockets_open") === 0 &&
          valueOf(f, "agents_subscriptions_active", { field: "agentChanged" }) === 0
          ? true
          : null;
      },
      10_000,
    );
  });
});

describeProfiles("Queue metrics", (profile) => {
  let s: TestServer;
  beforeAll(async () => {
    // No workers: what is enqueued waits, as behind a stuck worker pool.
    s = await startTestServer(profile, { env: { METRICS_PORT: String(await freePort()) }, workers: 0 });
  });
  afterAll(() => s?.stop());

  it("reports waiting jobs and the oldest one's age per kind", async () => {
    const before = await scrape(s);
    expect(valueOf(before, "agents_queue_jobs_waiting", { queue: "send-outbox" })).toBe(0);
    expect(valueOf(before, "agents_queue_oldest_job_age_seconds", { queue: "send-outbox" })).toBe(0);
    await s.app.queue.enqueue("send-outbox", { outboxId: randomUUID() });
    await s.app.queue.enqueue("send-outbox", { outboxId: randomUUID() });
    // Not due yet: not waiting.
    await s.app.queue.enqueue("send-outbox", { outboxId: randomUUID() }, { startAfterMs: 3_600_000 });
    const after = await scrape(s);
    expect(valueOf(after, "agents_queue_jobs_waiting", { queue: "send-outbox" })).toBe(2);
    expect(valueOf(after, "agents_queue_oldest_job_age_seconds", { queue: "send-outbox" })).toBeGreaterThanOrEqual(0);
    expect(valueOf(after, "agents_queue_jobs_waiting", { queue: "run-task" })).toBe(0);
  });
});

describe("Metrics labels", () => {
  it("caps client-chosen operation names and refuses non-names", () => {
    const m = new Metrics();
    for (let i = 0; i < MAX_OPERATION_NAMES; i++) expect(m.operationLabel(`Op${i}`)).toBe(`Op${i}`);
    expect(m.operationLabel("OneTooMany")).toBe("other");
    expect(m.operationLabel("Op7")).toBe("Op7");
    expect(new Metrics().operationLabel("secret key=abc")).toBe("other");
    expect(new Metrics().operationLabel(undefined)).toBe("anonymous");
    expect(Metrics.codeLabel("bad code ü")).toBe("UNKNOWN");
    expect(Metrics.typeLabel("query")).toBe("query");
  });

  it("caps model names and keeps odd ones out of the labels", () => {
    const m = new Metrics();
    for (let i = 0; i < MAX_MODEL_NAMES; i++) expect(m.work.modelLabel(`vendor/model-${i}`)).toBe(`vendor/model-${i}`);
    expect(m.work.modelLabel("vendor/one-too-many")).toBe("other");
    expect(m.work.modelLabel("vendor/model-3")).toBe("vendor/model-3");
    expect(new Metrics().work.modelLabel("a model with spaces")).toBe("other");
    expect(new Metrics().work.modelLabel("openai/gpt-4o-mini:free")).toBe("openai/gpt-4o-mini:free");
  });

  it("starts no listener by default", async () => {
    const s = await startTestServer("sqlite");
    try {
      expect(s.config.metricsPort).toBe(0);
      expect(s.app.metricsUrl).toBeNull();
    } finally {
      await s.stop();
    }
  });
});
