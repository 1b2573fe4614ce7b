import { createHash } from "node:crypto";
import {
  buildClientSchema,
  getIntrospectionQuery,
  print,
  type GraphQLFormattedError,
  type IntrospectionQuery,
} from "graphql";
import type { Client } from "graphql-ws";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  CreateTaskDocument,
  ExpensiveTasksDocument,
  MeDocument,
  TaskCountDocument,
  TaskEventsDocument,
  UpdateTaskStatusDocument,
} from "../generated/graphql.js";
import { describeProfiles } from "../helpers/profiles.js";
import { collect, startTestServer, type TestServer } from "../helpers/server.js";

interface Reply {
  status: number;
  contentType: string;
  headers: Headers;
  body: {
    data?: Record<string, unknown> | null;
    errors?: GraphQLFormattedError[];
    extensions?: Record<string, unknown>;
  };
}

interface WsReply {
  data?: Record<string, unknown> | null;
  errors?: GraphQLFormattedError[];
  extensions?: Record<string, unknown>;
}

const MB = 1024 * 1024;
const meQuery = "{ me { id } }";

/** tasks → edges → node → parent × n: depth n + 3. */
const deepQuery = (depth: number) =>
  `{ tasks(first: 1) { edges { node { ${"parent { ".repeat(depth - 3)}id${" }".repeat(depth - 3)} } } } }`;
const aliasQuery = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: me { id }`).join(" ")} }`;

interface LimitCase {
  name: string;
  query: string;
  /** HTTP status; the WebSocket gets the same error as an `error` message. */
  status: number;
  code: string;
  limit?: string;
  message: RegExp;
}

const limitCases: LimitCase[] = [
  {
    name: "depth 50",
    query: deepQuery(50),
    status: 400,
    code: "GRAPHQL_VALIDATION_FAILED",
    limit: "depth",
    message: /Query depth \d+ exceeds the maximum of 15/,
  },
  {
    name: "500 aliases",
    query: aliasQuery(500),
    status: 400,
    code: "GRAPHQL_VALIDATION_FAILED",
    limit: "aliases",
    message: /Query uses 500 aliases; the maximum is 30/,
  },
  {
    name: "a 1 MB comment",
    query: `# ${"x".repeat(MB)}\n${meQuery}`,
    status: 400,
    code: "GRAPHQL_VALIDATION_FAILED",
    limit: "queryLength",
    message: /the maximum is 100000/,
  },
  {
    name: "a 1 MB string literal",
    query: `{ task(id: "${"x".repeat(MB)}") { id } }`,
    status: 400,
    code: "GRAPHQL_VALIDATION_FAILED",
    limit: "queryLength",
    message: /the maximum is 100000/,
  },
  {
    // 6,000 field tokens in 18 KB: under the length limit, over the token limit.
    name: "6,000 tokens",
    query: `{ me { ${"id ".repeat(6_000)}} }`,
    status: 400,
    code: "GRAPHQL_PARSE_FAILED",
    message: /Document contains more th[ae][nt] 5000 tokens/,
  },
  {
    name: "100 tasks × 500 events",
    query: print(ExpensiveTasksDocument),
    status: 400,
    code: "GRAPHQL_VALIDATION_FAILED",
    limit: "cost",
    message: /Query cost \d+ exceeds the maximum of 10000/,
  },
  {
    // Introspection counts like any query: aliased copies of the schema add up to the cost limit
    // (one such 7.7 KB document once made an 87 MB answer). An operation that introspects may cost
    // up to 1.25 × GraphiQL's full schema fetch (more than 10,000 once the schema grew past it).
    name: "aliased introspection bomb",
    query: `{ ${Array.from({ length: 20 }, (_, i) => `s${i}: __schema { types { name fields { name args { name type { name } } } } }`).join(" ")} }`,
    status: 400,
    code: "GRAPHQL_VALIDATION_FAILED",
    limit: "cost",
    message: /Query cost \d+ exceeds the maximum of \d+/,
  },
  {
    // graphql-js also bounds introspection's nesting: types → fields → type → fields … cannot fan out.
    name: "circular introspection",
    query: `{ __type(name: "Task") { ${"fields { type { ".repeat(4)}name${" } }".repeat(4)} } }`,
    status: 400,
    code: "GRAPHQL_VALIDATION_FAILED",
    message: /^Maximum introspection depth exceeded$/,
  },
];

