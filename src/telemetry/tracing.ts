import {
  context,
  isSpanContextValid,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  TraceFlags,
  type Attributes,
  type Link,
  type Span,
  type SpanContext,
} from "@opentelemetry/api";
import { currentLogContext, withLogContext, withNewLogContext } from "./log-context.js";

/** The instrumentation scope of every span this service makes. */
export const TRACER_NAME = "agent-system";

/** Span attribute names, declared once. */
export const spanAttributes = {
  taskId: "task.id",
  requestId: "request.id",
  errorType: "error.type",
  jobKind: "job.kind",
  jobId: "job.id",
  jobAttempt: "job.attempt",
  toolId: "tool.id",
  toolCallId: "tool.call_id",
  toolStatus: "tool.status",
  graphqlOperationName: "graphql.operation.name",
  graphqlOperationType: "graphql.operation.type",
  modelSystem: "gen_ai.system",
  modelOperation: "gen_ai.operation.name",
  modelRequested: "gen_ai.request.model",
  modelAnswered: "gen_ai.response.model",
  inputTokens: "gen_ai.usage.input_tokens",
  outputTokens: "gen_ai.usage.output_tokens",
  modelOutcome: "model.outcome",
  modelAttempts: "model.attempts",
} as const;

/** What the code inside a span may add to it. */
export interface SpanHandle {
  /** Attributes: ids, names, counts and outcomes; never a secret, a message or a stack. */
  set(attributes: Attributes): void;
  /** The task this work is for, once known: on the span and on every log line written from here on. */
  task(taskId: string): void;
  /** Marks the span failed with a code, for failures that are answers rather than throws (GraphQL errors). */
  fail(code: string): void;
  /** Renames the span, once what it is became known (the GraphQL operation, once parsed). */
  rename(name: string): void;
}

export interface SpanOptions {
  /** The task, when known at the start (else the enclosing work's task, if any). */
  taskId?: string;
  attributes?: Attributes;
  kind?: SpanKind;
  /**
   * A trace of its own, and a log context with no request id: for work that may have been
   * started by a request (a job queued in-process) but is not part of it.
   */
  root?: boolean;
  /** Spans this one follows from without being their child (a job: the span that queued it). */
  links?: Link[];
  /**
   * The parent, from another process (see traceparentOf): the span is its child, in its trace,
   * with a log context of its own.
   */
  remoteParent?: SpanContext;
}

/**
 * The active span as a W3C `traceparent` (`00-<trace id>-<span id>-<flags>`), for work that
 * leaves this process or this moment (a queued job, a routed workspace operation); undefined
 * when no span is recording (traces off).
 */
export function currentTraceparent(): string | undefined {
  const span = trace.getActiveSpan();
  if (!span?.isRecording()) return undefined;
  const c = span.spanContext();
  if (!isSpanContextValid(c)) return undefined;
  return `00-${c.traceId}-${c.spanId}-${(c.traceFlags & TraceFlags.SAMPLED ? 1 : 0).toString(16).padStart(2, "0")}`;
}

/** A `traceparent` back into a remote span context; undefined for anything malformed. */
export function traceparentOf(value: unknown): SpanContext | undefined {
  if (typeof value !== "string") return undefined;
  const m = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/.exec(value);
  if (!m) return undefined;
  const c: SpanContext = { traceId: m[1]!, spanId: m[2]!, traceFlags: parseInt(m[3]!, 16), isRemote: true };
  return isSpanContextValid(c) ? c : undefined;
}

/**
 * An error's code for a span's status: a model error's `kind`, a typed error's `code`
 * (DomainError), an error class's name (QueueStoppingError), else INTERNAL. Only a fixed-shape
 * identifier is taken: never a message or a stack.
 */
export function errorCodeOf(err: unknown): string {
  const code = /^[A-Z][A-Z0-9_]{0,63}$/;
  if (err && typeof err === "object") {
    const { code: typed, kind, name } = err as { code?: unknown; kind?: unknown; name?: unknown };
    // A model error's own kind before the code its server gave.
    if (typeof kind === "string" && code.test(kind)) return kind;
    if (typeof typed === "string" && code.test(typed)) return typed;
    if (typeof name === "string" && name !== "Error" && /^[A-Z][A-Za-z0-9]{0,63}Error$/.test(name)) return name;
  }
  return "INTERNAL";
}

/** Marks a span failed with `code` (status ERROR, `error.type`). */
export function failSpan(span: Pick<Span, "setStatus" | "setAttribute">, code: string): void {
  span.setStatus({ code: SpanStatusCode.ERROR, message: code });
  span.setAttribute(spanAttributes.errorType, code);
}

/**
 * Runs `fn` in a span named `name`, the active one for everything `fn` starts (its children),
 * with its own copy of the log context. A throw ends the span with status ERROR and the error's
 * code. Traces off (OTEL_EXPORTER_OTLP_ENDPOINT unset), the API's no-op tracer runs it.
 */
export function traced<T>(name: string, opts: SpanOptions, fn: (span: SpanHandle) => Promise<T>): Promise<T> {
  const fresh = opts.root || opts.remoteParent !== undefined;
  const taskId = opts.taskId ?? (fresh ? undefined : currentLogContext()?.taskId);
  const attributes: Attributes = { ...opts.attributes };
  if (taskId) attributes[spanAttributes.taskId] = taskId;
  const inContext = fresh ? withNewLogContext : withLogContext;
  const parent = opts.remoteParent ? trace.setSpanContext(ROOT_CONTEXT, opts.remoteParent) : context.active();
  const options = {
    kind: opts.kind ?? SpanKind.INTERNAL,
    attributes,
    root: opts.root && !opts.remoteParent,
    ...(opts.links?.length ? { links: opts.links } : {}),
  };
  return inContext(taskId ? { taskId } : {}, () =>
    trace.getTracer(TRACER_NAME).startActiveSpan(name, options, parent, async (span) => {
      const handle: SpanHandle = {
        set: (more) => span.setAttributes(more),
        task: (id) => {
          span.setAttribute(spanAttributes.taskId, id);
          const logContext = currentLogContext();
          if (logContext) logContext.taskId = id;
        },
        fail: (code) => failSpan(span, code),
        rename: (newName) => span.updateName(newName),
      };
      try {
        return await fn(handle);
      } catch (err) {
        failSpan(span, errorCodeOf(err));
        throw err;
      } finally {
        span.end();
      }
    }),
  );
}
