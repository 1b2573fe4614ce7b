/**
 * A git server for tests: node's http server on 127.0.0.1 running git's own smart-HTTP server
 * (`git http-backend`, the CGI program behind GitHub-like hosting) for the bare repositories under
 * one folder. Every request must carry HTTP Basic credentials whose password is the server's
 * token (401 with a Basic challenge otherwise), the way GitHub wants a token over HTTPS.
 */
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

const HTTP_BACKEND = "/usr/lib/git-core/git-http-backend";

export interface GitRequest {
  method: string;
  path: string;
  /** The Basic username sent, null without credentials. */
  user: string | null;
  /** Whether the password was the token. */
  authorised: boolean;
  status: number;
}

export interface GitHttpServer {
  /** http://127.0.0.1:<port> */
  origin: string;
  /** The folder holding the bare repositories (<root>/<owner>/<name>.git). */
  root: string;
  token: string;
  requests: GitRequest[];
  /** A bare repository <owner>/<name>.git with one commit of `files` on `branch`; returns its path. */
  createRepo(fullName: string, files: Record<string, string | Buffer>, branch?: string): string;
  /** The clone URL of owner/name. */
  url(fullName: string): string;
  /** `git` run on the server's copy of a repository (to check what a push delivered). */
  git(fullName: string, ...args: string[]): string;
  /** Adds a commit of `files` to `branch` on the server (someone else pushed); returns its sha. */
  addCommit(fullName: string, branch: string, files: Record<string, string>): string;
  /**
   * Holds the next authorised request whose path matches: `reached` resolves when it arrives (git
   * is then running, signed in, waiting for the answer); the request goes on at `release()`.
   */
  hold(path: RegExp): { reached: Promise<void>; release(): void };
  close(): Promise<void>;
}

/** An environment for the server's own git: no user or system configuration. */
function serverEnv(home: string): NodeJS.ProcessEnv {
  return {
    PATH: "/usr/bin:/bin",
    HOME: home,
    LANG: "C",
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_AUTHOR_NAME: "Seeder",
    GIT_AUTHOR_EMAIL: "seeder@example.test",
    GIT_COMMITTER_NAME: "Seeder",
    GIT_COMMITTER_EMAIL: "seeder@example.test",
  };
}

function basicAuth(req: IncomingMessage): { user: string; password: string } | null {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)$/.exec(req.headers.authorization ?? "");
  if (!m) return null;
  const text = Buffer.from(m[1] as string, "base64").toString("utf8");
  const at = text.indexOf(":");
  return at < 0 ? null : { user: text.slice(0, at), password: text.slice(at + 1) };
}