/** Right at each limit: must pass, or the limits would break ordinary clients. */
const atLimit = [
  { name: "depth 15", query: deepQuery(15) },
  { name: "30 aliases", query: aliasQuery(30) },
  // (a list literal: 4,900 copies of one field would trip graphql-js's own overlap-check budget)
  { name: "4,900 tokens", query: `{ agents(filter: { status: [${"BUSY ".repeat(4_880)}] }) { totalCount } }` },
  { name: "a 99,000-character query", query: `# ${"x".repeat(99_000)}\n${meQuery}` },
];

function expectNoStack(body: unknown): void {
  const text = JSON.stringify(body);
  expect(text).not.toContain("    at ");
  expect(text).not.toContain(".ts:");
}

/** Runs one operation over graphql-ws; resolves with the result or the protocol `error` payload. */
function wsQuery(client: Client, query: string, variables?: Record<string, unknown>): Promise<WsReply> {
  return new Promise((resolve, reject) => {
    let result: WsReply = {};
    client.subscribe(
      { query, variables },
      {
        next: (v) => {
          result = v as WsReply;
        },
        error: (e) => (Array.isArray(e) ? resolve({ errors: e as GraphQLFormattedError[] }) : reject(e)),
        complete: () => resolve(result),
      },
    );
  });
}

