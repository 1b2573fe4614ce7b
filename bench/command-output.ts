/**
 * Output throughput from a sandboxed command to a graphql-ws subscriber: a program writes
 * SIZE_MB of text as fast as it can; a subscriber of commandOutput counts the bytes until the
 * EXIT chunk. Baseline in the same run: the same program spawned bare, its stdout read by this
 * process (the pipe's own throughput).
 */
import { spawn } from "node:child_process";
import { chmodSync } from "node:fs";
import { createClient } from "graphql-ws";
import WebSocket from "ws";
import { startApp } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import { createLogger } from "../src/logger.js";
import { loadAverage, removeDir, sleep, tempDir, withoutKeyBanner, type Bench, type BenchResult } from "./lib.js";

const SIZE_MB = 64;
const ROUNDS = 3;
const PROGRAM = [
  "-c",
  `import sys\nline = ("x" * 1023 + "\\n").encode()\nblock = line * 1024\nfor _ in range(${SIZE_MB}):\n    sys.stdout.buffer.write(block)\n`,
];
const ADMIN = `bench-admin-${"k".repeat(40)}`;

async function gql<T>(url: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const res = await fetch(`${url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${ADMIN}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: T; errors?: unknown };
  if (!body.data) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

function bare(): Promise<{ bytes: number; ms: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    let bytes = 0;
    const child = spawn("/usr/bin/python3", PROGRAM, { stdio: ["ignore", "pipe", "inherit"] });
    child.stdout.on("data", (c: Buffer) => (bytes += c.length));
    child.once("error", reject);
    child.once("close", () => resolve({ bytes, ms: performance.now() - t0 }));
  });
}

export const commandOutputBench: Bench = {
  name: "command-output",
  description: `${SIZE_MB} MB from a sandboxed command to a graphql-ws commandOutput subscriber, vs a bare pipe`,
  async run(): Promise<BenchResult> {
    const result: BenchResult = { figures: [], targets: [], notes: [] };
    const load0 = loadAverage();
    const dataDir = tempDir("cmd-out");
    chmodSync(dataDir, 0o755);
    const config = loadConfig({
      PORT: "0",
      DATA_DIR: dataDir,
      LOG_LEVEL: "silent",
      ADMIN_API_KEY: ADMIN,
      COMMAND_OUTPUT_LIMIT_BYTES: String((SIZE_MB + 8) * 1024 * 1024),
      COMMAND_TIMEOUT_MS: "120000",
    });
    const app = await withoutKeyBanner(() => startApp({ config, logger: createLogger("silent"), workers: 1 }));
    try {
      await gql(
        app.url,
        'mutation { createAgent(input: { name: "bench", minComplexity: 1, maxComplexity: 10 }) { id } }',
      );
      const task = await gql<{ createTask: { id: string } }>(
        app.url,
        'mutation { createTask(input: { title: "output bench", complexity: 3 }) { id } }',
      );
      let workspaceId = "";
      for (let i = 0; i < 200 && !workspaceId; i++) {
        const t = await gql<{ task: { workspace: { id: string; status: string } | null } }>(
          app.url,
          "query($id: ID!) { task(id: $id) { workspace { id status } } }",
          { id: task.createTask.id },
        );
        if (t.task.workspace?.status === "READY") workspaceId = t.task.workspace.id;
        else await sleep(50);
      }
      if (!workspaceId) throw new Error("the workspace did not become READY");

      const client = createClient({
        url: app.wsUrl,
        webSocketImpl: WebSocket,
        connectionParams: { authorization: `Bearer ${ADMIN}` },
      });
      const rates: number[] = [];
      const bareRates: number[] = [];
      for (let r = 0; r < ROUNDS; r++) {
        const b = await bare();
        bareRates.push(b.bytes / 1048576 / (b.ms / 1000));

        const t0 = performance.now();
        const run = await gql<{ runCommand: { id: string } }>(
          app.url,
          "mutation($input: RunCommandInput!) { runCommand(input: $input) { id } }",
          { input: { workspaceId, program: "python3", args: PROGRAM, timeoutMs: 120_000 } },
        );
        let bytes = 0;
        let chunks = 0;
        let exit = "";
        await new Promise<void>((resolve, reject) => {
          const stop = client.subscribe<{ commandOutput: { stream: string; data: string } }>(
            {
              query: "subscription($runId: ID!) { commandOutput(runId: $runId) { stream data } }",
              variables: { runId: run.runCommand.id },
            },
            {
              next: (v) => {
                const c = v.data?.commandOutput;
                if (!c) return;
                chunks++;
                if (c.stream === "EXIT") {
                  exit = c.data;
                  stop();
                  resolve();
                } else bytes += Buffer.byteLength(c.data);
              },
              error: reject,
              complete: () => resolve(),
            },
          );
        });
        const seconds = (performance.now() - t0) / 1000;
        rates.push(bytes / 1048576 / seconds);
        result.notes.push(
          `round ${r + 1}: ${(bytes / 1048576).toFixed(1)} MB in ${chunks} chunks, ${seconds.toFixed(2)} s (mutation to EXIT chunk); exit ${exit}; bare pipe ${(b.ms / 1000).toFixed(2)} s`,
        );
      }
      await client.dispose();
      const best = Math.max(...rates);
      const worst = Math.min(...rates);
      result.figures.push({
        name: "command → subscriber throughput (worst / best)",
        value: `${worst.toFixed(1)} / ${best.toFixed(1)} MB/s`,
        baseline: `${Math.min(...bareRates).toFixed(0)} / ${Math.max(...bareRates).toFixed(0)} MB/s`,
        note: "baseline: the same program, bare spawn, stdout read by this process",
      });
      result.targets.push({
        name: "output throughput to a graphql-ws subscriber (worst round)",
        measured: `${worst.toFixed(1)} MB/s`,
        target: "≥ 20 MB/s",
        pass: worst >= 20,
      });
      result.notes.push(
        `load average (1 min) at start ${load0.toFixed(1)}, at end ${loadAverage().toFixed(1)} on this host`,
      );
    } finally {
      await app.stop();
      removeDir(dataDir);
    }
    return result;
  },
};
