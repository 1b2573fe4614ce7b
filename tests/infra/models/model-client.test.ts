import { inspect } from "node:util";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  ModelClient,
  ModelError,
  SseDecoder,
  type ChatDelta,
  type ChatRequest,
  type ToolDefinition,
} from "../../../src/infra/models/model-client.js";
import {
  dataFrame,
  doneFrame,
  errorTurn,
  jsonTurn,
  keepAlive,
  midStreamErrorFrames,
  readFixture,
  readJsonFixture,
  sseFrames,
  sseTurn,
  startFakeOpenRouter,
  toolCallStreamFrames,
  type FakeOpenRouter,
} from "../../helpers/fake-openrouter.js";

const apiKey = "sk-or-v1-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
let server: FakeOpenRouter;

beforeAll(async () => {
  server = await startFakeOpenRouter();
});
afterAll(async () => {
  await server.close();
});
afterEach(() => {
  expect(server.pending(), "every scripted turn was served").toBe(0);
  server.requests.length = 0;
});

const hi: ChatRequest = { model: "x-ai/grok-4", messages: [{ role: "user", content: "Who are you" }] };

async function failure(p: Promise<unknown>): Promise<ModelError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ModelError);
  return e as ModelError;
}

describe("SseDecoder", () => {
  it("decodes events split anywhere, with LF, CRLF and CR line ends, multi-line data and comments", () => {
    const text =
      ': OPENROUTER PROCESSING\r\n\r\ndata: {"a":1}\n\nevent: x\rdata: line1\rdata: line2\r\rdata: [DONE]\n\n';
    for (const size of [1, 2, 3, 7, text.length]) {
      const d = new SseDecoder();
      const events = [];
      for (let i = 0; i < text.length; i += size) events.push(...d.push(text.slice(i, i + size)));
      events.push(...d.end());
      expect(events).toEqual([
        { event: "message", data: '{"a":1}' },
        { event: "x", data: "line1\nline2" },
        { event: "message", data: "[DONE]" },
      ]);
    }
  });

  it("delivers a last event that lacks its blank line", () => {
    const d = new SseDecoder();
    expect(d.push("data: [DONE]")).toEqual([]);
    expect(d.end()).toEqual([{ event: "message", data: "[DONE]" }]);
  });
});

