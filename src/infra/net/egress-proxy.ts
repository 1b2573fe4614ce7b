import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import { connect, type Socket } from "node:net";
import type { Duplex } from "node:stream";
import { policyDenied, type DomainError } from "../../domain/errors.js";
import { normalizeHostName } from "./address-policy.js";
import type { ConnectGuard } from "./connect-guard.js";
import { asFetchError } from "./fetch-errors.js";

/** A connection the proxy refused (POLICY_DENIED), as `onRefused` is told of it. */
export interface EgressRefusal {
  /** `host:port` asked for (CONNECT) or the URL (a plain HTTP request). */
  target: string;
  rule: string;
  /** The range refused ("loopback", "private"…) when the rule is "address". */
  range?: string;
  address?: string;
}

/** Headers that concern one hop (RFC 9110 §7.6.1) and the proxy, not the origin. */
const HOP_HEADERS = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authorization",
  "proxy-authenticate",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

const endToEnd = (headers: IncomingMessage["headers"]) =>
  Object.fromEntries(Object.entries(headers).filter(([name]) => !HOP_HEADERS.has(name)));

export interface EgressProxyOptions {
  guard: ConnectGuard;
  onRefused?: (refusal: EgressRefusal) => void;
  /** Bytes from the web through this proxy in all (tunnels counted as they pass); past it every socket is cut. */
  maxBytes: number;
  /** Refuses every request (rule "proxy"): for a browser context that is not meant to load anything. */
  refuseAll?: boolean;
}

/**
 * The only way out for Chromium: an HTTP proxy on 127.0.0.1 (port 0) that serves plain HTTP
 * requests and CONNECT tunnels by connecting through the ConnectGuard, the same checked lookup
 * every fetch uses, and refuses with 403 otherwise. Chromium resolves no name itself then: the
 * proxy does, and connects to the address it checked.
 */
export class EgressProxy {
  private readonly server: Server;
  private readonly sockets = new Set<Duplex>();
  /** The first failure per `host:port`, to tell a failed navigation's cause. */
  readonly failures = new Map<string, DomainError>();
  private bytes = 0;
  overLimit = false;

