import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { print } from "graphql";
import type { Client } from "graphql-ws";
import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { SecretRecord } from "../../src/domain/records.js";
import { createLogger } from "../../src/logger.js";
import {
  CreateAgentDocument,
  CreateApiKeyDocument,
  CreateSecretDocument,
  CreateTaskDocument,
  DeleteSecretDocument,
  RotateSecretsKeyDocument,
  SecretNodeDocument,
  SecretsDocument,
  UpdateSecretDocument,
  type CreateSecretInput,
  type Role,
} from "../generated/graphql.js";
import { describeProfiles, type ProfileName } from "../helpers/profiles.js";
import { secretInput, secretValue } from "../helpers/secrets.js";
import { startTestServer, type GqlResult, type TestServer } from "../helpers/server.js";

const keyA = randomBytes(32);
const b64 = (key: Buffer) => key.toString("base64");
const codeOf = (r: { errors?: ReadonlyArray<{ extensions?: Record<string, unknown> }> }) =>
  r.errors?.[0]?.extensions?.code;

/** A logger that keeps every line it writes (at trace level). */
function capturingLogger() {
  const lines: string[] = [];
  const logger = createLogger("trace", {
    write(line: string) {
      lines.push(line);
    },
  });
  return { logger, lines };
}

/** Runs one operation over graphql-ws and settles with everything that came back. */
function overWs<R, V>(client: Client, doc: TypedDocumentNode<R, V>, variables: V): Promise<unknown[]> {
  return new Promise((resolve) => {
    const got: unknown[] = [];
    client.subscribe(
      { query: print(doc), variables: variables as Record<string, unknown> },
      {
        next: (r) => got.push(r),
        error: (e) => resolve([...got, e]),
        complete: () => resolve(got),
      },
    );
  });
}

/** Every `message` anywhere in what came back. */
function messagesIn(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(messagesIn);
  if (typeof value !== "object" || value === null) return [];
  return Object.entries(value).flatMap(([k, v]) => (k === "message" && typeof v === "string" ? [v] : messagesIn(v)));
}