/** Runs git-http-backend as CGI for one request and relays its answer. */
function cgi(req: IncomingMessage, res: ServerResponse, root: string, home: string, user: string): Promise<number> {
  const url = new URL(req.url ?? "/", "http://localhost");
  const env: NodeJS.ProcessEnv = {
    ...serverEnv(home),
    GIT_PROJECT_ROOT: root,
    GIT_HTTP_EXPORT_ALL: "1",
    PATH_INFO: decodeURIComponent(url.pathname),
    QUERY_STRING: url.search.replace(/^\?/, ""),
    REQUEST_METHOD: req.method ?? "GET",
    CONTENT_TYPE: req.headers["content-type"] ?? "",
    REMOTE_USER: user,
    REMOTE_ADDR: req.socket.remoteAddress ?? "127.0.0.1",
    SERVER_PROTOCOL: "HTTP/1.1",
    GATEWAY_INTERFACE: "CGI/1.1",
  };
  if (req.headers["content-encoding"]) env.HTTP_CONTENT_ENCODING = String(req.headers["content-encoding"]);
  if (req.headers["git-protocol"]) env.GIT_PROTOCOL = String(req.headers["git-protocol"]);
  if (req.headers["content-length"]) env.CONTENT_LENGTH = String(req.headers["content-length"]);
  return new Promise((resolve) => {
    const child = spawn(HTTP_BACKEND, [], { env, stdio: ["pipe", "pipe", "pipe"] });
    req.pipe(child.stdin);
    child.stdin.on("error", () => undefined);
    let head = Buffer.alloc(0);
    let status = 200;
    let started = false;
    child.stdout.on("data", (chunk: Buffer) => {
      if (started) {
        res.write(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf("\r\n\r\n");
      if (end < 0) return;
      started = true;
      for (const line of head.subarray(0, end).toString("latin1").split("\r\n")) {
        const colon = line.indexOf(":");
        if (colon < 0) continue;
        const name = line.slice(0, colon).trim();
        const value = line.slice(colon + 1).trim();
        if (name.toLowerCase() === "status") status = Number.parseInt(value, 10);
        else res.setHeader(name, value);
      }
      res.statusCode = status;
      res.write(head.subarray(end + 4));
    });
    child.stderr.on("data", () => undefined);
    child.on("close", () => {
      if (!started) {
        res.statusCode = 500;
        status = 500;
      }
      res.end();
      resolve(status);
    });
  });
}

export async function startGitHttpServer(token: string): Promise<GitHttpServer> {
  const base = mkdtempSync(join(tmpdir(), "git-http-"));
  const root = join(base, "repos");
  const home = join(base, "home");
  mkdirSync(root, { recursive: true });
  mkdirSync(home, { recursive: true });
  const requests: GitRequest[] = [];
  const holds: Array<{ path: RegExp; arrived: () => void; gate: Promise<void> }> = [];

  const server: Server = createServer((req, res) => {
    const auth = basicAuth(req);
    const entry: GitRequest = {
      method: req.method ?? "GET",
      path: req.url ?? "/",
      user: auth?.user ?? null,
      authorised: auth !== null && auth.password === token,
      status: 401,
    };
    requests.push(entry);
    if (!entry.authorised) {
      req.resume();
      res.writeHead(401, { "WWW-Authenticate": 'Basic realm="git"', "Content-Type": "text/plain" });
      res.end("authentication required\n");
      return;
    }
    const held = holds.findIndex((h) => h.path.test(entry.path));
    const gate = held >= 0 ? holds.splice(held, 1)[0] : undefined;
    gate?.arrived();
    void (gate?.gate ?? Promise.resolve())
      .then(() => cgi(req, res, root, home, auth?.user ?? "user"))
      .then((status) => (entry.status = status));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const gitIn = (dir: string, ...args: string[]) =>
    execFileSync("git", args, { cwd: dir, env: serverEnv(home), maxBuffer: 256 * 1024 * 1024 }).toString("utf8");

  return {
    origin,
    root,
    token,
    requests,
    createRepo(fullName, files, branch = "main") {
      const bare = join(root, `${fullName}.git`);
      const work = mkdtempSync(join(tmpdir(), "git-seed-"));
      try {
        gitIn(work, "init", "-q", "--template=", "-b", branch, ".");
        for (const [path, content] of Object.entries(files)) {
          mkdirSync(dirname(join(work, path)), { recursive: true });
          writeFileSync(join(work, path), content);
        }
        gitIn(work, "add", "-A");
        gitIn(work, "commit", "-q", "-m", "seed");
        mkdirSync(dirname(bare), { recursive: true });
        gitIn(root, "clone", "-q", "--bare", "--template=", work, bare);
        gitIn(bare, "config", "http.receivepack", "true");
        gitIn(bare, "remote", "remove", "origin");
      } finally {
        rmSync(work, { recursive: true, force: true });
      }
      return bare;
    },
    url: (fullName) => `${origin}/${fullName}.git`,
    git: (fullName, ...args) => gitIn(join(root, `${fullName}.git`), ...args),
    addCommit(fullName, branch, files) {
      const work = mkdtempSync(join(tmpdir(), "git-other-"));
      try {
        gitIn(work, "clone", "-q", "--template=", "--branch", branch, join(root, `${fullName}.git`), ".");
        for (const [path, content] of Object.entries(files)) {
          mkdirSync(dirname(join(work, path)), { recursive: true });
          writeFileSync(join(work, path), content);
        }
        gitIn(work, "add", "-A");
        gitIn(work, "commit", "-q", "-m", "someone else's change");
        gitIn(work, "push", "-q", "origin", branch);
        return gitIn(work, "rev-parse", "HEAD").trim();
      } finally {
        rmSync(work, { recursive: true, force: true });
      }
    },
    hold(path) {
      let arrived: () => void = () => undefined;
      let release: () => void = () => undefined;
      const reached = new Promise<void>((r) => (arrived = r));
      const gate = new Promise<void>((r) => (release = r));
      holds.push({ path, arrived, gate });
      return { reached, release };
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(base, { recursive: true, force: true });
    },
  };
}
