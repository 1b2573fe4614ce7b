/**
 * Chat completions over the OpenAI-compatible protocol: OpenRouter by default, or any compatible
 * server (Ollama, vLLM, LM Studio) at another base URL, where no API key is needed. Streams (SSE)
 * when the caller wants deltas, else reads one JSON body. Every failure is a `ModelError` with a
 * kind and a `retryable` flag; the API key never appears in a message, a log line or a serialized
 * error (the Authorization header is redacted wherever headers are shown).
 */

import { HttpPoster, type BodyReader, type PostResponse } from "./http-post.js";

export const DEFAULT_OPENROUTER_BASE_URL = "https://openrouter.ai/api/v1";

// --- request -------------------------------------------------------------------------------

export interface ChatToolCallMessage {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
}

export type ChatMessage =
  | { role: "system"; content: string }
  | { role: "user"; content: string | Array<Record<string, unknown>>; name?: string }
  | { role: "assistant"; content: string | null; tool_calls?: ChatToolCallMessage[] }
  | { role: "tool"; tool_call_id: string; content: string };

export interface ToolDefinition {
  type: "function";
  function: { name: string; description?: string; parameters?: Record<string, unknown>; strict?: boolean };
}

export type ToolChoice = "none" | "auto" | "required" | { type: "function"; function: { name: string } };

/** OpenRouter provider routing (`order`, `only`, `ignore`, `allow_fallbacks`, `sort`, …), passed through as is. */
export type ProviderPreferences = Record<string, unknown>;

export interface ChatRequest {
  /** The model to ask; with `models` as well, OpenRouter tries `models` when this one fails. */
  model?: string;
  /** OpenRouter's server-side fallback list. */
  models?: string[];
  messages: ChatMessage[];
  tools?: ToolDefinition[];
  tool_choice?: ToolChoice;
  parallel_tool_calls?: boolean;
  provider?: ProviderPreferences;
  temperature?: number;
  top_p?: number;
  max_tokens?: number;
  stop?: string | string[];
  usage?: { include: boolean };
  /** Stream even without `onDelta`. */
  stream?: boolean;
  /** Further body fields passed through verbatim (`transforms`, `reasoning`, `seed`, …). */
  extra?: Record<string, unknown>;
}

export type ChatDelta =
  | { type: "content"; text: string }
  | { type: "reasoning"; text: string }
  /** `index` is the tool call's position in `ChatResult.toolCalls`; `arguments` is the new piece. */
  | { type: "tool_call"; index: number; id?: string; name?: string; arguments: string };

export interface ChatOptions {
  signal?: AbortSignal;
  /** Wall time for the whole call, stream included. */
  timeoutMs?: number;
  /** Longest silence allowed while streaming (keep-alive comments count as activity). 0 = none. */
  idleTimeoutMs?: number;
  /** Called for each piece as it arrives; giving it turns streaming on. */
  onDelta?: (delta: ChatDelta) => void;
}

// --- result --------------------------------------------------------------------------------

export interface ModelUsage {
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  reasoningTokens: number;
  /** Null when the server does not report a cost (local servers, older OpenRouter answers). */
  costUsd: number | null;
}

export interface ToolCall {
  id: string;
  name: string;
  /** JSON text as the model wrote it; may be invalid JSON. */
  arguments: string;
}

export interface ChatResult {
  id: string;
  /** The model that answered (may differ from the one asked when a fallback list was used). */
  model: string;
  provider: string | null;
  content: string;
  reasoning: string;
  toolCalls: ToolCall[];
  finishReason: string | null;
  usage: ModelUsage;
  latencyMs: number;
}

export interface ChatClient {
  chat(request: ChatRequest, options?: ChatOptions): Promise<ChatResult>;
}

// --- errors --------------------------------------------------------------------------------

export const modelErrorKinds = [
  "RATE_LIMITED",
  "SERVER",
  "TIMEOUT",
  "STREAM",
  "BAD_REQUEST",
  "UNAUTHORIZED",
  "PAYMENT_REQUIRED",
  /** 404/410: the model or an endpoint for it does not exist; another model may work. */
  "UNAVAILABLE",
  "CANCELLED",
  "NETWORK",
] as const;
export type ModelErrorKind = (typeof modelErrorKinds)[number];

