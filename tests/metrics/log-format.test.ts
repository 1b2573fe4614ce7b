import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { MeDocument } from "../generated/graphql.js";
import { loadConfig } from "../../src/config.js";
import { createLogger, type LogFormat } from "../../src/logger.js";
import { startTestServer } from "../helpers/server.js";

/** A logger writing into an array of lines. */
function capture(format: LogFormat) {
  const lines: string[] = [];
  let buffered = "";
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      buffered += chunk.toString("utf8");
      const parts = buffered.split("\n");
      buffered = parts.pop() ?? "";
      lines.push(...parts.filter((l) => l.length > 0));
      done();
    },
  });
  return { lines, logger: createLogger("info", sink as never, format) };
}

const SECRET = "sk-or-v1-verysecretvalue123";

describe("LOG_FORMAT", () => {
  it("is a checked setting", () => {
    expect(loadConfig({ LOG_FORMAT: "pretty" }).logFormat).toBe("pretty");
    expect(loadConfig({}).logFormat).toBeUndefined();
    expect(() => loadConfig({ LOG_FORMAT: "xml" })).toThrow(/LOG_FORMAT/);
  });

  it("json: one JSON object a line, secrets redacted", () => {
    const { lines, logger } = capture("json");
    logger.info({ apiKey: SECRET, headers: { authorization: `Bearer ${SECRET}` } }, "hello json");
    expect(lines).toHaveLength(1);
    const rec = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(rec.msg).toBe("hello json");
    expect(lines[0]).not.toContain(SECRET);
  });

  it("pretty: readable lines with the message, not JSON, secrets redacted", () => {
    const { lines, logger } = capture("pretty");
    logger.info({ apiKey: SECRET, headers: { authorization: `Bearer ${SECRET}` } }, "hello pretty");
    const text = lines.join("\n");
    expect(text).toContain("hello pretty");
    expect(text).toContain("[REDACTED]");
    expect(text).not.toContain(SECRET);
    for (const l of lines) expect(() => JSON.parse(l)).toThrow();
  });

  it("json: a request's line carries its request id", async () => {
    const { lines, logger } = capture("json");
    const s = await startTestServer("sqlite", { logger });
    try {
      await s.ok(MeDocument);
    } finally {
      await s.stop();
    }
    const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const request = records.find((r) => r.msg === "request" && r.operationName === "Me");
    expect(request?.requestId).toEqual(expect.any(String));
    expect(lines.join("\n")).not.toContain(s.adminKey);
  });
});
