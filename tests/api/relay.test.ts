import { execFile } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { buildSchema, getNamedType, isObjectType, type GraphQLObjectType } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newId } from "../../src/domain/ids.js";
import {
  AgentPageDocument,
  ApiKeysDocument,
  CreateAgentDocument,
  CreateApiKeyDocument,
  CreateTaskDocument,
  NodeByIdDocument,
  NodesByIdsDocument,
  TaskDocument,
  TaskPageDocument,
  type TaskPageQueryVariables,
} from "../generated/graphql.js";
import { describeProfiles } from "../helpers/profiles.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

const run = promisify(execFile);

describeProfiles("Relay connections and object identification", (profile) => {
  let s: TestServer;
  /** Five tasks, oldest first; lists are newest first, so the list is t[4], t[3] … t[0]. */
  const t: Array<{ id: string; title: string }> = [];
  beforeAll(async () => {
    s = await startTestServer(profile);
    for (let i = 0; i < 5; i++) {
      t.push((await s.ok(CreateTaskDocument, { input: { title: `t${i}`, complexity: 3 } })).createTask);
    }
  });
  afterAll(() => s?.stop());

  const page = async (v: TaskPageQueryVariables) => {
    const tasks = (await s.ok(TaskPageDocument, v)).tasks;
    return {
      titles: tasks.edges.map((e) => e.node.title),
      info: tasks.pageInfo,
      cursors: tasks.edges.map((e) => e.cursor),
    };
  };

  it("pages forward with first/after and backward with last/before, with all four pageInfo fields", async () => {
    const p1 = await page({ first: 2 });
    expect(p1.titles).toEqual(["t4", "t3"]);
    expect(p1.info).toEqual({
      hasNextPage: true,
      hasPreviousPage: false,
      startCursor: p1.cursors[0],
      endCursor: p1.cursors[1],
    });
    const p2 = await page({ first: 2, after: p1.info.endCursor });
    expect(p2.titles).toEqual(["t2", "t1"]);
    expect(p2.info).toMatchObject({ hasNextPage: true, hasPreviousPage: true });
    const p3 = await page({ first: 2, after: p2.info.endCursor });
    expect(p3.titles).toEqual(["t0"]);
    expect(p3.info).toMatchObject({ hasNextPage: false, hasPreviousPage: true });

    // Backward: the end of the list first, in list order, then the pages before it.
    const b1 = await page({ last: 2 });
    expect(b1.titles).toEqual(["t1", "t0"]);
    expect(b1.info).toEqual({
      hasNextPage: false,
      hasPreviousPage: true,
      startCursor: b1.cursors[0],
      endCursor: b1.cursors[1],
    });
    const b2 = await page({ last: 2, before: b1.info.startCursor });
    expect(b2.titles).toEqual(["t3", "t2"]);
    expect(b2.info).toMatchObject({ hasNextPage: true, hasPreviousPage: true });
    const b3 = await page({ last: 2, before: b2.info.startCursor });
    expect(b3.titles).toEqual(["t4"]);
    expect(b3.info).toMatchObject({ hasNextPage: true, hasPreviousPage: false });

    // Both cursors bound the list (the spec's algorithm), first or last then takes from it.
    expect((await page({ after: p1.cursors[0], before: b1.cursors[1], first: 10 })).titles).toEqual(["t3", "t2", "t1"]);
    expect((await page({ after: p1.cursors[0], before: b1.cursors[1], last: 1 })).titles).toEqual(["t1"]);
    // Without first or last: the first 20.
    expect((await page({})).titles).toEqual(["t4", "t3", "t2", "t1", "t0"]);
    // Empty pages have null cursors.
    expect((await page({ first: 0 })).info).toMatchObject({ startCursor: null, endCursor: null, hasNextPage: true });
  });

  it("pages agents backward too", async () => {
    const names = ["a0", "a1", "a2"];
    for (const name of names) await s.ok(CreateAgentDocument, { input: { name, minComplexity: 9, maxComplexity: 9 } });
    const back = (await s.ok(AgentPageDocument, { last: 2 })).agents;
    expect(back.edges.map((e) => e.node.name)).toEqual(["a1", "a0"]);
    expect(back.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: false });
  });

  it("refuses first with last, and names every bad argument at once", async () => {
    const both = await s.gql(TaskPageDocument, { first: 1, last: 1 });
    expect(both.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", fields: [{ path: "last" }] });
    const bad = await s.gql(TaskPageDocument, { first: 1, after: "nope", before: "x" });
    expect(bad.errors?.[0]?.extensions?.fields).toEqual([
      { path: "after", message: "is not a cursor returned by this API" },
      { path: "before", message: "is not a cursor returned by this API" },
    ]);
    const big = await s.gql(TaskPageDocument, { last: 101 });
    expect(big.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "last" });
  });

  it("finds any object by its global id with node and nodes", async () => {
    const task = (await s.ok(TaskDocument, { id: t[0]!.id })).task!;
    const event = task.events[0]!;
    const agent = (
      await s.ok(CreateAgentDocument, { input: { name: "node-agent", minComplexity: 9, maxComplexity: 9 } })
    ).createAgent;
    const key = (await s.ok(ApiKeysDocument, {})).apiKeys[0]!;

    expect((await s.ok(NodeByIdDocument, { id: task.id })).node).toEqual({
      __typename: "Task",
      id: task.id,
      title: "t0",
    });
    expect((await s.ok(NodeByIdDocument, { id: agent.id })).node).toEqual({
      __typename: "Agent",
      id: agent.id,
      name: "node-agent",
    });
    expect((await s.ok(NodeByIdDocument, { id: event.id })).node).toEqual({
      __typename: "TaskEvent",
      id: event.id,
      seq: 1,
      taskId: task.id,
    });
    expect((await s.ok(NodeByIdDocument, { id: key.id })).node).toMatchObject({ __typename: "ApiKey", id: key.id });
    expect((await s.ok(NodeByIdDocument, { id: newId() })).node).toBeNull();
    expect((await s.ok(NodeByIdDocument, { id: "not an id" })).node).toBeNull();

    const missing = newId();
    const many = (await s.ok(NodesByIdsDocument, { ids: [agent.id, missing, task.id, "x", task.id] })).nodes;
    expect(many).toEqual([
      { __typename: "Agent", id: agent.id },
      null,
      { __typename: "Task", id: task.id },
      null,
      { __typename: "Task", id: task.id },
    ]);
    const tooMany = await s.gql(NodesByIdsDocument, { ids: Array.from({ length: 101 }, () => newId()) });
    expect(tooMany.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "ids" });
  });

  it("shows through node only what the key's own queries show", async () => {
    const worker = (
      await s.ok(CreateAgentDocument, { input: { name: "node-worker", minComplexity: 2, maxComplexity: 2 } })
    ).createAgent;
    const mine = (await s.ok(CreateTaskDocument, { input: { title: "mine", complexity: 2 } })).createTask;
    const agentKey = (
      await s.ok(CreateApiKeyDocument, { input: { name: "node-ak", role: "AGENT", agentId: worker.id } })
    ).createApiKey;
    const viewerKey = (await s.ok(CreateApiKeyDocument, { input: { name: "node-viewer", role: "VIEWER" } }))
      .createApiKey;
    const adminKeyId = (await s.ok(ApiKeysDocument, {})).apiKeys.find((k) => k.role === "ADMIN")!.id;
    const asAgent = async (id: string) => (await s.ok(NodeByIdDocument, { id }, agentKey.key)).node;

    expect(await asAgent(mine.id)).toMatchObject({ __typename: "Task", id: mine.id }); // assigned to its agent
    expect(await asAgent(t[0]!.id)).toBeNull(); // another task: as if it did not exist
    const otherEvent = (await s.ok(TaskDocument, { id: t[0]!.id })).task!.events[0]!;
    expect(await asAgent(otherEvent.id)).toBeNull();
    expect(await asAgent(worker.id)).toMatchObject({ __typename: "Agent" });
    expect(await asAgent(agentKey.apiKey.id)).toMatchObject({ __typename: "ApiKey" }); // its own key (me)
    expect(await asAgent(adminKeyId)).toBeNull();
    expect((await s.ok(NodeByIdDocument, { id: adminKeyId }, viewerKey.key)).node).toBeNull();
    expect((await s.ok(NodeByIdDocument, { id: t[0]!.id }, viewerKey.key)).node).toMatchObject({ __typename: "Task" });

    const anonymous = await s.gql(NodeByIdDocument, { id: mine.id }, null);
    expect(anonymous.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
  });
});