export interface ModelErrorInit {
  status?: number;
  /** The error code the server gave (`429`, `"server_error"`, …). */
  code?: string | number;
  providerMessage?: string;
  model?: string;
  provider?: string;
  retryAfterMs?: number;
  /** Tokens and cost already spent, when the server reported them with the error. */
  usage?: ModelUsage;
  cause?: unknown;
}

export class ModelError extends Error {
  readonly status: number | undefined;
  readonly code: string | number | undefined;
  readonly providerMessage: string;
  readonly model: string | undefined;
  readonly provider: string | undefined;
  readonly retryAfterMs: number | undefined;
  readonly usage: ModelUsage | undefined;

  constructor(
    readonly kind: ModelErrorKind,
    readonly retryable: boolean,
    message: string,
    init: ModelErrorInit = {},
  ) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = "ModelError";
    this.status = init.status;
    this.code = init.code;
    this.providerMessage = init.providerMessage ?? message;
    this.model = init.model;
    this.provider = init.provider;
    this.retryAfterMs = init.retryAfterMs;
    this.usage = init.usage;
  }

  toJSON(): Record<string, unknown> {
    const { name, kind, retryable, message, status, code, providerMessage, model, provider, retryAfterMs, usage } =
      this;
    return { name, kind, retryable, message, status, code, providerMessage, model, provider, retryAfterMs, usage };
  }
}

/** Kind and retryability of an HTTP status (or of a numeric code inside an error object). */
export function classifyStatus(status: number): { kind: ModelErrorKind; retryable: boolean } {
  if (status === 401) return { kind: "UNAUTHORIZED", retryable: false };
  if (status === 402) return { kind: "PAYMENT_REQUIRED", retryable: false };
  if (status === 408) return { kind: "TIMEOUT", retryable: true };
  if (status === 429) return { kind: "RATE_LIMITED", retryable: true };
  if (status === 404 || status === 410) return { kind: "UNAVAILABLE", retryable: false };
  if (status === 409 || status >= 500) return { kind: "SERVER", retryable: true };
  return { kind: "BAD_REQUEST", retryable: false };
}

const nonRetryableCode = /invalid|auth|permission|forbidden|not_found|content_filter|moderation|payment|insufficient/i;

/** A mid-stream error object: 401/402 keep their own kinds, everything else is STREAM, retryable by its code. */
function classifyStreamCode(code: unknown, errorType: unknown): { kind: ModelErrorKind; retryable: boolean } {
  const n = typeof code === "number" ? code : typeof code === "string" && /^\d{3}$/.test(code) ? Number(code) : NaN;
  if (!Number.isNaN(n)) {
    const c = classifyStatus(n);
    if (c.kind === "UNAUTHORIZED" || c.kind === "PAYMENT_REQUIRED") return c;
    return { kind: "STREAM", retryable: c.retryable };
  }
  const words = `${typeof code === "string" ? code : ""} ${typeof errorType === "string" ? errorType : ""}`;
  return { kind: "STREAM", retryable: !nonRetryableCode.test(words) };
}

// --- secrets -------------------------------------------------------------------------------

/** Headers as they may be shown: the Authorization value (and any key-like header) replaced. */
export function redactHeaders(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    out[k] = /^(authorization|proxy-authorization|x-api-key|api-key|cookie)$/i.test(k) ? "[REDACTED]" : v;
  }
  return out;
}