describe("ModelClient, non-streamed", () => {
  it("parses a tool call with usage and cost, and sends the request as given", async () => {
    server.script(jsonTurn("nonstream_tool_call_usage_cost.response.json"));
    const recorded = readJsonFixture<{ messages: ChatRequest["messages"]; tools: ToolDefinition[]; model: string }>(
      "nonstream_tool_call_usage_cost.request.json",
    );
    const client = new ModelClient({ baseUrl: server.url, apiKey, headers: { "X-Title": "agent-system tests" } });
    const result = await client.chat({
      model: recorded.model,
      messages: recorded.messages,
      tools: recorded.tools,
      tool_choice: "required",
      provider: { order: ["wandb"], allow_fallbacks: false },
      temperature: 0,
      max_tokens: 500,
      usage: { include: true },
    });

    expect(result).toMatchObject({
      id: "gen-1784729346-eIrfOPzVpTrK8Yvra3Pc",
      model: "qwen/qwen3-30b-a3b-instruct-2507",
      provider: "WandB",
      content: "",
      finishReason: "tool_calls",
      toolCalls: [{ id: "chatcmpl-tool-a253f574b49dd571", name: "final_result" }],
      usage: { promptTokens: 280, completionTokens: 40, cachedTokens: 0, reasoningTokens: 0, costUsd: 4e-5 },
    });
    expect(JSON.parse(result.toolCalls[0]?.arguments ?? "")).toEqual({
      address: { city: "London", street: "12 Baker Street" },
      name: "Ada Lovelace",
    });
    expect(result.latencyMs).toBeGreaterThanOrEqual(0);

    const [req] = server.requests;
    expect(req?.headers.authorization).toBe(`Bearer ${apiKey}`);
    expect(req?.headers["x-title"]).toBe("agent-system tests");
    expect(req?.body).toEqual({
      model: recorded.model,
      messages: recorded.messages,
      tools: recorded.tools,
      tool_choice: "required",
      provider: { order: ["wandb"], allow_fallbacks: false },
      temperature: 0,
      max_tokens: 500,
      usage: { include: true },
      stream: false,
    });
  });

  it("passes OpenRouter's models list and provider preferences through, works without a key, reports the answering model", async () => {
    server.script(jsonTurn("nonstream_fallback_models_provider_only.response.json"));
    const recorded = readJsonFixture<Record<string, unknown>>("nonstream_fallback_models_provider_only.request.json");
    const client = new ModelClient({ baseUrl: `${server.url}/` });
    const result = await client.chat({
      model: "google/gemini-2.0-flash-exp:free",
      models: ["x-ai/grok-4"],
      provider: { only: ["xai"] },
      messages: [{ role: "user", content: "Who are you" }],
      extra: { transforms: ["middle-out"] },
    });
    expect(server.requests[0]?.headers.authorization).toBeUndefined();
    expect(server.requests[0]?.body).toEqual(recorded);
    expect(result.model).toBe("x-ai/grok-4");
    expect(result.provider).toBe("xAI");
    expect(result.content).toMatch(/^I'm Grok/);
    expect(result.finishReason).toBe("stop");
    // This older recording has no cost: unknown, not zero.
    expect(result.usage).toEqual({
      promptTokens: 687,
      completionTokens: 240,
      cachedTokens: 682,
      reasoningTokens: 165,
      costUsd: null,
    });
  });
});

describe("ModelClient, streamed", () => {
  it("assembles text from deltas, ignores keep-alive comments, reads the final usage chunk with cost", async () => {
    const frames = sseFrames(readFixture("stream_text_fallback_usage.sse.txt"));
    expect(frames.filter((f) => f === keepAlive).length).toBeGreaterThan(0);
    server.script({ type: "sse", frames, frameDelayMs: 1, splitFrames: true });
    const deltas: ChatDelta[] = [];
    const client = new ModelClient({ baseUrl: server.url, apiKey });
    const result = await client.chat(hi, { onDelta: (d) => deltas.push(d) });

    const expected = frames
      .filter((f) => f.startsWith("data: {"))
      .map((f) => JSON.parse(f.slice(6)) as { choices: Array<{ delta: { content?: string } }> })
      .map((c) => c.choices[0]?.delta.content ?? "")
      .join("");
    expect(result.content).toBe(expected);
    expect(result.content).toMatch(/^I'm Grok, an AI built by xAI\..*What's on your mind\?$/s);
    expect(deltas.every((d) => d.type === "content")).toBe(true);
    expect(deltas.map((d) => (d.type === "content" ? d.text : "")).join("")).toBe(expected);
    expect(result).toMatchObject({
      id: "gen-1762064096-m5VxL2xrxOREwashCey6",
      model: "x-ai/grok-4",
      provider: "xAI",
      finishReason: "stop",
      toolCalls: [],
      usage: { promptTokens: 687, completionTokens: 187, cachedTokens: 679, reasoningTokens: 118, costUsd: 0.00333825 },
    });
    const [req] = server.requests;
    expect(req?.headers.accept).toBe("text/event-stream");
    expect(req?.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    expect(await req?.settled).toBe("finished");
  });

  it("streams with `stream: true` and no onDelta too", async () => {
    server.script(sseTurn("stream_text_fallback_usage.sse.txt", { frameDelayMs: 0 }));
    const result = await new ModelClient({ baseUrl: server.url }).chat({ ...hi, stream: true });
    expect(result.usage.costUsd).toBe(0.00333825);
    expect(result.content.length).toBeGreaterThan(100);
  });

  it("accepts a JSON answer from a server that ignored `stream: true`, as one delta", async () => {
    server.script(jsonTurn("nonstream_fallback_models_provider_only.response.json"));
    const deltas: ChatDelta[] = [];
    const result = await new ModelClient({ baseUrl: server.url }).chat(hi, { onDelta: (d) => deltas.push(d) });
    expect(server.requests[0]?.body.stream).toBe(true);
    expect(deltas).toEqual([{ type: "content", text: result.content }]);
    expect(result.content).toMatch(/^I'm Grok/);
  });

  it("accumulates tool calls whose arguments are split across chunks, by index", async () => {
    const extraCall = { id: "call_extra", name: "list_files", arguments: '{"path":"src","recursive":true}' };
    server.script({ type: "sse", frames: toolCallStreamFrames({ pieces: 7, extraCall }), splitFrames: true });
    const deltas: ChatDelta[] = [];
    const result = await new ModelClient({ baseUrl: server.url, apiKey }).chat(
      { ...hi, tools: [{ type: "function", function: { name: "final_result" } }] },
      { onDelta: (d) => deltas.push(d) },
    );
    expect(result.finishReason).toBe("tool_calls");
    expect(result.toolCalls.map((c) => [c.id, c.name])).toEqual([
      ["chatcmpl-tool-a253f574b49dd571", "final_result"],
      ["call_extra", "list_files"],
    ]);
    expect(JSON.parse(result.toolCalls[0]?.arguments ?? "")).toEqual({
      address: { city: "London", street: "12 Baker Street" },
      name: "Ada Lovelace",
    });
    expect(result.toolCalls[1]?.arguments).toBe(extraCall.arguments);
    const pieces = deltas.filter((d) => d.type === "tool_call" && d.index === 0 && d.id === undefined);
    expect(pieces.length).toBeGreaterThan(3);
    expect(result.usage).toMatchObject({ promptTokens: 280, completionTokens: 40, costUsd: 4e-5 });
  });

  it("turns a recorded error chunk inside a 200 stream into a STREAM error carrying the usage", async () => {
    server.script(sseTurn("stream_mid_error_with_usage.sse.txt", { frameDelayMs: 0 }));
    const deltas: ChatDelta[] = [];
    const err = await failure(
      new ModelClient({ baseUrl: server.url, apiKey }).chat(
        { ...hi, model: "minimax/minimax-m2:free" },
        { onDelta: (d) => deltas.push(d) },
      ),
    );
    expect(err).toMatchObject({ kind: "STREAM", code: 400, retryable: false, providerMessage: "Token limit reached" });
    expect(err.provider).toBe("Minimax");
    expect(err.usage).toMatchObject({ promptTokens: 43, completionTokens: 10, reasoningTokens: 11, costUsd: 0 });
    expect(deltas.filter((d) => d.type === "reasoning").length).toBe(2);
  });

  it("classifies mid-stream errors by their code: 502 and server_error are retryable", async () => {
    server.script({ type: "sse", frames: midStreamErrorFrames(4) });
    const client = new ModelClient({ baseUrl: server.url });
    const e502 = await failure(client.chat(hi, { onDelta: () => undefined }));
    expect(e502).toMatchObject({ kind: "STREAM", code: 502, retryable: true, provider: "AtlasCloud" });
    expect(e502.message).toContain("Unexpected token 173781");

    const documented = sseFrames(readFixture("docs/midstream_error.docs.sse.txt"));
    server.script({ type: "sse", frames: [...documented.slice(0, 2), doneFrame] });
    const e = await failure(client.chat(hi, { onDelta: () => undefined }));
    expect(e).toMatchObject({ kind: "STREAM", code: "server_error", retryable: true });
    expect(e.providerMessage).toBe("Provider disconnected unexpectedly");
  });

  it("reports a stream cut before the answer was complete as a retryable STREAM error", async () => {
    const frames = sseFrames(readFixture("stream_text_fallback_usage.sse.txt")).slice(0, 12);
    server.script({ type: "sse", frames });
    const err = await failure(new ModelClient({ baseUrl: server.url }).chat(hi, { onDelta: () => undefined }));
    expect(err).toMatchObject({ kind: "STREAM", retryable: true });
  });
});

describe("ModelClient, HTTP errors", () => {
  const cases = [
    { status: 429, fixture: "errors/429_provider_rate_limited.recorded.json", kind: "RATE_LIMITED", retryable: true },
    { status: 502, fixture: "docs/error_examples.docs.json", kind: "SERVER", retryable: true },
    {
      status: 503,
      fixture: "errors/503_provider_no_available_workers.reconstructed.json",
      kind: "SERVER",
      retryable: true,
    },
    { status: 400, fixture: "errors/400_invalid_model_id.json", kind: "BAD_REQUEST", retryable: false },
    { status: 401, fixture: "errors/401_user_not_found.json", kind: "UNAUTHORIZED", retryable: false },
    { status: 402, fixture: "errors/402_requires_more_credits.json", kind: "PAYMENT_REQUIRED", retryable: false },
    { status: 404, fixture: "errors/404_no_endpoints_tool_use.json", kind: "UNAVAILABLE", retryable: false },
  ] as const;

  it.each(cases)("$status → $kind (retryable: $retryable)", async ({ status, fixture, kind, retryable }) => {
    const body =
      fixture === "docs/error_examples.docs.json"
        ? readJsonFixture<{ openapi_component_examples_by_status_class: { BadGateway: unknown } }>(fixture)
            .openapi_component_examples_by_status_class.BadGateway
        : readJsonFixture(fixture);
    server.script({ type: "json", status, body });
    const err = await failure(new ModelClient({ baseUrl: server.url, apiKey }).chat(hi));
    expect(err).toMatchObject({ kind, retryable, status, model: "x-ai/grok-4" });
    const inner = (body as { error: { message: string } }).error.message;
    expect(err.message).toContain(inner);
  });

  it("keeps the provider's own words and the Retry-After of a 429", async () => {
    server.script(errorTurn(429, "errors/429_provider_rate_limited.recorded.json", { "retry-after": "3" }));
    const err = await failure(new ModelClient({ baseUrl: server.url }).chat(hi));
    expect(err.provider).toBe("Google");
    expect(err.providerMessage).toContain("temporarily rate-limited upstream");
    expect(err.retryAfterMs).toBe(3000);
  });

  it("reports an unreachable server as a retryable NETWORK error", async () => {
    const gone = await startFakeOpenRouter();
    const url = gone.url;
    await gone.close();
    const err = await failure(new ModelClient({ baseUrl: url }).chat(hi));
    expect(err).toMatchObject({ kind: "NETWORK", retryable: true });
    expect(err.message).toContain("ECONNREFUSED");
  });

  it("reports a connection reset as a retryable NETWORK error", async () => {
    server.script({ type: "reset" });
    const err = await failure(new ModelClient({ baseUrl: server.url }).chat(hi));
    expect(err).toMatchObject({ kind: "NETWORK", retryable: true });
  });
});

describe("ModelClient, timeouts and cancellation", () => {
  it("times out a server that never answers, and closes the connection", async () => {
    server.script({ type: "hang" });
    const started = Date.now();
    const err = await failure(new ModelClient({ baseUrl: server.url }).chat(hi, { timeoutMs: 300 }));
    expect(err).toMatchObject({ kind: "TIMEOUT", retryable: true });
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(await server.requests[0]?.settled).toBe("client-closed");
  });

  it("times out a stream that goes silent, while keep-alive comments count as activity", async () => {
    const client = new ModelClient({ baseUrl: server.url, idleTimeoutMs: 200 });
    const frames = sseFrames(readFixture("stream_text_fallback_usage.sse.txt"));
    // 8 keep-alives 50 ms apart: 400 ms without data, twice the idle limit, then the last frames.
    server.script({
      type: "sse",
      frames: [...Array<string>(8).fill(keepAlive), ...frames.slice(-6)],
      frameDelayMs: 50,
    });
    const ok = await client.chat(hi, { onDelta: () => undefined });
    expect(ok.finishReason).toBe("stop");
    expect(ok.usage.costUsd).toBe(0.00333825);

    server.requests.length = 0;
    server.script({ type: "sse", frames, stallAfter: 6 });
    const err = await failure(client.chat(hi, { onDelta: () => undefined }));
    expect(err).toMatchObject({ kind: "TIMEOUT", retryable: true });
    expect(err.message).toContain("silent for 200 ms");
    expect(await server.requests[0]?.settled).toBe("client-closed");
  });

  it("cancels mid-stream through an AbortSignal: CANCELLED at once, the server sees the connection closed", async () => {
    const frames = sseFrames(readFixture("stream_text_fallback_usage.sse.txt"));
    server.script({ type: "sse", frames, frameDelayMs: 20 });
    const ctrl = new AbortController();
    let received = 0;
    const started = Date.now();
    const err = await failure(
      new ModelClient({ baseUrl: server.url }).chat(hi, {
        signal: ctrl.signal,
        onDelta: () => {
          if (++received === 3) ctrl.abort(new Error("stopped by the operator"));
        },
      }),
    );
    expect(err).toMatchObject({ kind: "CANCELLED", retryable: false });
    expect(err.message).toContain("stopped by the operator");
    expect(received).toBe(3);
    expect(Date.now() - started).toBeLessThan(frames.length * 20);
    expect(await server.requests[0]?.settled).toBe("client-closed");
  });

  it("does not send a request when the signal is already aborted", async () => {
    const ctrl = new AbortController();
    ctrl.abort();
    const err = await failure(new ModelClient({ baseUrl: server.url }).chat(hi, { signal: ctrl.signal }));
    expect(err.kind).toBe("CANCELLED");
    expect(server.requests).toHaveLength(0);
  });

  it("passes an exception thrown by onDelta through unchanged, and closes the stream", async () => {
    server.script({
      type: "sse",
      frames: sseFrames(readFixture("stream_text_fallback_usage.sse.txt")),
      frameDelayMs: 5,
    });
    const boom = new Error("consumer failed");
    const got = await new ModelClient({ baseUrl: server.url })
      .chat(hi, {
        onDelta: () => {
          throw boom;
        },
      })
      .catch((e: unknown) => e);
    expect(got).toBe(boom);
    expect(await server.requests[0]?.settled).toBe("client-closed");
  });
});

describe("the API key stays secret", () => {
  it("never appears in an error, even when the server echoes the Authorization header", async () => {
    server.script(
      {
        type: "json",
        status: 401,
        body: (req: { headers: Record<string, unknown> }) => ({
          error: { code: 401, message: `Invalid credentials: ${String(req.headers.authorization)} (key ${apiKey})` },
        }),
      },
      {
        type: "sse",
        frames: [dataFrame({ error: { code: "invalid_api_key", message: `bad key ${apiKey}` } }), doneFrame],
      },
    );
    const lines: string[] = [];
    const logger = { debug: (obj: object, msg: string) => void lines.push(`${msg} ${JSON.stringify(obj)}`) };
    const client = new ModelClient({ baseUrl: server.url, apiKey, logger });
    const errors = [await failure(client.chat(hi)), await failure(client.chat(hi, { onDelta: () => undefined }))];
    expect(server.requests[0]?.headers.authorization).toBe(`Bearer ${apiKey}`);
    expect(errors[0]?.kind).toBe("UNAUTHORIZED");
    expect(errors[1]?.kind).toBe("STREAM");
    expect(errors[1]?.retryable).toBe(false);
    for (const err of errors) {
      for (const text of [String(err), JSON.stringify(err), err.stack ?? "", inspect(err, { depth: 5 })]) {
        expect(text).not.toContain(apiKey);
        expect(text).not.toContain(apiKey.slice(10, 40));
      }
      expect(err.message).toContain("[REDACTED]");
    }
    expect(lines.join("\n")).toContain("model request");
    expect(lines.join("\n")).toContain('"authorization":"[REDACTED]"');
    expect(lines.join("\n")).not.toContain(apiKey);
    expect(inspect(client, { depth: 5 })).not.toContain(apiKey);
    expect(JSON.stringify(client)).not.toContain(apiKey);
  });
});
