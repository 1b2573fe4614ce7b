/**
 * The OpenTelemetry SDK, loaded only when OTEL_EXPORTER_OTLP_ENDPOINT is set (the composition
 * root imports this module dynamically): spans are batched and posted as OTLP/HTTP JSON to
 * <endpoint>/v1/traces; the active span follows async work through AsyncLocalStorage.
 */
import { context, diag, DiagLogLevel, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BasicTracerProvider, BatchSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { ATTR_SERVICE_NAME } from "@opentelemetry/semantic-conventions";
import type { TraceExportConfig } from "../config.js";
import type { Logger } from "../domain/shared/deps.js";
import { redactUrl } from "../logger.js";
import type { Tracing } from "./tracing-switch.js";

/** How long the batch waits before posting what it holds, and the most it posts at once. */
const EXPORT_DELAY_MS = 1_000;
const EXPORT_BATCH_SIZE = 512;
const EXPORT_TIMEOUT_MS = 10_000;

/** `<endpoint>/v1/traces`, as the specification builds a signal's URL from the base endpoint. */
export function tracesUrl(endpoint: string): string {
  return `${endpoint.replace(/\/+$/, "")}/v1/traces`;
}

/** Registers the global tracer provider and context manager; `stop` flushes and unregisters them. */
export function startTracing(settings: TraceExportConfig, logger: Logger): Tracing {
  // The SDK's own complaints (a failed export) as one line each: the message only, never its
  // arguments (a request's options carry the export headers).
  diag.setLogger(
    {
      error: (message) => logger.warn({ otel: message }, "trace export problem"),
      warn: (message) => logger.warn({ otel: message }, "trace export problem"),
      info: () => {},
      debug: () => {},
      verbose: () => {},
    },
    DiagLogLevel.WARN,
  );
  const exporter = new OTLPTraceExporter({
    url: tracesUrl(settings.endpoint),
    headers: settings.headers,
    timeoutMillis: EXPORT_TIMEOUT_MS,
  });
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: settings.serviceName }),
    spanProcessors: [
      new BatchSpanProcessor(exporter, {
        scheduledDelayMillis: EXPORT_DELAY_MS,
        maxExportBatchSize: EXPORT_BATCH_SIZE,
      }),
    ],
  });
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  trace.setGlobalTracerProvider(provider);
  logger.info({ endpoint: redactUrl(tracesUrl(settings.endpoint)), service: settings.serviceName }, "traces on");
  let stopped: Promise<void> | undefined;
  return {
    flush: () => provider.forceFlush(),
    stop() {
      stopped ??= (async () => {
        try {
          await provider.shutdown();
        } finally {
          trace.disable();
          context.disable();
          diag.disable();
        }
      })();
      return stopped;
    },
  };
}
