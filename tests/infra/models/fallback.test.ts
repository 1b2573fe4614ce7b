import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { backoff, chatWithFallback, type AttemptRecord } from "../../../src/infra/models/fallback.js";
import { ModelClient, ModelError, type ChatRequest } from "../../../src/infra/models/model-client.js";
import {
  errorTurn,
  jsonTurn,
  midStreamErrorFrames,
  sseTurn,
  startFakeOpenRouter,
  type FakeOpenRouter,
  type Turn,
} from "../../helpers/fake-openrouter.js";

let server: FakeOpenRouter;
let client: ModelClient;
const apiKey = "sk-or-v1-fallbacktestkey0000000000000000000000000000000000000000000000";

beforeAll(async () => {
  server = await startFakeOpenRouter();
  client = new ModelClient({ baseUrl: server.url, apiKey });
});
afterAll(async () => {
  await server.close();
});
afterEach(() => {
  expect(server.pending(), "every scripted turn was served").toBe(0);
  server.requests.length = 0;
});

const request: Omit<ChatRequest, "model"> = { messages: [{ role: "user", content: "Hello there" }] };
const chain = ["model-a", "model-b", "model-c"];
const asked = () => server.requests.map((r) => r.model);
const ok = jsonTurn("nonstream_fallback_models_provider_only.response.json");
const midStreamError: Turn = { type: "sse", frames: midStreamErrorFrames(3) };
const times = (n: number, t: Turn): Turn[] => Array.from({ length: n }, () => t);

async function run(options: Parameters<typeof chatWithFallback>[3] = {}, c = chain) {
  const records: AttemptRecord[] = [];
  const started = Date.now();
  const outcome = await chatWithFallback(client, c, request, {
    backoffBaseMs: 5,
    ...options,
    onAttempt: (r) => void records.push(r),
  }).then(
    (result) => ({ result, error: undefined }),
    (error: unknown) => ({ result: undefined, error }),
  );
  return { ...outcome, records, elapsed: Date.now() - started };
}

