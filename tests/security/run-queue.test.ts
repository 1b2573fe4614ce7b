import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CancelCommandDocument,
  CommandRunDocument,
  RunCommandDocument,
  TaskDocument,
  WriteFileDocument,
} from "../generated/graphql.js";
import { hasBwrap, hostileWorkspace, outputUntil, type HostileWorkspace } from "../helpers/hostile.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

/** Prints `name started`, then waits (up to a minute) for the file `go-<name>` to appear. */
const gate = (name: string) => `
import os, time
print(${JSON.stringify(`${name} started`)}, flush=True)
for _ in range(6000):
    if os.path.exists(${JSON.stringify(`go-${name}`)}):
        break
    time.sleep(0.01)
print(${JSON.stringify(`${name} done`)}, flush=True)
`;

describe.skipIf(!hasBwrap)("runs beyond the concurrency bounds wait their turn [sqlite]", () => {
  let s: TestServer;
  let ws: HostileWorkspace;

  beforeAll(async () => {
    s = await startTestServer("sqlite", {
      workers: 1,
      env: { COMMAND_MAX_PER_WORKSPACE: "1", COMMAND_MAX_CONCURRENT: "4", COMMAND_MAX_TIMEOUT_MS: "120000" },
    });
    ws = await hostileWorkspace(s, 8);
  });
  afterAll(() => s?.stop());

  const start = async (name: string) =>
    (
      await s.ok(
        RunCommandDocument,
        { input: { workspaceId: ws.workspaceId, program: "python3", args: ["-c", gate(name)], timeoutMs: 60_000 } },
        ws.agentKey,
      )
    ).runCommand.id;
  const release = (name: string) =>
    s.ok(WriteFileDocument, { input: { workspaceId: ws.workspaceId, path: `go-${name}`, content: "" } }, ws.agentKey);

  it("queues a second run of one workspace until the first ends, says so, and lets a queued run be cancelled", async () => {
    const a = await start("a");
    await outputUntil(s, a, "a started");
    const b = await start("b");
    const c = await start("c");
    // b and c are accepted, and wait: the task says so.
    const waiting = async () =>
      ((await s.ok(TaskDocument, { id: ws.taskId, first: 500 })).task?.events ?? []).filter((e) =>
        e.content.includes("waits for a free slot"),
      ).length;
    for (const until = Date.now() + 30_000; (await waiting()) < 2;) {
      if (Date.now() > until) throw new Error("no 'waits for a free slot' events");
    }
    expect((await s.ok(CommandRunDocument, { id: b })).commandRun).toMatchObject({
      status: "RUNNING",
      lastOutputSeq: 0,
    });
    // c is cancelled while it waits: it ends without ever running.
    await s.ok(CancelCommandDocument, { runId: c }, ws.agentKey);
    const cancelled = (await s.ok(CommandRunDocument, { id: c })).commandRun;
    expect(cancelled).toMatchObject({ status: "CANCELLED", stdoutBytes: 0 });
    // b starts only once a has ended.
    await release("a");
    const aOut = await outputUntil(s, a, null);
    expect(aOut).toContain("a done");
    await outputUntil(s, b, "b started");
    await release("b");
    expect(await outputUntil(s, b, null)).toContain("b done");
    const [runA, runB] = await Promise.all(
      [a, b].map(async (id) => (await s.ok(CommandRunDocument, { id })).commandRun),
    );
    expect(runA?.status).toBe("SUCCEEDED");
    expect(runB?.status).toBe("SUCCEEDED");
  }, 90_000);

  it("refuses a timeout over COMMAND_MAX_TIMEOUT_MS, naming the cap", async () => {
    const r = await s.gql(
      RunCommandDocument,
      { input: { workspaceId: ws.workspaceId, program: "true", timeoutMs: 600_000 } },
      ws.agentKey,
    );
    expect(r.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "timeoutMs", max: 120_000 });
    expect(r.errors?.[0]?.message).toMatch(/at most 120000 ms/);
  });
});
