import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CreateAgentDocument,
  CreateTaskDocument,
  TaskDocument,
  UpdateAgentDocument,
  UpdateTaskDocument,
} from "../generated/graphql.js";
import { waitForFileToContain } from "../helpers/files.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A builtin agent runs a task end to end in-process: workspace on disk, venv, the scripted runtime. */
describe("a task run by a builtin agent [sqlite]", () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer("sqlite", {
      workers: 2,
      scriptedStepMs: 50,
      // PyPI is unreachable here: the install fails, which must be reported, not fatal.
      env: { WORKSPACE_DEFAULT_PACKAGES: "surely-not-a-real-package-x9", AGENT_RUNTIME: "scripted" },
    });
  });
  afterAll(() => s?.stop());

  const waitFor = async <T>(fn: () => Promise<T | undefined>, what: string, ms = 30_000): Promise<T> => {
    const until = Date.now() + ms;
    for (;;) {
      const v = await fn();
      if (v !== undefined) return v;
      if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
      await sleep(100);
    }
  };

  it("lays out the workspace, keeps its README in step, creates a usable venv and completes the task", async () => {
    const agent = (
      await s.ok(CreateAgentDocument, {
        input: { name: "builder", kind: "BUILTIN", minComplexity: 1, maxComplexity: 10 },
      })
    ).createAgent;
    const created = (
      await s.ok(CreateTaskDocument, { input: { title: "Build a thing", description: "with care", complexity: 4 } })
    ).createTask;
    expect(created.assignedAgent?.id).toBe(agent.id);
    const root = join(s.config.dataDir, "workspaces", agent.id, "tasks", created.id);
    expect(created.workspace?.path).toBe(root);

    const done = await waitFor(async () => {
      const t = (await s.ok(TaskDocument, { id: created.id, first: 100 })).task;
      return t?.status === "COMPLETE" ? t : undefined;
    }, "the task to complete");
    expect(done.workspace?.status).toBe("READY");
    for (const d of ["src", "output", "research", "venv"]) expect(existsSync(join(root, d))).toBe(true);
    expect(execFileSync(join(root, "venv/bin/python"), ["-c", "print(1)"]).toString().trim()).toBe("1");

    const contents = done.events.map((e) => `${e.type}: ${e.content}`);
    expect(contents[0]).toBe("STATUS_CHANGE: Task created");
    expect(contents[1]).toBe("STATUS_CHANGE: Task assigned to agent builder");
    expect(contents).toContain("PROGRESS: Workspace ready");
    const installFailure = contents.find((c) => c.startsWith("ERROR: Installing the default Python packages failed"));
    expect(installFailure).toBeDefined();
    expect(
      contents.filter((c) => c.startsWith("STATUS_CHANGE: Status changed")).map((c) => c.split(" to ")[1]),
    ).toEqual(["BUILD", "TEST", "REVIEW", "COMPLETE"]);
    expect(done.events.map((e) => e.seq)).toEqual(done.events.map((_, i) => i + 1));

    // The README follows the status (it is rewritten in the background after each change).
    const readme = await waitForFileToContain(join(root, "README.md"), "- [x] Complete");
    expect(readme).toContain("Build a thing");
    expect(readme).toContain("with care");
    for (const phase of ["Design", "Build", "Test", "Review"]) expect(readme).toContain(`- [x] ${phase}`);

    // The agent is free again.
    const again = await waitFor(async () => {
      const t = (await s.ok(TaskDocument, { id: created.id })).task;
      return t?.assignedAgent ? t : undefined;
    }, "the task");
    expect(again.assignedAgent?.id).toBe(agent.id);
  }, 60_000);
});