describe("chatWithFallback", () => {
  it("retries a mid-stream error chunk, then moves to the next model", async () => {
    server.scriptModel("model-a", ...times(3, midStreamError));
    server.scriptModel("model-b", sseTurn("stream_text_fallback_usage.sse.txt", { frameDelayMs: 0 }));
    const deltas: string[] = [];
    const { result, error, records } = await run({
      onDelta: (d) => void (d.type === "content" && deltas.push(d.text)),
    });
    expect(error).toBeUndefined();
    expect(asked()).toEqual(["model-a", "model-a", "model-a", "model-b"]);
    expect(records.map((r) => [r.model, r.attempt, r.sequence, r.outcome, r.errorKind])).toEqual([
      ["model-a", 1, 1, "RETRY", "STREAM"],
      ["model-a", 2, 2, "RETRY", "STREAM"],
      ["model-a", 3, 3, "NEXT_MODEL", "STREAM"],
      ["model-b", 1, 4, "SUCCESS", undefined],
    ]);
    expect(records[3]).toMatchObject({ answeredBy: "x-ai/grok-4", provider: "xAI", usage: { costUsd: 0.00333825 } });
    expect(result?.content).toMatch(/What's on your mind\?$/);
    expect(result?.usage.costUsd).toBe(0.00333825);
    expect(result?.attempts).toEqual(records);
    // The failed attempts streamed their first pieces too: the RETRY records tell the caller to drop them.
    expect(deltas.join("")).toContain(result?.content);
  });

  it("retries a 429 with backoff, then succeeds on the same model", async () => {
    server.script(errorTurn(429, "errors/429_provider_rate_limited.recorded.json"), ok);
    const { result, records, elapsed } = await run({ backoffBaseMs: 60, random: () => 1 });
    expect(asked()).toEqual(["model-a", "model-a"]);
    expect(records.map((r) => [r.outcome, r.errorKind, r.status, r.backoffMs])).toEqual([
      ["RETRY", "RATE_LIMITED", 429, 60],
      ["SUCCESS", undefined, undefined, undefined],
    ]);
    expect(elapsed).toBeGreaterThanOrEqual(55);
    expect(result?.model).toBe("x-ai/grok-4");
  });

  it("waits at least the server's Retry-After (capped)", async () => {
    server.script(errorTurn(429, "errors/429_provider_rate_limited.recorded.json", { "retry-after": "0.1" }), ok);
    const { records, elapsed } = await run({ random: () => 0 });
    expect(records[0]?.backoffMs).toBe(100);
    expect(elapsed).toBeGreaterThanOrEqual(95);
    expect(asked()).toHaveLength(2);
  });

  it("moves on from a model that keeps answering 502", async () => {
    const bad = {
      type: "json",
      status: 502,
      body: { error: { code: 502, message: "Provider returned error" } },
    } as const;
    server.scriptModel("model-a", bad, bad);
    server.scriptModel("model-b", ok);
    const { result, records } = await run({ retries: 1 });
    expect(asked()).toEqual(["model-a", "model-a", "model-b"]);
    expect(records.map((r) => r.outcome)).toEqual(["RETRY", "NEXT_MODEL", "SUCCESS"]);
    expect(records[0]).toMatchObject({ errorKind: "SERVER", status: 502 });
    expect(result?.content).toMatch(/^I'm Grok/);
  });

  it("with retries: 0, a 503 goes straight to the next model", async () => {
    server.scriptModel("model-a", errorTurn(503, "errors/503_provider_no_available_workers.reconstructed.json"));
    server.scriptModel("model-b", ok);
    const { error } = await run({ retries: 0 });
    expect(error).toBeUndefined();
    expect(asked()).toEqual(["model-a", "model-b"]);
  });

  it("retries a timeout (a server that never answers)", async () => {
    server.script({ type: "hang" }, ok);
    const { error, records } = await run({ timeoutMs: 200 });
    expect(error).toBeUndefined();
    expect(records.map((r) => [r.outcome, r.errorKind])).toEqual([
      ["RETRY", "TIMEOUT"],
      ["SUCCESS", undefined],
    ]);
    expect(await server.requests[0]?.settled).toBe("client-closed");
  });

  it("skips a model with no endpoint (404) without retrying it", async () => {
    server.scriptModel("model-a", errorTurn(404, "errors/404_no_endpoints_tool_use.json"));
    server.scriptModel("model-b", ok);
    const { records } = await run();
    expect(asked()).toEqual(["model-a", "model-b"]);
    expect(records[0]).toMatchObject({ outcome: "NEXT_MODEL", errorKind: "UNAVAILABLE" });
  });

  it.each([
    [400, "BAD_REQUEST", "errors/400_invalid_model_id.json"],
    [401, "UNAUTHORIZED", "errors/401_no_auth_credentials.json"],
    [402, "PAYMENT_REQUIRED", "errors/402_requires_more_credits.json"],
  ] as const)("throws %i at once as %s: no retry, no next model", async (status, kind, fixture) => {
    server.script(errorTurn(status, fixture));
    const { error, records } = await run();
    expect(error).toBeInstanceOf(ModelError);
    expect(error).toMatchObject({ kind, status, retryable: false });
    expect(asked()).toEqual(["model-a"]);
    expect(records).toEqual([
      expect.objectContaining({ model: "model-a", attempt: 1, outcome: "FAILED", errorKind: kind, status }),
    ]);
  });

  it("throws a non-retryable mid-stream error at once and records the usage it reported", async () => {
    server.script(sseTurn("stream_mid_error_with_usage.sse.txt", { frameDelayMs: 0 }));
    const { error, records } = await run({ onDelta: () => undefined });
    expect(error).toMatchObject({ kind: "STREAM", code: 400, retryable: false });
    expect(asked()).toEqual(["model-a"]);
    expect(records[0]).toMatchObject({ outcome: "FAILED", usage: { completionTokens: 10, costUsd: 0 } });
  });

  it("when every model fails, throws the last error's kind after retries × models attempts", async () => {
    const bad = errorTurn(429, "errors/429_provider_rate_limited.recorded.json");
    server.scriptModel("model-a", ...times(2, bad));
    server.scriptModel("model-b", ...times(2, bad));
    const { error, records } = await run({ retries: 1 }, ["model-a", "model-b"]);
    expect(asked()).toEqual(["model-a", "model-a", "model-b", "model-b"]);
    expect(records.map((r) => r.outcome)).toEqual(["RETRY", "NEXT_MODEL", "RETRY", "FAILED"]);
    expect(error).toMatchObject({ kind: "RATE_LIMITED", retryable: true, status: 429 });
    expect(String(error)).toContain("every model of the chain failed (model-a, model-b)");
    expect(String(error)).not.toContain(apiKey);
    expect(JSON.stringify(error)).not.toContain(apiKey);
  });

  it("stops waiting and throws CANCELLED when the signal aborts during a backoff", async () => {
    server.script(errorTurn(429, "errors/429_provider_rate_limited.recorded.json"));
    const ctrl = new AbortController();
    setTimeout(() => ctrl.abort(), 100);
    const { error, elapsed, records } = await run({ backoffBaseMs: 10_000, random: () => 1, signal: ctrl.signal });
    expect(error).toMatchObject({ kind: "CANCELLED" });
    expect(elapsed).toBeLessThan(2_000);
    expect(asked()).toEqual(["model-a"]);
    expect(records.map((r) => r.outcome)).toEqual(["RETRY"]);
  });

  it("awaits onAttempt before going on, and passes its failure through", async () => {
    server.script(errorTurn(502, "errors/503_provider_no_available_workers.reconstructed.json"), ok);
    const order: string[] = [];
    await chatWithFallback(client, chain, request, {
      backoffBaseMs: 1,
      onAttempt: async (r) => {
        await new Promise((resolve) => setTimeout(resolve, 30));
        order.push(`${r.outcome}@${server.requests.length}`);
      },
    });
    expect(order).toEqual(["RETRY@1", "SUCCESS@2"]);

    server.script(ok);
    const storeDown = new Error("database is down");
    const got = await chatWithFallback(client, chain, request, {
      onAttempt: () => {
        throw storeDown;
      },
    }).catch((e: unknown) => e);
    expect(got).toBe(storeDown);
  });

  it("refuses an empty chain", async () => {
    const { error } = await run({}, []);
    expect(error).toMatchObject({ kind: "BAD_REQUEST", message: "no model is configured for this call" });
  });
});

describe("backoff", () => {
  it("is a full jitter in [0, base·2^(n-1)], capped, and at least the server's Retry-After", () => {
    expect(backoff(1, 100, 10_000, () => 0)).toBe(0);
    expect(backoff(1, 100, 10_000, () => 1)).toBe(100);
    expect(backoff(3, 100, 10_000, () => 0.5)).toBe(200);
    expect(backoff(20, 100, 1_000, () => 1)).toBe(1_000);
    expect(backoff(1, 100, 1_000, () => 0, 400)).toBe(400);
    expect(backoff(1, 100, 1_000, () => 0, 60_000)).toBe(1_000);
  });
});
