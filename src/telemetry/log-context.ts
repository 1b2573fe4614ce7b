import { AsyncLocalStorage } from "node:async_hooks";
import { isSpanContextValid, trace } from "@opentelemetry/api";

/** What a log line says about the work it was written in: absent keys are unknown there. */
export interface LogContext {
  /** The HTTP request's id (x-request-id), or `<connection>/<operation>` for a WebSocket operation. */
  requestId?: string;
  /** The task the work is for (a run job, a tool call, a model call). */
  taskId?: string;
}

/** The keys every log line may carry, beside its own fields. */
export interface LogContextFields extends LogContext {
  traceId?: string;
  spanId?: string;
}

const storage = new AsyncLocalStorage<LogContext>();

/** Runs `fn` with `fields` added to the log context it inherits (a fresh copy: the caller's is unchanged). */
export function withLogContext<T>(fields: LogContext, fn: () => T): T {
  return storage.run({ ...storage.getStore(), ...fields }, fn);
}

/** Runs `fn` in a log context of its own, with `fields` only (work that outlives what started it: a job). */
export function withNewLogContext<T>(fields: LogContext, fn: () => T): T {
  return storage.run({ ...fields }, fn);
}

/** The log context of the running code (undefined outside any request, job or run). */
export function currentLogContext(): LogContext | undefined {
  return storage.getStore();
}

/**
 * The pino mixin: request id, task id and the active span's trace and span ids. Traces off, no
 * span is ever active (the API's no-op context manager), and the ids are absent.
 */
export function logContextFields(): LogContextFields {
  const store = storage.getStore();
  const span = trace.getActiveSpan()?.spanContext();
  if (!store && !span) return {};
  const fields: LogContextFields = {};
  if (store?.requestId) fields.requestId = store.requestId;
  if (store?.taskId) fields.taskId = store.taskId;
  if (span && isSpanContextValid(span)) {
    fields.traceId = span.traceId;
    fields.spanId = span.spanId;
  }
  return fields;
}