describe("schema.graphql's Relay shapes", () => {
  const schema = buildSchema(readFileSync(join(process.cwd(), "schema.graphql"), "utf8"));

  it("has first/after/last/before on every connection field, and edges whose node is a Node", () => {
    const fields = Object.values(schema.getTypeMap())
      .filter(isObjectType)
      .flatMap((type) => Object.values(type.getFields()).map((field) => ({ type, field })))
      .filter(({ field }) => getNamedType(field.type).name.endsWith("Connection"));
    expect(fields.length).toBeGreaterThanOrEqual(3);
    const node = schema.getType("Node");
    for (const { type, field } of fields) {
      expect({ field: `${type.name}.${field.name}`, args: field.args.map((a) => a.name) }).toMatchObject({
        args: expect.arrayContaining(["first", "after", "last", "before"]),
      });
      const connection = getNamedType(field.type) as GraphQLObjectType;
      const edge = getNamedType(connection.getFields().edges!.type) as GraphQLObjectType;
      const item = getNamedType(edge.getFields().node!.type) as GraphQLObjectType;
      expect(item.getInterfaces(), `${item.name} implements Node`).toContain(node);
    }
    expect(Object.keys((schema.getType("PageInfo") as GraphQLObjectType).getFields()).sort()).toEqual([
      "endCursor",
      "hasNextPage",
      "hasPreviousPage",
      "startCursor",
    ]);
  });
});

