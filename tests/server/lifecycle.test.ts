/**
 * Process-level tests: the compiled server is started as a child process (`node dist/main.js
 * serve`), talked to over HTTP and WebSocket, and stopped with signals, as an operator would.
 */
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { print } from "graphql";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
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
import { webBuild } from "../ui/dashboard/harness.js";
import {
  gql,
  listening,
  ok,
  ProcessHarness,
  waitUntil,
  within,
  wsClient,
  type ServerProc,
} from "../helpers/process.js";
import { describeProfiles, type ProfileName } from "../helpers/profiles.js";

const harness = new ProcessHarness();

// Real processes, started and stopped several times per test: on a busy 2-CPU machine a test
// has taken over 30 s. Each wait inside has its own, shorter, bound.
vi.setConfig({ testTimeout: 90_000 });

beforeAll(async () => {
  await harness.build();
}, 120_000);

afterAll(async () => {
  await harness.stopAll(0);
  harness.removeTempDirs();
});

/** `serve` with `env` on top of the scrubbed environment, not waited for. */
const spawnServer = (env: Record<string, string>) => harness.spawn("server", ["serve"], env);

/** `serve`, once it listens (20 s at most). */
const startServer = (env: Record<string, string>): Promise<ServerProc> => listening(spawnServer(env), 20_000);

/** A fresh store: an empty DATA_DIR and, for PostgreSQL, an empty database. */
async function newStore(profile: ProfileName): Promise<{ dataDir: string; env: Record<string, string> }> {
  const dataDir = harness.tempDir("agents-data-");
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
  it("starts on an empty DATA_DIR: health, readiness, the dashboard, local GraphiQL, a 0600 admin key", async () => {
    const { dataDir, env } = await newStore(profile);
    const s = await startServer({ ...env, WEB_DIR: await webBuild() });
    try {
      const health = await fetch(`${s.url}/healthz`);
      expect(health.status).toBe(200);
      const ready = await fetch(`${s.url}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({ checks: { database: "ok", migrations: "applied" } });

      // The dashboard at /, its scripts and styles local and served.
      const home = await fetch(`${s.url}/`, { redirect: "manual" });
      expect(home.status).toBe(200);
      const homeHtml = await home.text();
      const homeRefs = [...homeHtml.matchAll(/<(?:script|link)\b[^>]*?\b(?:src|href)="(\/assets\/[^"]+)"/g)].map(
        (m) => m[1]!,
      );
      expect(homeRefs.length).toBeGreaterThanOrEqual(2);
      for (const ref of homeRefs) expect((await fetch(`${s.url}${ref}`)).status, ref).toBe(200);

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
    ["OPENROUTER_API_KEY", "sk-or-v1 hunter2-secret"],
    ["OPENROUTER_BASE_URL", "ftp://models.example"],
    ["MODEL_TIERS", "1-3:openai/gpt-4o-mini;2-5:openai/gpt-4o"],
    ["MODEL_DEFAULT", "openai/gpt-4o,,x"],
    ["MODEL_PROVIDER", "{not json"],
    ["AGENT_RUNTIME", "magic"],
    // Eleven processes start at once: on a busy 2-CPU machine that has taken over 10 s.
  ])(
    "refuses %s=%s with exit code 2 and one line naming the variable",
    { timeout: 90_000 },
    async ([variable, value], { expect }) => {
      const p = spawnServer({ DATA_DIR: harness.tempDir("agents-badcfg-"), [variable]: value });
      expect(await within(p.exit, 60_000, "exit on bad configuration")).toEqual({ code: 2, signal: null });
      const lines = p.stderr().trimEnd().split("\n");
      expect(lines, p.stderr()).toHaveLength(1);
      expect(lines[0]).toContain(variable);
      expect(p.stderr()).not.toMatch(/^\s+at /m);
      expect(p.stdout()).toBe("");
      if (variable === "ADMIN_API_KEY" || variable === "DATABASE_URL" || variable === "OPENROUTER_API_KEY") {
        // The rejected value may be a secret: it is not echoed.
        expect(p.stderr()).not.toContain(variable === "ADMIN_API_KEY" ? value : "hunter2");
      }
    },
  );

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
