import { pino, type DestinationStream, type Logger as PinoLogger } from "pino";
import pretty from "pino-pretty";
import { logContextFields } from "./telemetry/log-context.js";

export type AppLogger = PinoLogger;
export type LogFormat = "json" | "pretty";

/** LOG_FORMAT unset: readable lines for a person at a terminal, JSON for a log collector. */
export function defaultLogFormat(): LogFormat {
  return process.stdout.isTTY ? "pretty" : "json";
}

/**
 * JSON logs, or pino-pretty's lines (LOG_FORMAT=pretty). Anything that can hold a secret is
 * redacted by path before it is written: pretty printing formats the already redacted record.
 * Every line written within a request, a job or a task's run carries requestId, taskId, traceId
 * and spanId where known (the log context, src/telemetry/log-context.ts); a line's own fields win.
 */
export function createLogger(
  level: string,
  destination?: DestinationStream,
  format: LogFormat = destination ? "json" : defaultLogFormat(),
): AppLogger {
  const stream =
    format === "pretty"
      ? pretty({
          destination: destination ?? 1,
          // Synchronous, like pino's own stdout: the last lines before an exit are not lost.
          sync: true,
          colorize: !destination && process.stdout.isTTY === true,
          translateTime: "SYS:HH:MM:ss.l",
          ignore: "pid,hostname,service",
        })
      : destination;
  return pino(
    {
      level,
      base: { service: "agent-system" },
      mixin: logContextFields,
      redact: {
        paths: [
          "authorization",
          "headers.authorization",
          "req.headers.authorization",
          "*.authorization",
          "connectionParams",
          "*.connectionParams",
          "key",
          "*.key",
          "apiKey",
          "secret",
          "*.secret",
          "password",
          "*.password",
          "databaseUrl",
          "variables",
          "*.variables",
        ],
        censor: "[REDACTED]",
      },
      serializers: { err: pino.stdSerializers.err },
    },
    stream,
  );
}

/** postgres://user:secret@host/db → postgres://user:***@host/db, for log lines. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "[unparseable URL]";
  }
}
