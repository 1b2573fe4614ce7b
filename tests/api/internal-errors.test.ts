import { Writable } from "node:stream";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TasksDocument } from "../generated/graphql.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

/** An unexpected failure (here: the database goes away) reaches the client as a generic error with a request id. */
describe("unexpected errors [sqlite]", () => {
  let s: TestServer;
  const lines: Array<Record<string, unknown>> = [];
  beforeAll(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const l of chunk.toString().split("\n"))
          if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>);
        done();
      },
    });
    s = await startTestServer("sqlite", { workers: 0, logger: pino({ level: "error" }, sink) as never });
  });
  afterAll(() => s?.stop().catch(() => {}));

  it("answers INTERNAL_SERVER_ERROR with the request id of the log line, and no stack or SQL", async () => {
    // Warm the key cache, then take the database away under the running server.
    expect((await s.gql(TasksDocument, { first: 1 })).status).toBe(200);
    await s.app.db.close();
    const res = await fetch(`${s.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${s.adminKey}`, "x-request-id": "req-42" },
      body: JSON.stringify({ query: "{ tasks(first: 1) { totalCount edges { node { id } } } }" }),
    });
    const body = (await res.json()) as { errors: Array<{ message: string; extensions: Record<string, unknown> }> };
    expect(res.headers.get("x-request-id")).toBe("req-42");
    expect(body.errors[0]?.extensions).toMatchObject({ code: "INTERNAL_SERVER_ERROR", requestId: "req-42" });
    expect(body.errors[0]?.message).toBe("Internal server error (request id req-42)");
    expect(JSON.stringify(body)).not.toMatch(/select|stack|at \w+ \(/i);
    expect(lines.some((l) => l.msg === "unexpected error" && l.requestId === "req-42")).toBe(true);
  });
});