  constructor(private readonly options: EgressProxyOptions) {
    this.server = createServer((req, res) => this.forward(req, res));
    this.server.on("connect", (req: IncomingMessage, socket: Duplex, head: Buffer) => this.tunnel(req, socket, head));
    this.server.on("connection", (socket: Socket) => this.track(socket));
    this.server.on("clientError", (_err, socket: Duplex) => socket.destroy());
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(0, "127.0.0.1", () => resolve());
    });
    return (this.server.address() as { port: number }).port;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** The failure recorded for a URL's host and port (what a navigation to it ran into). */
  failureFor(url: URL): DomainError | undefined {
    const port = url.port || (url.protocol === "https:" ? "443" : "80");
    return this.failures.get(`${normalizeHostName(url.hostname)}:${port}`);
  }

  /** What the URL alone shows (scheme, credentials, localhost, a literal address), before any connection. */
  private admit(url: URL): void {
    if (this.options.refuseAll) throw policyDenied("proxy", "This browser context loads nothing", { url: url.href });
    this.options.guard.checkUrl(url);
  }

  private track(socket: Duplex): void {
    this.sockets.add(socket);
    socket.once("close", () => this.sockets.delete(socket));
    socket.on("error", () => socket.destroy()); // each user adds its own handling
  }

  private count(chunk: Buffer): void {
    this.bytes += chunk.length;
    if (this.bytes > this.options.maxBytes && !this.overLimit) {
      this.overLimit = true;
      for (const socket of this.sockets) socket.destroy();
    }
  }

  private refuse(key: string, target: string, err: unknown): { status: number; error: DomainError } {
    const error = asFetchError(err, target);
    if (!this.failures.has(key)) this.failures.set(key, error);
    if (error.code === "POLICY_DENIED") {
      const { rule, range, address } = error.details as { rule: string; range?: string; address?: string };
      this.options.onRefused?.({ target, rule, range, address });
      return { status: 403, error };
    }
    return { status: 502, error };
  }

  /** A plain http:// request: forwarded on a checked connection of its own. */
  private forward(req: IncomingMessage, res: ServerResponse): void {
    let url: URL;
    try {
      url = new URL(req.url ?? "");
      if (url.protocol !== "http:") throw new Error("not http");
    } catch {
      res.writeHead(400).end();
      return;
    }
    const key = `${normalizeHostName(url.hostname)}:${url.port || "80"}`;
    const answer = (err: unknown) => {
      if (res.destroyed) return; // the browser went away first
      const { status, error } = this.refuse(key, url.href, err);
      if (res.headersSent) res.destroy();
      else {
        const headers = { "content-type": "text/plain", connection: "close", "x-egress-refused": error.code };
        res.writeHead(status, headers).end(error.message);
      }
    };
    try {
      this.admit(url);
    } catch (err) {
      return answer(err);
    }
    const hostname = normalizeHostName(url.hostname);
    const upstream = httpRequest({
      hostname,
      port: url.port === "" ? 80 : Number(url.port),
      path: `${url.pathname}${url.search}`,
      method: req.method,
      headers: { ...endToEnd(req.headers), connection: "close" },
      agent: false,
      lookup: this.options.guard.lookupFor(url.href),
    });
    upstream.on("socket", (socket) => {
      this.track(socket);
      socket.once("connect", () => {
        try {
          this.options.guard.checkConnected(socket.remoteAddress, hostname, url.href);
        } catch (err) {
          upstream.destroy(err as Error);
        }
      });
    });
    upstream.on("error", answer);
    upstream.on("response", (upstreamRes) => {
      upstreamRes.on("error", () => res.destroy());
      upstreamRes.on("data", (chunk: Buffer) => this.count(chunk));
      res.writeHead(upstreamRes.statusCode ?? 502, endToEnd(upstreamRes.headers));
      upstreamRes.pipe(res);
    });
    res.on("close", () => upstream.destroy());
    req.pipe(upstream);
  }

  /** CONNECT host:port (https, wss): a tunnel to the checked address, or 403. */
  private tunnel(req: IncomingMessage, client: Duplex, head: Buffer): void {
    this.track(client);
    const target = req.url ?? "";
    let url: URL;
    try {
      url = new URL(`https://${target}/`);
      if (url.port === "" && !/:443$/.test(target)) throw new Error("no port");
    } catch {
      client.end("HTTP/1.1 400 Bad Request\r\n\r\n");
      return;
    }
    const hostname = normalizeHostName(url.hostname);
    const port = url.port === "" ? 443 : Number(url.port);
    const key = `${hostname}:${port}`;
    const answer = (err: unknown) => {
      const { status } = this.refuse(key, target, err);
      if (client.writable) client.end(`HTTP/1.1 ${status} ${status === 403 ? "Forbidden" : "Bad Gateway"}\r\n\r\n`);
      else client.destroy();
    };
    try {
      this.admit(url);
    } catch (err) {
      return answer(err);
    }
    const upstream = connect({ host: hostname, port, lookup: this.options.guard.lookupFor(url.href) });
    this.track(upstream);
    let connected = false;
    upstream.on("error", (err) => {
      if (connected) client.destroy();
      else answer(err);
    });
    upstream.once("connect", () => {
      connected = true;
      try {
        this.options.guard.checkConnected(upstream.remoteAddress, hostname, url.href);
      } catch (err) {
        upstream.destroy();
        return answer(err);
      }
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      if (head.length > 0) upstream.write(head);
      upstream.on("data", (chunk: Buffer) => this.count(chunk));
      upstream.pipe(client);
      client.pipe(upstream);
    });
    client.once("close", () => upstream.destroy());
    upstream.once("close", () => client.destroy());
  }
}
