import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { print, type GraphQLFormattedError } from "graphql";
import type { Client } from "graphql-ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { newId } from "../../src/domain/ids.js";
import { TaskRecord, WorkspaceRecord } from "../../src/domain/records.js";
import {
  AgentChangedDocument,
  AgentDocument,
  AgentsDocument,
  ApiKeysDocument,
  CancelTaskDocument,
  CreateAgentDocument,
  CreateApiKeyDocument,
  CreateTaskDocument,
  MeDocument,
  RevokeApiKeyDocument,
  TaskChangedDocument,
  TaskDocument,
  TaskEventsDocument,
  TasksDocument,
  UpdateAgentDocument,
  UpdateTaskDocument,
  UpdateTaskStatusDocument,
  WorkspaceDocument,
  type ApiKeysQuery,
  type Role,
} from "../generated/graphql.js";
import { createTestDatabase } from "../helpers/pg.js";
import { describeProfiles } from "../helpers/profiles.js";
import { collect, startTestServer, type TestServer } from "../helpers/server.js";

type Who = Role | "NONE";
type Transport = "http" | "ws";

/** What one attempt produced: a result, or (WebSocket only) the close code that ended it. */
interface Result {
  status?: number;
  data?: unknown;
  errors?: readonly GraphQLFormattedError[];
  closeCode?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const unique = (prefix: string) => `${prefix} ${newId().slice(-12)}`;
const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");
const codeOf = (r: { errors?: readonly GraphQLFormattedError[] }) => r.errors?.[0]?.extensions?.code;

const isCloseEvent = (e: unknown): e is { code: number; reason: string } =>
  typeof e === "object" && e !== null && typeof (e as { code?: unknown }).code === "number";

/** "ok" (no errors, root field not null), the error code(s), or "closed <code>". */
function outcome(r: Result): string {
  if (r.closeCode !== undefined) return `closed ${r.closeCode}`;
  if (r.errors?.length) return [...new Set(r.errors.map((e) => String(e.extensions?.code)))].join(",");
  const root = r.data && typeof r.data === "object" ? Object.values(r.data)[0] : undefined;
  return root === null || root === undefined ? "empty" : "ok";
}

/**
 * Runs one operation over graphql-ws and settles on the first result, the error, or the close.
 * `poke` is called repeatedly until something arrives: live subscriptions deliver only on a change,
 * and the moment the server has registered the subscription is not observable from the client.
 */
function overWs<R, V>(
  client: Client,
  doc: TypedDocumentNode<R, V>,
  variables: V,
  poke?: () => Promise<unknown>,
): Promise<Result> {
  return new Promise<Result>((resolve) => {
    let done = false;
    let unsubscribe = () => {};
    let poking: Promise<void> = Promise.resolve();
    const timer = setTimeout(
      () => finish({ errors: [{ message: "timed out", extensions: { code: "TIMEOUT" } }] }),
      10_000,
    );
    const finish = (r: Result) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      unsubscribe();
      void poking.then(() => resolve(r));
    };
    unsubscribe = client.subscribe(
      { query: print(doc), variables: variables as Record<string, unknown> },
      {
        next: (v) => finish({ data: v.data, errors: v.errors }),
        error: (e) =>
          finish(
            isCloseEvent(e)
              ? { closeCode: e.code }
              : { errors: Array.isArray(e) ? (e as GraphQLFormattedError[]) : [{ message: String(e) }] },
          ),
        complete: () => finish({ errors: [{ message: "completed without a result" }] }),
      },
    );
    if (poke) {
      poking = (async () => {
        while (!done) {
          await poke().catch(() => {});
          await sleep(100);
        }
      })();
    }
  });
}