function makeRedactor(apiKey: string | undefined): (s: string) => string {
  return (s) => {
    let out = s;
    if (apiKey !== undefined && apiKey.length > 0) out = out.split(apiKey).join("[REDACTED]");
    return out.replace(/(Bearer\s+)[^\s"',;]+/gi, "$1[REDACTED]").replace(/\bsk-[A-Za-z0-9_-]{8,}/g, "[REDACTED]");
  };
}

// --- SSE -----------------------------------------------------------------------------------

export interface SseEvent {
  event: string;
  data: string;
}

/**
 * Incremental text/event-stream decoder: accepts text in arbitrary pieces, handles LF, CRLF and
 * CR line ends, multi-line `data:`, ignores comment lines (`: OPENROUTER PROCESSING`).
 */
export class SseDecoder {
  private buffer = "";
  private data: string[] = [];
  private event = "";

  push(text: string): SseEvent[] {
    this.buffer += text;
    const events: SseEvent[] = [];
    let start = 0;
    for (;;) {
      const lf = this.buffer.indexOf("\n", start);
      const cr = this.buffer.indexOf("\r", start);
      if (lf < 0 && cr < 0) break;
      let end: number;
      let next: number;
      if (cr >= 0 && (lf < 0 || cr < lf)) {
        if (cr === this.buffer.length - 1) break; // a CR at the end may be the first half of CRLF
        end = cr;
        next = this.buffer[cr + 1] === "\n" ? cr + 2 : cr + 1;
      } else {
        end = lf;
        next = lf + 1;
      }
      this.line(this.buffer.slice(start, end), events);
      start = next;
    }
    this.buffer = this.buffer.slice(start);
    return events;
  }

  /** The end of the stream: an event left without its blank line is still delivered. */
  end(): SseEvent[] {
    const events: SseEvent[] = [];
    if (this.buffer.length > 0) this.line(this.buffer.replace(/\r$/, ""), events);
    this.buffer = "";
    this.line("", events);
    return events;
  }

  private line(line: string, events: SseEvent[]): void {
    if (line === "") {
      if (this.data.length > 0) events.push({ event: this.event || "message", data: this.data.join("\n") });
      this.data = [];
      this.event = "";
      return;
    }
    if (line.startsWith(":")) return;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") this.data.push(value);
    else if (field === "event") this.event = value;
  }
}

// --- JSON helpers --------------------------------------------------------------------------

type Obj = Record<string, unknown>;
const asObj = (v: unknown): Obj | undefined =>
  typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Obj) : undefined;
const asStr = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
const asNum = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
const firstChoice = (body: Obj): Obj | undefined => {
  const choices = Array.isArray(body.choices) ? body.choices : [];
  return asObj(choices.find((c) => (asObj(c)?.index ?? 0) === 0));
};

export function parseUsage(raw: unknown): ModelUsage | undefined {
  const u = asObj(raw);
  if (!u) return undefined;
  return {
    promptTokens: asNum(u.prompt_tokens) ?? 0,
    completionTokens: asNum(u.completion_tokens) ?? 0,
    cachedTokens: asNum(asObj(u.prompt_tokens_details)?.cached_tokens) ?? 0,
    reasoningTokens: asNum(asObj(u.completion_tokens_details)?.reasoning_tokens) ?? 0,
    costUsd: asNum(u.cost) ?? null,
  };
}

const emptyUsage = (): ModelUsage => ({
  promptTokens: 0,
  completionTokens: 0,
  cachedTokens: 0,
  reasoningTokens: 0,
  costUsd: null,
});

const clip = (s: string, max = 500): string => (s.length > max ? `${s.slice(0, max)}…` : s);

/** The most useful text of an OpenRouter error object: its message plus the provider's own, when nested in `metadata.raw`. */
function describeErrorObject(err: Obj): { message: string; provider?: string } {
  const message = asStr(err.message) ?? "unknown error";
  const meta = asObj(err.metadata);
  const provider = asStr(meta?.provider_name);
  let detail: string | undefined;
  const raw = meta?.raw;
  if (typeof raw === "string" && raw.length > 0) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      parsed = undefined;
    }
    detail = parsed === undefined ? raw : (nestedMessage(parsed) ?? raw);
  } else if (raw !== undefined) {
    detail = nestedMessage(raw) ?? JSON.stringify(raw);
  }
  const text = detail !== undefined && !message.includes(detail) ? `${message}: ${clip(detail)}` : message;
  return provider === undefined ? { message: text } : { message: text, provider };
}

function nestedMessage(v: unknown): string | undefined {
  const o = asObj(v);
  return asStr(o?.message) ?? asStr(asObj(o?.error)?.message);
}

function retryAfterMs(header: string | null, err: Obj | undefined): number | undefined {
  const fromBody = asNum(asObj(err?.availability)?.retry_after);
  if (header !== null && header.trim() !== "") {
    const s = Number(header);
    if (Number.isFinite(s) && s >= 0) return s * 1000;
    const at = Date.parse(header);
    if (!Number.isNaN(at)) return Math.max(0, at - Date.now());
  }
  return fromBody === undefined ? undefined : fromBody * 1000;
}

// --- the client ----------------------------------------------------------------------------

/** The part of a pino logger this client uses. */
export interface ModelLogger {
  debug(obj: object, msg: string): void;
}