/** Every byte of the database the server keeps this secret in, as text to search. */
async function databaseBytes(server: TestServer, profile: ProfileName): Promise<string> {
  if (profile === "sqlite") {
    return readdirSync(server.config.dataDir)
      .filter((f) => f.startsWith("agents.db"))
      .map((f) => readFileSync(join(server.config.dataDir, f)).toString("latin1"))
      .join("\n");
  }
  const client = new pg.Client({ connectionString: server.config.databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query("select * from secret");
    return JSON.stringify(rows);
  } finally {
    await client.end();
  }
}

describeProfiles("secrets API", (profile) => {
  let server: TestServer;
  let lines: string[];
  /** Every response text this suite received. */
  const responses: string[] = [];
  /** Every value this suite stored. */
  const values: string[] = [];
  const keys: Partial<Record<Role, string>> = {};
  let agentId: string;
  let taskId: string;

  const send = async <R, V>(doc: TypedDocumentNode<R, V>, variables?: V, key?: string | null) => {
    const r = await server.gql(doc, variables, key);
    responses.push(JSON.stringify(r));
    return r;
  };
  const ok = async <R, V>(doc: TypedDocumentNode<R, V>, variables?: V, key?: string | null): Promise<R> => {
    const r = await send(doc, variables, key);
    if (r.errors?.length || !r.data) throw new Error(`GraphQL errors: ${JSON.stringify(r.errors)}`);
    return r.data;
  };
  const create = async (over: Partial<CreateSecretInput> = {}) => {
    const input = secretInput(over);
    values.push(input.value);
    return (await ok(CreateSecretDocument, { input })).createSecret;
  };
  const reveal = (kind: "GITHUB_TOKEN" | "MODEL_API_KEY" | "OTHER", lookup = {}, purpose = "test") =>
    server.app.services.secrets.reveal(kind, lookup, { toolCallId: null, purpose });

  beforeAll(async () => {
    const captured = capturingLogger();
    lines = captured.lines;
    // The cluster profile needs SECRETS_KEY; the embedded one makes its key file.
    server = await startTestServer(profile, {
      logger: captured.logger,
      env: profile === "postgres" ? { SECRETS_KEY: b64(keyA) } : {},
    });
    const agent = await ok(CreateAgentDocument, { input: { name: "secrets-agent", minComplexity: 10 } });
    agentId = agent.createAgent.id;
    taskId = (await ok(CreateTaskDocument, { input: { title: "secrets task", complexity: 1 } })).createTask.id;
    for (const role of ["OPERATOR", "VIEWER", "AGENT"] as const) {
      const made = await ok(CreateApiKeyDocument, {
        input: { name: `${role} key`, role, agentId: role === "AGENT" ? agentId : null },
      });
      keys[role] = made.createApiKey.key;
    }
  });
  afterAll(() => server?.stop());

  it("lets only ADMIN keys list, create, update, delete, rotate and fetch secrets by node", async () => {
    const own = await create();
    for (const role of ["OPERATOR", "VIEWER", "AGENT"] as const) {
      const key = keys[role]!;
      const attempts: Array<GqlResult<unknown>> = [
        await send(SecretsDocument, {}, key),
        await send(CreateSecretDocument, { input: secretInput({ value: secretValue("forbidden") }) }, key),
        await send(UpdateSecretDocument, { id: own.id, value: secretValue("forbidden") }, key),
        await send(DeleteSecretDocument, { id: own.id }, key),
        await send(RotateSecretsKeyDocument, {}, key),
      ];
      expect(attempts.map(codeOf), role).toEqual(Array(attempts.length).fill("FORBIDDEN"));
      const node = await send(SecretNodeDocument, { id: own.id }, key);
      expect(node.errors, role).toBeUndefined();
      expect(node.data?.node, role).toBeNull();
    }
    expect(codeOf(await send(SecretsDocument, {}, null))).toBe("UNAUTHENTICATED");
    const byNode = await ok(SecretNodeDocument, { id: own.id });
    expect(byNode.node).toMatchObject({ id: own.id, name: own.name, last4: own.last4 });
    const listed = await ok(SecretsDocument, {});
    expect(listed.secrets.edges.map((e) => e.node.id)).toContain(own.id);
  });

  it("creates secrets of each scope and lists them by kind and scope, newest first, a page at a time", async () => {
    const value = secretValue("global");
    values.push(value);
    const global = (await ok(CreateSecretDocument, { input: secretInput({ name: "gh-global", value }) })).createSecret;
    expect(global).toMatchObject({
      name: "gh-global",
      kind: "GITHUB_TOKEN",
      scope: "GLOBAL",
      scopeId: null,
      last4: value.slice(-4),
      currentKey: true,
      lastUsedAt: null,
      lastUsedFor: null,
      lastUsedByToolCallId: null,
    });
    expect(global.masterKeyId).toMatch(/^[0-9a-f]{16}$/);
    const ofAgent = await create({ name: "model-key", kind: "MODEL_API_KEY", scope: "AGENT", scopeId: agentId });
    expect(ofAgent).toMatchObject({ scope: "AGENT", scopeId: agentId });
    const ofTask = await create({ name: "gh-task", scope: "TASK", scopeId: taskId });
    expect(ofTask).toMatchObject({ scope: "TASK", scopeId: taskId });
    // Short values show less: at most a third of them.
    expect((await create({ name: "short", kind: "OTHER", value: "abc12" })).last4).toBe("2");
    expect((await create({ name: "tiny", kind: "OTHER", value: "ab" })).last4).toBe("");

    const agents = await ok(SecretsDocument, { scope: "AGENT" });
    expect(agents.secrets.edges.map((e) => e.node.id)).toEqual([ofAgent.id]);
    expect(agents.secrets.totalCount).toBe(1);
    const tokens = await ok(SecretsDocument, { kind: "GITHUB_TOKEN" });
    const ids = tokens.secrets.edges.map((e) => e.node.id);
    expect(ids.indexOf(ofTask.id)).toBeLessThan(ids.indexOf(global.id));
    const first = await ok(SecretsDocument, { kind: "OTHER", first: 1 });
    expect(first.secrets.pageInfo.hasNextPage).toBe(true);
    const next = await ok(SecretsDocument, { kind: "OTHER", first: 1, after: first.secrets.pageInfo.endCursor });
    expect(next.secrets.edges.map((e) => e.node.name)).toEqual(["short"]);
    const last = await ok(SecretsDocument, { kind: "OTHER", last: 1 });
    expect(last.secrets.edges.map((e) => e.node.name)).toEqual(["short"]);
  });

  it("reports every bad field at once, unknown owners and duplicates, without the value", async () => {
    const value = secretValue("bad");
    const all = await send(CreateSecretDocument, {
      input: { name: "-no good", kind: "OTHER", value: "", scope: "GLOBAL", scopeId: agentId },
    });
    expect(codeOf(all)).toBe("BAD_USER_INPUT");
    const fields = (all.errors?.[0]?.extensions?.fields as Array<{ path: string }>).map((f) => f.path);
    expect(fields).toEqual(["name", "value", "scopeId"]);
    const unknownAgent = await send(CreateSecretDocument, {
      input: secretInput({ value, scope: "AGENT", scopeId: taskId }),
    });
    expect(unknownAgent.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "scopeId" });
    expect(unknownAgent.errors?.[0]?.message).toMatch(/no agent has this id/);
    const noTask = await send(CreateSecretDocument, { input: secretInput({ value, scope: "TASK" }) });
    expect(noTask.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "scopeId" });
    const tooBig = await send(CreateSecretDocument, { input: secretInput({ value: "v".repeat(64 * 1024 + 1) }) });
    expect(tooBig.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "value" });
    expect(tooBig.errors?.[0]?.message).toMatch(/at most 65536 bytes/);

    await create({ name: "dup", scope: "AGENT", scopeId: agentId });
    const dup = await send(CreateSecretDocument, {
      input: secretInput({ name: "dup", value, scope: "AGENT", scopeId: agentId }),
    });
    expect(dup.errors?.[0]?.extensions).toMatchObject({ code: "CONFLICT", field: "name" });
    // The same name in another scope is another secret.
    await create({ name: "dup" });

    const missing = "01a211fa-0000-7000-8000-000000000000";
    expect(codeOf(await send(UpdateSecretDocument, { id: missing, value }))).toBe("NOT_FOUND");
    expect(codeOf(await send(DeleteSecretDocument, { id: missing }))).toBe("NOT_FOUND");
    const emptied = await send(UpdateSecretDocument, { id: (await create()).id, value: "" });
    expect(emptied.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "value" });
    expect(responses.join("\n")).not.toContain(value);
  });

  it("never sends back a value that GraphQL's own coercion refuses, over HTTP or WebSocket", async () => {
    const value = secretValue("coerce");
    const numeric = 987_654_321_987;
    const untyped = <T>(v: unknown) => v as T;
    const cases: Array<{ input: CreateSecretInput; message: RegExp }> = [
      { input: untyped({ kind: "OTHER", value, scope: "GLOBAL" }), message: /Field "name" of required type/ },
      { input: untyped({ ...secretInput({ value }), extra: 1 }), message: /Field "extra" is not defined/ },
      { input: untyped({ ...secretInput({ value }), kind: "NOPE" }), message: /does not exist in "SecretKind"/ },
      { input: untyped({ ...secretInput(), value: numeric }), message: /String cannot represent a non string value/ },
      { input: untyped({ ...secretInput(), value: [value] }), message: /String cannot represent/ },
    ];
    const ws = server.ws();
    for (const c of cases) {
      const http = await send(CreateSecretDocument, { input: c.input });
      expect(codeOf(http)).toBe("BAD_USER_INPUT");
      expect(http.errors?.[0]?.message).toMatch(c.message);
      expect(http.errors?.[0]?.message).toMatch(/\(not shown\)/);
      const overSocket = JSON.stringify(await overWs(ws, CreateSecretDocument, { input: c.input }));
      expect(messagesIn(JSON.parse(overSocket)).join("\n")).toMatch(c.message);
      for (const text of [JSON.stringify(http), overSocket]) {
        expect(text).not.toContain(value);
        expect(text).not.toContain(String(numeric));
      }
    }
    const path = await send(CreateSecretDocument, {
      input: untyped<CreateSecretInput>({ ...secretInput({ value }), kind: "NOPE" }),
    });
    expect(path.errors?.[0]?.message).toContain('at "input.kind"');
    const update = await send(
      UpdateSecretDocument,
      untyped<{ id: string; value: string }>({ id: (await create()).id, value: numeric }),
    );
    expect(JSON.stringify(update)).not.toContain(String(numeric));
    // A literal in the document: refused by validation, which names the field, not the value.
    const res = await fetch(`${server.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${server.adminKey}` },
      body: JSON.stringify({
        query: `mutation { createSecret(input: { name: "x", kind: NOPE, value: "${value}", scope: GLOBAL }) { id } }`,
      }),
    });
    const text = await res.text();
    expect(text).toMatch(/GRAPHQL_VALIDATION_FAILED/);
    expect(text).not.toContain(value);
  });

  it("reveals the most specific secret, decrypting it only then, and records the use", async () => {
    const lookupAgent = (await ok(CreateAgentDocument, { input: { name: "reveal-agent", minComplexity: 10 } }))
      .createAgent.id;
    const lookupTask = (await ok(CreateTaskDocument, { input: { title: "reveal task", complexity: 1 } })).createTask.id;
    const globalValue = secretValue("g");
    const agentValue = secretValue("a");
    const taskValue = secretValue("t");
    values.push(globalValue, agentValue, taskValue);
    const input = (over: Partial<CreateSecretInput>) => secretInput({ kind: "MODEL_API_KEY", ...over });
    expect(await reveal("MODEL_API_KEY", { agentId: lookupAgent, taskId: lookupTask })).toBeNull();
    const g = (await ok(CreateSecretDocument, { input: input({ value: globalValue }) })).createSecret;
    await ok(CreateSecretDocument, { input: input({ value: agentValue, scope: "AGENT", scopeId: lookupAgent }) });
    const t = (
      await ok(CreateSecretDocument, { input: input({ value: taskValue, scope: "TASK", scopeId: lookupTask }) })
    ).createSecret;
    expect(await reveal("MODEL_API_KEY", {})).toBe(globalValue);
    expect(await reveal("MODEL_API_KEY", { agentId: lookupAgent })).toBe(agentValue);
    expect(await reveal("MODEL_API_KEY", { agentId: lookupAgent, taskId: lookupTask })).toBe(taskValue);
    // Another agent's task sees only the global one.
    const otherAgent = "01a211fa-2222-7000-8000-000000000000";
    expect(await reveal("MODEL_API_KEY", { agentId: otherAgent, taskId: taskId })).toBe(globalValue);

    const toolCallId = "01a211fa-1111-7000-8000-000000000000";
    const used = await server.app.services.secrets.reveal(
      "MODEL_API_KEY",
      { agentId: lookupAgent, taskId: lookupTask },
      { toolCallId, purpose: "gitPush" },
    );
    expect(used).toBe(taskValue);
    const seen = (await ok(SecretNodeDocument, { id: t.id })).node;
    expect(seen).toMatchObject({ lastUsedFor: "gitPush", lastUsedByToolCallId: toolCallId });
    expect(seen && "lastUsedAt" in seen ? seen.lastUsedAt : null).not.toBeNull();
    expect((await ok(SecretNodeDocument, { id: g.id })).node).toMatchObject({ lastUsedFor: "test" });
    expect(
      await server.app.services.secrets.revealByName(
        g.name,
        { taskId: lookupTask },
        { toolCallId: null, purpose: "x" },
      ),
    ).toBe(globalValue);
  });

  it("replaces a value under a new data key, and deletes", async () => {
    const first = await create({ name: "rotating-value", kind: "OTHER" });
    const before = await server.app.db
      .fork()
      .findOneOrFail(SecretRecord, { id: first.id }, { disableIdentityMap: true });
    const next = secretValue("next");
    values.push(next);
    const updated = (await ok(UpdateSecretDocument, { id: first.id, value: next })).updateSecret;
    expect(updated).toMatchObject({ id: first.id, last4: next.slice(-4), currentKey: true });
    const after = await server.app.db
      .fork()
      .findOneOrFail(SecretRecord, { id: first.id }, { disableIdentityMap: true });
    expect(after.wrappedKey).not.toBe(before.wrappedKey);
    expect(after.ciphertext).not.toBe(before.ciphertext);
    expect(after.version).toBe(before.version + 1);
    expect(
      await server.app.services.secrets.revealByName("rotating-value", {}, { toolCallId: null, purpose: "x" }),
    ).toBe(next);
    const deleted = (await ok(DeleteSecretDocument, { id: first.id })).deleteSecret;
    expect(deleted).toMatchObject({ id: first.id, name: "rotating-value" });
    expect(
      await server.app.services.secrets.revealByName("rotating-value", {}, { toolCallId: null, purpose: "x" }),
    ).toBeNull();
    expect(codeOf(await send(DeleteSecretDocument, { id: first.id }))).toBe("NOT_FOUND");
  });

  it("refuses a tampered ciphertext, and one moved to another row, with SECRET_UNREADABLE", async () => {
    const victim = await create({ name: "tampered", kind: "OTHER" });
    const em = server.app.db.fork();
    const row = await em.findOneOrFail(SecretRecord, { id: victim.id }, { disableIdentityMap: true });
    const raw = Buffer.from(row.ciphertext, "base64");
    raw[raw.length - 1] = (raw[raw.length - 1] ?? 0) ^ 0x80;
    await em.nativeUpdate(SecretRecord, { id: victim.id }, { ciphertext: raw.toString("base64") });
    const read = () => server.app.services.secrets.revealByName("tampered", {}, { toolCallId: null, purpose: "x" });
    await expect(read()).rejects.toMatchObject({
      code: "SECRET_UNREADABLE",
      details: { reason: "ALTERED", name: "tampered", secretId: victim.id },
    });
    await expect(read()).rejects.toThrow(/altered/);

    // A whole envelope copied onto another row does not open there.
    const source = await create({ name: "moved-from", kind: "OTHER" });
    const target = await create({ name: "moved-to", kind: "OTHER" });
    const from = await em.findOneOrFail(SecretRecord, { id: source.id }, { disableIdentityMap: true });
    await em.nativeUpdate(
      SecretRecord,
      { id: target.id },
      { ciphertext: from.ciphertext, wrappedKey: from.wrappedKey, masterKeyId: from.masterKeyId },
    );
    await expect(
      server.app.services.secrets.revealByName("moved-to", {}, { toolCallId: null, purpose: "x" }),
    ).rejects.toMatchObject({ code: "SECRET_UNREADABLE" });
    // The use of an unreadable secret is not recorded.
    expect((await ok(SecretNodeDocument, { id: victim.id })).node).toMatchObject({ lastUsedAt: null });
  });

  it("shows no value in any response or log line, and stores none in the database", async () => {
    expect(values.length).toBeGreaterThan(10);
    const logged = lines.join("\n");
    const answered = responses.join("\n");
    const stored = await databaseBytes(server, profile);
    expect(lines.some((l) => l.includes("secret created"))).toBe(true);
    expect(stored).toContain("gh-global");
    for (const value of values.filter((v) => v.length >= 12)) {
      expect(answered).not.toContain(value);
      expect(logged).not.toContain(value);
      expect(stored).not.toContain(value);
      expect(stored).not.toContain(Buffer.from(value).toString("base64").slice(0, 16));
    }
  });
});
