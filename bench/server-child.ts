/**
 * The app in a process of its own, so that its memory can be measured without the clients'
 * (subscribers.ts forks this with --expose-gc). DATA_DIR comes from BENCH_DATA_DIR; the parent
 * owns and removes it. Protocol over IPC:
 *   → { type: "ready", url, wsUrl, bareUrl, adminKey }
 *   ← { id, cmd: "mem", gc?: boolean }       → { id, mem: NodeJS.MemoryUsage }
 *   ← { id, cmd: "listeners", taskId }       → { id, listeners: number }   (local subscribers of the task)
 *   ← { id, cmd: "sends", reset?: boolean }  → { id, count, first, last }  (graphql-ws "next" frames written; epoch ms)
 *   ← { id, cmd: "broadcast", data }         → { id }   (bare-ws baseline: `data` to every socket of
 *                                                        the plain WebSocketServer at bareUrl)
 *   ← { id, cmd: "profile", file? }          → { id }   (starts a CPU profile; with `file`, stops and writes it)
 *   ← { id, cmd: "stop" }                    → { id } and exit
 */
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import type { AddressInfo } from "node:net";
import { WebSocket, WebSocketServer } from "ws";
import { startApp } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import { readAdminKeyFile } from "../src/domain/auth/api-key.service.js";
import { createLogger } from "../src/logger.js";
import { withoutKeyBanner } from "./lib.js";

export type ChildRequest =
  | { id: number; cmd: "mem"; gc?: boolean }
  | { id: number; cmd: "listeners"; taskId: string }
  | { id: number; cmd: "sends"; reset?: boolean }
  | { id: number; cmd: "broadcast"; data: string }
  | { id: number; cmd: "profile"; file?: string }
  | { id: number; cmd: "stop" };

const now = () => performance.timeOrigin + performance.now();

// Counts the frames graphql-ws writes for subscription results (timestamps only; the data is untouched).
const sends = { count: 0, first: 0, last: 0 };
const originalSend = WebSocket.prototype.send;
WebSocket.prototype.send = function (this: WebSocket, data: unknown, ...rest: unknown[]) {
  if (typeof data === "string" && data.startsWith('{"id"') && data.includes('"type":"next"')) {
    const t = now();
    if (sends.count === 0) sends.first = t;
    sends.last = t;
    sends.count++;
  }
  return (originalSend as (...a: unknown[]) => void).call(this, data, ...rest);
} as typeof WebSocket.prototype.send;

const session = new Session();
const gc = (globalThis as { gc?: () => void }).gc;

async function main(): Promise<void> {
  const dataDir = process.env.BENCH_DATA_DIR;
  if (!dataDir) throw new Error("BENCH_DATA_DIR is not set");
  const config = loadConfig({ PORT: "0", HOST: "127.0.0.1", DATA_DIR: dataDir, LOG_LEVEL: "silent" });
  const app = await withoutKeyBanner(() => startApp({ config, logger: createLogger("silent"), workers: 0 }));
  const bare = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await new Promise<void>((r) => bare.once("listening", () => r()));
  const bareUrl = `ws://127.0.0.1:${(bare.address() as AddressInfo).port}`;
  const feed = app.services.tasks.feed as unknown as { hubs: Map<string, { listeners: Set<unknown> }> };

  process.on("message", (m: ChildRequest) => {
    void (async () => {
      switch (m.cmd) {
        case "mem":
          if (m.gc && gc) {
            for (let i = 0; i < 3; i++) {
              gc();
              await new Promise((r) => setTimeout(r, 50));
            }
          }
          process.send?.({ id: m.id, mem: process.memoryUsage() });
          break;
        case "listeners":
          process.send?.({ id: m.id, listeners: feed.hubs.get(m.taskId)?.listeners.size ?? 0 });
          break;
        case "sends":
          process.send?.({ id: m.id, ...sends });
          if (m.reset) Object.assign(sends, { count: 0, first: 0, last: 0 });
          break;
        case "broadcast":
          for (const c of bare.clients) c.send(m.data);
          process.send?.({ id: m.id });
          break;
        case "profile":
          if (!m.file) {
            session.connect();
            await session.post("Profiler.enable");
            await session.post("Profiler.start");
          } else {
            const { profile } = await session.post("Profiler.stop");
            writeFileSync(m.file, JSON.stringify(profile));
            session.disconnect();
          }
          process.send?.({ id: m.id });
          break;
        case "stop":
          for (const c of bare.clients) c.terminate();
          await new Promise((r) => bare.close(r));
          await app.stop();
          process.send?.({ id: m.id }, () => process.exit(0));
          break;
      }
    })();
  });
  process.on("disconnect", () => {
    void app.stop().finally(() => process.exit(0));
  });
  process.send?.({ type: "ready", url: app.url, wsUrl: app.wsUrl, bareUrl, adminKey: readAdminKeyFile(dataDir) });
}

main().catch((err: unknown) => {
  process.stderr.write(`server-child failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
