import { spawn } from "node:child_process";
import { chmodSync, readdirSync, readFileSync } from "node:fs";
import { print } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readAdminKeyFile } from "../../src/domain/auth/api-key.service.js";
import {
  CommandOutputDocument,
  CommandRunDocument,
  CreateAgentDocument,
  CreateApiKeyDocument,
  CreateTaskDocument,
  RunCommandDocument,
  TaskDocument,
} from "../generated/graphql.js";
import { hasBwrap, isRoot } from "../helpers/hostile.js";
import { listening, ok, ProcessHarness, sleep, waitUntil, wsClient, type ServerProc } from "../helpers/process.js";

/** Every live process whose command line mentions `needle`, and their descendants. */
function treeMentioning(needle: string): number[] {
  const pids = readdirSync("/proc").filter((n) => /^\d+$/.test(n));
  const found = new Set<number>();
  for (const p of pids) {
    try {
      if (readFileSync(`/proc/${p}/cmdline`, "utf8").includes(needle)) found.add(Number(p));
    } catch {
      // gone
    }
  }
  for (const pid of [...found]) {
    const stack = [pid];
    while (stack.length > 0) {
      const at = stack.pop() as number;
      let children: number[] = [];
      try {
        const text = readFileSync(`/proc/${at}/task/${at}/children`, "utf8").trim();
        children = text === "" ? [] : text.split(/\s+/).map(Number);
      } catch {
        // gone
      }
      for (const c of children) if (!found.has(c)) (found.add(c), stack.push(c));
    }
  }
  return [...found];
}

const alive = (pid: number): boolean => {
  try {
    const state = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.[0];
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
};

describe.skipIf(!hasBwrap || !isRoot)("a server killed with its sandboxes running [sqlite]", () => {
  const harness = new ProcessHarness();
  let dataDir = "";

  beforeAll(async () => {
    await harness.build();
    dataDir = harness.tempDir("agents-orphans-");
    chmodSync(dataDir, 0o711);
  }, 120_000);
  afterAll(async () => {
    await harness.stopAll(0);
    harness.removeTempDirs();
  });

  const serve = async (name: string): Promise<ServerProc> =>
    listening(harness.spawn(name, ["serve"], { DATA_DIR: dataDir, WORKERS: "1" }), 60_000);

  it("leaves no sandbox running, and the restart completes the interrupted run's stream", async () => {
    let server = await serve("first");
    const admin = readAdminKeyFile(dataDir) as string;
    const agent = (await ok(server, CreateAgentDocument, { input: { name: "sleeper", kind: "EXTERNAL" } }, admin))
      .createAgent;
    const key = (
      await ok(server, CreateApiKeyDocument, { input: { name: "sleeper", role: "AGENT", agentId: agent.id } }, admin)
    ).createApiKey.key;
    const task = (await ok(server, CreateTaskDocument, { input: { title: "sleep", complexity: 5 } }, admin)).createTask;
    let workspaceId = "";
    for (const until = Date.now() + 60_000; !workspaceId && Date.now() < until; await sleep(50)) {
      const ws = (await ok(server, TaskDocument, { id: task.id }, admin)).task?.workspace;
      if (ws?.status === "READY") workspaceId = ws.id;
    }
    expect(workspaceId).not.toBe("");
    // A run that writes nothing after its first line and would go on for ten minutes.
    const token = `orphan-${process.pid}-${Date.now()}`;
    const code = `print('started', flush=True)\nimport time\ntime.sleep(600)  # ${token}`;
    const run = (
      await ok(
        server,
        RunCommandDocument,
        { input: { workspaceId, program: "python3", args: ["-c", code], timeoutMs: 600_000 } },
        key,
      )
    ).runCommand;
    const client = wsClient(server, admin);
    await new Promise<void>((resolve, reject) => {
      const stop = client.subscribe(
        { query: print(CommandOutputDocument), variables: { runId: run.id } },
        {
          next: (v) => {
            if (JSON.stringify(v.data).includes("started")) (stop(), resolve());
          },
          error: reject,
          complete: () => {},
        },
      );
    });
    await client.dispose();
    const sandbox = treeMentioning(token);
    expect(sandbox.length).toBeGreaterThan(1);
    // What a death signal cannot reach (a process that escaped it): only the restart's sweep stops it.
    const stray = spawn(
      "/usr/bin/python3",
      ["-c", "import time; time.sleep(600)", "--setenv", "AGENT_SANDBOX_RUN", run.id],
      {
        detached: true,
        stdio: "ignore",
      },
    );
    stray.unref();

    server.child.kill("SIGKILL");
    await server.exit;
    // The sandbox dies with the server: its processes are gone before anything restarts.
    await waitUntil(() => sandbox.every((pid) => !alive(pid)), "the sandbox to die with the server", 10_000);
    expect(alive(stray.pid as number)).toBe(true);

    server = await serve("second");
    expect(alive(stray.pid as number)).toBe(false);
    const ended = (await ok(server, CommandRunDocument, { id: run.id }, admin)).commandRun;
    expect(ended?.status).toBe("FAILED");
    // Its output stream replays and completes with the EXIT chunk.
    const chunks: Array<{ stream: string; data: string }> = [];
    const replay = wsClient(server, admin);
    await new Promise<void>((resolve, reject) => {
      replay.subscribe(
        { query: print(CommandOutputDocument), variables: { runId: run.id, afterSeq: 0 } },
        {
          next: (v) => chunks.push((v.data as { commandOutput: { stream: string; data: string } }).commandOutput),
          error: reject,
          complete: resolve,
        },
      );
    });
    await replay.dispose();
    expect(chunks.map((c) => c.stream)).toEqual(["STDOUT", "EXIT"]);
    expect(JSON.parse(chunks[1]?.data ?? "{}")).toMatchObject({ status: "FAILED", interrupted: true });
    const t = (await ok(server, TaskDocument, { id: task.id, first: 100 }, admin)).task;
    expect(t?.events.map((e) => e.content).some((c) => /was cut off: the service stopped while it ran/.test(c))).toBe(
      true,
    );
  }, 180_000);
});