describe("relay-compiler against schema.graphql", () => {
  const compiler = join(process.cwd(), "node_modules/relay-compiler/cli.js");
  let dir = "";
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "relay-"));
    mkdirSync(join(dir, "src"));
    cpSync(join(process.cwd(), "schema.graphql"), join(dir, "schema.graphql"));
    writeFileSync(
      join(dir, "relay.config.json"),
      JSON.stringify({ src: "./src", schema: "./schema.graphql", language: "typescript" }),
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("compiles @connection (forward and backward) and @refetchable fragments", async () => {
    writeFileSync(
      join(dir, "src", "Lists.ts"),
      `import { graphql } from "react-relay";
export const taskList = graphql\`
  fragment TaskList_query on Query
  @refetchable(queryName: "TaskListPaginationQuery")
  @argumentDefinitions(count: { type: "Int", defaultValue: 10 }, cursor: { type: "String" }, status: { type: "[TaskStatus!]" }) {
    tasks(first: $count, after: $cursor, filter: { status: $status }) @connection(key: "TaskList_tasks", filters: ["filter"]) {
      totalCount
      edges { node { id title status ...TaskItem_task } }
    }
  }
\`;
export const agentList = graphql\`
  fragment AgentList_query on Query
  @refetchable(queryName: "AgentListPaginationQuery")
  @argumentDefinitions(count: { type: "Int", defaultValue: 10 }, cursor: { type: "String" }) {
    agents(last: $count, before: $cursor) @connection(key: "AgentList_agents") {
      edges { node { id name status } }
    }
  }
\`;
export const taskItem = graphql\`
  fragment TaskItem_task on Task @refetchable(queryName: "TaskItemRefetchQuery") {
    id
    title
    status
    assignedAgent { id name }
    events(first: 5) { id seq type }
  }
\`;
`,
    );
    const out = await run(process.execPath, [compiler], { cwd: dir });
    expect(out.stdout + out.stderr).toContain("Compilation completed");
    const generated = join(dir, "src", "__generated__");
    for (const artifact of [
      "TaskListPaginationQuery",
      "AgentListPaginationQuery",
      "TaskItemRefetchQuery",
      "TaskList_query",
      "AgentList_query",
      "TaskItem_task",
    ]) {
      expect(existsSync(join(generated, `${artifact}.graphql.ts`)), artifact).toBe(true);
    }
  });
});
