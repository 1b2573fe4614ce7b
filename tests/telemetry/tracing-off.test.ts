import { createRequire } from "node:module";
import { sep } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { CreateRuntimeAgentDocument, CreateRuntimeTaskDocument, TaskListDocument } from "../generated/graphql.js";
import { startOtlpReceiver } from "../helpers/otlp-receiver.js";
import { waitUntil } from "../helpers/process.js";
import { collect, startTestServer, type TestServer } from "../helpers/server.js";
import { createLogger } from "../../src/logger.js";

type LogLine = Record<string, unknown> & { msg?: string };

/**
 * The OpenTelemetry modules loaded in this process, the API aside (everything instrumented
 * imports it; its no-op tracer is what runs when traces are off). The packages are CommonJS, so
 * Node records each module it loads, imported or required, in require.cache.
 */
function sdkModulesLoaded(): string[] {
  const cache = createRequire(import.meta.url).cache;
  const otel = `${sep}node_modules${sep}@opentelemetry${sep}`;
  return Object.keys(cache).filter((file) => file.includes(otel) && !file.includes(`${otel}api${sep}`));
}

/** What @opentelemetry/api registered globally (a tracer provider, a context manager), if anything. */
const otelGlobals = (): Record<string, unknown> =>
  ((globalThis as Record<symbol, unknown>)[Symbol.for("opentelemetry.js.api.1")] ?? {}) as Record<string, unknown>;

describe("traces off (OTEL_EXPORTER_OTLP_ENDPOINT unset)", () => {
  let s: TestServer | undefined;
  afterEach(async () => {
    await s?.stop();
    s = undefined;
  });

  // First in this file (a process of its own): nothing before it has loaded the SDK.
  it("loads no SDK module and registers nothing; log lines carry request (WebSocket) and task ids, no trace ids", async () => {
    const lines: LogLine[] = [];
    const logger = createLogger("debug", { write: (line: string) => lines.push(JSON.parse(line) as LogLine) });
    s = await startTestServer("sqlite", { logger });
    await s.ok(CreateRuntimeAgentDocument, {
      input: { name: "untraced", kind: "BUILTIN", minComplexity: 1, maxComplexity: 1 },
    });
    // Over WebSocket: the operation's lines carry its own request id, <connection>/<operation>.
    const input = { title: "no traces", description: "Nothing to trace", complexity: 1 };
    const created = collect(s.ws(), CreateRuntimeTaskDocument, { input });
    await created.ended;
    const taskId = created.items[0]!.createTask.id;
    await s.ok(TaskListDocument, { first: 5 });
    await waitUntil(
      () => lines.some((l) => l.msg === "job done" && l.job === "create-workspace"),
      "the workspace's job to finish",
      20_000,
    );

    expect(sdkModulesLoaded()).toEqual([]);
    expect(otelGlobals().trace).toBeUndefined();
    expect(otelGlobals().context).toBeUndefined();
    expect(lines.some((l) => "traceId" in l || "spanId" in l)).toBe(false);
    const queued = lines.find((l) => l.msg === "job queued" && l.job === "create-workspace");
    expect(queued?.requestId).toMatch(/^[0-9a-f-]{36}\/[^/]+$/);
    expect(lines.find((l) => l.msg === "job done" && l.job === "create-workspace")).toMatchObject({ taskId });
  });

  it("(the check above sees the SDK when traces are on)", async () => {
    const receiver = await startOtlpReceiver();
    try {
      s = await startTestServer("sqlite", { env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url } });
      expect(sdkModulesLoaded().some((f) => f.includes(`${sep}sdk-trace-base${sep}`))).toBe(true);
      expect(otelGlobals().trace).toBeDefined();
      await s.stop();
      s = undefined;
      // Stopped, the app unregisters what it registered.
      expect(otelGlobals().trace).toBeUndefined();
    } finally {
      await receiver.close();
    }
  });
});
