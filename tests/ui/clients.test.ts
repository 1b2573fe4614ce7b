import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildClientSchema, buildSchema, isAbstractType, isObjectType, Kind, parse } from "graphql";
import puppeteer, { type Browser, type Page } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { startPageServer, type AppName, type PageServer } from "./clients/page-server.js";
import * as schemaData from "./clients/schema-data.js";
import type { ApiTarget, ClientApp, RecordedRequest, WalkthroughResult } from "./clients/walkthrough.js";

/** Debian's chromium binary; /usr/bin/chromium is a wrapper script that adds flags of its own. */
const chromium = "/usr/lib/chromium/chromium";

// Chromium's start and a walk-through's steps each wait up to 20 s on a loaded machine.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

/** A page of one app, with what its console said. */
interface AppPage {
  page: Page;
  /** Console warnings and errors, uncaught errors and failed requests, in order. */
  complaints: string[];
}

const isComplaint = (type: string) => ["warn", "warning", "error", "assert"].includes(type);

async function openApp(browser: Browser, origin: string, name: AppName): Promise<AppPage> {
  const page = await browser.newPage();
  const complaints: string[] = [];
  page.on("console", (m) => {
    if (isComplaint(m.type())) complaints.push(`console.${m.type()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => complaints.push(`page error: ${String(e)}`));
  page.on("requestfailed", (r) => complaints.push(`request failed: ${r.url()}: ${r.failure()?.errorText}`));
  await page.goto(`${origin}/${name}.html`, { waitUntil: "load", timeout: 60_000 });
  await page
    .waitForFunction(() => "clientApp" in globalThis, { timeout: 20_000 })
    .catch((err: unknown) => {
      throw new Error(`the ${name} app did not start: ${complaints.join("\n")}`, { cause: err });
    });
  return { page, complaints };
}

const clientApp = (app: AppPage) => ({
  walkthrough: (target: ApiTarget) =>
    app.page.evaluate((t) => (globalThis as unknown as { clientApp: ClientApp }).clientApp.walkthrough(t), target),
  readUsageTwice: (target: ApiTarget, settings: "readme" | "none") =>
    app.page.evaluate(
      (t, c) => (globalThis as unknown as { clientApp: ClientApp }).clientApp.readUsageTwice(t, c),
      target,
      settings,
    ),
  readFragments: (target: ApiTarget, settings: "readme" | "without schema") =>
    app.page.evaluate(
      (t, c) => (globalThis as unknown as { clientApp: ClientApp }).clientApp.readFragments(t, c),
      target,
      settings,
    ),
});

/** The requests of one operation, as (how it travelled, what came back). */
const trips = (requests: RecordedRequest[], operationName: string) =>
  requests
    .filter((r) => r.operationName === operationName)
    .map((r) => ({ method: r.method, withQuery: r.withQuery, withHash: r.withHash, errorCodes: r.errorCodes }));

/** From `opener` to the bracket closing its first one, without whitespace or trailing commas. */
function snippet(text: string, opener: string): string {
  const start = text.indexOf(opener);
  if (start < 0) return `(no ${opener})`;
  let depth = 0;
  for (let i = start + opener.search(/[([{]/); i < text.length; i++) {
    if ("([{".includes(text[i]!)) depth++;
    else if (")]}".includes(text[i]!) && --depth === 0) {
      return text
        .slice(start, i + 1)
        .replace(/\s+/g, "")
        .replace(/,([)\]}])/g, "$1");
    }
  }
  return `(unbalanced ${opener})`;
}

const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
const section = readme.slice(readme.indexOf("### From a web app"), readme.indexOf("## Configuration"));
const sdl = readFileSync(new URL("../../schema.graphql", import.meta.url), "utf8");

/** Each supertype's members, sorted, for a comparison that order does not sway. */
const sorted = (map: Record<string, readonly string[]>) =>
  Object.fromEntries(
    Object.entries(map)
      .map(([supertype, members]) => [supertype, [...members].sort()] as const)
      .sort(([a], [b]) => a.localeCompare(b)),
  );

describe("README's web-app section", () => {
  it("shows the very cache settings the apps below use, and the script that derives their schema data", () => {
    for (const [app, openers] of [
      ["apollo-app.ts", ["new InMemoryCache({"]],
      ["urql-app.ts", ["const embedded = [", "cacheExchange({"]],
      ["schema-data.ts", ["const possibleTypes = Object.fromEntries(", "const schema = introspectionFromSchema("]],
    ] as const) {
      const source = readFileSync(new URL(`./clients/${app}`, import.meta.url), "utf8");
      for (const opener of openers) {
        expect(snippet(source, opener), app).toMatch(/^[^(]/);
        expect(snippet(section, opener), app).toBe(snippet(source, opener));
      }
    }
  });

  // graphcache's own rule for the types it embeds without being told (its `keys` warning skips them).
  const embeddedByItself = /^__|^PageInfo$|(Connection|Edge)$/;

  it("names in `embedded` each object type of schema.graphql without an id, but the root types, connections, edges and PageInfo", () => {
    const api = buildSchema(sdl);
    const roots = new Set([api.getQueryType(), api.getMutationType(), api.getSubscriptionType()]);
    const idless = Object.values(api.getTypeMap())
      .filter(isObjectType)
      .filter((type) => !roots.has(type) && !embeddedByItself.test(type.name) && !("id" in type.getFields()))
      .map((type) => type.name)
      .sort();
    expect(idless).toContain("StatusChangeDetails");
    const listIn = (text: string) => JSON.parse(snippet(text, "const embedded = [").replace(/^[^[]*/, "")) as string[];
    expect(listIn(section)).toEqual(idless);
  });

  it("derives Apollo's possibleTypes and graphcache's schema with every interface and union of schema.graphql and their members", () => {
    // From the SDL's syntax, not from graphql-js's schema as the script does.
    const expected: Record<string, string[]> = {};
    const { definitions } = parse(sdl);
    for (const d of definitions) {
      if (d.kind === Kind.INTERFACE_TYPE_DEFINITION) expected[d.name.value] ??= [];
      if (d.kind === Kind.UNION_TYPE_DEFINITION) expected[d.name.value] = (d.types ?? []).map((t) => t.name.value);
    }
    for (const d of definitions) {
      if (d.kind !== Kind.OBJECT_TYPE_DEFINITION) continue;
      for (const i of d.interfaces ?? []) (expected[i.name.value] ??= []).push(d.name.value);
    }
    expect(Object.keys(expected)).toEqual(expect.arrayContaining(["Node", "TaskEventDetails"]));
    expect(sorted(schemaData.possibleTypes)).toEqual(sorted(expected));

    const client = buildClientSchema(schemaData.schema);
    const abstract = Object.values(client.getTypeMap()).filter(isAbstractType);
    expect(
      sorted(Object.fromEntries(abstract.map((t) => [t.name, client.getPossibleTypes(t).map((m) => m.name)]))),
    ).toEqual(sorted(expected));
  });
});

describe.skipIf(!existsSync(chromium))("web apps of another origin, with Apollo Client and urql", () => {
  let pages: PageServer;
  let apis: Record<AppName, TestServer>;
  let browser: Browser;
  let profileDir: string;

  beforeAll(async () => {
    pages = await startPageServer();
    const env = { CORS_ORIGINS: pages.origin };
    const [apollo, urql] = await Promise.all([
      startTestServer("sqlite", { workers: 0, env }),
      startTestServer("sqlite", { workers: 0, env }),
    ]);
    apis = { apollo, urql };
    // Another origin than the API's: every request is a cross-origin one, preflighted.
    expect(new URL(apollo.url).origin).not.toBe(pages.origin);
    profileDir = mkdtempSync(join(tmpdir(), "chromium-profile-"));
    browser = await puppeteer.launch({
      executablePath: chromium,
      timeout: 90_000,
      args: [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        `--user-data-dir=${profileDir}`,
      ],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await Promise.all([apis?.apollo.stop(), apis?.urql.stop(), pages?.close()]);
    if (profileDir) rmSync(profileDir, { recursive: true, force: true });
  });

  const targetOf = (name: AppName): ApiTarget => ({
    httpUrl: `${apis[name].url}/graphql`,
    wsUrl: apis[name].wsUrl,
    key: apis[name].adminKey,
  });

  /** What both libraries must show: README's walk-through, from the app's side. */
  function expectWalkthrough(r: WalkthroughResult): void {
    expect(r.agent).toEqual({ name: "web-agent", kind: "EXTERNAL", status: "AVAILABLE" });
    expect(r.task).toEqual({ title: "Write a README", status: "PENDING", assignedAgent: null });

    // The interface Node: each object with the fields of the inline fragment on its own type.
    const taskNode = { __typename: "Task", id: r.ids.task, title: "Write a README", status: "PENDING" };
    expect(r.node).toEqual(taskNode);
    expect(r.nodes).toEqual([{ __typename: "Agent", id: r.ids.agent, name: "web-agent" }, taskNode]);

    expect(r.page).toEqual({
      totalCount: 1,
      hasNextPage: false,
      endCursor: expect.any(String),
      titles: ["Write a README"],
      cursors: [expect.any(String)],
    });
    // Backward: the last task of the list is the only one, so nothing lies before it.
    expect(r.lastPage).toEqual({ ids: [r.ids.task], hasPreviousPage: false, startCursor: r.page.cursors[0] });
    expect(r.statuses).toEqual(["FAILED", "PENDING", "CANCELLED"]);

    // Every event, in order, with no gap; the subscription ended by itself after CANCELLED.
    expect(r.subscription).toEqual({ completed: true, error: null });
    expect(r.events.map((e) => e.seq)).toEqual(Array.from({ length: r.lastEventSeq }, (_, i) => i + 1));
    expect(r.events.filter((e) => e.type === "STATUS_CHANGE").map((e) => e.data)).toEqual([
      expect.objectContaining({ from: null, to: "PENDING" }),
      expect.objectContaining({ from: "PENDING", to: "FAILED", note: "from a web app" }),
      expect.objectContaining({ from: "FAILED", to: "PENDING", note: "from a web app" }),
      expect.objectContaining({ from: "PENDING", to: "CANCELLED" }),
    ]);
    expect(r.events.at(-1)).toMatchObject({ type: "STATUS_CHANGE", data: { to: "CANCELLED" } });

    // The union TaskEventDetails, with an inline fragment on StatusChangeDetails: a move's
    // details say what its data says; the message's are a MessageDetails, which it does not match.
    // The same in the subscription and in the list read afterwards.
    expect(r.events.map((e) => e.type)).toEqual([
      "STATUS_CHANGE",
      "MESSAGE",
      "STATUS_CHANGE",
      "STATUS_CHANGE",
      "STATUS_CHANGE",
    ]);
    const typed = ({ type, data }: { type: string; data: unknown }) => {
      if (type !== "STATUS_CHANGE") return { __typename: "MessageDetails" };
      const { from, to } = data as { from: unknown; to: unknown };
      return { __typename: "StatusChangeDetails", from, to };
    };
    expect(r.events.map((e) => e.details)).toEqual(r.events.map(typed));
    expect(r.listedEvents).toEqual(r.events.map(({ seq, type, data, details }) => ({ seq, type, data, details })));

    // A wrong key: a GraphQL error the app can read, not a network error.
    expect(r.wrongKey).toEqual({ graphQLErrorCodes: ["UNAUTHENTICATED"], networkError: false, data: null });
    const refused = r.requests.filter((q) => q.errorCodes.includes("UNAUTHENTICATED"));
    expect(refused.map((q) => q.status)).toEqual([200]);

    // Every answer the app got for a query or mutation says what it cost.
    const succeeded = r.results.filter((x) => x.ok);
    expect(succeeded.map((x) => x.operationName)).toEqual([
      "CreateAgent",
      "CreateTask",
      "SendTaskMessage",
      "Node",
      "Tasks",
      "Tasks",
      "LastTasks",
      "UpdateTaskStatus",
      "UpdateTaskStatus",
      "CancelTask",
      "TaskEventList",
    ]);
    for (const x of succeeded) {
      expect(x.extensions, x.operationName).toEqual({
        cost: { requested: expect.any(Number), maximum: 10_000 },
      });
      expect((x.extensions?.cost as { requested: number }).requested, x.operationName).toBeGreaterThan(0);
    }
  }

  function expectNoComplaints(app: AppPage): void {
    expect(app.complaints).toEqual([]);
  }

  it("Apollo Client 4: HttpLink, GraphQLWsLink, persisted queries and README's cache settings", async () => {
    const app = await openApp(browser, pages.origin, "apollo");
    const r = await clientApp(app).walkthrough(targetOf("apollo"));
    expectWalkthrough(r);
    // APQ: the first Tasks query is sent as its hash, unknown; then with its text; the second
    // time the hash alone is served. Apollo posts JSON (no CSRF header needed).
    expect(trips(r.requests, "Tasks")).toEqual([
      { method: "POST", withQuery: false, withHash: true, errorCodes: ["PERSISTED_QUERY_NOT_FOUND"] },
      { method: "POST", withQuery: true, withHash: true, errorCodes: [] },
      { method: "POST", withQuery: false, withHash: true, errorCodes: [] },
    ]);
    expect(new Set(r.requests.map((q) => q.contentType))).toEqual(new Set(["application/json"]));
    expectNoComplaints(app);
    await app.page.close();
  });

  it("urql: its default GET queries, persistedExchange, graphql-ws and README's graphcache settings", async () => {
    const app = await openApp(browser, pages.origin, "urql");
    const r = await clientApp(app).walkthrough(targetOf("urql"));
    expectWalkthrough(r);
    // Queries go as GET without a content-type (urql's default); the key's header passes CSRF.
    expect(trips(r.requests, "Tasks")).toEqual([
      { method: "GET", withQuery: false, withHash: true, errorCodes: ["PERSISTED_QUERY_NOT_FOUND"] },
      { method: "GET", withQuery: true, withHash: true, errorCodes: [] },
      { method: "GET", withQuery: false, withHash: true, errorCodes: [] },
    ]);
    const gets = r.requests.filter((q) => q.method === "GET");
    expect(gets.map((q) => q.contentType)).toEqual(gets.map(() => null));
    const posts = r.requests.filter((q) => q.method === "POST");
    expect(new Set(posts.map((q) => q.operationName))).toEqual(
      new Set(["CreateAgent", "CreateTask", "SendTaskMessage", "UpdateTaskStatus", "CancelTask"]),
    );
    expect(new Set(posts.map((q) => q.contentType))).toEqual(new Set(["application/json"]));
    expectNoComplaints(app);
    await app.page.close();
  });

  // The negative control: the silence above means something only if a warning would be caught.
  it.each([
    ["apollo", /^console\.warn: Cache data may be lost when replacing the %s field of a %s object[^]* usage Task /],
    ["urql", /^console\.warn: Invalid key: [^]* `Usage`/],
  ] as const)(
    "%s: README's cache settings keep it quiet; without them it warns, and the test sees it",
    async (name, warning) => {
      const readme = await openApp(browser, pages.origin, name);
      await clientApp(readme).readUsageTwice(targetOf(name), "readme");
      expectNoComplaints(readme);
      await readme.page.close();
      const none = await openApp(browser, pages.origin, name);
      await clientApp(none).readUsageTwice(targetOf(name), "none");
      expect(none.complaints).toEqual([expect.stringMatching(warning)]);
      await none.page.close();
    },
  );

  // The second: inline fragments on the members of an interface (Node) and of a union
  // (TaskEventDetails) meet objects of other members; README's settings minus `possibleTypes`
  // (Apollo) or `schema` (graphcache) warn about each.
  const apolloNoMatch = (fragmentOn: string, typename: string) =>
    new RegExp(
      "^console\\.warn: Cannot match %s on `%s` against `%s`\\. This indicates a missing `possibleTypes` entry" +
        `[^]* inline fragment ${fragmentOn} ${typename} ${typename}$`,
    );
  const graphcacheHeuristic = (typename: string, fragmentOn: string) =>
    new RegExp(
      `^console\\.warn: Heuristic Fragment Matching: A fragment is trying to match against the \`${typename}\` type, ` +
        `but the type condition is \`${fragmentOn}\`\\.`,
    );
  const graphcacheMissing = (field: string, typename: string) =>
    new RegExp(
      `^console\\.warn: Invalid undefined: The field at \`${field}\` is \`undefined\`[^]* on "${typename}"\\)`,
    );
  it.each([
    [
      "apollo",
      [
        apolloNoMatch("Task", "Agent"),
        apolloNoMatch("Agent", "Task"),
        apolloNoMatch("StatusChangeDetails", "MessageDetails"),
      ],
    ],
    [
      "urql",
      [
        graphcacheHeuristic("Agent", "Task"),
        graphcacheMissing("title", "Agent"),
        graphcacheHeuristic("Task", "Agent"),
        graphcacheMissing("name", "Task"),
        graphcacheHeuristic("MessageDetails", "StatusChangeDetails"),
        graphcacheMissing("from", "MessageDetails"),
        graphcacheMissing("to", "MessageDetails"),
      ],
    ],
  ] as const)(
    "%s: what README's settings take from the schema matches fragments quietly; without it, it warns",
    async (name, warnings) => {
      const readme = await openApp(browser, pages.origin, name);
      await clientApp(readme).readFragments(targetOf(name), "readme");
      expectNoComplaints(readme);
      await readme.page.close();
      const without = await openApp(browser, pages.origin, name);
      await clientApp(without).readFragments(targetOf(name), "without schema");
      expect(without.complaints).toEqual(warnings.map((w) => expect.stringMatching(w)));
      await without.page.close();
    },
  );
});
