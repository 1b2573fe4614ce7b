import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  getNamedType,
  getNullableType,
  GraphQLEnumType,
  GraphQLObjectType,
  GraphQLUnionType,
  isListType,
  isNonNullType,
  type GraphQLField,
  type GraphQLSchema,
} from "graphql";
import { beforeAll, describe, expect, it } from "vitest";
import { toolCallErrorCodes } from "../src/domain/errors.js";
import { buildApiSchema, printApiSchema } from "../src/graphql/schema.js";

const root = join(import.meta.dirname, "..");

let schema: GraphQLSchema;
beforeAll(async () => {
  schema = await buildApiSchema();
});

function objectType(name: string): GraphQLObjectType {
  const t = schema.getType(name);
  expect(t, `type ${name}`).toBeInstanceOf(GraphQLObjectType);
  return t as GraphQLObjectType;
}

function enumValues(name: string): string[] {
  const t = schema.getType(name);
  expect(t, `enum ${name}`).toBeInstanceOf(GraphQLEnumType);
  return (t as GraphQLEnumType).getValues().map((v) => v.name);
}

function expectFields(type: GraphQLObjectType, names: string[]): void {
  const have = Object.keys(type.getFields());
  for (const n of names) expect(have, `${type.name}.${n}`).toContain(n);
}

function field(type: GraphQLObjectType, name: string): GraphQLField<unknown, unknown> {
  const f = type.getFields()[name];
  expect(f, `${type.name}.${name}`).toBeDefined();
  return f!;
}

describe("schema.graphql", () => {
  it("is the printed code-first schema", () => {
    const committed = readFileSync(join(root, "schema.graphql"), "utf8");
    const current = printApiSchema(schema);
    expect(committed === current, "schema.graphql is out of date: run `npm run schema` and commit the result").toBe(
      true,
    );
  });

  // It also checks the dashboard's web/src/gql; on a busy 2-CPU machine the run has taken 31 s.
  it("keeps tests/generated/graphql.ts and web/src/gql in step with schema.graphql and their operations", () => {
    const bin = join(root, "node_modules", ".bin", "graphql-codegen");
    try {
      execFileSync(bin, ["--config", "codegen.yml", "--check"], { cwd: root, stdio: "pipe", timeout: 120_000 });
    } catch (err) {
      const e = err as { stdout?: Buffer; stderr?: Buffer };
      throw new Error(
        `tests/generated/graphql.ts or web/src/gql is stale: run \`npm run codegen\`.\n${e.stdout?.toString() ?? ""}${e.stderr?.toString() ?? ""}`,
      );
    }
  }, 120_000);
});

describe("API contract names", () => {
  it("Agent and AgentStatus", () => {
    expectFields(objectType("Agent"), [
      "id",
      "name",
      "status",
      "minComplexity",
      "maxComplexity",
      "lastActiveAt",
      "createdAt",
      "currentTask",
    ]);
    expect(enumValues("AgentStatus")).toEqual(["AVAILABLE", "BUSY", "OFFLINE", "PAUSED"]);
  });

  it("Task, its events(afterSeq, first) and TaskStatus", () => {
    const task = objectType("Task");
    expectFields(task, [
      "id",
      "title",
      "description",
      "complexity",
      "priority",
      "status",
      "assignedAgent",
      "workspace",
      "parent",
      "createdAt",
      "updatedAt",
      "events",
    ]);
    const events = field(task, "events");
    expect(events.args.map((a) => a.name).sort()).toEqual(["afterSeq", "first"]);
    expect(getNamedType(events.type).name).toBe("TaskEvent");
    expect(isListType(getNullableType(events.type))).toBe(true);
    expect(enumValues("TaskStatus")).toEqual([
      "PENDING",
      "DESIGN",
      "BUILD",
      "TEST",
      "REVIEW",
      "COMPLETE",
      "FAILED",
      "CANCELLED",
    ]);
  });

  it("TaskEvent and TaskEventType (first five values in order)", () => {
    expectFields(objectType("TaskEvent"), ["id", "taskId", "seq", "type", "content", "data", "createdAt", "agent"]);
    expect(getNamedType(field(objectType("TaskEvent"), "type").type).name).toBe("TaskEventType");
    expect(enumValues("TaskEventType").slice(0, 5)).toEqual([
      "STATUS_CHANGE",
      "MESSAGE",
      "TOOL_CALL",
      "TOOL_OUTPUT",
      "PROGRESS",
    ]);
  });

  it("Workspace", () => {
    expectFields(objectType("Workspace"), ["id", "path", "task", "agent", "createdAt"]);
  });

  it("queries, mutations and subscriptions", () => {
    expectFields(schema.getQueryType()!, ["agent", "agents", "task", "tasks", "workspace", "me"]);
    expectFields(schema.getMutationType()!, [
      "createAgent",
      "updateAgent",
      "createTask",
      "updateTaskStatus",
      "cancelTask",
      "createApiKey",
      "revokeApiKey",
    ]);
    const sub = schema.getSubscriptionType()!;
    expectFields(sub, ["taskEvents", "taskChanged", "agentChanged"]);
    const taskEvents = field(sub, "taskEvents");
    const args = Object.fromEntries(taskEvents.args.map((a) => [a.name, a.type.toString()]));
    expect(args).toEqual({ taskId: "ID!", afterSeq: "Int" });
    expect(taskEvents.type.toString()).toBe("TaskEvent!");
  });

  it.each([
    ["agents", "Agent"],
    ["tasks", "Task"],
  ])("%s is a connection of %s with edges, pageInfo and totalCount", (queryField, node) => {
    const conn = getNamedType(field(schema.getQueryType()!, queryField).type) as GraphQLObjectType;
    expectFields(conn, ["edges", "pageInfo", "totalCount"]);
    expect(field(conn, "totalCount").type.toString()).toBe("Int!");
    const edge = getNamedType(field(conn, "edges").type) as GraphQLObjectType;
    expectFields(edge, ["cursor", "node"]);
    expect(getNamedType(field(edge, "node").type).name).toBe(node);
    const pageInfo = getNamedType(field(conn, "pageInfo").type) as GraphQLObjectType;
    expect(pageInfo.name).toBe("PageInfo");
    expectFields(pageInfo, ["hasNextPage", "endCursor"]);
    expect(isNonNullType(field(pageInfo, "hasNextPage").type)).toBe(true);
  });
});