export interface ModelClientOptions {
  /** Default https://openrouter.ai/api/v1; any OpenAI-compatible `/v1` base works. */
  baseUrl?: string;
  /** Sent as `Authorization: Bearer …`; leave out for local servers. */
  apiKey?: string;
  /** Default wall time per call (default 120 s). */
  timeoutMs?: number;
  /** Default longest silence in a stream (default 0 = none). */
  idleTimeoutMs?: number;
  /** Extra headers, e.g. OpenRouter's `HTTP-Referer` and `X-Title`. */
  headers?: Record<string, string>;
  logger?: ModelLogger;
}

interface StreamState {
  id: string;
  model: string;
  provider: string | null;
  content: string;
  reasoning: string;
  finishReason: string | null;
  usage: ModelUsage | undefined;
  toolCalls: ToolCall[];
  /** Server tool-call index → position in `toolCalls`. */
  slots: Map<number, number>;
  error: ModelError | undefined;
  done: boolean;
}

export class ModelClient implements ChatClient {
  readonly baseUrl: string;
  readonly #apiKey: string | undefined;
  readonly #redact: (s: string) => string;
  readonly #timeoutMs: number;
  readonly #idleTimeoutMs: number;
  readonly #headers: Record<string, string>;
  readonly #logger: ModelLogger | undefined;
  readonly #http = new HttpPoster();

  constructor(options: ModelClientOptions = {}) {
    this.baseUrl = (options.baseUrl ?? DEFAULT_OPENROUTER_BASE_URL).replace(/\/+$/, "");
    this.#apiKey = options.apiKey === "" ? undefined : options.apiKey;
    this.#redact = makeRedactor(this.#apiKey);
    this.#timeoutMs = options.timeoutMs ?? 120_000;
    this.#idleTimeoutMs = options.idleTimeoutMs ?? 0;
    this.#headers = { ...options.headers };
    this.#logger = options.logger;
  }

  /** Host and port only: a base URL may carry credentials. */
  private get where(): string {
    try {
      return new URL(this.baseUrl).host;
    } catch {
      return "the model server";
    }
  }

