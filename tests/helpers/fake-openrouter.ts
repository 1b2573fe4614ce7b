/**
 * A local OpenAI-compatible chat-completions server for tests: serves scripted turns built from the
 * recorded OpenRouter fixtures in `tests/fixtures/openrouter/` (JSON answers, SSE streams replayed
 * frame by frame, error bodies with their status codes), and records every request it receives,
 * including whether the client closed the connection before the answer was complete.
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { readFileSync } from "node:fs";
import { join } from "node:path";

export const fixturesDir = join(import.meta.dirname, "..", "fixtures", "openrouter");

export const readFixture = (name: string): string => readFileSync(join(fixturesDir, name), "utf8");
export const readJsonFixture = <T = Record<string, unknown>>(name: string): T => JSON.parse(readFixture(name)) as T;

/** The frames of a recorded SSE body: each `data: …` event or `: comment` line, without the blank lines. */
export function sseFrames(text: string): string[] {
  return text
    .split(/\r?\n\r?\n/)
    .map((f) => f.trim())
    .filter((f) => f.length > 0);
}

export const keepAlive = ": OPENROUTER PROCESSING";
export const dataFrame = (chunk: unknown): string => `data: ${JSON.stringify(chunk)}`;
export const doneFrame = "data: [DONE]";

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body. */
  body: Record<string, unknown>;
  /** `body.model`, for assertions on which models were asked. */
  model: string | undefined;
  /** Set when the answer was complete or the client went away first. */
  outcome: "pending" | "finished" | "client-closed";
  /** Resolves with the outcome once it is known. */
  settled: Promise<"finished" | "client-closed">;
}

type BodyOf = unknown | ((req: RecordedRequest) => unknown);

export type Turn =
  /** A JSON answer (a completion, or an error body with its status). */
  | { type: "json"; status?: number; body: BodyOf; headers?: Record<string, string>; delayMs?: number }
  /** An SSE answer replayed frame by frame. */
  | {
      type: "sse";
      frames: string[];
      /** Pause before each frame (default 2 ms). */
      frameDelayMs?: number;
      /** Write each frame in two pieces, cut in the middle of its JSON, to exercise buffering. */
      splitFrames?: boolean;
      /** Stop writing after this many frames and keep the connection open. */
      stallAfter?: number;
    }
  /** Read the request and never answer. */
  | { type: "hang" }
  /** Destroy the connection without an answer. */
  | { type: "reset" };