describe("types GraphQL tools accept without workarounds", () => {
  it("types a task event's data as details, a union with one member per event type written", () => {
    expect(field(objectType("TaskEvent"), "details").type.toString()).toBe("TaskEventDetails");
    const union = schema.getType("TaskEventDetails") as GraphQLUnionType;
    expect(union).toBeInstanceOf(GraphQLUnionType);
    expect(
      union
        .getTypes()
        .map((t) => t.name)
        .sort(),
    ).toEqual([
      "ErrorDetails",
      "LinkDetails",
      "MessageDetails",
      "ProgressDetails",
      "StatusChangeDetails",
      "ToolCallDetails",
      "ToolOutputDetails",
    ]);
    expect(field(objectType("StatusChangeDetails"), "to").type.toString()).toBe("TaskStatus!");
    expect(field(objectType("StatusChangeDetails"), "requeueReason").type.toString()).toBe("RequeueReason");
    expect(field(objectType("ToolOutputDetails"), "status").type.toString()).toBe("CommandRunStatus");
  });

  it("has enums, in UPPER_CASE, for roles, error codes and encodings", () => {
    expect(field(objectType("ConversationMessage"), "role").type.toString()).toBe("ConversationRole!");
    expect(enumValues("ConversationRole")).toEqual(["USER", "ASSISTANT", "TOOL"]);
    expect(field(objectType("ToolCall"), "errorCode").type.toString()).toBe("ToolCallErrorCode");
    expect(enumValues("ToolCallErrorCode")).toEqual([...toolCallErrorCodes]);
    expect(enumValues("FileEncoding")).toEqual(["UTF8", "BASE64"]);
  });

  it("counts tokens in SafeInt (sums may pass 2^31), costs in Float", () => {
    for (const name of ["Usage", "UsageReportRow"]) {
      const type = objectType(name);
      for (const f of ["promptTokens", "completionTokens", "cachedTokens", "reasoningTokens", "totalTokens"]) {
        expect(field(type, f).type.toString(), `${name}.${f}`).toBe("SafeInt!");
      }
      expect(field(type, "costUsd").type.toString()).toBe("Float!");
    }
  });

  it("reads files with queries, their mutations deprecated with the same arguments and result", () => {
    const queries = schema.getQueryType()!.getFields();
    const mutations = schema.getMutationType()!.getFields();
    const shape = (f: GraphQLField<unknown, unknown>) => ({
      args: f.args.map((a) => `${a.name}: ${String(a.type)}`),
      type: String(f.type),
    });
    for (const name of ["readFile", "listFiles", "stat"]) {
      expect(queries[name], name).toBeDefined();
      expect(shape(queries[name]!)).toEqual(shape(mutations[name]!));
      expect(queries[name]!.deprecationReason).toBeUndefined();
      expect(mutations[name]!.deprecationReason).toMatch(new RegExp(`^Use the query ${name} `));
    }
    expect(queries.writeFile).toBeUndefined();
    expect(mutations.writeFile?.deprecationReason).toBeUndefined();
  });

  it("passes graphql-schema-linter's rules (.graphql-schema-linterrc): descriptions everywhere, UPPER_CASE enum values, Relay connections", () => {
    const bin = join(root, "node_modules", ".bin", "graphql-schema-linter");
    let report = "";
    try {
      execFileSync(bin, ["--format", "compact"], { cwd: root, stdio: "pipe", timeout: 30_000 });
    } catch (err) {
      const e = err as { stdout?: Buffer; stderr?: Buffer };
      report = `${e.stdout?.toString() ?? ""}${e.stderr?.toString() ?? ""}` || String(err);
    }
    expect(report).toBe("");
  }, 30_000);
});
