import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createTlsServer } from "node:https";
import type { Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { loadConfig, type FetchConfig } from "../../../src/config.js";

/** One request as the server saw it: when it arrived and when its answer was handed to the kernel. */
export interface Hit {
  method: string;
  path: string;
  host: string;
  headers: IncomingMessage["headers"];
  body: string;
  arrivedAt: number;
  finishedAt?: number;
  /** Settles when the connection of this request is closed (by either side). */
  closed: Promise<void>;
}

export type Handler = (req: IncomingMessage, res: ServerResponse, hit: Hit) => void;

export interface LocalWeb {
  port: number;
  /** http://<host>:<port> */
  origin: string;
  hits: Hit[];
  /** TCP connections accepted (a refused fetch makes none). */
  connections: number;
  close(): Promise<void>;
}

/** A web server on a loopback address (127.0.0.1 unless told), port 0, recording every request. */
export async function startWeb(handler: Handler, options: { host?: string; tls?: SelfSigned } = {}): Promise<LocalWeb> {
  const host = options.host ?? "127.0.0.1";
  const sockets = new Set<Socket>();
  const web: LocalWeb = { port: 0, origin: "", hits: [], connections: 0, close: async () => undefined };
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const hit: Hit = {
        method: req.method ?? "",
        path: req.url ?? "",
        host: req.headers.host ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
        arrivedAt: performance.now(),
        closed: new Promise<void>((resolve) => res.once("close", () => resolve())),
      };
      web.hits.push(hit);
      res.on("finish", () => (hit.finishedAt = performance.now()));
      handler(req, res, hit);
    });
  };
  const server: Server = options.tls
    ? createTlsServer({ key: options.tls.key, cert: options.tls.cert }, onRequest)
    : createServer(onRequest);
  server.on("connection", (socket: Socket) => {
    web.connections += 1;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  web.port = (server.address() as { port: number }).port;
  web.origin = `${options.tls ? "https" : "http"}://${host}:${web.port}`;
  web.close = async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return web;
}

export interface SelfSigned {
  key: Buffer;
  cert: Buffer;
}

/** A throwaway self-signed certificate for 127.0.0.1 (openssl). */
export function selfSigned(): SelfSigned {
  const dir = mkdtempSync(join(tmpdir(), "self-signed-"));
  try {
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=127.0.0.1",
        "-addext",
        "subjectAltName=IP:127.0.0.1",
        "-keyout",
        join(dir, "key.pem"),
        "-out",
        join(dir, "cert.pem"),
      ],
      { stdio: "ignore" },
    );
    return { key: readFileSync(join(dir, "key.pem")), cert: readFileSync(join(dir, "cert.pem")) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The fetcher's configuration as the environment gives it (defaults: 127.0.0.1 allowed, no host delay). */
export const fetchConfig = (env: Record<string, string> = {}): FetchConfig =>
  loadConfig({
    FETCH_ALLOW: "127.0.0.1",
    FETCH_HOST_DELAY_MS: "0",
    FETCH_CONTACT_URL: "https://agents.example/contact",
    ...env,
  }).fetch;

/** What a rejected promise rejected with (the test fails if it fulfils). */
export async function rejection(
  promise: Promise<unknown>,
): Promise<{ code?: string; details?: Record<string, unknown> }> {
  try {
    await promise;
  } catch (err) {
    return err as { code?: string; details?: Record<string, unknown> };
  }
  throw new Error("expected a rejection, got an answer");
}