describeProfiles("query protections", (profile) => {
  let s: TestServer;
  let taskId: string;

  async function http(init: {
    method?: string;
    body?: string;
    search?: string;
    headers?: Record<string, string>;
    key?: string | null;
  }): Promise<Reply> {
    const key = init.key === undefined ? s.adminKey : init.key;
    const res = await fetch(`${s.url}/graphql${init.search ?? ""}`, {
      method: init.method ?? "POST",
      headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...init.headers },
      body: init.body,
    });
    const text = await res.text();
    return {
      status: res.status,
      contentType: res.headers.get("content-type") ?? "",
      headers: res.headers,
      body: JSON.parse(text) as Reply["body"],
    };
  }
  const post = (query: string, headers: Record<string, string> = {}, key?: string | null) =>
    http({ body: JSON.stringify({ query }), headers: { "content-type": "application/json", ...headers }, key });
  const taskCount = async () => (await s.ok(TaskCountDocument)).tasks.totalCount;

  beforeAll(async () => {
    s = await startTestServer(profile, { maxSubscriptionsPerSocket: 5 });
    taskId = (await s.ok(CreateTaskDocument, { input: { title: "watched", complexity: 3 } })).createTask.id;
  });
  afterAll(() => s?.stop());

  describe("over HTTP", () => {
    for (const c of limitCases) {
      it(`${c.name} → ${c.status} ${c.code}${c.limit ? ` (${c.limit})` : ""}`, async () => {
        const r = await post(c.query);
        expect(r.status).toBe(c.status);
        expect(r.body.data).toBeUndefined();
        const e = r.body.errors?.[0];
        expect(e?.extensions?.code).toBe(c.code);
        if (c.limit) expect(e?.extensions?.limit).toBe(c.limit);
        expect(e?.message).toMatch(c.message);
        expectNoStack(r.body);
      });
    }

    for (const c of atLimit) {
      it(`${c.name} passes`, async () => {
        const r = await post(c.query);
        expect(r.body.errors).toBeUndefined();
        expect(r.status).toBe(200);
      });
    }

    it("introspection (GraphiQL's full schema fetch) passes every limit with a key", async () => {
      const query = getIntrospectionQuery({
        descriptions: true,
        inputValueDeprecation: true,
        schemaDescription: true,
        specifiedByUrl: true,
        directiveIsRepeatable: true,
      });
      const r = await post(query);
      expect(r.status).toBe(200);
      expect(r.body.errors).toBeUndefined();
      // The schema's full fetch costs more than the 10,000 an ordinary query may (it grows with the
      // schema); an operation that introspects is allowed 1.25 × that, and says so.
      const cost = (r.body.extensions as { cost: { requested: number; maximum: number } }).cost;
      expect(cost.requested).toBeGreaterThan(0);
      expect(cost.maximum).toBeGreaterThanOrEqual(Math.max(10_000, cost.requested));
      const schema = buildClientSchema(r.body.data as unknown as IntrospectionQuery);
      expect(schema.getMutationType()?.getFields().createTask).toBeDefined();
      expect(schema.getSubscriptionType()?.getFields().taskEvents).toBeDefined();
    });

    it("introspection without a key → UNAUTHENTICATED (in a 200, as every auth error), saying how to send one; __typename alone is fine", async () => {
      for (const query of [getIntrospectionQuery(), '{ __type(name: "Task") { name } }']) {
        const r = await post(query, {}, null);
        expect(r.status).toBe(200);
        expect(r.body.data).toBeUndefined();
        expect(r.body.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
        expect(r.body.errors?.[0]?.message).toMatch(/Introspection needs an API key/);
      }
      expect((await post("{ __typename }", {}, null)).body).toEqual({
        data: { __typename: "Query" },
        extensions: { cost: { requested: 0, maximum: 10_000 } },
      });
    });

    it("says in extensions.cost what each query and mutation cost, as the limit counts it", async () => {
      // tasks 1, then 10 × each field below it (the page of 10): totalCount, edges, node, id, title = 51
      const q = "{ tasks(first: 10) { totalCount edges { node { id title } } } }";
      expect((await post(q)).body.extensions).toEqual({ cost: { requested: 51, maximum: 10_000 } });
      // A variable page size counts as the assumed 100.
      const r = await http({
        body: JSON.stringify({
          query: "query($n: Int) { tasks(first: $n) { edges { node { id } } } }",
          variables: { n: 2 },
        }),
        headers: { "content-type": "application/json" },
      });
      expect(r.body.extensions).toEqual({ cost: { requested: 301, maximum: 10_000 } });
      const m = await http({
        body: JSON.stringify({
          query: print(CreateTaskDocument),
          variables: { input: { title: "cost", complexity: 1 } },
        }),
        headers: { "content-type": "application/json" },
      });
      expect((m.body.extensions?.cost as { requested: number }).requested).toBeGreaterThan(1);
      // `last` counts as `first` does; of a union's fragments only the dearest counts per item:
      // tasks 1 + 2 × (edges, node, id, events) + 2 × 500 × (id, details, max(3, 2)) = 5,009.
      const union = `{ tasks(last: 2) { edges { node { id events(first: 500) { id details {
        ... on StatusChangeDetails { from to note } ... on MessageDetails { role author } } } } } } }`;
      expect((await post(union)).body.extensions).toMatchObject({ cost: { requested: 5_009 } });
      // Over graphql-ws as well (a subscription's events do not repeat it).
      expect((await wsQuery(s.ws(), q)).extensions).toEqual({ cost: { requested: 51, maximum: 10_000 } });
    });

    it("serves automatic persisted queries: a hash alone once the query is known, by POST or GET", async () => {
      const query = "{ me { role } }";
      const sha256Hash = createHash("sha256").update(query).digest("hex");
      const persisted = { persistedQuery: { version: 1, sha256Hash } };
      const json = { "content-type": "application/json" };
      const unknown = await http({ body: JSON.stringify({ extensions: persisted }), headers: json });
      expect(unknown.body.errors?.[0]?.extensions?.code).toBe("PERSISTED_QUERY_NOT_FOUND");
      const registered = await http({ body: JSON.stringify({ query, extensions: persisted }), headers: json });
      expect(registered.body.data).toEqual({ me: { role: "ADMIN" } });
      const byHash = await http({ body: JSON.stringify({ extensions: persisted }), headers: json });
      expect(byHash.body.data).toEqual({ me: { role: "ADMIN" } });
      const get = await http({
        method: "GET",
        search: `?extensions=${encodeURIComponent(JSON.stringify(persisted))}`,
      });
      expect(get.body.data).toEqual({ me: { role: "ADMIN" } });
    });

    it("a body over 2 MB → 413, and the server keeps serving", async () => {
      // Refused on its declared content-length, before the query is read (the rest is drained).
      const r = await post(`# ${"x".repeat(3 * MB)}\n${meQuery}`);
      expect(r.status).toBe(413);
      expect(r.body.errors?.[0]).toMatchObject({
        message: "Request body exceeds 2097152 bytes",
        extensions: { code: "BAD_REQUEST" },
      });
      expect((await post(meQuery)).body.data).toEqual({ me: { id: expect.any(String) } });
    });

    it("batching is off: a JSON array of two operations → 400 and neither runs", async () => {
      const before = await taskCount();
      const create = { query: print(CreateTaskDocument), variables: { input: { title: "batched", complexity: 1 } } };
      const r = await http({ body: JSON.stringify([create, create]), headers: { "content-type": "application/json" } });
      expect(r.status).toBe(400);
      expect(r.body.errors?.[0]?.message).toMatch(/batching/i);
      expect(await taskCount()).toBe(before);
    });

    /**
     * CSRF prevention. A request is refused when it is one a page of any origin could send
     * without a CORS preflight: its content-type is missing or one of text/plain,
     * application/x-www-form-urlencoded, multipart/form-data, AND it carries none of
     * Authorization, `apollo-require-preflight`, `x-apollo-operation-name`, `graphql-preflight`.
     * Each of those headers forces a preflight, which only CORS_ORIGINS passes: a request with a
     * key cannot be forged by another page. So urql's default GET with its key is served.
     */
    describe("CSRF prevention", () => {
      const mutation = JSON.stringify({
        query: print(CreateTaskDocument),
        variables: { input: { title: "csrf", complexity: 1 } },
      });

      for (const type of ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"]) {
        it(`POST with content-type ${type} and no key is refused as CSRF and runs nothing`, async () => {
          const before = await taskCount();
          const r = await http({ body: mutation, headers: { "content-type": type }, key: null });
          expect(r.status).toBe(400);
          expect(r.body.errors?.[0]?.message).toMatch(/Cross-Site Request Forgery/);
          expect(r.body.errors?.[0]?.extensions?.code).toBe("BAD_REQUEST");
          expect(await taskCount()).toBe(before);
        });
        it(`POST with content-type ${type} and a key is not JSON: refused, runs nothing`, async () => {
          const before = await taskCount();
          const r = await http({ body: mutation, headers: { "content-type": type } });
          expect(r.status).toBe(400);
          expect(await taskCount()).toBe(before);
        });
      }

      it("a GET with no content-type, no key and no preflight header is refused", async () => {
        const r = await http({ method: "GET", search: `?query=${encodeURIComponent("{ __typename }")}`, key: null });
        expect(r.status).toBe(400);
        expect(r.body.errors?.[0]?.message).toMatch(/Cross-Site Request Forgery/);
        expect(r.body.data).toBeUndefined();
      });

      for (const [name, headers] of [
        ["only its key (urql's default)", {}],
        ["apollo-require-preflight", { "apollo-require-preflight": "true" }],
        ["x-apollo-operation-name", { "x-apollo-operation-name": "Me" }],
        ["content-type: application/json", { "content-type": "application/json" }],
      ] as const) {
        it(`a GET with ${name} is served`, async () => {
          const r = await http({ method: "GET", search: `?query=${encodeURIComponent(meQuery)}`, headers });
          expect(r.status).toBe(200);
          expect(r.body).toMatchObject({ data: { me: { id: expect.any(String) } } });
        });
      }
    });

    describe("GraphQL over HTTP", () => {
      const preflight = { "apollo-require-preflight": "true" };

      it("a mutation over GET → 405 with Allow: POST, and it does not run", async () => {
        const before = await taskCount();
        const query = 'mutation { createTask(input: { title: "via GET", complexity: 1 }) { id } }';
        const r = await http({ method: "GET", search: `?query=${encodeURIComponent(query)}`, headers: preflight });
        expect(r.status).toBe(405);
        expect(r.headers.get("allow")).toBe("POST");
        expect(r.body.errors?.[0]?.message).toMatch(/GET requests only support query operations/);
        expect(await taskCount()).toBe(before);
      });

      it("methods other than GET and POST → 405", async () => {
        const r = await http({ method: "PUT", body: JSON.stringify({ query: meQuery }) });
        expect(r.status).toBe(405);
        expect(r.headers.get("allow")).toBe("GET, POST");
      });

      it("Accept: application/graphql-response+json gets that media type back", async () => {
        const r = await post(meQuery, { accept: "application/graphql-response+json" });
        expect(r.status).toBe(200);
        expect(r.contentType).toMatch(/^application\/graphql-response\+json/);
        expect(r.body.data).toEqual({ me: { id: expect.any(String) } });
      });

      it("with that media type a validation error is HTTP 400", async () => {
        const r = await post("{ me { id } zzz }", { accept: "application/graphql-response+json" });
        expect(r.status).toBe(400);
        expect(r.contentType).toMatch(/^application\/graphql-response\+json/);
        expect(r.body.errors?.[0]).toMatchObject({
          message: 'Cannot query field "zzz" on type "Query".',
          extensions: { code: "GRAPHQL_VALIDATION_FAILED" },
        });
        expect(r.body.data).toBeUndefined();
      });

      it("a limit error keeps that media type too", async () => {
        const r = await post(deepQuery(50), { accept: "application/graphql-response+json" });
        expect(r.status).toBe(400);
        expect(r.contentType).toMatch(/^application\/graphql-response\+json/);
        expect(r.body.errors?.[0]?.extensions?.limit).toBe("depth");
      });
    });
  });

  describe("over WebSocket", () => {
    let client: Client;
    let connects = 0;
    const closes: unknown[] = [];

    beforeAll(async () => {
      // Not lazy: one socket for the whole block, so "still usable" means the same socket.
      client = s.ws(s.adminKey, {
        lazy: false,
        on: { connected: () => void connects++, closed: (e) => void closes.push(e) },
      });
      expect((await wsQuery(client, meQuery)).data).toEqual({ me: { id: expect.any(String) } });
    });

    for (const c of limitCases) {
      it(`${c.name} → ${c.code}${c.limit ? ` (${c.limit})` : ""}, and the socket stays usable`, async () => {
        const r = await wsQuery(client, c.query);
        expect(r.data ?? undefined).toBeUndefined();
        expect(r.errors).toHaveLength(1);
        const e = r.errors![0]!;
        expect(e.extensions?.code).toBe(c.code);
        if (c.limit) expect(e.extensions?.limit).toBe(c.limit);
        expect(e.message).toMatch(c.message);
        expectNoStack(r);
        expect((await wsQuery(client, meQuery)).data).toEqual({ me: { id: expect.any(String) } });
      });
    }

    for (const c of atLimit) {
      it(`${c.name} passes`, async () => {
        const r = await wsQuery(client, c.query);
        expect(r.errors).toBeUndefined();
        expect(r.data).toBeTruthy();
      });
    }

    it("all of the above ran on one socket that was never closed", () => {
      expect(connects).toBe(1);
      expect(closes).toEqual([]);
    });

    it("subscriptions per socket are capped (5 here): the 6th is refused, the 5 keep working", async () => {
      let sockets = 0;
      const c = s.ws(s.adminKey, { on: { connected: () => void sockets++ } });
      const subs = Array.from({ length: 5 }, () => collect(c, TaskEventsDocument, { taskId }));
      await Promise.all(subs.map((x) => x.waitFor(1)));

      const extra = collect(c, TaskEventsDocument, { taskId });
      await extra.ended;
      expect(extra.items).toEqual([]);
      const [errors] = extra.errors as GraphQLFormattedError[][];
      expect(errors?.[0]).toMatchObject({
        message: "At most 5 operations may run at once on one connection",
        extensions: { code: "GRAPHQL_VALIDATION_FAILED", limit: "subscriptionsPerSocket", max: 5 },
      });
      // so is a plain query while the socket is full
      expect((await wsQuery(c, meQuery)).errors?.[0]?.extensions?.limit).toBe("subscriptionsPerSocket");

      await s.ok(UpdateTaskStatusDocument, { id: taskId, status: "FAILED" });
      for (const x of subs) {
        const items = await x.waitFor(2);
        expect(items.map((i) => i.taskEvents.seq)).toEqual([1, 2]);
        expect(x.errors).toEqual([]);
      }

      // closing one frees its place
      subs[0]!.stop();
      await new Promise((r) => setTimeout(r, 50));
      const again = collect(c, TaskEventsDocument, { taskId, afterSeq: 1 });
      expect((await again.waitFor(1)).map((i) => i.taskEvents.seq)).toEqual([2]);
      expect(sockets).toBe(1);
      again.stop();
      for (const x of subs) x.stop();
    });

    it("a message over 2 MB closes that socket with 1009; the server keeps serving others", async () => {
      let connected!: () => void;
      const isConnected = new Promise<void>((r) => (connected = r));
      let onClose!: (e: { code: number }) => void;
      const closed = new Promise<{ code: number }>((r) => (onClose = r));
      const big = s.ws(s.adminKey, {
        lazy: false,
        onNonLazyError: () => {}, // the close is checked below
        on: { connected: () => connected(), closed: (e) => onClose(e as { code: number }) },
      });
      await isConnected;
      // The server runs in this process: it must log the client's oversized frame through its
      // logger, not dump a stack on stderr (graphql-ws's default).
      const consoleError = vi.spyOn(console, "error");
      const outcome = wsQuery(big, `# ${"x".repeat(2 * MB + 1)}\n${meQuery}`).then(
        () => "answered",
        (e: { code?: number }) => e.code,
      );
      expect((await closed).code).toBe(1009);
      expect(await outcome).toBe(1009);
      expect(consoleError).not.toHaveBeenCalled();
      consoleError.mockRestore();

      expect((await wsQuery(client, meQuery)).data).toEqual({ me: { id: expect.any(String) } });
      expect((await wsQuery(s.ws(), meQuery)).data).toEqual({ me: { id: expect.any(String) } });
      expect((await post(meQuery)).status).toBe(200);
    });
  });
});

