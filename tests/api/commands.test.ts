import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CancelCommandDocument,
  CancelTaskDocument,
  CommandOutputDocument,
  CommandRunDocument,
  CreateAgentDocument,
  CreateTaskDocument,
  RunCommandDocument,
  TaskDocument,
  type CommandOutputSubscription,
} from "../generated/graphql.js";
import { collect, startTestServer, type TestServer } from "../helpers/server.js";
import { localIndex } from "../helpers/wheels.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const hasBwrap = existsSync("/usr/bin/bwrap");

describe.skipIf(!hasBwrap)("commands and Python in the sandbox [sqlite]", () => {
  let s: TestServer;
  let workspaceId = "";
  let taskId = "";
  const index = localIndex();

  beforeAll(async () => {
    s = await startTestServer("sqlite", { workers: 1, env: { PIP_INDEX_URL: `file://${index}` } });
    await s.ok(CreateAgentDocument, { input: { name: "runner", minComplexity: 6, maxComplexity: 6 } });
    taskId = (await s.ok(CreateTaskDocument, { input: { title: "commands", complexity: 6 } })).createTask.id;
    for (let i = 0; i < 100 && !workspaceId; i++) {
      const t = (await s.ok(TaskDocument, { id: taskId })).task;
      if (t?.workspace?.status === "READY") workspaceId = t.workspace.id;
      else await sleep(100);
    }
    expect(workspaceId).not.toBe("");
  });
  afterAll(() => s?.stop());

  const run = async (program: string, args: string[], extra: { timeoutMs?: number; stdin?: string } = {}) =>
    (await s.ok(RunCommandDocument, { input: { workspaceId, program, args, ...extra } })).runCommand;
  const waitEnd = async (id: string) => {
    for (let i = 0; i < 200; i++) {
      const r = (await s.ok(CommandRunDocument, { id })).commandRun;
      if (r && r.status !== "RUNNING") return r;
      await sleep(50);
    }
    throw new Error("the run did not end");
  };
  const code = (r: { errors?: readonly { extensions?: Record<string, unknown> }[] }) => r.errors?.[0]?.extensions;

  it("runs a program in bubblewrap, streams its output while it runs, and records its end", async () => {
    const started = await run("python3", [
      "-c",
      "import time\nprint('first', flush=True)\ntime.sleep(0.8)\nprint('second', flush=True)",
    ]);
    expect(started).toMatchObject({ status: "RUNNING", sandbox: "BWRAP", program: "python3" });
    const live = collect(s.ws(), CommandOutputDocument, { runId: started.id });
    const arrivals: Array<[string, number]> = [];
    const t0 = Date.now();
    while (!live.items.some((c) => c.commandOutput.stream === "EXIT") && Date.now() - t0 < 10_000) {
      for (const c of live.items.slice(arrivals.length)) arrivals.push([c.commandOutput.data, Date.now() - t0]);
      await sleep(20);
    }
    for (const c of live.items.slice(arrivals.length)) arrivals.push([c.commandOutput.data, Date.now() - t0]);
    const firstAt = arrivals.find(([d]) => d.includes("first"))?.[1] ?? Infinity;
    const exitAt = arrivals.at(-1)?.[1] ?? 0;
    expect(exitAt - firstAt).toBeGreaterThan(500); // "first" arrived while the program was still sleeping
    const chunks = live.items.map((c) => c.commandOutput);
    expect(chunks.map((c) => c.seq)).toEqual(chunks.map((_, i) => i + 1));
    expect(chunks.at(-1)).toMatchObject({ stream: "EXIT" });
    expect(JSON.parse(chunks.at(-1)?.data ?? "{}")).toMatchObject({ status: "SUCCEEDED", exitCode: 0 });
    // The stream is over with its EXIT chunk: the server completes the subscription.
    await live.ended;
    expect(live.completed).toBe(true);

    const ended = await waitEnd(started.id);
    expect(ended).toMatchObject({ status: "SUCCEEDED", exitCode: 0, sandbox: "BWRAP", truncated: false });
    expect(ended.stdoutBytes).toBe("first\nsecond\n".length);
    expect(ended.durationMs).toBeGreaterThan(700);

    // A late subscriber replays all of it.
    const late = collect(s.ws(), CommandOutputDocument, { runId: started.id, afterSeq: 0 });
    await late.ended;
    const replay: CommandOutputSubscription[] = late.items;
    expect(late.completed).toBe(true);
    expect(replay.map((c) => c.commandOutput.seq)).toEqual(chunks.map((c) => c.seq));
    expect(replay.map((c) => c.commandOutput.data).join("")).toContain("first\nsecond\n");
    // One that has seen it all (its afterSeq at the EXIT chunk) completes at once, with nothing.
    const done = collect(s.ws(), CommandOutputDocument, { runId: started.id, afterSeq: chunks.length });
    await done.ended;
    expect({ completed: done.completed, items: done.items.length, errors: done.errors }).toEqual({
      completed: true,
      items: 0,
      errors: [],
    });

    const events = (await s.ok(TaskDocument, { id: taskId, first: 500 })).task?.events ?? [];
    expect(events.some((e) => e.type === "TOOL_OUTPUT" && e.content.includes("exited 0"))).toBe(true);
  });

  it("refuses programs and arguments the policy denies, and runs nothing", async () => {
    for (const [program, args, rule] of [
      ["bash", ["-c", "touch pwned"], "program"],
      ["/bin/ls", [], "program"],
      ["./x", [], "program"],
      ["find", [".", "-exec", "touch", "pwned", ";"], "find"],
      ["git", ["-c", "core.pager=touch pwned", "log"], "git"],
    ] as const) {
      const r = await s.gql(RunCommandDocument, { input: { workspaceId, program, args: [...args] } });
      expect({ program, code: code(r)?.code }).toEqual({ program, code: "POLICY_DENIED" });
      expect(String(code(r)?.rule)).toContain(rule === "program" ? "" : rule);
    }
    // A compound command in an argument is one argument: nothing else runs.
    const echo = await run("echo", ["a; touch pwned && echo b"]);
    expect((await waitEnd(echo.id)).status).toBe("SUCCEEDED");
    const ls = await run("ls", ["-a"]);
    await waitEnd(ls.id);
    expect(existsSync(join((await s.ok(TaskDocument, { id: taskId })).task?.workspace?.path ?? "", "pwned"))).toBe(
      false,
    );
  });

  it("applies a task's policy override on top of the file's, and refuses a malformed one", async () => {
    const gen = await import("../generated/graphql.js");
    await s.ok(gen.SetToolPolicyDocument, { scope: "TASK", id: taskId, policy: { remove: ["echo"] } });
    const refused = await s.gql(RunCommandDocument, { input: { workspaceId, program: "echo", args: ["hi"] } });
    expect(code(refused)?.code).toBe("POLICY_DENIED");
    const bad = await s.gql(gen.SetToolPolicyDocument, { scope: "TASK", id: taskId, policy: { allow: 3 } });
    expect(code(bad)).toMatchObject({ code: "BAD_USER_INPUT", field: "policy" });
    await s.ok(gen.SetToolPolicyDocument, { scope: "TASK", id: taskId, policy: null });
    const again = await run("echo", ["hi"]);
    expect((await waitEnd(again.id)).status).toBe("SUCCEEDED");
  });

  it("ends a run past its timeout, and cancels on request and with its task", async () => {
    const slow = await run("sleep", ["30"], { timeoutMs: 500 });
    expect(await waitEnd(slow.id)).toMatchObject({ status: "TIMED_OUT" });

    const cancelled = await run("sleep", ["30"]);
    await sleep(200);
    const c = (await s.ok(CancelCommandDocument, { runId: cancelled.id })).cancelCommand;
    expect(c.status).toBe("CANCELLED");
    const again = await s.gql(CancelCommandDocument, { runId: cancelled.id });
    expect(code(again)?.code).toBe("CONFLICT");
  });

  it("runs Python with the venv and returns an exception as a structured traceback", async () => {
    const res = await s.gql((await import("../generated/graphql.js")).RunPythonDocument, {
      input: { workspaceId, code: "print('before')\nx = 1 / 0\n" },
    });
    const r = (res.data as { runPython: { stdout: string; traceback: Record<string, unknown> | null } }).runPython;
    expect(r.stdout).toBe("before\n");
    expect(r.traceback).toMatchObject({
      type: "ZeroDivisionError",
      message: "division by zero",
      file: "<code>",
      line: 2,
    });
  });

  it("installs a wheel from the configured local index, and refuses bad names and URLs", async () => {
    const gen = await import("../generated/graphql.js");
    const ok = await s.ok(gen.InstallPackagesDocument, { workspaceId, packages: ["demo-pkg==0.1"] });
    expect(ok.installPackages.run.status).toBe("SUCCEEDED");
    const imported = await s.ok(gen.RunPythonDocument, {
      input: { workspaceId, code: "import demo_pkg; print(demo_pkg.VALUE)" },
    });
    expect(imported.runPython.stdout).toBe("42\n");
    for (const bad of ["https://evil.example/x.whl", "-e .", "../pkg", "demo pkg", "--index-url=http://x"]) {
      const r = await s.gql(gen.InstallPackagesDocument, { workspaceId, packages: [bad] });
      expect({ bad, code: code(r)?.code }).toEqual({ bad, code: "BAD_USER_INPUT" });
    }
    const missing = await s.ok(gen.InstallPackagesDocument, { workspaceId, packages: ["not-there"] });
    expect(missing.installPackages.run.status).toBe("FAILED");
    expect(missing.installPackages.stderr).toMatch(/No matching distribution|Could not find/);
  });

  it("kills the commands of a task that is cancelled", async () => {
    const long = await run("sleep", ["30"]);
    await sleep(200);
    await s.ok(CancelTaskDocument, { id: taskId });
    expect((await waitEnd(long.id)).status).toBe("CANCELLED");
  });
});