describeProfiles("authentication and authorization", (profile) => {
  let s: TestServer;
  const keys = {} as Record<Exclude<Role, "ADMIN">, { id: string; key: string }>;
  /** Agents: `target` is read/updated/watched by the matrix, `self` is what the AGENT key acts as. */
  const agents = { target: "", self: "", other: "" };
  let fixtureTask = "";
  let workspaceId = "";

  const keyOf = (who: Who): string | null => (who === "NONE" ? null : who === "ADMIN" ? s.adminKey : keys[who].key);

  async function createKey(role: Role, agentId?: string) {
    const r = await s.ok(CreateApiKeyDocument, { input: { name: unique(role), role, agentId } });
    return { id: r.createApiKey.apiKey.id, key: r.createApiKey.key };
  }
  /** Agents take complexity 9-10 and tasks here have 3: nothing is assigned automatically. */
  const newAgent = async (name = unique("agent")) =>
    (await s.ok(CreateAgentDocument, { input: { name, minComplexity: 9 } })).createAgent.id;
  const newTask = async (title = unique("task")) =>
    (await s.ok(CreateTaskDocument, { input: { title, complexity: 3 } })).createTask.id;
  /** No agent here fits the tasks' complexity, so tests assign in the database where they need it. */
  // Put straight into the row (at work, without a workspace): the tests need many tasks per agent.
  const assign = (taskId: string, agentId: string) =>
    s.app.db.fork().nativeUpdate(TaskRecord, { id: taskId }, { assignedAgentId: agentId, status: "DESIGN" });

  beforeAll(async () => {
    s = await startTestServer(profile);
    agents.target = await newAgent();
    agents.self = await newAgent();
    agents.other = await newAgent();
    fixtureTask = await newTask("fixture");
    // Workspaces are created by the assignment engine too; insert one so `workspace` has something to return.
    workspaceId = newId();
    await s.app.db.fork().insert(WorkspaceRecord, {
      id: workspaceId,
      path: join(s.config.dataDir, "ws"),
      taskId: fixtureTask,
      agentId: agents.self,
      status: "READY",
      error: null,
      createdAt: new Date(),
      updatedAt: new Date(),
    });
    keys.OPERATOR = await createKey("OPERATOR");
    keys.VIEWER = await createKey("VIEWER");
    keys.AGENT = await createKey("AGENT", agents.self);
  });
  afterAll(() => s?.stop());

  describe("role matrix", () => {
    const READ: readonly Role[] = ["ADMIN", "OPERATOR", "VIEWER", "AGENT"];
    const WRITE: readonly Role[] = ["ADMIN", "OPERATOR"];
    const ADMIN: readonly Role[] = ["ADMIN"];

    interface Op {
      name: string;
      allowed: readonly Role[];
      subscription: boolean;
      /** What an AGENT key gets instead of "ok": the fixture is another agent's work (access.ts). */
      forAgent?: string;
      /** Prepares fresh variables as admin, then runs the operation as `who` over `transport`. */
      attempt(who: Who, transport: Transport, client: Client): Promise<Result>;
    }

    function op<R, V>(
      name: string,
      allowed: readonly Role[],
      doc: TypedDocumentNode<R, V>,
      vars: (who: Who) => V | Promise<V>,
      opts: { subscription?: boolean; poke?: (v: V) => Promise<unknown>; forAgent?: string } = {},
    ): Op {
      return {
        name,
        allowed,
        forAgent: opts.forAgent,
        subscription: opts.subscription ?? false,
        async attempt(who, transport, client) {
          const v = await vars(who);
          if (transport === "http") return s.gql(doc, v, keyOf(who));
          return overWs(client, doc, v, opts.poke && (() => opts.poke!(v)));
        },
      };
    }

    /**
     * A fresh task and a move for it: assigned to the calling AGENT key's agent ("caller") or to
     * another agent, at work and moved on to BUILD; or nobody's, PENDING and cancelled.
     */
    const taskFor = (owner: "caller" | "other" | "nobody") => async (who: Who) => {
      const id = await newTask();
      if (owner === "other") await assign(id, agents.other);
      if (owner === "caller" && who === "AGENT") await assign(id, agents.self);
      const assigned = owner === "other" || (owner === "caller" && who === "AGENT");
      return { id, status: assigned ? ("BUILD" as const) : ("CANCELLED" as const) };
    };

    const ops: Op[] = [
      op("agent", READ, AgentDocument, () => ({ id: agents.target })),
      op("agents", READ, AgentsDocument, () => ({ first: 5 })),
      // The fixture task is not the AGENT key's agent's: to that key it does not exist.
      op("task", READ, TaskDocument, () => ({ id: fixtureTask }), { forAgent: "empty" }),
      op("task (own)", READ, TaskDocument, async (who) => {
        const id = await newTask();
        if (who === "AGENT") await assign(id, agents.self);
        return { id };
      }),
      op("tasks", READ, TasksDocument, () => ({ first: 5 })),
      op("workspace", READ, WorkspaceDocument, () => ({ id: workspaceId }), { forAgent: "empty" }),
      op("me", READ, MeDocument, () => ({})),
      op("apiKeys", ADMIN, ApiKeysDocument, () => ({})),
      op("createAgent", WRITE, CreateAgentDocument, () => ({ input: { name: unique("created") } })),
      op("updateAgent", WRITE, UpdateAgentDocument, () => ({ id: agents.target, input: { name: unique("renamed") } })),
      op("createTask", WRITE, CreateTaskDocument, () => ({ input: { title: unique("created"), complexity: 2 } })),
      op("updateTaskStatus (own task)", [...WRITE, "AGENT"], UpdateTaskStatusDocument, taskFor("caller")),
      op("updateTaskStatus (another agent's task)", WRITE, UpdateTaskStatusDocument, taskFor("other")),
      op("updateTaskStatus (unassigned task)", WRITE, UpdateTaskStatusDocument, taskFor("nobody")),
      op("cancelTask", WRITE, CancelTaskDocument, async () => ({ id: await newTask() })),
      op("createApiKey", ADMIN, CreateApiKeyDocument, () => ({
        input: { name: unique("k"), role: "VIEWER" as const },
      })),
      op("revokeApiKey", ADMIN, RevokeApiKeyDocument, async () => ({ id: (await createKey("VIEWER")).id })),
      // taskEvents replays the stored "Task created" event at once; the other two need a change.
      op("taskEvents", READ, TaskEventsDocument, () => ({ taskId: fixtureTask }), {
        subscription: true,
        forAgent: "FORBIDDEN",
      }),
      // (An AGENT key hears of its own agent's tasks only: the task is its agent's for that key.)
      op(
        "taskChanged",
        READ,
        TaskChangedDocument,
        async (who) => {
          const taskId = await newTask();
          if (who === "AGENT") await assign(taskId, agents.self);
          return { filter: { taskId } };
        },
        {
          subscription: true,
          poke: async ({ filter }) => {
            await s.gql(UpdateTaskDocument, { id: filter.taskId, input: { priority: 77 } });
          },
        },
      ),
      op("agentChanged", READ, AgentChangedDocument, () => ({ filter: { agentId: agents.target } }), {
        subscription: true,
        poke: () => s.gql(UpdateAgentDocument, { id: agents.target, input: { name: unique("poked") } }),
      }),
    ];

    function expected(who: Who, transport: Transport, o: Op): string {
      if (who === "NONE") return transport === "http" ? "UNAUTHENTICATED" : "closed 4401";
      if (!o.allowed.includes(who)) return "FORBIDDEN";
      return who === "AGENT" && o.forAgent ? o.forAgent : "ok";
    }

    const cases = (["ADMIN", "OPERATOR", "VIEWER", "AGENT", "NONE"] as const).flatMap((who) =>
      (["http", "ws"] as const).map((transport) => ({ who, transport })),
    );

    it.each(cases)("$who over $transport", async ({ who, transport }) => {
      const client = s.ws(keyOf(who));
      const want: Record<string, string> = {};
      const got: Record<string, string> = {};
      try {
        for (const o of ops) {
          if (o.subscription && transport === "http") continue;
          want[o.name] = expected(who, transport, o);
          got[o.name] = outcome(await o.attempt(who, transport, client));
        }
      } finally {
        await client.dispose();
      }
      expect(got).toEqual(want);
    });

    it("an AGENT key's status change is recorded as made by its agent, and a refused one changes nothing", async () => {
      const own = await newTask();
      await assign(own, agents.self);
      const r = await s.ok(UpdateTaskStatusDocument, { id: own, status: "BUILD", note: "mine" }, keys.AGENT.key);
      expect(r.updateTaskStatus).toMatchObject({ status: "BUILD", assignedAgent: { id: agents.self } });
      const events = (await s.ok(TaskDocument, { id: own })).task!.events;
      expect(events.at(-1)).toMatchObject({ seq: 2, agent: { id: agents.self } });

      const foreign = await newTask();
      await assign(foreign, agents.other);
      const denied = await s.gql(UpdateTaskStatusDocument, { id: foreign, status: "BUILD" }, keys.AGENT.key);
      expect(codeOf(denied)).toBe("FORBIDDEN");
      const after = (await s.ok(TaskDocument, { id: foreign })).task!;
      expect(after).toMatchObject({ status: "DESIGN", lastEventSeq: 1, assignedAgent: { id: agents.other } });
    });
  });

  describe("bad credentials", () => {
    const post = async (authorization: string | undefined) => {
      const res = await fetch(`${s.url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", ...(authorization === undefined ? {} : { authorization }) },
        body: JSON.stringify({ query: print(MeDocument) }),
      });
      return { status: res.status, ...((await res.json()) as Omit<Result, "status">) };
    };
    const headers = (): Array<[string, string]> => [
      ["an unknown key", `Bearer ak_wrong${"x".repeat(38)}`],
      ["a short key", "Bearer ak_wrong"],
      ["another scheme", `Basic ${Buffer.from("admin:secret").toString("base64")}`],
      ["a valid key without the Bearer scheme", s.adminKey],
      ["Bearer without a key", "Bearer "],
      ["two tokens", `Bearer ${s.adminKey} ${s.adminKey}`],
    ];

    it("HTTP answers UNAUTHENTICATED, no data, status 200 for a wrong key, a malformed header, or none", async () => {
      for (const [what, header] of [...headers(), ["no header", undefined] as [string, undefined]]) {
        const r = await post(header);
        expect({ what, status: r.status, code: codeOf(r), data: r.data }).toEqual({
          what,
          status: 200,
          code: "UNAUTHENTICATED",
          data: undefined,
        });
      }
      // the same request with the valid key in the right form succeeds
      expect((await post(`Bearer ${s.adminKey}`)).status).toBe(200);
      expect((await post(`bearer ${s.adminKey}`)).status).toBe(200);
    });

    it("WebSocket closes with 4401 for a wrong key, a malformed one, or none", async () => {
      const params: Array<[string, Record<string, unknown>]> = [
        ...headers().map(([what, h]): [string, Record<string, unknown>] => [what, { authorization: h }]),
        ["no key", {}],
        ["a non-string authorization", { authorization: 42 }],
      ];
      for (const [what, connectionParams] of params) {
        const client = s.ws(null, { connectionParams });
        const r = await overWs(client, MeDocument, {});
        await client.dispose();
        expect({ what, outcome: outcome(r) }).toEqual({ what, outcome: "closed 4401" });
      }
    });

    it("closes a socket that never sends connection_init after about 3 s with 4408", async () => {
      const socket = new WebSocket(s.wsUrl, "graphql-transport-ws");
      await new Promise((resolve, reject) => socket.once("open", resolve).once("error", reject));
      expect(socket.protocol).toBe("graphql-transport-ws");
      const opened = Date.now();
      const code = await new Promise<number>((resolve) => socket.once("close", (c) => resolve(c)));
      const elapsed = Date.now() - opened;
      expect(code).toBe(4408);
      expect(elapsed).toBeGreaterThanOrEqual(2_500);
      expect(elapsed).toBeLessThanOrEqual(5_000);
    });
  });

  describe("revocation", () => {
    /** The key list without lastUsedAt (written at most once a minute, independently of what is tested). */
    const keyRows = async () =>
      (await s.ok(ApiKeysDocument, { includeRevoked: true })).apiKeys.map(
        ({ lastUsedAt: _l, ...k }: ApiKeysQuery["apiKeys"][number]) => k,
      );

    it("stops the key at once on HTTP and closes its sockets with 4403; other keys carry on", async () => {
      const doomed = await createKey("VIEWER");
      const kept = await createKey("VIEWER");
      const task = await newTask();
      // two sockets on the doomed key, one on the kept key, each with a running subscription
      const doomedEvents = collect(s.ws(doomed.key), TaskEventsDocument, { taskId: task });
      const doomedChanges = collect(s.ws(doomed.key), TaskChangedDocument, { filter: { taskId: task } });
      const keptEvents = collect(s.ws(kept.key), TaskEventsDocument, { taskId: task });
      await Promise.all([doomedEvents.waitFor(1), keptEvents.waitFor(1)]);
      expect((await s.gql(MeDocument, {}, doomed.key)).status).toBe(200);

      const revoked = await s.ok(RevokeApiKeyDocument, { id: doomed.id });
      expect(revoked.revokeApiKey).toMatchObject({ id: doomed.id, revokedAt: expect.any(String) });

      const http = await s.gql(MeDocument, {}, doomed.key);
      expect({ status: http.status, code: codeOf(http) }).toEqual({ status: 200, code: "UNAUTHENTICATED" });

      const closedWithin = (c: { ended: Promise<void> }) =>
        Promise.race([c.ended, sleep(5_000).then(() => Promise.reject(new Error("socket not closed")))]);
      await Promise.all([closedWithin(doomedEvents), closedWithin(doomedChanges)]);
      for (const c of [doomedEvents, doomedChanges]) {
        expect(c.errors).toHaveLength(1);
        expect(isCloseEvent(c.errors[0]) && c.errors[0].code).toBe(4403);
      }

      // the other key's socket is still open and still receives events
      await s.ok(UpdateTaskStatusDocument, { id: task, status: "FAILED" });
      expect((await keptEvents.waitFor(2)).map((e) => e.taskEvents.seq)).toEqual([1, 2]);
      expect(keptEvents.errors).toEqual([]);
      expect(keptEvents.completed).toBe(false);
      expect(doomedEvents.items).toHaveLength(1);
      keptEvents.stop();

      // a new socket with the revoked key is refused
      expect(outcome(await overWs(s.ws(doomed.key), MeDocument, {}))).toBe("closed 4401");
    });

    it("revoking twice is CONFLICT, an unknown id NOT_FOUND, and neither changes anything", async () => {
      const k = await createKey("OPERATOR");
      await s.ok(RevokeApiKeyDocument, { id: k.id });
      const before = await keyRows();
      expect(before.find((r) => r.id === k.id)?.revokedAt).toEqual(expect.any(String));

      expect(codeOf(await s.gql(RevokeApiKeyDocument, { id: k.id }))).toBe("CONFLICT");
      expect(codeOf(await s.gql(RevokeApiKeyDocument, { id: newId() }))).toBe("NOT_FOUND");
      expect(codeOf(await s.gql(RevokeApiKeyDocument, { id: "not-an-id" }))).toBe("NOT_FOUND");
      // a non-admin cannot revoke either
      expect(codeOf(await s.gql(RevokeApiKeyDocument, { id: keys.VIEWER.id }, keys.OPERATOR.key))).toBe("FORBIDDEN");

      expect(await keyRows()).toEqual(before);
      expect((await s.gql(MeDocument, {}, keys.VIEWER.key)).status).toBe(200);
    });
  });

  describe("secrets", () => {
    it("shows the secret only once, and stores only its sha256", async () => {
      const created = (await s.ok(CreateApiKeyDocument, { input: { name: "secret check", role: "OPERATOR" } }))
        .createApiKey;
      const { key, apiKey } = created;
      expect(key).toMatch(/^ak_[A-Za-z0-9_-]{43}$/);
      expect(key).toHaveLength(46);
      expect(Buffer.from(key.slice(3), "base64url")).toHaveLength(32);
      expect(key.startsWith(apiKey.prefix)).toBe(true);
      expect(apiKey.prefix.length).toBeLessThan(16);

      const hash = sha256(key);
      const listed = await s.gql(ApiKeysDocument, { includeRevoked: true });
      const me = await s.gql(MeDocument, {}, key);
      expect(listed.data?.apiKeys.map((k) => k.id)).toContain(apiKey.id);
      expect(me.data?.me).toMatchObject({ id: apiKey.id, role: "OPERATOR" });
      const client = s.ws(key);
      const meWs = await overWs(client, MeDocument, {});
      await client.dispose();
      expect(outcome(meWs)).toBe("ok");
      for (const r of [listed, me, meWs]) {
        const json = JSON.stringify(r);
        expect(json).not.toContain(key);
        expect(json).not.toContain(key.slice(3));
        expect(json).not.toContain(hash);
      }

      const rows = await s.app.db.fork().execute<Record<string, unknown>[]>("select * from api_key");
      const row = rows.find((r) => r.id === apiKey.id);
      expect(row?.key_hash).toBe(hash);
      for (const r of rows) {
        for (const value of Object.values(r)) {
          expect(String(value)).not.toContain(key);
          expect(String(value)).not.toContain(key.slice(3));
        }
      }
    });
  });

  describe("bootstrap admin key", () => {
    const adminKeys = async (t: TestServer) =>
      (await t.ok(ApiKeysDocument, {})).apiKeys.filter((k) => k.role === "ADMIN");

    it("uses ADMIN_API_KEY as an admin key and writes no admin.key file", async () => {
      const envKey = "x".repeat(40);
      const t = await startTestServer(profile, { env: { ADMIN_API_KEY: envKey } });
      try {
        expect(t.adminKey).toBe(envKey);
        expect(t.app.adminKeyCreated).toBeNull();
        expect(existsSync(join(t.config.dataDir, "admin.key"))).toBe(false);
        expect((await t.ok(MeDocument, {}, envKey)).me).toMatchObject({ name: "ADMIN_API_KEY", role: "ADMIN" });
        expect(await adminKeys(t)).toHaveLength(1);
        const wrong = await t.gql(MeDocument, {}, "x".repeat(41));
        expect({ status: wrong.status, code: codeOf(wrong) }).toEqual({ status: 200, code: "UNAUTHENTICATED" });
      } finally {
        await t.stop();
      }
    });

    it("without ADMIN_API_KEY writes DATA_DIR/admin.key (0600); a restart keeps it and adds none", async () => {
      const dataDir = mkdtempSync(join(tmpdir(), "agents-auth-"));
      const pg = profile === "postgres" ? await createTestDatabase() : undefined;
      const start = () => startTestServer(profile, { dataDir, keepData: true, databaseUrl: pg?.url });
      const file = join(dataDir, "admin.key");
      try {
        const first = await start();
        let key: string;
        try {
          expect(existsSync(file)).toBe(true);
          expect(statSync(file).mode & 0o777).toBe(0o600);
          key = readFileSync(file, "utf8").trim();
          expect(key).toMatch(/^ak_[A-Za-z0-9_-]{43}$/);
          expect(first.app.adminKeyCreated).toBe(key);
          expect((await first.ok(MeDocument, {}, key)).me).toMatchObject({ role: "ADMIN" });
          expect(await adminKeys(first)).toHaveLength(1);
        } finally {
          await first.stop();
        }

        const second = await start();
        try {
          expect(second.app.adminKeyCreated).toBeNull();
          expect(readFileSync(file, "utf8").trim()).toBe(key);
          expect((await second.ok(MeDocument, {}, key)).me).toMatchObject({ role: "ADMIN" });
          expect(await adminKeys(second)).toHaveLength(1);
        } finally {
          await second.stop();
        }
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
        await pg?.drop();
      }
    });
  });
});