describe("INTROSPECTION=public and INTROSPECTION=off [sqlite]", () => {
  const introspect = (s: TestServer, key: string | null) =>
    fetch(`${s.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(key ? { authorization: `Bearer ${key}` } : {}) },
      body: JSON.stringify({ query: "{ __schema { queryType { name } } }" }),
    }).then(async (r) => ({ status: r.status, body: (await r.json()) as Reply["body"] }));

  it("public: anyone may introspect", async () => {
    const s = await startTestServer("sqlite", { workers: 0, env: { INTROSPECTION: "public" } });
    try {
      expect(await introspect(s, null)).toMatchObject({
        status: 200,
        body: { data: { __schema: { queryType: { name: "Query" } } } },
      });
    } finally {
      await s.stop();
    }
  });

  it("off: no one may, over HTTP or WebSocket, admin included", async () => {
    const s = await startTestServer("sqlite", { workers: 0, env: { INTROSPECTION: "off" } });
    try {
      for (const key of [null, s.adminKey]) {
        const r = await introspect(s, key);
        expect(r.status).toBe(200);
        expect(r.body.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
      }
      const ws = await wsQuery(s.ws(), "{ __schema { queryType { name } } }");
      expect(ws.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
      expect((await s.ok(MeDocument)).me.role).toBe("ADMIN");
    } finally {
      await s.stop();
    }
  });
});
