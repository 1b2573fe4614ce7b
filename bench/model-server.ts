/**
 * An OpenAI-compatible chat-completions server for the runtime benchmarks, in a child process
 * of its own (a model server is remote in real use: its work must not count as the runtime's).
 * It answers every request after `delayMs` with the tool calls its plan gives for the
 * conversation so far (the number of assistant turns in it), streamed in the recorded
 * OpenRouter shape (tests/helpers/model-turns.ts). Many tasks can talk to it at once: the
 * answer depends only on the request. A gate can hold every answer until it is opened.
 */
import { fork } from "node:child_process";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { callTurn, type Call } from "../tests/helpers/model-turns.js";
import { track } from "./lib.js";

/** The plans the benchmarks use, by name (a function cannot cross the process boundary). */
export type Plan = { name: "writes"; steps: number } | { name: "phases" };

function callsFor(plan: Plan, turn: number): Call[] {
  if (plan.name === "writes") {
    return turn < plan.steps
      ? [["writeFile", { path: `notes/step-${turn}.txt`, content: `step ${turn}\n` }]]
      : [["fail_task", { reason: "benchmark over" }]];
  }
  const phases: Call[] = [
    ["set_phase", { phase: "BUILD" }],
    ["set_phase", { phase: "TEST" }],
    ["set_phase", { phase: "REVIEW" }],
    ["complete_task", { summary: "done" }],
  ];
  return [phases[Math.min(turn, phases.length - 1)]!];
}

export interface ModelServer {
  url: string;
  /** Requests received so far. */
  requests(): Promise<number>;
  /** Requests waiting for the gate. */
  waiting(): Promise<number>;
  /** CPU time the server's process has used so far (ms). */
  cpuMs(): Promise<number>;
  /** Holds every answer until `open()` (the answer's delay counts from then). */
  closeGate(): Promise<void>;
  open(): Promise<void>;
  close(): Promise<void>;
}

type Command = { cmd: "requests" | "waiting" | "cpuMs" | "closeGate" | "open" | "close"; id: number };

export async function startModelServer(plan: Plan, delayMs: number): Promise<ModelServer> {
  const child = track(
    fork(fileURLToPath(import.meta.url), ["--child"], { execArgv: process.execArgv, stdio: "inherit" }),
  );
  let next = 0;
  const pending = new Map<number, (v: unknown) => void>();
  const url = await new Promise<string>((resolve, reject) => {
    child.once("error", reject);
    child.on("message", (m: { url?: string; id?: number; value?: unknown }) => {
      if (m.url) resolve(m.url);
      else if (m.id !== undefined) pending.get(m.id)?.(m.value);
    });
    child.send({ plan, delayMs });
  });
  const ask = <T>(cmd: Command["cmd"]) =>
    new Promise<T>((resolve) => {
      const id = ++next;
      pending.set(id, (v) => {
        pending.delete(id);
        resolve(v as T);
      });
      child.send({ cmd, id });
    });
  return {
    url,
    requests: () => ask<number>("requests"),
    waiting: () => ask<number>("waiting"),
    cpuMs: () => ask<number>("cpuMs"),
    closeGate: () => ask<void>("closeGate"),
    open: () => ask<void>("open"),
    async close() {
      await ask<void>("close");
      child.disconnect();
    },
  };
}

/** The child: the server itself. */
function serve(plan: Plan, delayMs: number): void {
  let requests = 0;
  let waiting = 0;
  let gate: Promise<void> | null = null;
  let openGate: () => void = () => {};
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      requests++;
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { messages?: Array<{ role: string }> };
      const turn = (body.messages ?? []).filter((m) => m.role === "assistant").length;
      const answer = callTurn(callsFor(plan, turn), { delayMs: 0 });
      const reply = () =>
        setTimeout(() => {
          if (answer.type !== "sse") return res.end();
          res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
          res.end(answer.frames.map((f) => `${f}\n\n`).join(""));
        }, delayMs);
      if (!gate) return void reply();
      waiting++;
      void gate.then(() => {
        waiting--;
        reply();
      });
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, "127.0.0.1", () => {
    const { port } = server.address() as AddressInfo;
    process.send?.({ url: `http://127.0.0.1:${port}/api/v1` });
  });
  process.on("message", (m: Command) => {
    const done = (value?: unknown) => process.send?.({ id: m.id, value });
    switch (m.cmd) {
      case "requests":
        return done(requests);
      case "waiting":
        return done(waiting);
      case "cpuMs": {
        const u = process.cpuUsage();
        return done((u.user + u.system) / 1000);
      }
      case "closeGate":
        gate ??= new Promise<void>((r) => (openGate = r));
        return done();
      case "open":
        gate = null;
        openGate();
        return done();
      case "close":
        server.closeAllConnections();
        server.close(() => {
          done();
          setTimeout(() => process.exit(0), 10);
        });
    }
  });
}

if (process.argv.includes("--child")) {
  process.once("message", (m: { plan: Plan; delayMs: number }) => serve(m.plan, m.delayMs));
}