/** Without a model configured, a builtin agent's task waits in DESIGN in its workspace. */
describe("the README of a waiting task [sqlite]", () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer("sqlite", { workers: 1 });
  });
  afterAll(() => s?.stop());

  it("names the agent working on it, and follows the agent's new name", async () => {
    const agent = (
      await s.ok(CreateAgentDocument, {
        input: { name: "first-name", kind: "BUILTIN", minComplexity: 2, maxComplexity: 2 },
      })
    ).createAgent;
    const task = (await s.ok(CreateTaskDocument, { input: { title: "Wait here", complexity: 2 } })).createTask;
    const file = join(s.config.dataDir, "workspaces", agent.id, "tasks", task.id, "README.md");
    const readmeShows = (text: string) => waitForFileToContain(file, text);
    await readmeShows("- **Agent:** first-name");
    // Renamed before anything else changed the task: the README written with the workspace follows.
    await s.ok(UpdateAgentDocument, { id: agent.id, input: { name: "second-name" } });
    await readmeShows("- **Agent:** second-name");
    // A change of the task: its README is written again (and remembered as written) …
    await s.ok(UpdateTaskDocument, { id: task.id, input: { title: "Wait here now" } });
    await readmeShows("# Wait here now");
    // … and a second rename reaches it all the same.
    await s.ok(UpdateAgentDocument, { id: agent.id, input: { name: "third-name" } });
    await readmeShows("- **Agent:** third-name");
    expect(readFileSync(file, "utf8")).toContain("- **Status:** DESIGN");
  });

  it("follows a rename after a restart, when this process has written none of its READMEs", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "agents-readme-"));
    let server = await startTestServer("sqlite", { workers: 1, dataDir, keepData: true });
    try {
      const agent = (
        await server.ok(CreateAgentDocument, {
          input: { name: "before-restart", kind: "BUILTIN", minComplexity: 3, maxComplexity: 3 },
        })
      ).createAgent;
      const task = (await server.ok(CreateTaskDocument, { input: { title: "Across a restart", complexity: 3 } }))
        .createTask;
      const file = join(dataDir, "workspaces", agent.id, "tasks", task.id, "README.md");
      const readmeShows = (text: string) => waitForFileToContain(file, text);
      await readmeShows("- **Agent:** before-restart");
      await server.stop();
      server = await startTestServer("sqlite", { workers: 1, dataDir, keepData: true });
      await server.ok(UpdateAgentDocument, { id: agent.id, input: { name: "after-restart" } });
      await readmeShows("- **Agent:** after-restart");
    } finally {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it("creates at the next start a workspace that a stopped server left CREATING, with the agent's name of then", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "agents-readme-"));
    // No workers: the task is assigned and its workspace row is CREATING, but no job makes it.
    let server = await startTestServer("sqlite", { workers: 0, dataDir, keepData: true });
    try {
      const agent = (
        await server.ok(CreateAgentDocument, {
          input: { name: "never-made", kind: "BUILTIN", minComplexity: 4, maxComplexity: 4 },
        })
      ).createAgent;
      const task = (await server.ok(CreateTaskDocument, { input: { title: "Left creating", complexity: 4 } }))
        .createTask;
      expect(task.workspace?.status).toBe("CREATING");
      await server.stop();
      // The job went with the stopped process. The new one creates the workspace at once (not after
      // the 60 s a workspace must be CREATING before the periodic sweep queues its job again) …
      server = await startTestServer("sqlite", { workers: 1, dataDir, keepData: true });
      const file = join(dataDir, "workspaces", agent.id, "tasks", task.id, "README.md");
      await waitForFileToContain(file, "- **Agent:** never-made");
      // … and a rename made meanwhile reaches its README, whether before or after it is READY.
      await server.ok(UpdateAgentDocument, { id: agent.id, input: { name: "made-at-last" } });
      await waitForFileToContain(file, "- **Agent:** made-at-last");
      const ready = async () => (await server.ok(TaskDocument, { id: task.id })).task?.workspace?.status === "READY";
      for (const until = Date.now() + 30_000; !(await ready()); await sleep(50)) {
        if (Date.now() > until) throw new Error("the workspace is not READY after 30 s");
      }
    } finally {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 90_000);
});
