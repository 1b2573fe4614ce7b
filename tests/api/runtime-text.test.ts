import { expect, it } from "vitest";
import {
  CommandOutputDocument,
  CommandRunsDocument,
  CreateRuntimeAgentDocument,
  CreateRuntimeTaskDocument,
} from "../generated/graphql.js";
import { callTurn } from "../helpers/model-turns.js";
import { describeProfiles } from "../helpers/profiles.js";
import { collect } from "../helpers/server.js";
import { runtimeSuite, statusTargets, until } from "../helpers/runtime.js";

/** What the runtime stores of text from outside: a model's answer, a program's output. */
describeProfiles("outside text in the runtime", (profile) => {
  const suite = runtimeSuite(profile);
  let n = 0;

  /** A fresh builtin agent, so each test's task goes to its own agent. */
  const agent = async () =>
    suite.s.ok(CreateRuntimeAgentDocument, {
      input: { name: `reader-${++n}`, kind: "BUILTIN", minComplexity: n, maxComplexity: n },
    });
  const task = async (title: string) =>
    (await suite.s.ok(CreateRuntimeTaskDocument, { input: { title, description: "Say hello", complexity: n } }))
      .createTask;

  it("stores outside text with a NUL in it (the model's words, a program's output) with U+FFFD in its place", async () => {
    await agent();
    suite.fake.script(
      callTurn([["runCommand", { program: "printf", args: ["x\\000y\\n"] }]], { text: "zero\u0000byte" }),
      callTurn([["fail_task", { reason: "nul test over" }]]),
    );
    const t = await task("nul");
    const done = await until(suite.s, t.id, (x) => x.status === "FAILED", "FAILED");
    // Nothing of the step was lost: the streamed text, the turn, the command's output and result.
    const said = done.events.filter((e) => e.type === "MESSAGE" && (e.data as { role?: string }).role === "assistant");
    expect(said.map((e) => e.content).join("")).toBe("zero\ufffdbyte");
    expect(done.conversation.find((m) => m.role === "ASSISTANT")?.content).toBe("zero\ufffdbyte");
    const output = done.events.find(
      (e) => e.type === "TOOL_OUTPUT" && (e.data as { tool?: string }).tool === "runCommand",
    );
    expect(output?.content).toContain("x\ufffdy");
    expect(done.conversation.find((m) => m.role === "TOOL")?.content).toContain("x\ufffdy");
    const [run] = (await suite.s.ok(CommandRunsDocument, { taskId: t.id })).commandRuns;
    expect(run?.status).toBe("SUCCEEDED");
    const replay = collect(suite.s.ws(), CommandOutputDocument, { runId: run!.id, afterSeq: 0 });
    const chunks = (await replay.waitFor(2)).map((c) => c.commandOutput);
    replay.stop();
    expect(chunks.map((c) => [c.stream, c.data])).toEqual([
      ["STDOUT", "x\ufffdy\n"],
      ["EXIT", expect.stringContaining("SUCCEEDED")],
    ]);
  });

  it("writes a long answer that came in one piece as events within the limit, losing nothing", async () => {
    await agent();
    const long = `${"All work and no play. ".repeat(7_000)}🙂 end`; // 154,000+ characters, one delta
    suite.fake.script(
      callTurn([["set_phase", { phase: "BUILD" }]], { text: long, stream: false }),
      callTurn([["fail_task", { reason: "long answer test over" }]]),
    );
    const t = await task("long answer");
    const done = await until(suite.s, t.id, (x) => x.status === "FAILED", "FAILED");
    expect(statusTargets(done.events)).toEqual(["PENDING", "DESIGN", "BUILD", "FAILED"]);
    const parts = done.events.filter((e) => e.type === "MESSAGE" && (e.data as { role?: string }).role === "assistant");
    expect(parts.length).toBeGreaterThan(1);
    expect(parts.every((e) => e.content.length <= 4_000)).toBe(true);
    expect(parts.map((e) => e.content).join("")).toBe(long);
    expect(parts.map((e) => (e.data as { part: number }).part)).toEqual(parts.map((_, i) => i + 1));
    expect(done.conversation.find((m) => m.role === "ASSISTANT")?.content).toBe(long);
  });
});
