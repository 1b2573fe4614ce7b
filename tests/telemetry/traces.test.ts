import { afterAll, beforeAll, expect, it } from "vitest";
import {
  CreateRuntimeAgentDocument,
  CreateRuntimeTaskDocument,
  RuntimeTaskDocument,
  TaskEventsDocument,
} from "../generated/graphql.js";
import { startFakeOpenRouter, type FakeOpenRouter } from "../helpers/fake-openrouter.js";
import { callTurn, TURN_TOKENS } from "../helpers/model-turns.js";
import { describeProfiles } from "../helpers/profiles.js";
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from "../helpers/otlp-receiver.js";
import { startRuntimeServer, until } from "../helpers/runtime.js";
import { collect, type TestServer } from "../helpers/server.js";
import { createLogger } from "../../src/logger.js";

const EXPORT_SECRET = "otel-secret-4f9a2c";
/** OTLP's codes: span kinds and the error status. */
const SERVER = 2;
const CLIENT = 3;
const CONSUMER = 5;
const STATUS_ERROR = 2;

type LogLine = Record<string, unknown> & { msg?: string };

describeProfiles("traces (OTEL_EXPORTER_OTLP_ENDPOINT set)", (profile) => {
  let fake: FakeOpenRouter;
  let receiver: OtlpReceiver;
  let s: TestServer;
  const lines: LogLine[] = [];
  const raw: string[] = [];
  let taskId = "";

  beforeAll(async () => {
    fake = await startFakeOpenRouter();
    receiver = await startOtlpReceiver();
    const logger = createLogger("debug", {
      write: (line: string) => {
        raw.push(line);
        lines.push(JSON.parse(line) as LogLine);
      },
    });
    s = await startRuntimeServer(
      profile,
      fake,
      {
        OTEL_EXPORTER_OTLP_ENDPOINT: `${receiver.url}/`,
        OTEL_EXPORTER_OTLP_HEADERS: `authorization=Bearer%20${EXPORT_SECRET}, x-tenant=agents`,
        OTEL_SERVICE_NAME: "agents-under-test",
      },
      { logger },
    );

    // A task whose run makes model calls and a tool call, over HTTP; a query and a subscription over WebSocket.
    await s.ok(CreateRuntimeAgentDocument, {
      input: { name: "tracer", kind: "BUILTIN", minComplexity: 1, maxComplexity: 1 },
    });
    fake.script(
      callTurn([
        ["writeFile", { path: "notes.md", content: "# traced\n" }],
        ["set_phase", { phase: "BUILD" }],
      ]),
      callTurn([["set_phase", { phase: "TEST" }]]),
      callTurn([["set_phase", { phase: "REVIEW", note: "notes written" }]]),
      callTurn([["complete_task", { summary: "written" }]]),
    );
    const input = { title: "trace me", description: "Write notes", complexity: 1 };
    taskId = (await s.ok(CreateRuntimeTaskDocument, { input })).createTask.id;
    const ws = s.ws();
    const events = collect(ws, TaskEventsDocument, { taskId, afterSeq: 0 });
    await events.waitFor(1);
    const query = collect(ws, RuntimeTaskDocument, { id: taskId });
    await query.ended;
    expect(query.items).toHaveLength(1);
    events.stop();
    await until(s, taskId, (t) => t.status === "COMPLETE", "COMPLETE");
    expect((await s.gql(RuntimeTaskDocument, { id: taskId }, null)).errors?.[0]?.extensions?.code).toBe(
      "UNAUTHENTICATED",
    );
    // Stopping sends the spans still in the batch: everything below was received by then.
    await s.stop();
  });
  afterAll(async () => {
    await s?.stop();
    await receiver?.close();
    await fake?.close();
  });

  const named = (name: string): ReceivedSpan[] => receiver.spans.filter((sp) => sp.name === name);
  const one = (name: string): ReceivedSpan => {
    const found = named(name);
    expect(found, name).toHaveLength(1);
    return found[0]!;
  };

  it("exports to <endpoint>/v1/traces with OTEL_EXPORTER_OTLP_HEADERS and OTEL_SERVICE_NAME", () => {
    expect(receiver.headers.length).toBeGreaterThan(0);
    for (const h of receiver.headers) {
      expect(h.authorization).toBe(`Bearer ${EXPORT_SECRET}`);
      expect(h["x-tenant"]).toBe("agents");
      expect(h["content-type"]).toBe("application/json");
    }
    expect(new Set(receiver.spans.map((sp) => sp.service))).toEqual(new Set(["agents-under-test"]));
  });

  it("a span per GraphQL operation, over HTTP and WebSocket, errors with their code", () => {
    const created = one("mutation CreateRuntimeTask");
    expect(created.kind).toBe(SERVER);
    expect(created.parentSpanId).toBeUndefined();
    expect(created.attributes).toMatchObject({
      "graphql.operation.type": "mutation",
      "graphql.operation.name": "CreateRuntimeTask",
    });
    expect(created.attributes["request.id"]).toMatch(/^[0-9a-f-]{36}$/);

    const queries = named("query RuntimeTask");
    const overWs = queries.filter((q) => String(q.attributes["request.id"]).includes("/"));
    expect(overWs).toHaveLength(1);
    const subscribed = one("subscription TaskEvents");
    expect(subscribed.kind).toBe(SERVER);
    expect(String(subscribed.attributes["request.id"])).toContain("/");

    const refused = queries.filter((q) => q.status.code === STATUS_ERROR);
    expect(refused).toHaveLength(1);
    expect(refused[0]!.status.message).toBe("UNAUTHENTICATED");
    expect(refused[0]!.attributes["error.type"]).toBe("UNAUTHENTICATED");
  });

  it("a span per job, and the run's model and tool calls as its children, each with the task id", () => {
    const creation = one("job create-workspace");
    const run = one("job run-task");
    for (const job of [creation, run]) {
      expect(job.kind).toBe(CONSUMER);
      expect(job.parentSpanId, "a job is a trace of its own").toBeUndefined();
      expect(job.attributes["task.id"]).toBe(taskId);
      expect(job.attributes["job.attempt"]).toBe(1);
    }
    // A job links to the span that queued it: the mutation that created the task queued its
    // workspace's creation. The run is queued by whichever comes first, a job or request (linked)
    // or the workers' sweep or a notification's handler (no span, so no link).
    const created = one("mutation CreateRuntimeTask");
    expect(creation.links).toEqual([{ traceId: created.traceId, spanId: created.spanId }]);
    expect(run.links.length).toBeLessThanOrEqual(1);
    for (const link of run.links) expect(receiver.spans.some((sp) => sp.spanId === link.spanId)).toBe(true);
    expect(run.attributes["job.kind"]).toBe("run-task");

    const chats = named("chat m1");
    expect(chats).toHaveLength(4);
    for (const chat of chats) {
      expect(chat.kind).toBe(CLIENT);
      expect(chat.traceId).toBe(run.traceId);
      expect(chat.parentSpanId).toBe(run.spanId);
      expect(chat.attributes).toMatchObject({
        "task.id": taskId,
        "gen_ai.request.model": "m1",
        "model.outcome": "SUCCESS",
        "model.attempts": 1,
      });
      const tokens =
        Number(chat.attributes["gen_ai.usage.input_tokens"]) + Number(chat.attributes["gen_ai.usage.output_tokens"]);
      expect(tokens).toBe(TURN_TOKENS);
    }

    const tool = one("tool writeFile");
    expect(tool.traceId).toBe(run.traceId);
    expect(tool.parentSpanId).toBe(run.spanId);
    expect(tool.attributes).toMatchObject({ "task.id": taskId, "tool.id": "writeFile", "tool.status": "SUCCEEDED" });
    expect(tool.attributes["tool.call_id"]).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("log lines carry the request, task, trace and span ids of the work they were written in", () => {
    const created = one("mutation CreateRuntimeTask");
    const queued = lines.find((l) => l.msg === "job queued" && l.job === "create-workspace");
    expect(queued).toMatchObject({
      requestId: created.attributes["request.id"],
      traceId: created.traceId,
      spanId: created.spanId,
    });

    const run = one("job run-task");
    const chatSpans = new Set(named("chat m1").map((c) => c.spanId));
    const modelLines = lines.filter((l) => l.msg === "model request");
    expect(modelLines).toHaveLength(4);
    for (const line of modelLines) {
      expect(line.taskId).toBe(taskId);
      expect(line.traceId).toBe(run.traceId);
      expect(chatSpans.has(String(line.spanId))).toBe(true);
      expect(line.requestId, "a job is no request's").toBeUndefined();
    }
    expect(lines.find((l) => l.msg === "job done" && l.job === "run-task")).toMatchObject({
      taskId,
      traceId: run.traceId,
      spanId: run.spanId,
    });
    // Lines outside any request or job have none of the keys.
    const listening = lines.find((l) => l.msg === "listening");
    expect(listening).toBeDefined();
    for (const key of ["requestId", "taskId", "traceId", "spanId"]) expect(listening).not.toHaveProperty(key);
    // The export headers are secrets.
    expect(raw.join("")).not.toContain(EXPORT_SECRET);
  });
});
