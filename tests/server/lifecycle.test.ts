/**
 * Process-level tests: the compiled server is started as a child process (`node dist/main.js
 * serve`), talked to over HTTP and WebSocket, and stopped with signals, as an operator would.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { print, type GraphQLFormattedError } from "graphql";
import { createClient, type Client } from "graphql-ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import {
  AgentDocument,
  CreateAgentDocument,
  CreateTaskDocument,
  MeDocument,
  TaskDocument,
  TaskEventsDocument,
  TasksDocument,
} from "../generated/graphql.js";
import { createTestDatabase } from "../helpers/pg.js";
import { describeProfiles, type ProfileName } from "../helpers/profiles.js";

const root = join(import.meta.dirname, "..", "..");
const execFileAsync = promisify(execFile);

/**
 * The build goes to a private directory (not ./dist, which other test runs and people use):
 * a package.json marks it as ESM and a link to ./node_modules resolves the dependencies.
 */
let buildDir: string;
const children = new Set<ChildProcess>();
const tempDirs: string[] = [];

beforeAll(async () => {
  buildDir = mkdtempSync(join(tmpdir(), "agents-build-"));
  tempDirs.push(buildDir);
  await execFileAsync(
    join(root, "node_modules", ".bin", "tsc"),
    ["-p", "tsconfig.build.json", "--outDir", join(buildDir, "dist"), "--sourceMap", "false"],
    { cwd: root },
  );
  writeFileSync(join(buildDir, "package.json"), JSON.stringify({ type: "module" }));
  symlinkSync(join(root, "node_modules"), join(buildDir, "node_modules"), "dir");
}, 60_000);

afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
});

function tempDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.push(d);
  return d;
}

async function waitUntil(cond: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(t)),
    new Promise<never>((_, reject) => {
      t = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
    }),
  ]);
}

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

interface Proc {
  child: ChildProcess;
  pid: number;
  stdout(): string;
  stderr(): string;
  /** Parsed JSON log lines from stdout. */
  logs(): Array<Record<string, unknown>>;
  exit: Promise<Exit>;
}

interface ServerProc extends Proc {
  /** http://127.0.0.1:<port> */
  url: string;
  wsUrl: string;
  /** SIGTERM, then the exit (fails after 10 s). */
  terminate(): Promise<Exit>;
}

