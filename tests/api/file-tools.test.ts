import { mkdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CreateAgentDocument,
  CreateApiKeyDocument,
  CreateTaskDocument,
  DeleteFileDocument,
  ListFilesDocument,
  MutationFieldDeprecationsDocument,
  ReadFileByMutationDocument,
  ReadFileDocument,
  TaskDocument,
  ToolCallsDocument,
  WriteFileDocument,
} from "../generated/graphql.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The file tools over GraphQL and HTTP, on a real workspace made by the worker. */
describe("file tools [sqlite]", () => {
  let s: TestServer;
  let workspaceId = "";
  let root = "";
  let taskId = "";
  let agentKey = "";
  let otherAgentKey = "";
  let viewerKey = "";

  beforeAll(async () => {
    s = await startTestServer("sqlite", { workers: 1 });
    const agent = (await s.ok(CreateAgentDocument, { input: { name: "filer", minComplexity: 5, maxComplexity: 5 } }))
      .createAgent;
    const other = (await s.ok(CreateAgentDocument, { input: { name: "other", minComplexity: 9, maxComplexity: 9 } }))
      .createAgent;
    const key = async (role: "AGENT" | "VIEWER", agentId?: string) =>
      (await s.ok(CreateApiKeyDocument, { input: { name: `${role}-${agentId ?? "x"}`, role, agentId } })).createApiKey
        .key;
    agentKey = await key("AGENT", agent.id);
    otherAgentKey = await key("AGENT", other.id);
    viewerKey = await key("VIEWER");
    taskId = (await s.ok(CreateTaskDocument, { input: { title: "files", complexity: 5 } })).createTask.id;
    for (let i = 0; i < 100; i++) {
      const t = (await s.ok(TaskDocument, { id: taskId })).task;
      if (t?.workspace?.status === "READY") {
        workspaceId = t.workspace.id;
        root = t.workspace.path;
        break;
      }
      await sleep(100);
    }
    expect(workspaceId).not.toBe("");
  });
  afterAll(() => s?.stop());

  const code = (r: { errors?: readonly { extensions?: Record<string, unknown> }[] }) => r.errors?.[0]?.extensions;

  it("writes, reads with a version, refuses a stale write, and records every call", async () => {
    const w1 = (
      await s.ok(WriteFileDocument, { input: { workspaceId, path: "src/app.py", content: "print(1)\n" } }, agentKey)
    ).writeFile;
    expect(w1).toMatchObject({ path: "src/app.py", size: 9, created: true });
    const r = (await s.ok(ReadFileDocument, { workspaceId, path: "src/app.py" }, agentKey)).readFile;
    expect(r).toMatchObject({ content: "print(1)\n", version: w1.version, truncated: false });

    // A second writer with the old version loses, and the first writer's content stays.
    await s.ok(WriteFileDocument, {
      input: { workspaceId, path: "src/app.py", content: "print(2)\n", expectedVersion: w1.version },
    });
    const stale = await s.gql(WriteFileDocument, {
      input: { workspaceId, path: "src/app.py", content: "print(3)\n", expectedVersion: w1.version },
    });
    expect(code(stale)?.code).toBe("CONFLICT");
    expect((await s.ok(ReadFileDocument, { workspaceId, path: "src/app.py" })).readFile.content).toBe("print(2)\n");

    const list = (await s.ok(ListFilesDocument, { workspaceId, path: "src", recursive: true })).listFiles;
    expect(list.entries.map((e) => e.path)).toContain("src/app.py");

    const calls = (await s.ok(ToolCallsDocument, { taskId, first: 50 })).toolCalls;
    const tools = calls.edges.map((e) => [e.node.tool, e.node.status, e.node.errorCode]);
    expect(tools).toContainEqual(["writeFile", "FAILED", "CONFLICT"]);
    expect(tools).toContainEqual(["readFile", "SUCCEEDED", null]);
    const first = calls.edges.find((e) => e.node.tool === "writeFile" && e.node.status === "SUCCEEDED")?.node;
    expect(first?.input).toMatchObject({ path: "src/app.py", contentLength: 9 });
    expect(JSON.stringify(first?.input)).not.toContain("print(");
    // Every call is a ToolCall row; each is an event on the task too, except reads by people
    // (the admin's readFile and listFiles here): looking does not change the task.
    const events = (await s.ok(TaskDocument, { id: taskId, first: 200 })).task?.events ?? [];
    const byPeople = calls.edges.filter(
      (e) => ["readFile", "listFiles"].includes(e.node.tool) && !e.node.callerName.startsWith("AGENT-"),
    ).length;
    expect(byPeople).toBe(2);
    expect(events.filter((e) => e.type === "TOOL_CALL").length).toBe(calls.totalCount - byPeople);
  });

  it("refuses escapes with POLICY_DENIED naming the rule, records them as DENIED, and writes nothing outside", async () => {
    mkdirSync(join(root, "research"), { recursive: true });
    symlinkSync("/etc", join(root, "research", "etc-link"));
    const cases: Array<[string, string]> = [
      ["../outside.txt", "path.outside-workspace"],
      ["/etc/passwd", "path.absolute"],
      ["research/etc-link/passwd", "path.symlink-outside"],
      ["bad\u0000name", "path.nul-byte"],
      ["venv/bin/python", "path.venv-protected"],
    ];
    for (const [path, rule] of cases) {
      const r = await s.gql(WriteFileDocument, { input: { workspaceId, path, content: "x" } });
      expect({ path, ...code(r) }).toMatchObject({ path, code: "POLICY_DENIED", rule });
    }
    const calls = (await s.ok(ToolCallsDocument, { taskId, first: 100 })).toolCalls.edges.map((e) => e.node);
    expect(calls.filter((c) => c.status === "DENIED").length).toBeGreaterThanOrEqual(cases.length);
  });

  it("reports every invalid field of a tool's input at once, with its path (the model gets the same list)", async () => {
    const r = await s.gql(
      WriteFileDocument,
      { input: { workspaceId, path: "", content: "x".repeat(10), expectedVersion: "v".repeat(200) } },
      agentKey,
    );
    const e = r.errors?.[0];
    expect(e?.extensions?.code).toBe("BAD_USER_INPUT");
    const fields = e?.extensions?.fields as Array<{ path: string; message: string }>;
    expect(fields.map((f) => f.path).sort()).toEqual(["expectedVersion", "path"]);
    expect(e?.extensions?.field).toBe(fields[0]?.path);
    expect(e?.message).toContain("path:");
    expect(e?.message).toContain("expectedVersion:");
  });

  it("takes an explicit null where the tool does: expectedVersion null means the file must not exist yet", async () => {
    const input = { workspaceId, path: "src/only-once.txt", content: "1", expectedVersion: null };
    expect((await s.gql(WriteFileDocument, { input }, agentKey)).errors).toBeUndefined();
    const again = await s.gql(WriteFileDocument, { input }, agentKey);
    expect(again.errors?.[0]?.extensions).toMatchObject({ code: "CONFLICT", field: "expectedVersion" });
  });

  it("checks roles and agents: a viewer cannot write, another agent cannot touch the workspace", async () => {
    const viewer = await s.gql(WriteFileDocument, { input: { workspaceId, path: "x.txt", content: "x" } }, viewerKey);
    expect(code(viewer)?.code).toBe("FORBIDDEN");
    const other = await s.gql(ReadFileDocument, { workspaceId, path: "src/app.py" }, otherAgentKey);
    expect(code(other)?.code).toBe("FORBIDDEN");
    const bad = await s.gql(ReadFileDocument, { workspaceId: "nope", path: "a" });
    expect(code(bad)).toMatchObject({ code: "NOT_FOUND", field: "workspaceId" });
    const del = await s.gql(DeleteFileDocument, { workspaceId, path: "." });
    expect(code(del)?.code).toBe("POLICY_DENIED");
  });

  it("reads with queries; the deprecated readFile mutation still works, through the same tool service", async () => {
    await s.ok(WriteFileDocument, {
      input: { workspaceId, path: "bytes.bin", content: "AAEC/w==", encoding: "BASE64" },
    });
    const query = (await s.ok(ReadFileDocument, { workspaceId, path: "bytes.bin", encoding: "BASE64" })).readFile;
    expect(query).toMatchObject({ content: "AAEC/w==", encoding: "BASE64", size: 4 });
    const text = (await s.ok(ReadFileDocument, { workspaceId, path: "src/app.py" }, viewerKey)).readFile;
    expect(text.encoding).toBe("UTF8");

    const old = (await s.ok(ReadFileByMutationDocument, { workspaceId, path: "bytes.bin", encoding: "BASE64" }))
      .readFile;
    expect(old).toEqual({ path: "bytes.bin", content: "AAEC/w==", encoding: "BASE64", version: query.version });
    // Both are recorded as ToolCalls, and neither (a person's read) is an event of the task.
    const calls = (await s.ok(ToolCallsDocument, { taskId, first: 100 })).toolCalls.edges.map((e) => e.node);
    expect(
      calls.filter((c) => c.tool === "readFile" && c.input && JSON.stringify(c.input).includes("bytes.bin")),
    ).toHaveLength(2);
    const events = (await s.ok(TaskDocument, { id: taskId, first: 200 })).task?.events ?? [];
    expect(events.filter((e) => e.type === "TOOL_CALL" && e.content.includes("bytes.bin"))).toHaveLength(1);

    const fields = (await s.ok(MutationFieldDeprecationsDocument)).__type?.fields ?? [];
    const deprecated = fields.filter((f) => f.isDeprecated).map((f) => [f.name, f.deprecationReason]);
    expect(deprecated).toEqual(
      expect.arrayContaining([
        ["readFile", expect.stringMatching(/^Use the query readFile/)],
        ["listFiles", expect.stringMatching(/^Use the query listFiles/)],
        ["stat", expect.stringMatching(/^Use the query stat/)],
      ]),
    );
    expect(fields.find((f) => f.name === "writeFile")?.isDeprecated).toBe(false);
  });

  it("uploads and downloads over HTTP with the same keys and rules", async () => {
    const url = `${s.url}/workspaces/${workspaceId}/files/output/report.md`;
    const put = await fetch(url, {
      method: "PUT",
      headers: { authorization: `Bearer ${agentKey}` },
      body: "# Report\n",
    });
    expect(put.status).toBe(201);
    const get = await fetch(url, { headers: { authorization: `Bearer ${viewerKey}` } });
    expect(get.status).toBe(200);
    expect(get.headers.get("content-disposition")).toContain("report.md");
    expect(await get.text()).toBe("# Report\n");
    const denied = await fetch(url, { method: "PUT", headers: { authorization: `Bearer ${viewerKey}` }, body: "x" });
    expect(denied.status).toBe(403);
    const anon = await fetch(url);
    expect(anon.status).toBe(401);
    const elf = await fetch(`${s.url}/workspaces/${workspaceId}/files/output/pic.png`, {
      method: "PUT",
      headers: { authorization: `Bearer ${agentKey}` },
      body: Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), Buffer.alloc(200)]),
    });
    expect(elf.status).toBe(415);
  });
});
