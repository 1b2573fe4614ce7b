import { chmodSync, existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CommandOutputDocument,
  CommandRunDocument,
  CreateAgentDocument,
  CreateApiKeyDocument,
  CreateTaskDocument,
  RunCommandDocument,
  TaskDocument,
} from "../generated/graphql.js";
import { collect, type TestServer } from "./server.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const hasBwrap = existsSync("/usr/bin/bwrap");
export const isRoot = process.getuid?.() === 0;

/** A workspace an attacker holds: an external agent's task with a READY workspace, and that agent's key. */
export interface HostileWorkspace {
  agentId: string;
  taskId: string;
  workspaceId: string;
  root: string;
  /** An AGENT key of the agent the task is assigned to. */
  agentKey: string;
}

let made = 0;

/** Creates an agent taking only `complexity`, its AGENT key and a task it gets; waits for the workspace. */
export async function hostileWorkspace(s: TestServer, complexity: number): Promise<HostileWorkspace> {
  const name = `attacker-${process.pid}-${++made}`;
  const agent = (
    await s.ok(CreateAgentDocument, {
      input: { name, kind: "EXTERNAL", minComplexity: complexity, maxComplexity: complexity },
    })
  ).createAgent;
  const agentKey = (
    await s.ok(CreateApiKeyDocument, { input: { name: `${name}-key`, role: "AGENT", agentId: agent.id } })
  ).createApiKey.key;
  const task = (await s.ok(CreateTaskDocument, { input: { title: `work of ${name}`, complexity } })).createTask;
  for (const until = Date.now() + 60_000; Date.now() < until; await sleep(50)) {
    const t = (await s.ok(TaskDocument, { id: task.id })).task;
    if (t?.workspace?.status === "READY") {
      return { agentId: agent.id, taskId: task.id, workspaceId: t.workspace.id, root: t.workspace.path, agentKey };
    }
    if (t?.workspace?.status === "FAILED") throw new Error(`workspace failed: ${t.workspace.error}`);
  }
  throw new Error("the workspace is not READY after 60 s");
}

/** Starts `python3 -c code args…` in the workspace's sandbox, as the agent; resolves with the run's id. */
export async function startPython(
  s: TestServer,
  ws: HostileWorkspace,
  code: string,
  args: string[] = [],
  timeoutMs = 120_000,
): Promise<string> {
  const run = (
    await s.ok(
      RunCommandDocument,
      { input: { workspaceId: ws.workspaceId, program: "python3", args: ["-c", code, ...args], timeoutMs } },
      ws.agentKey,
    )
  ).runCommand;
  return run.id;
}

/** Waits for a run to end (it is bounded by its own timeout) and returns its row. */
export async function runEnded(s: TestServer, runId: string) {
  for (;;) {
    const run = (await s.ok(CommandRunDocument, { id: runId })).commandRun;
    if (run && run.status !== "RUNNING") return run;
    await sleep(50);
  }
}

/**
 * A folder only root may enter (0700), with one root-only file: what no workspace operation may
 * ever read, list, change or add to.
 */
export function hostSecretDir(): { dir: string; file: string; name: string; secret: string } {
  const dir = mkdtempSync(join(tmpdir(), "host-secret-"));
  chmodSync(dir, 0o700);
  const name = `host-only-${process.pid}.txt`;
  const secret = `HOST SECRET ${Math.random().toString(36).slice(2)}`;
  const file = join(dir, name);
  writeFileSync(file, secret, { mode: 0o600 });
  return { dir, file, name, secret };
}

/**
 * Follows a run's output until its stdout contains `text` (or, with `text` null, until the run's
 * EXIT chunk); resolves with the stdout so far. Rejects if the run ends first.
 */
export async function outputUntil(s: TestServer, runId: string, text: string | null): Promise<string> {
  const feed = collect(s.ws(), CommandOutputDocument, { runId, afterSeq: 0 });
  try {
    for (;;) {
      const chunks = feed.items.map((i) => i.commandOutput);
      const stdout = chunks
        .filter((c) => c.stream === "STDOUT")
        .map((c) => c.data)
        .join("");
      if (text !== null && stdout.includes(text)) return stdout;
      const exit = chunks.find((c) => c.stream === "EXIT");
      if (exit) {
        if (text === null) return stdout;
        const stderr = chunks
          .filter((c) => c.stream === "STDERR")
          .map((c) => c.data)
          .join("");
        throw new Error(`the run ended (${exit.data}) without printing ${JSON.stringify(text)}: ${stdout}${stderr}`);
      }
      await feed.waitFor(feed.items.length + 1, 120_000);
    }
  } finally {
    feed.stop();
  }
}
