import { afterAll, beforeAll, expect, it } from "vitest";
import { CreateRuntimeAgentDocument, CreateRuntimeTaskDocument } from "../generated/graphql.js";
import { startFakeOpenRouter, type FakeOpenRouter } from "../helpers/fake-openrouter.js";
import { callTurn } from "../helpers/model-turns.js";
import { describeProfiles } from "../helpers/profiles.js";
import type { TestServer } from "../helpers/server.js";
import { startRuntimeServer, until } from "../helpers/runtime.js";

/**
 * The runtime writes each step's rows in one batch, checked at its commit against the task row
 * as the run knows it (optimistic: see optimisticTransaction). A batch whose check fails is
 * rolled back and written again the ordinary way: correct, but a wasted round trip. The run
 * follows the task's events, its own and others' (a command reports its end as an event), so
 * none of its batches should fail.
 */
describeProfiles("the runtime's write batches", (profile) => {
  let fake: FakeOpenRouter;
  let s: TestServer;
  const statements: string[] = [];
  beforeAll(async () => {
    fake = await startFakeOpenRouter();
    s = await startRuntimeServer(profile, fake, {}, { onQuery: (text) => statements.push(text) });
  });
  afterAll(async () => {
    await s?.stop();
    await fake?.close();
  });

  it("go through at their first try, a command's report of its end included", async () => {
    await s.ok(CreateRuntimeAgentDocument, {
      input: { name: "batcher", kind: "BUILTIN", minComplexity: 1, maxComplexity: 1 },
    });
    fake.script(
      callTurn([["writeFile", { path: "notes.txt", content: "one" }]], { text: "Writing." }),
      callTurn([["runCommand", { program: "cat", args: ["notes.txt"] }]]),
      callTurn([["set_phase", { phase: "BUILD" }]]),
      callTurn([["runCommand", { program: "printf", args: ["two\\n"] }]]),
      callTurn([["fail_task", { reason: "batches test over" }]]),
    );
    const t = (await s.ok(CreateRuntimeTaskDocument, { input: { title: "batches", description: "d", complexity: 1 } }))
      .createTask;
    statements.length = 0;
    const done = await until(s, t.id, (x) => x.status === "FAILED", "FAILED");
    expect(done.events.map((e) => e.seq)).toEqual(done.events.map((_, i) => i + 1));
    // Each command's end is reported once, before the result the model got.
    const reports = done.events.filter((e) => e.type === "TOOL_OUTPUT" && /^`(cat|printf) /.test(e.content));
    expect(reports.map((e) => e.content.split(" ")[0])).toEqual(["`cat", "`printf"]);
    expect(statements.filter((q) => /^\s*rollback\b/i.test(q.replace(/\x1b\[[0-9;]*m|\[query\]/g, "")))).toEqual([]);
  });
});