/** The environment is built from scratch so the test runner's own settings never leak in. */
function spawnServer(env: Record<string, string>): Proc {
  const child = spawn(process.execPath, [join(buildDir, "dist", "main.js"), "serve"], {
    cwd: buildDir,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOST: "127.0.0.1", PORT: "0", LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.add(child);
  let out = "";
  let err = "";
  child.stdout!.setEncoding("utf8").on("data", (c: string) => (out += c));
  child.stderr!.setEncoding("utf8").on("data", (c: string) => (err += c));
  const exit = new Promise<Exit>((resolve) => child.once("close", (code, signal) => resolve({ code, signal })));
  return {
    child,
    pid: child.pid!,
    stdout: () => out,
    stderr: () => err,
    logs: () =>
      out
        .split("\n")
        .filter((l) => l.startsWith("{"))
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    exit,
  };
}

async function startServer(env: Record<string, string>): Promise<ServerProc> {
  const p = spawnServer(env);
  let exited: Exit | undefined;
  void p.exit.then((e) => (exited = e));
  const listening = () => p.logs().find((l) => l.msg === "listening");
  try {
    await waitUntil(() => listening() !== undefined || exited !== undefined, "the server to listen", 20_000);
  } catch (err) {
    p.child.kill("SIGKILL");
    throw new Error(`${(err as Error).message}\nstdout:\n${p.stdout()}\nstderr:\n${p.stderr()}`);
  }
  if (exited) throw new Error(`server exited (${JSON.stringify(exited)}):\n${p.stdout()}\n${p.stderr()}`);
  const url = new URL(String(listening()!.url)).origin;
  return {
    ...p,
    url,
    wsUrl: `${url.replace(/^http/, "ws")}/graphql`,
    terminate() {
      p.child.kill("SIGTERM");
      return within(p.exit, 10_000, "shutdown after SIGTERM");
    },
  };
}

interface GqlResult<R> {
  status: number;
  data?: R | null;
  errors?: GraphQLFormattedError[];
}

async function gql<R, V>(
  s: { url: string },
  doc: TypedDocumentNode<R, V>,
  variables: V,
  key: string | null,
): Promise<GqlResult<R>> {
  const res = await fetch(`${s.url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify({ query: print(doc), variables }),
  });
  return { status: res.status, ...((await res.json()) as Omit<GqlResult<R>, "status">) };
}

async function ok<R, V>(s: { url: string }, doc: TypedDocumentNode<R, V>, variables: V, key: string): Promise<R> {
  const r = await gql(s, doc, variables, key);
  if (r.errors?.length || !r.data) throw new Error(`GraphQL errors (${r.status}): ${JSON.stringify(r.errors)}`);
  return r.data;
}

function wsClient(s: { wsUrl: string }, key: string, onClosed?: (code: number) => void): Client {
  return createClient({
    url: s.wsUrl,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: true,
    connectionParams: { authorization: `Bearer ${key}` },
    on: { closed: (e) => onClosed?.((e as { code: number }).code) },
  });
}

/** A fresh store: an empty DATA_DIR and, for PostgreSQL, an empty database. */
async function newStore(profile: ProfileName): Promise<{ dataDir: string; env: Record<string, string> }> {
  const dataDir = tempDir("agents-data-");
  const env: Record<string, string> = { DATA_DIR: dataDir };
  if (profile === "postgres") {
    const db = await createTestDatabase();
    env.DATABASE_URL = db.url;
    dropDbs.push(db.drop);
  }
  return { dataDir, env };
}
const dropDbs: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const drop of dropDbs) await drop();
});

describeProfiles("server process", (profile) => {
  it("starts on an empty DATA_DIR: health, readiness, local GraphiQL, a 0600 admin key", async () => {
    const { dataDir, env } = await newStore(profile);
    const s = await startServer(env);
    try {
      const health = await fetch(`${s.url}/healthz`);
      expect(health.status).toBe(200);
      const ready = await fetch(`${s.url}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({ checks: { database: "ok", migrations: "applied" } });

      const home = await fetch(`${s.url}/`, { redirect: "manual" });
      expect(home.status).toBe(302);
      expect(home.headers.get("location")).toBe("/graphiql");

      const page = await fetch(`${s.url}/graphiql`);
      expect(page.status).toBe(200);
      expect(page.headers.get("content-type")).toMatch(/^text\/html/);
      const html = await page.text();
      const refs = [...html.matchAll(/<(?:script|link)\b[^>]*?\b(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
      expect(refs.length).toBeGreaterThanOrEqual(2);
      expect(html).not.toMatch(/<(?:script|link)\b[^>]*?\b(?:src|href)="(?:https?:)?\/\//);
      for (const ref of refs.filter((r) => !r.startsWith("data:"))) {
        expect(ref).toMatch(/^\/graphiql\/assets\//);
        const asset = await fetch(`${s.url}${ref}`);
        expect(asset.status, ref).toBe(200);
        expect((await asset.arrayBuffer()).byteLength, ref).toBeGreaterThan(0);
      }

      const keyFile = join(dataDir, "admin.key");
      expect(existsSync(keyFile)).toBe(true);
      expect(statSync(keyFile).mode & 0o777).toBe(0o600);
      const key = readFileSync(keyFile, "utf8").trim();
      expect((await ok(s, MeDocument, {}, key)).me.role).toBe("ADMIN");
    } finally {
      expect(await s.terminate()).toEqual({ code: 0, signal: null });
    }
  });

  it("keeps its data across SIGTERM and restart, without a new admin key or re-applied migrations", async () => {
    const { dataDir, env } = await newStore(profile);
    const first = await startServer(env);
    const keyFile = join(dataDir, "admin.key");
    const key = readFileSync(keyFile, "utf8").trim();
    const keyMtime = statSync(keyFile).mtimeMs;
    expect(first.logs().some((l) => l.msg === "migrations applied")).toBe(true);
    expect(first.stderr()).toContain("Admin API key");

    const agent = (await ok(first, CreateAgentDocument, { input: { name: "survivor", maxComplexity: 5 } }, key))
      .createAgent;
    const task = (await ok(first, CreateTaskDocument, { input: { title: "outlive a restart", complexity: 2 } }, key))
      .createTask;
    expect(await first.terminate()).toEqual({ code: 0, signal: null });
    expect(first.logs().some((l) => l.msg === "stopped")).toBe(true);

    const second = await startServer(env);
    try {
      expect(second.logs().some((l) => l.msg === "migrations applied")).toBe(false);
      expect(second.logs().some((l) => l.msg === "created the bootstrap admin API key")).toBe(false);
      expect(second.stderr()).not.toContain("Admin API key");
      expect(readFileSync(keyFile, "utf8").trim()).toBe(key);
      expect(statSync(keyFile).mtimeMs).toBe(keyMtime);

      const a = (await ok(second, AgentDocument, { id: agent.id }, key)).agent;
      expect(a).toMatchObject({ id: agent.id, name: "survivor", maxComplexity: 5, createdAt: agent.createdAt });
      const t = (await ok(second, TaskDocument, { id: task.id }, key)).task;
      expect(t).toMatchObject({ id: task.id, title: "outlive a restart", complexity: 2, createdAt: task.createdAt });
      expect(t!.events.length).toBeGreaterThanOrEqual(1);
      expect((await ok(second, TasksDocument, {}, key)).tasks.totalCount).toBe(1);
      const ready = await fetch(`${second.url}/readyz`);
      expect(await ready.json()).toMatchObject({ checks: { database: "ok", migrations: "applied" } });
    } finally {
      expect(await second.terminate()).toEqual({ code: 0, signal: null });
    }
  });
});

describe("server process [sqlite]", () => {
  it("on SIGTERM closes WebSockets with 1001, finishes the in-flight HTTP request, and exits 0", async () => {
    const { dataDir, env } = await newStore("sqlite");
    const s = await startServer(env);
    const key = readFileSync(join(dataDir, "admin.key"), "utf8").trim();
    const task = (await ok(s, CreateTaskDocument, { input: { title: "watched", complexity: 1 } }, key)).createTask;

    // A live subscription …
    let closeCode: number | undefined;
    const client = wsClient(s, key, (code) => (closeCode = code));
    const events: unknown[] = [];
    let subError: unknown;
    client.subscribe(
      { query: print(TaskEventsDocument), variables: { taskId: task.id, afterSeq: 0 } },
      { next: (v) => events.push(v), error: (e) => (subError = e), complete: () => {} },
    );
    await waitUntil(() => events.length >= 1, "the replayed event");

    // … and an HTTP request the server has started (headers read) but whose body is still coming.
    const body = JSON.stringify({ query: print(MeDocument) });
    const req = request(`${s.url}/graphql`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "content-length": Buffer.byteLength(body),
        authorization: `Bearer ${key}`,
        expect: "100-continue",
      },
    });
    const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
      req.on("response", (res) => {
        let text = "";
        res.setEncoding("utf8").on("data", (c: string) => (text += c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
        res.on("error", reject);
      });
      req.on("error", reject);
    });
    const continued = new Promise<void>((r) => req.once("continue", () => r()));
    req.flushHeaders();
    await within(continued, 5_000, "100 Continue"); // the server has emitted "request": it is in flight

    s.child.kill("SIGTERM");
    await waitUntil(() => closeCode !== undefined, "the WebSocket to close");
    expect(closeCode).toBe(1001);
    expect(subError).toBeDefined();

    req.end(body);
    const res = await within(response, 5_000, "the in-flight response");
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ data: { me: { role: "ADMIN" } } });

    expect(await within(s.exit, 10_000, "exit after SIGTERM")).toEqual({ code: 0, signal: null });
    expect(s.logs().some((l) => l.msg === "stopped")).toBe(true);
    await client.dispose();
  });

  it.concurrent.for<[string, string]>([
    ["PORT", "abc"],
    ["PORT", "70000"],
    ["LOG_LEVEL", "loud"],
    ["DATABASE_URL", "mysql://admin:hunter2-secret@db.example/x"],
    ["ADMIN_API_KEY", "tooShortSecretValue"],
  ])("refuses %s=%s with exit code 2 and one line naming the variable", async ([variable, value], { expect }) => {
    const p = spawnServer({ DATA_DIR: tempDir("agents-badcfg-"), [variable]: value });
    expect(await within(p.exit, 10_000, "exit on bad configuration")).toEqual({ code: 2, signal: null });
    const lines = p.stderr().trimEnd().split("\n");
    expect(lines, p.stderr()).toHaveLength(1);
    expect(lines[0]).toContain(variable);
    expect(p.stderr()).not.toMatch(/^\s+at /m);
    expect(p.stdout()).toBe("");
    if (variable === "ADMIN_API_KEY" || variable === "DATABASE_URL") {
      // The rejected value may be a secret: it is not echoed.
      expect(p.stderr()).not.toContain(variable === "ADMIN_API_KEY" ? value : "hunter2");
    }
  });

  it("never writes the admin secret to its logs, its command line or DATA_DIR", async () => {
    const secret = `SeCrEt-${randomBytes(24).toString("hex")}`.slice(0, 40);
    expect(secret).toHaveLength(40);
    const { dataDir, env } = await newStore("sqlite");
    const s = await startServer({ ...env, ADMIN_API_KEY: secret, LOG_LEVEL: "trace" });
    try {
      expect(readFileSync(`/proc/${s.pid}/cmdline`, "utf8")).not.toContain(secret);

      // HTTP: successful, failing and unauthorised requests carrying the key.
      expect((await ok(s, MeDocument, {}, secret)).me.role).toBe("ADMIN");
      const task = (await ok(s, CreateTaskDocument, { input: { title: "secret", complexity: 1 } }, secret)).createTask;
      const bad = await fetch(`${s.url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${secret}` },
        body: JSON.stringify({ query: "{ nope }" }),
      });
      expect(bad.status).toBe(400);
      const wrong = await gql(s, MeDocument, {}, `${secret}x`);
      expect(wrong.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
      const viaGet = await fetch(`${s.url}/graphql?query=${encodeURIComponent("{ me { id } }")}`, {
        headers: { authorization: `Bearer ${secret}`, "apollo-require-preflight": "1" },
      });
      expect(viaGet.status).toBe(200);

      // WebSocket: an authenticated subscription and a rejected key.
      const client = wsClient(s, secret);
      const events: unknown[] = [];
      const stop = client.subscribe(
        { query: print(TaskEventsDocument), variables: { taskId: task.id, afterSeq: 0 } },
        { next: (v) => events.push(v), error: () => {}, complete: () => {} },
      );
      await waitUntil(() => events.length >= 1, "a subscription event");
      stop();
      await client.dispose();
      let rejected: number | undefined;
      const badClient = wsClient(s, `${secret}x`, (code) => (rejected = code));
      badClient.subscribe(
        { query: "subscription { agentChanged { id } }" },
        {
          next: () => {},
          error: () => {},
          complete: () => {},
        },
      );
      await waitUntil(() => rejected !== undefined, "the bad key's socket to close");
      expect(rejected).toBe(4401);
      await badClient.dispose();
    } finally {
      expect(await s.terminate()).toEqual({ code: 0, signal: null });
    }
    const output = s.stdout() + s.stderr();
    expect(s.logs().length).toBeGreaterThan(5); // the requests above were logged
    expect(output.includes(secret), "the secret appears in the output").toBe(false);
    expect(output.includes(secret.slice(8, 32)), "part of the secret appears in the output").toBe(false);
    expect(existsSync(join(dataDir, "admin.key"))).toBe(false);
  });
});
