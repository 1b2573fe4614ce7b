import { getNamedType, GraphQLNonNull, printType, type GraphQLObjectType } from "graphql";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { buildApiSchema } from "../../src/graphql/schema.js";
import { toolsFor } from "../../src/runtime/runtime-tools.js";
import { named } from "../../src/tools/api-shape.js";
import { toolCatalog } from "../../src/tools/catalog.js";
import { readFile } from "../../src/tools/files/files.tools.js";
import {
  defineTool,
  summariseInput,
  toFunctionSchema,
  ToolRegistry,
  workspaceInput,
} from "../../src/tools/registry.js";

/** A tool of a test's own: declared once, here, and nowhere else. */
const countWords = defineTool({
  id: "countWords",
  description: "Count the words of a text (a fixture: it shows a tool needs no other file).",
  input: workspaceInput.extend({
    text: z.string().max(10_000).describe("The text to count."),
    unit: named("WordUnit", z.enum(["WORD", "LINE"])).default("WORD"),
  }),
  output: named(
    "WordCount",
    z.object({ count: z.number().int().describe("How many."), unit: named("WordUnit", z.enum(["WORD", "LINE"])) }),
  ),
  policy: { roles: ["VIEWER", "AGENT"], sandbox: false, network: false, readOnly: true },
  execute: async (_ctx, i) => ({
    count: (i.unit === "LINE" ? i.text.split("\n") : i.text.split(/\s+/)).filter(Boolean).length,
    unit: i.unit,
  }),
});

describe("tool registry", () => {
  it("turns every tool into an LLM function with a JSON schema naming its workspace", () => {
    const tools = new ToolRegistry(toolCatalog).list();
    expect(tools.map((t) => t.id).sort()).toEqual(
      [
        "appendFile",
        "deleteFile",
        "installPackages",
        "listFiles",
        "lockFile",
        "makeDirectory",
        "moveFile",
        "readFile",
        "readMessages",
        "runCommand",
        "runPython",
        "stat",
        "unlockFile",
        "webSearch",
        "writeFile",
        "fetchPage",
        "extract",
        "research",
        "addSource",
        "gitClone",
        "gitStatus",
        "gitDiff",
        "gitLog",
        "gitBranch",
        "gitCommit",
        "gitPush",
        "githubSearchIssues",
        "githubListIssues",
        "githubListPullRequests",
        "githubGetIssue",
        "githubCreateIssue",
        "githubCloseIssue",
        "githubReopenIssue",
        "githubComment",
        "githubCreatePullRequest",
        "githubRequestReviewers",
        "githubAddLabels",
        "githubMergePullRequest",
        "generateReport",
        "sendEmail",
        "sendMessage",
        "delegateTask",
        "waitForTasks",
      ].sort(),
    );
    for (const t of tools) {
      const f = toFunctionSchema(t);
      expect(f.type).toBe("function");
      expect(f.function.name).toBe(t.id);
      expect(f.function.description.length).toBeGreaterThan(20);
      const params = f.function.parameters as { type: string; properties: Record<string, unknown>; required: string[] };
      expect(params.type).toBe("object");
      expect(params.properties.workspaceId).toBeDefined();
      expect(params.required).toContain("workspaceId");
    }
  });

  it("makes a read-only tool added in a test both a model function and a typed GraphQL query (no mutation), with nothing else touched", async () => {
    const registry = new ToolRegistry([...toolCatalog, countWords]);
    const fn = toolsFor(registry, null).find((t) => t.function.name === "countWords");
    expect(fn?.function.description).toBe(countWords.description);
    expect(JSON.stringify(fn?.function.parameters)).toContain("The text to count.");

    const schema = await buildApiSchema(registry.list());
    // A read-only tool added after reads became queries has no deprecated mutation to keep.
    expect(schema.getMutationType()?.getFields().countWords).toBeUndefined();
    const mutation = schema.getQueryType()?.getFields().countWords;
    expect(mutation?.description).toBe(countWords.description);
    expect(Object.fromEntries(mutation?.args.map((a) => [a.name, String(a.type)]) ?? [])).toEqual({
      workspaceId: "ID!",
      text: "String!",
      unit: "WordUnit",
    });
    expect(mutation?.args.find((a) => a.name === "text")?.description).toBe("The text to count.");
    expect(mutation?.type).toBeInstanceOf(GraphQLNonNull);
    expect(printType(getNamedType(mutation!.type) as GraphQLObjectType)).toBe(
      'type WordCount {\n  """How many."""\n  count: Int!\n  unit: WordUnit!\n}',
    );
    // The catalog's own schema has no such query: the fixture lives in this test alone.
    expect((await buildApiSchema()).getQueryType()?.getFields().countWords).toBeUndefined();
  });

  it("keeps the existing tool operations' names and argument shapes", async () => {
    const fields = (await buildApiSchema()).getMutationType()!.getFields();
    const shape = (name: string) => fields[name]?.args.map((a) => `${a.name}: ${String(a.type)}`).sort();
    expect(shape("readFile")).toEqual(["encoding: FileEncoding", "maxBytes: Int", "path: String!", "workspaceId: ID!"]);
    expect(shape("writeFile")).toEqual(["input: WriteFileInput!"]);
    expect(shape("runCommand")).toEqual(["input: RunCommandInput!"]);
    expect(shape("installPackages")).toEqual(["packages: [String!]!", "timeoutMs: Int", "workspaceId: ID!"]);
    expect(String(fields.runPython?.type)).toBe("PythonResult!");
    expect(String(fields.runCommand?.type)).toBe("CommandRun!");
  });

  it("refuses a tool without a workspace, a bad id and a duplicate", () => {
    expect(() =>
      defineTool({
        id: "noWorkspace",
        description: "x",
        input: z.object({ a: z.string() }),
        output: z.any(),
        policy: { roles: ["ADMIN"], sandbox: false, network: false },
        execute: async () => null,
      }),
    ).toThrow(/workspaceId/);
    expect(() =>
      defineTool({
        id: "Bad-Id",
        description: "x",
        input: workspaceInput,
        output: z.any(),
        policy: { roles: ["ADMIN"], sandbox: false, network: false },
        execute: async () => null,
      }),
    ).toThrow(/camelCase/);
    expect(() => new ToolRegistry([readFile, readFile])).toThrow(/twice/);
  });

  it("records inputs without long contents or environment values", () => {
    const recorded = summariseInput({ path: "a", content: "x".repeat(2_000), env: { TOKEN: "s3cret" } });
    expect(JSON.stringify(recorded)).not.toContain("s3cret");
    expect(recorded).toMatchObject({ path: "a", env: ["TOKEN"] });
    expect(String((recorded as { content: string }).content).length).toBeLessThan(600);
  });
});
