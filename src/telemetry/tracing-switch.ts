import type { TraceExportConfig } from "../config.js";
import type { Logger } from "../domain/shared/deps.js";

/** The running SDK: what the app's stop and the tests call. */
export interface Tracing {
  /** Posts the spans ended so far. */
  flush(): Promise<void>;
  /** Posts what is left and unregisters the SDK (spans made afterwards are the no-op kind). */
  stop(): Promise<void>;
}

/**
 * Traces on (OTEL_EXPORTER_OTLP_ENDPOINT set): the SDK is imported now, and only now. Off: no SDK
 * module is loaded, and the instrumented code runs on @opentelemetry/api's no-op tracer.
 */
export async function startTracingIfConfigured(
  settings: TraceExportConfig | null,
  logger: Logger,
): Promise<Tracing | null> {
  if (!settings) return null;
  const { startTracing } = await import("./sdk.js");
  return startTracing(settings, logger);
}
