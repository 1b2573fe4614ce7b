import { pino, type DestinationStream, type Logger as PinoLogger } from "pino";

export type AppLogger = PinoLogger;

/** JSON logs; anything that can hold a secret is redacted by path before it is written. */
export function createLogger(level: string, destination?: DestinationStream): AppLogger {
  return pino(
    {
      level,
      base: { service: "agent-system" },
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
    destination,
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
