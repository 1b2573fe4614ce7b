/**
 * An OpenAI-compatible chat-completions server for the runtime benchmarks: it answers every
 * request after `delayMs` with the tool calls `plan` gives for the conversation so far (the
 * number of assistant turns in it), streamed in the recorded OpenRouter shape
 * (tests/helpers/model-turns.ts). Many tasks can talk to it at once: the answer depends only on
 * the request.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { callTurn, type Call } from "../tests/helpers/model-turns.js";

export interface ModelServer {
  url: string;
  requests: number;
  /** Requests that arrived and wait for the gate (when one is closed). */
  waiting: number;
  /** Holds every answer until `open()` (the answer's delay counts from then). */
  closeGate(): void;
  open(): void;
  close(): Promise<void>;
}

export async function startModelServer(
  plan: (turn: number, body: Record<string, unknown>) => Call[],
  delayMs: number,
): Promise<ModelServer> {
  const state = { requests: 0 };
  let gate: Promise<void> | null = null;
  let openGate: () => void = () => {};
  let waiting = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      state.requests++;
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>;
      const messages = (body.messages ?? []) as Array<{ role: string }>;
      const turn = messages.filter((m) => m.role === "assistant").length;
      const answer = callTurn(plan(turn, body), { delayMs: 0 });
      const reply = () =>
        setTimeout(() => {
          if (answer.type !== "sse") return res.end();
          res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
          res.end(answer.frames.map((f) => `${f}\n\n`).join(""));
        }, delayMs);
      if (gate) {
        waiting++;
        void gate.then(() => {
          waiting--;
          reply();
        });
      } else reply();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/v1`,
    get requests() {
      return state.requests;
    },
    get waiting() {
      return waiting;
    },
    closeGate() {
      gate ??= new Promise<void>((r) => (openGate = r));
    },
    open() {
      gate = null;
      openGate();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