export interface FakeOpenRouter {
  /** Base URL to give the client, e.g. http://127.0.0.1:PORT/api/v1. */
  url: string;
  requests: RecordedRequest[];
  /** Turns served in order to any request (after the per-model queues). */
  script(...turns: Turn[]): void;
  /** Turns served in order to requests for `model`. */
  scriptModel(model: string, ...turns: Turn[]): void;
  /** Turns not served yet. */
  pending(): number;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function startFakeOpenRouter(): Promise<FakeOpenRouter> {
  const queue: Turn[] = [];
  const byModel = new Map<string, Turn[]>();
  const requests: RecordedRequest[] = [];

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>;
      } catch {
        body = {};
      }
      let settle: (o: "finished" | "client-closed") => void = () => undefined;
      const record: RecordedRequest = {
        method: req.method ?? "",
        path: req.url ?? "",
        headers: req.headers,
        body,
        model: typeof body.model === "string" ? body.model : undefined,
        outcome: "pending",
        settled: new Promise((r) => (settle = r)),
      };
      requests.push(record);
      res.on("close", () => {
        record.outcome = res.writableFinished ? "finished" : "client-closed";
        settle(record.outcome);
      });
      const turn = (record.model === undefined ? undefined : byModel.get(record.model)?.shift()) ?? queue.shift();
      void serve(turn, record, res).catch(() => res.destroy());
    });
  });

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/api/v1`,
    requests,
    script: (...turns) => void queue.push(...turns),
    scriptModel: (model, ...turns) => void byModel.set(model, [...(byModel.get(model) ?? []), ...turns]),
    pending: () => queue.length + [...byModel.values()].reduce((n, q) => n + q.length, 0),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function serve(turn: Turn | undefined, req: RecordedRequest, res: ServerResponse): Promise<void> {
  if (req.path !== "/api/v1/chat/completions" || req.method !== "POST") {
    return json(res, 404, { error: { code: 404, message: `fake-openrouter: no route ${req.method} ${req.path}` } });
  }
  if (turn === undefined) {
    // 418 is not retryable: a test that runs out of script fails at once, saying why.
    return json(res, 418, { error: { code: 418, message: `fake-openrouter: no scripted turn for ${req.model}` } });
  }
  switch (turn.type) {
    case "hang":
      return;
    case "reset":
      res.socket?.destroy();
      return;
    case "json": {
      if (turn.delayMs) await sleep(turn.delayMs);
      const body = typeof turn.body === "function" ? (turn.body as (r: RecordedRequest) => unknown)(req) : turn.body;
      return json(res, turn.status ?? 200, body, turn.headers);
    }
    case "sse": {
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
      res.flushHeaders();
      for (const [i, frame] of turn.frames.entries()) {
        if (turn.stallAfter !== undefined && i >= turn.stallAfter) return;
        await sleep(turn.frameDelayMs ?? 2);
        if (res.destroyed) return;
        const text = `${frame}\n\n`;
        if (turn.splitFrames && text.length > 4) {
          const cut = Math.floor(text.length / 2);
          res.write(text.slice(0, cut));
          await sleep(1);
          if (res.destroyed) return;
          res.write(text.slice(cut));
        } else {
          res.write(text);
        }
      }
      res.end();
      return;
    }
  }
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

// --- turns built from the fixtures ---------------------------------------------------------

/** A recorded JSON answer. */
export const jsonTurn = (fixture: string): Turn => ({ type: "json", body: readJsonFixture(fixture) });

/** A recorded error body served with its status code. */
export const errorTurn = (status: number, fixture: string, headers?: Record<string, string>): Turn =>
  headers === undefined
    ? { type: "json", status, body: readJsonFixture(fixture) }
    : { type: "json", status, body: readJsonFixture(fixture), headers };

/** A recorded SSE stream, replayed as is. */
export const sseTurn = (
  fixture: string,
  options: Omit<Extract<Turn, { type: "sse" }>, "type" | "frames"> = {},
): Turn => ({
  type: "sse",
  frames: sseFrames(readFixture(fixture)),
  ...options,
});

/**
 * No streamed tool call was recorded: this builds one from the recorded non-streamed answer
 * (`nonstream_tool_call_usage_cost.response.json`) in the shape INDEX.md documents for OpenRouter
 * streams: keep-alive comments; the first tool-call delta carries id, type, name and empty
 * arguments, later deltas carry only `index` and argument pieces; a finish chunk; a final chunk
 * with `usage` (and `cost`); `[DONE]`. `extraCall` adds a second call (index 1) whose pieces
 * interleave with the first one's.
 */
export function toolCallStreamFrames(
  options: { pieces?: number; extraCall?: { id: string; name: string; arguments: string } } = {},
): string[] {
  const recorded = readJsonFixture<{
    id: string;
    model: string;
    provider: string;
    created: number;
    usage: unknown;
    choices: Array<{ message: { tool_calls: Array<{ id: string; function: { name: string; arguments: string } }> } }>;
  }>("nonstream_tool_call_usage_cost.response.json");
  const call = recorded.choices[0]?.message.tool_calls[0];
  if (call === undefined) throw new Error("fixture without a tool call");
  const head = {
    id: recorded.id,
    provider: recorded.provider,
    model: recorded.model,
    object: "chat.completion.chunk",
    created: recorded.created,
  };
  const chunk = (delta: unknown, finish: string | null = null, extra: Record<string, unknown> = {}) => ({
    ...head,
    choices: [{ index: 0, delta, finish_reason: finish, native_finish_reason: finish, logprobs: null }],
    ...extra,
  });
  const split = (s: string, n: number): string[] => {
    const size = Math.ceil(s.length / n);
    const out: string[] = [];
    for (let i = 0; i < s.length; i += size) out.push(s.slice(i, i + size));
    return out;
  };
  const start = (index: number, id: string, name: string) =>
    dataFrame(
      chunk({
        role: "assistant",
        content: null,
        tool_calls: [{ index, id, type: "function", function: { name, arguments: "" } }],
      }),
    );
  const piece = (index: number, args: string) =>
    dataFrame(chunk({ role: "assistant", content: null, tool_calls: [{ index, function: { arguments: args } }] }));

  const frames = [keepAlive, keepAlive, start(0, call.id, call.function.name)];
  const first = split(call.function.arguments, options.pieces ?? 6);
  const extra = options.extraCall;
  const second = extra === undefined ? [] : split(extra.arguments, 3);
  if (extra !== undefined) frames.push(start(1, extra.id, extra.name));
  for (let i = 0; i < Math.max(first.length, second.length); i++) {
    const a = first[i];
    const b = second[i];
    if (a !== undefined) frames.push(piece(0, a));
    if (b !== undefined) frames.push(piece(1, b));
    if (i === 1) frames.push(keepAlive);
  }
  frames.push(dataFrame(chunk({ role: "assistant", content: "" }, "tool_calls")));
  frames.push(dataFrame(chunk({ role: "assistant", content: "" }, null, { usage: recorded.usage })));
  frames.push(doneFrame);
  return frames;
}

/**
 * The first `keep` content frames of the recorded text stream, then a mid-stream error chunk in
 * OpenRouter's documented shape (top-level `error`, `finish_reason: "error"`, HTTP status 200)
 * carrying `error` — by default the recorded 502 error object (`errors/502_midstream_error_object.json`).
 */
export function midStreamErrorFrames(
  keep = 5,
  error: unknown = readJsonFixture("errors/502_midstream_error_object.json"),
): string[] {
  const frames = sseFrames(readFixture("stream_text_fallback_usage.sse.txt"));
  const head: string[] = [];
  let last = "";
  for (const f of frames) {
    if (f.startsWith("data:") && keep-- <= 0) break;
    head.push(f);
    if (f.startsWith("data:")) last = f;
  }
  const sample = JSON.parse(last.slice("data: ".length)) as Record<string, unknown>;
  const errorChunk = {
    id: sample.id,
    object: "chat.completion.chunk",
    created: sample.created,
    model: sample.model,
    provider: sample.provider,
    error,
    choices: [{ index: 0, delta: { content: "" }, finish_reason: "error" }],
  };
  return [...head, dataFrame(errorChunk), doneFrame];
}