  async chat(request: ChatRequest, options: ChatOptions = {}): Promise<ChatResult> {
    const started = performance.now();
    const asked = request.model ?? request.models?.[0];
    if (asked === undefined) throw new ModelError("BAD_REQUEST", false, "the request names no model");
    const streaming = options.onDelta !== undefined || request.stream === true;
    const { signal } = options;
    if (signal?.aborted) throw this.cancelled(asked, signal.reason);
    // An exception thrown by the caller's onDelta is the caller's own, passed through unchanged.
    let consumerError: unknown;
    const onDelta =
      options.onDelta &&
      ((d: ChatDelta) => {
        try {
          options.onDelta?.(d);
        } catch (e) {
          consumerError = e;
          throw e;
        }
      });

    const ctrl = new AbortController();
    let why: "cancel" | "timeout" | "idle" | undefined;
    const stop = (reason: "cancel" | "timeout" | "idle") => {
      why ??= reason;
      ctrl.abort();
    };
    const onAbort = () => stop("cancel");
    signal?.addEventListener("abort", onAbort, { once: true });
    const timeoutMs = options.timeoutMs ?? this.#timeoutMs;
    const timer = setTimeout(() => stop("timeout"), timeoutMs);
    const idleMs = options.idleTimeoutMs ?? this.#idleTimeoutMs;
    let idleTimer: NodeJS.Timeout | undefined;
    const touch = () => {
      if (idleMs <= 0) return;
      clearTimeout(idleTimer);
      idleTimer = setTimeout(() => stop("idle"), idleMs);
    };
    let reader: BodyReader | undefined;
    let state: StreamState | undefined;

    try {
      const headers: Record<string, string> = {
        ...this.#headers,
        "content-type": "application/json",
        accept: streaming ? "text/event-stream" : "application/json",
      };
      if (this.#apiKey !== undefined) headers.authorization = `Bearer ${this.#apiKey}`;
      this.#logger?.debug(
        { url: `${this.where}/chat/completions`, model: asked, stream: streaming, headers: redactHeaders(headers) },
        "model request",
      );
      const res = await this.#http.post(`${this.baseUrl}/chat/completions`, {
        headers,
        body: JSON.stringify(this.body(request, streaming)),
        signal: ctrl.signal,
      });
      if (!res.ok) throw await this.httpError(res, asked);
      const isSse = (res.headers.get("content-type") ?? "").includes("text/event-stream");
      let result: ChatResult;
      if (isSse && res.body !== null) {
        touch();
        reader = res.body.getReader();
        state = await this.readStream(reader, asked, onDelta, touch);
        if (state.error) throw state.error;
        if (!state.done && state.finishReason === null) {
          throw new ModelError(
            "STREAM",
            true,
            this.msg("STREAM", asked, "the stream ended before the answer was complete"),
            {
              model: state.model,
            },
          );
        }
        result = this.result(state, started);
      } else {
        result = this.parseBody(await res.text(), asked, started);
        // A server that ignored `stream: true`: its whole answer is one delta.
        if (result.content !== "") onDelta?.({ type: "content", text: result.content });
      }
      this.#logger?.debug(
        { model: result.model, provider: result.provider, latencyMs: result.latencyMs, usage: result.usage },
        "model response",
      );
      return result;
    } catch (e) {
      if (consumerError !== undefined && e === consumerError) throw e;
      const err = this.toModelError(e, why, asked, signal, timeoutMs, idleMs);
      this.#logger?.debug({ kind: err.kind, status: err.status, model: asked, message: err.message }, "model error");
      throw err;
    } finally {
      clearTimeout(timer);
      clearTimeout(idleTimer);
      signal?.removeEventListener("abort", onAbort);
      // Closes the connection when the stream was left unfinished (error chunk, abort, consumer error).
      reader?.cancel().catch(() => undefined);
    }
  }

  private body(request: ChatRequest, streaming: boolean): Obj {
    const body: Obj = { ...request.extra };
    const fields = [
      "model",
      "models",
      "messages",
      "tools",
      "tool_choice",
      "parallel_tool_calls",
      "provider",
      "temperature",
      "top_p",
      "max_tokens",
      "stop",
      "usage",
    ] as const;
    for (const f of fields) if (request[f] !== undefined) body[f] = request[f];
    body.stream = streaming;
    // OpenRouter always reports usage; vLLM and Ollama only when asked.
    if (streaming && body.stream_options === undefined) body.stream_options = { include_usage: true };
    return body;
  }

  private async readStream(
    reader: BodyReader,
    asked: string,
    onDelta: ((d: ChatDelta) => void) | undefined,
    touch: () => void,
  ): Promise<StreamState> {
    const state: StreamState = {
      id: "",
      model: asked,
      provider: null,
      content: "",
      reasoning: "",
      finishReason: null,
      usage: undefined,
      toolCalls: [],
      slots: new Map(),
      error: undefined,
      done: false,
    };
    const decoder = new TextDecoder();
    const sse = new SseDecoder();
    const handle = (events: SseEvent[]) => {
      for (const ev of events) {
        if (state.done || state.error) return;
        if (ev.data === "[DONE]") {
          state.done = true;
          return;
        }
        let chunk: unknown;
        try {
          chunk = JSON.parse(ev.data);
        } catch {
          throw new ModelError("STREAM", true, this.msg("STREAM", asked, `unreadable chunk: ${clip(ev.data, 200)}`), {
            model: asked,
          });
        }
        this.onChunk(asObj(chunk) ?? {}, state, onDelta);
      }
    };
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      touch();
      handle(sse.push(decoder.decode(value, { stream: true })));
      // After an error chunk nothing more is read: the connection is closed by the caller.
      if (state.done || state.error) break;
    }
    if (!state.done && !state.error) handle(sse.end());
    return state;
  }

  private onChunk(chunk: Obj, s: StreamState, onDelta: ((d: ChatDelta) => void) | undefined): void {
    s.id = asStr(chunk.id) ?? s.id;
    s.model = asStr(chunk.model) ?? s.model;
    s.provider = asStr(chunk.provider) ?? s.provider;
    const usage = parseUsage(chunk.usage);
    if (usage) s.usage = usage;
    const choice = firstChoice(chunk);
    const errObj = asObj(chunk.error) ?? asObj(choice?.error);
    if (errObj) {
      s.error ??= this.streamError(errObj, s.model, s.provider, s.usage);
      return;
    }
    if (!choice) return;
    const delta = asObj(choice.delta) ?? {};
    const text = asStr(delta.content);
    if (text) {
      s.content += text;
      onDelta?.({ type: "content", text });
    }
    const reasoning = asStr(delta.reasoning) ?? asStr(delta.reasoning_content);
    if (reasoning) {
      s.reasoning += reasoning;
      onDelta?.({ type: "reasoning", text: reasoning });
    }
    if (Array.isArray(delta.tool_calls)) {
      for (const raw of delta.tool_calls) {
        const tc = asObj(raw);
        if (tc) this.onToolCallDelta(tc, s, onDelta);
      }
    }
    const finish = asStr(choice.finish_reason);
    if (finish !== undefined) {
      s.finishReason = finish;
      if (finish === "error")
        s.error ??= this.streamError({ message: "the model finished with an error" }, s.model, s.provider, s.usage);
    }
  }

  /** Tool calls arrive in pieces keyed by `index`: the first carries id and name, later ones argument text. */
  private onToolCallDelta(tc: Obj, s: StreamState, onDelta: ((d: ChatDelta) => void) | undefined): void {
    const fn = asObj(tc.function) ?? {};
    const id = asStr(tc.id) || undefined;
    const name = asStr(fn.name) || undefined;
    const rawArgs = fn.arguments;
    const args =
      typeof rawArgs === "string" ? rawArgs : rawArgs === undefined || rawArgs === null ? "" : JSON.stringify(rawArgs);
    const index = asNum(tc.index) ?? (id === undefined ? s.toolCalls.length - 1 : s.toolCalls.length);
    let slot = s.slots.get(index);
    const existing = slot === undefined ? undefined : s.toolCalls[slot];
    // A new id at a known index is a new call (some providers send every call at index 0).
    if (
      slot === undefined ||
      existing === undefined ||
      (id !== undefined && existing.id !== "" && existing.id !== id)
    ) {
      slot = s.toolCalls.length;
      s.toolCalls.push({ id: "", name: "", arguments: "" });
      s.slots.set(index, slot);
    }
    const call = s.toolCalls[slot];
    if (call === undefined) return;
    if (id !== undefined) call.id = id;
    if (name !== undefined && call.name === "") call.name = name;
    call.arguments += args;
    const d: ChatDelta = { type: "tool_call", index: slot, arguments: args };
    if (id !== undefined) d.id = id;
    if (name !== undefined) d.name = name;
    onDelta?.(d);
  }

  private result(s: StreamState, started: number): ChatResult {
    return {
      id: s.id,
      model: s.model,
      provider: s.provider,
      content: s.content,
      reasoning: s.reasoning,
      toolCalls: s.toolCalls.map((c, i) => ({ ...c, id: c.id || `call_${i}` })),
      finishReason: s.finishReason,
      usage: s.usage ?? emptyUsage(),
      latencyMs: Math.round(performance.now() - started),
    };
  }

  private parseBody(text: string, asked: string, started: number): ChatResult {
    let body: Obj | undefined;
    try {
      body = asObj(JSON.parse(text));
    } catch {
      body = undefined;
    }
    if (!body) {
      throw new ModelError("SERVER", true, this.msg("SERVER", asked, `unreadable answer: ${clip(text, 200)}`), {
        model: asked,
      });
    }
    const model = asStr(body.model) ?? asked;
    const provider = asStr(body.provider) ?? null;
    const usage = parseUsage(body.usage);
    const topError = asObj(body.error);
    if (topError) {
      // An error object in a 200 answer: classified by its own code.
      const code = topError.code;
      const { kind, retryable } =
        typeof code === "number" ? classifyStatus(code) : classifyStreamCode(code, topError.type);
      const { message, provider: p } = describeErrorObject(topError);
      throw this.error(kind, retryable, model, message, {
        code: this.code(code),
        provider: p ?? provider ?? undefined,
        usage,
      });
    }
    const choice = firstChoice(body);
    const choiceError = asObj(choice?.error);
    if (choiceError) throw this.streamError(choiceError, model, provider, usage);
    const message = asObj(choice?.message) ?? {};
    const rawCalls = Array.isArray(message.tool_calls) ? message.tool_calls : [];
    const toolCalls = rawCalls.flatMap((raw, i): ToolCall[] => {
      const tc = asObj(raw);
      const fn = asObj(tc?.function);
      if (!tc || !fn) return [];
      const args = fn.arguments;
      return [
        {
          id: asStr(tc.id) || `call_${i}`,
          name: asStr(fn.name) ?? "",
          arguments: typeof args === "string" ? args : args === undefined || args === null ? "" : JSON.stringify(args),
        },
      ];
    });
    const content = message.content;
    return {
      id: asStr(body.id) ?? "",
      model,
      provider,
      content:
        typeof content === "string"
          ? content
          : Array.isArray(content)
            ? content.map((p) => asStr(asObj(p)?.text) ?? "").join("")
            : "",
      reasoning: asStr(message.reasoning) ?? asStr(message.reasoning_content) ?? "",
      toolCalls,
      finishReason: asStr(choice?.finish_reason) ?? null,
      usage: usage ?? emptyUsage(),
      latencyMs: Math.round(performance.now() - started),
    };
  }

  private async httpError(res: PostResponse, asked: string): Promise<ModelError> {
    const { kind, retryable } = classifyStatus(res.status);
    let text = "";
    try {
      text = await res.text();
    } catch {
      text = "";
    }
    let err: Obj | undefined;
    try {
      const parsed = asObj(JSON.parse(text));
      err = asObj(parsed?.error) ?? (parsed && "message" in parsed ? parsed : undefined);
    } catch {
      err = undefined;
    }
    const described = err
      ? describeErrorObject(err)
      : { message: text.trim() === "" ? res.statusText || "no details" : clip(text.trim().replace(/\s+/g, " "), 300) };
    return this.error(kind, retryable, asked, described.message, {
      status: res.status,
      code: this.code(err?.code) ?? res.status,
      provider: described.provider,
      retryAfterMs: retryAfterMs(res.headers.get("retry-after"), err),
    });
  }

  private streamError(err: Obj, model: string, provider: string | null, usage: ModelUsage | undefined): ModelError {
    const { kind, retryable } = classifyStreamCode(err.code, asObj(err.metadata)?.error_type ?? err.type);
    const described = describeErrorObject(err);
    return this.error(kind, retryable, model, described.message, {
      code: this.code(err.code),
      provider: described.provider ?? provider ?? undefined,
      usage,
    });
  }

  private code(v: unknown): string | number | undefined {
    return typeof v === "number" ? v : typeof v === "string" ? this.#redact(v) : undefined;
  }

  private error(
    kind: ModelErrorKind,
    retryable: boolean,
    model: string,
    providerMessage: string,
    init: Omit<ModelErrorInit, "providerMessage" | "model"> = {},
  ): ModelError {
    const clean = this.#redact(providerMessage);
    const via = init.provider === undefined ? "" : ` via ${this.#redact(init.provider)}`;
    const status = init.status === undefined ? "" : ` (HTTP ${init.status})`;
    return new ModelError(kind, retryable, `${kind}${status} from ${model}${via}: ${clean}`, {
      ...init,
      provider: init.provider === undefined ? undefined : this.#redact(init.provider),
      providerMessage: clean,
      model,
    });
  }

  private msg(kind: ModelErrorKind, model: string, text: string): string {
    return `${kind} from ${model}: ${this.#redact(text)}`;
  }

  private cancelled(model: string, reason: unknown): ModelError {
    const detail = reason instanceof Error ? reason.message : typeof reason === "string" ? reason : "";
    return new ModelError(
      "CANCELLED",
      false,
      this.msg("CANCELLED", model, `the call was cancelled${detail ? ` (${detail})` : ""}`),
      {
        model,
      },
    );
  }

  private toModelError(
    e: unknown,
    why: "cancel" | "timeout" | "idle" | undefined,
    model: string,
    signal: AbortSignal | undefined,
    timeoutMs: number,
    idleMs: number,
  ): ModelError {
    if (e instanceof ModelError) return e;
    if (why === "cancel") return this.cancelled(model, signal?.reason);
    if (why === "timeout") {
      return new ModelError("TIMEOUT", true, this.msg("TIMEOUT", model, `no complete answer within ${timeoutMs} ms`), {
        model,
      });
    }
    if (why === "idle") {
      return new ModelError("TIMEOUT", true, this.msg("TIMEOUT", model, `the stream was silent for ${idleMs} ms`), {
        model,
      });
    }
    const cause = e instanceof Error ? (e.cause instanceof Error ? e.cause : e) : undefined;
    const code = asStr(asObj(cause)?.code);
    const detail = cause ? `${code ? `${code} ` : ""}${cause.message}` : String(e);
    return new ModelError("NETWORK", true, this.msg("NETWORK", model, `cannot talk to ${this.where}: ${detail}`), {
      model,
      ...(code === undefined ? {} : { code }),
    });
  }
}
