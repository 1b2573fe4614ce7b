import { existsSync, mkdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { errorText } from "../../src/runtime/runtime-tools.js";
import {
  AppendFileDocument,
  CommandOutputDocument,
  CommandRunDocument,
  CreateAgentDocument,
  CreateApiKeyDocument,
  CreateTaskDocument,
  DeleteFileDocument,
  FileChangeNodeDocument,
  LockFileDocument,
  MakeDirectoryDocument,
  MoveFileDocument,
  ReadFileDocument,
  RunCommandDocument,
  TaskDocument,
  UnlockFileDocument,
  WorkspaceChangesDocument,
  WriteFileDocument,
} from "../generated/graphql.js";
import { untilValue } from "../helpers/process.js";
import { describeProfiles } from "../helpers/profiles.js";
import { collect, startTestServer, type TestServer } from "../helpers/server.js";

const hasBwrap = existsSync("/usr/bin/bwrap");

type Errors = { errors?: readonly { message: string; extensions?: Record<string, unknown> }[] };
const ext = (r: Errors) => r.errors?.[0]?.extensions;

/**
 * Several writers in one workspace. How a workspace comes to be shared (a delegated child task in
 * its parent's workspace) is not needed here: what makes it shared is that different callers
 * (holders) use the same workspace row. They are the task's agent (its AGENT key, as its runtime
 * calls the tools), and two people's OPERATOR keys: one holder each.
 */
describeProfiles("shared workspace: versions, locks, attributed changes", (profile) => {
  let s: TestServer;
  let workspaceId = "";
  let root = "";
  let taskId = "";
  let agentId = "";
  let agentKey = "";
  let otherAgentKey = "";
  let opA = "";
  let opB = "";

  beforeAll(async () => {
    s = await startTestServer(profile, { workers: 1 });
    const agent = (await s.ok(CreateAgentDocument, { input: { name: "lead", minComplexity: 5, maxComplexity: 5 } }))
      .createAgent;
    agentId = agent.id;
    const other = (await s.ok(CreateAgentDocument, { input: { name: "stranger", minComplexity: 9, maxComplexity: 9 } }))
      .createAgent;
    const key = async (name: string, role: "AGENT" | "OPERATOR", forAgent?: string) =>
      (await s.ok(CreateApiKeyDocument, { input: { name, role, agentId: forAgent } })).createApiKey.key;
    agentKey = await key("lead-key", "AGENT", agent.id);
    otherAgentKey = await key("stranger-key", "AGENT", other.id);
    opA = await key("op-a", "OPERATOR");
    opB = await key("op-b", "OPERATOR");
    taskId = (await s.ok(CreateTaskDocument, { input: { title: "shared files", complexity: 5 } })).createTask.id;
    const ws = await untilValue("the task's workspace to be READY", async () => {
      const w = (await s.ok(TaskDocument, { id: taskId })).task?.workspace;
      return w?.status === "READY" ? w : null;
    });
    workspaceId = ws.id;
    root = ws.path;
  });
  afterAll(() => s?.stop());

  const write = (key: string, path: string, content: string, expectedVersion?: string | null) =>
    s.gql(WriteFileDocument, { input: { workspaceId, path, content, expectedVersion } }, key);
  const lock = (key: string, path: string, ttlSeconds?: number) =>
    s.gql(LockFileDocument, { workspaceId, path, ttlSeconds }, key);
  const upload = (key: string, path: string, body: string) =>
    fetch(`${s.url}/workspaces/${workspaceId}/files/${path}`, {
      method: "PUT",
      headers: { authorization: `Bearer ${key}` },
      body,
    });

  it("refuses a write on a stale version with CONFLICT and the current version, for the API and the model", async () => {
    const v1 = (await s.ok(WriteFileDocument, { input: { workspaceId, path: "notes.md", content: "one\n" } }, opA))
      .writeFile.version;
    const v2 = (
      await s.ok(
        WriteFileDocument,
        { input: { workspaceId, path: "notes.md", content: "two\n", expectedVersion: v1 } },
        opB,
      )
    ).writeFile.version;
    const stale = await write(agentKey, "notes.md", "three\n", v1);
    expect(ext(stale)).toMatchObject({
      code: "CONFLICT",
      field: "expectedVersion",
      reason: "stale-version",
      currentVersion: v2,
    });
    // "Must not exist yet" on an existing file names its version too.
    expect(ext(await write(agentKey, "notes.md", "x", null))).toMatchObject({ code: "CONFLICT", currentVersion: v2 });
    expect((await s.ok(ReadFileDocument, { workspaceId, path: "notes.md" })).readFile.content).toBe("two\n");

    // The model gets the tool's error as errorText makes it: the current version is in it.
    const agent = { apiKeyId: "", name: "lead", role: "AGENT" as const, agentId };
    const err = await s.app.services.tools
      .call("writeFile", { workspaceId, path: "notes.md", content: "four\n", expectedVersion: v1 }, agent)
      .catch((e: unknown) => e);
    expect(errorText(err)).toContain(v2);
    expect(errorText(err)).toContain("CONFLICT");
  });

  it("lets exactly one of two concurrent writers on the same version win; the other learns the winner's version", async () => {
    for (let round = 0; round < 8; round++) {
      const path = `race/${round}.txt`;
      const base = (await s.ok(WriteFileDocument, { input: { workspaceId, path, content: "base" } }, opA)).writeFile
        .version;
      const [a, b] = await Promise.all([write(opA, path, `a${round}`, base), write(agentKey, path, `b${round}`, base)]);
      const results = [a, b];
      const won = results.filter((r) => !r.errors);
      const lost = results.filter((r) => r.errors);
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      const winner = won[0]!.data!.writeFile;
      expect(ext(lost[0]!)).toMatchObject({ code: "CONFLICT", currentVersion: winner.version });
      const now = (await s.ok(ReadFileDocument, { workspaceId, path })).readFile;
      expect(now.version).toBe(winner.version);
    }
    // Appends without a version are read-modify-write under the path's lock: none is lost.
    const lines = Array.from({ length: 16 }, (_, i) => `line ${i}\n`);
    await Promise.all(
      lines.map((line, i) =>
        s.ok(
          AppendFileDocument,
          { input: { workspaceId, path: "race/log.txt", content: line } },
          i % 2 ? opA : agentKey,
        ),
      ),
    );
    const log = (await s.ok(ReadFileDocument, { workspaceId, path: "race/log.txt" })).readFile.content;
    expect(log.split("\n").filter(Boolean).sort()).toEqual(lines.map((l) => l.trim()).sort());
  });

  it("locks a folder against other holders' writes, moves, deletes and uploads; the holder writes on; re-locking extends", async () => {
    await s.ok(WriteFileDocument, { input: { workspaceId, path: "docs/a.md", content: "a" } }, opA);
    await s.ok(WriteFileDocument, { input: { workspaceId, path: "loose.md", content: "loose" } }, opA);
    const taken = (await s.ok(LockFileDocument, { workspaceId, path: "docs/", ttlSeconds: 60 }, opA)).lockFile;
    expect(taken).toMatchObject({ path: "docs", holder: "op-a", holderAgentId: null });
    const expiresAt = new Date(taken.expiresAt).getTime();
    expect(expiresAt).toBeGreaterThan(Date.now() + 50_000);

    const refused = await write(agentKey, "docs/a.md", "mine");
    expect(refused.errors?.[0]?.message).toContain("op-a");
    expect(ext(refused)).toMatchObject({
      code: "CONFLICT",
      reason: "locked",
      lockHolder: "op-a",
      lockedPath: "docs",
      lockExpiresAt: new Date(expiresAt).toISOString(),
    });
    expect(ext(await write(opB, "docs/new.md", "new"))).toMatchObject({ code: "CONFLICT", lockHolder: "op-a" });
    // A refused write leaves no folder its path would have made.
    expect(ext(await write(opB, "docs/deep/er/new.md", "new"))).toMatchObject({ code: "CONFLICT", lockHolder: "op-a" });
    expect(existsSync(join(root, "docs", "deep"))).toBe(false);
    expect(ext(await s.gql(MakeDirectoryDocument, { workspaceId, path: "docs/sub" }, agentKey))).toMatchObject({
      code: "CONFLICT",
      lockHolder: "op-a",
    });
    expect(existsSync(join(root, "docs", "sub"))).toBe(false);
    expect(
      ext(await s.gql(DeleteFileDocument, { workspaceId, path: "docs", recursive: true }, agentKey)),
    ).toMatchObject({ code: "CONFLICT", lockHolder: "op-a" });
    expect(
      ext(await s.gql(MoveFileDocument, { workspaceId, from: "loose.md", to: "docs/loose.md" }, agentKey)),
    ).toMatchObject({ code: "CONFLICT", lockHolder: "op-a" });
    expect(ext(await s.gql(MoveFileDocument, { workspaceId, from: "docs/a.md", to: "a.md" }, opB))).toMatchObject({
      code: "CONFLICT",
      lockHolder: "op-a",
    });
    const put = await upload(agentKey, "docs/up.txt", "uploaded\n");
    expect(put.status).toBe(409);
    expect(((await put.json()) as { error: { message: string } }).error.message).toContain("op-a");
    // Overlapping locks of others are refused: under the folder, and the whole workspace.
    expect(ext(await lock(agentKey, "docs/a.md"))).toMatchObject({ code: "CONFLICT", lockHolder: "op-a" });
    expect(ext(await lock(opB, "."))).toMatchObject({ code: "CONFLICT", lockHolder: "op-a" });
    // Only the holder unlocks.
    expect(ext(await s.gql(UnlockFileDocument, { workspaceId, path: "docs" }, agentKey))).toMatchObject({
      code: "CONFLICT",
      lockHolder: "op-a",
    });
    // The holder is not held back by its own lock.
    await s.ok(WriteFileDocument, { input: { workspaceId, path: "docs/a.md", content: "by the holder" } }, opA);
    // Reads are not locked.
    expect((await s.ok(ReadFileDocument, { workspaceId, path: "docs/a.md" }, agentKey)).readFile.content).toBe(
      "by the holder",
    );

    const renewed = (await s.ok(LockFileDocument, { workspaceId, path: "docs", ttlSeconds: 3600 }, opA)).lockFile;
    expect(new Date(renewed.expiresAt).getTime()).toBeGreaterThan(expiresAt + 3_000_000);

    expect((await s.ok(UnlockFileDocument, { workspaceId, path: "docs" }, opA)).unlockFile).toEqual({
      path: "docs",
      released: true,
    });
    expect((await s.ok(UnlockFileDocument, { workspaceId, path: "docs" }, opA)).unlockFile.released).toBe(false);
    await s.ok(WriteFileDocument, { input: { workspaceId, path: "docs/a.md", content: "mine now" } }, agentKey);
    expect((await upload(agentKey, "docs/up.txt", "uploaded\n")).status).toBe(201);
  });

  it("never lets two holders racing for one path, or for a folder and a file in it, both hold", async () => {
    for (let round = 0; round < 6; round++) {
      const same = await Promise.all([lock(opA, `contested/${round}`), lock(opB, `contested/${round}`)]);
      expect(same.filter((r) => !r.errors)).toHaveLength(1);
      expect(ext(same.find((r) => r.errors)!)).toMatchObject({ code: "CONFLICT", reason: "locked" });
      const nested = await Promise.all([lock(opA, `nested/${round}`), lock(agentKey, `nested/${round}/inner.txt`)]);
      expect(nested.filter((r) => !r.errors).length).toBeLessThanOrEqual(1);
      for (const [key, r] of [opA, agentKey].map((k, i) => [k, nested[i]!] as const)) {
        if (!r.errors) await s.ok(UnlockFileDocument, { workspaceId, path: r.data!.lockFile.path }, key);
      }
      const held = same.findIndex((r) => !r.errors);
      await s.ok(UnlockFileDocument, { workspaceId, path: `contested/${round}` }, held === 0 ? opA : opB);
    }
    expect(await s.app.services.sharedFiles.locks(workspaceId)).toEqual([]);
  });

  it("ignores an expired lock and cleans it up: another holder takes the same path", async () => {
    await s.ok(LockFileDocument, { workspaceId, path: "short.txt", ttlSeconds: 1 }, opA);
    expect(ext(await write(agentKey, "short.txt", "early"))).toMatchObject({ code: "CONFLICT", lockHolder: "op-a" });
    // The lock lapses after a second: the write goes through then, with no unlock.
    await untilValue("the lock to lapse", async () => !(await write(agentKey, "short.txt", "late")).errors);
    // The expired row is deleted by the next lock in the workspace: the path is free to lock again.
    const mine = (await s.ok(LockFileDocument, { workspaceId, path: "short.txt", ttlSeconds: 30 }, agentKey)).lockFile;
    expect(mine).toMatchObject({ path: "short.txt", holder: "lead-key", holderAgentId: agentId });
    const rows = await s.app.services.sharedFiles.locks(workspaceId);
    expect(rows.filter((l) => l.path === "short.txt").map((l) => l.holderName)).toEqual(["lead-key"]);
    await s.ok(UnlockFileDocument, { workspaceId, path: "short.txt" }, agentKey);
  });

  it("refuses hostile lock paths and ttls out of range, with the file tools' confinement", async () => {
    mkdirSync(join(root, "links"), { recursive: true });
    symlinkSync("/etc", join(root, "links", "etc"));
    symlinkSync("../docs", join(root, "links", "docs-alias"));
    const cases: Array<[string, string]> = [
      ["../outside.txt", "path.outside-workspace"],
      ["docs/../../x", "path.outside-workspace"],
      ["/etc/passwd", "path.absolute"],
      ["links/etc/passwd", "path.symlink-outside"],
      ["links/etc", "path.symlink-outside"],
      ["bad\u0000name", "path.nul-byte"],
    ];
    for (const [path, rule] of cases) {
      expect({ path, ...ext(await lock(agentKey, path)) }).toMatchObject({ path, code: "POLICY_DENIED", rule });
    }
    for (const ttlSeconds of [0, -5, 3601]) {
      const r = await lock(agentKey, "ok.txt", ttlSeconds);
      expect(ext(r)).toMatchObject({ code: "BAD_USER_INPUT", field: "ttlSeconds" });
    }
    expect(ext(await lock(agentKey, "a/".repeat(600)))).toMatchObject({ code: "BAD_USER_INPUT", field: "path" });
    expect(ext(await lock(agentKey, ""))).toMatchObject({ code: "BAD_USER_INPUT", field: "path" });
    // A link inside the workspace is resolved: the lock is on what it reaches.
    const viaLink = (await s.ok(LockFileDocument, { workspaceId, path: "links/docs-alias/a.md" }, opB)).lockFile;
    expect(viaLink.path).toBe("docs/a.md");
    expect(ext(await write(agentKey, "docs/a.md", "x"))).toMatchObject({ code: "CONFLICT", lockHolder: "op-b" });
    expect(ext(await write(agentKey, "links/docs-alias/a.md", "x"))).toMatchObject({ code: "CONFLICT" });
    await s.ok(UnlockFileDocument, { workspaceId, path: "docs/a.md" }, opB);
    // Another agent may not lock in a workspace that is not its own.
    expect(ext(await lock(otherAgentKey, "docs"))).toMatchObject({ code: "FORBIDDEN" });
  });

  it("lists every change with who made it, newest first, page by page", async () => {
    const written = (
      await s.ok(WriteFileDocument, { input: { workspaceId, path: "log/out.txt", content: "hello" } }, agentKey)
    ).writeFile;
    await s.ok(MoveFileDocument, { workspaceId, from: "log/out.txt", to: "log/renamed.txt" }, opB);
    await s.ok(DeleteFileDocument, { workspaceId, path: "log/renamed.txt" }, agentKey);
    expect((await upload(opA, "log/up.txt", "up\n")).status).toBe(201);

    const page = (await s.ok(WorkspaceChangesDocument, { workspaceId, first: 4 }, agentKey)).workspaceChanges;
    const [up, del, move, wrote] = page.edges.map((e) => e.node);
    expect(up).toMatchObject({
      kind: "UPLOAD",
      path: "log/up.txt",
      callerName: "op-a",
      agent: null,
      toolCall: null,
      sizeBytes: 3,
    });
    expect(up?.version).toBe(`sha256:${up?.sha256}`);
    expect(del).toMatchObject({ kind: "DELETE", path: "log/renamed.txt", callerName: "lead-key", version: null });
    expect(del?.agent).toMatchObject({ id: agentId, name: "lead" });
    expect(del?.toolCall).toMatchObject({ tool: "deleteFile", status: "SUCCEEDED" });
    expect(move).toMatchObject({ kind: "MOVE", path: "log/renamed.txt", fromPath: "log/out.txt", callerName: "op-b" });
    expect(move).toMatchObject({ sizeBytes: 5, agent: null });
    expect(wrote).toMatchObject({
      kind: "WRITE",
      path: "log/out.txt",
      version: written.version,
      sha256: written.version.slice("sha256:".length),
      sizeBytes: 5,
      task: { id: taskId },
      toolCall: { tool: "writeFile" },
    });
    expect(new Date(wrote!.at).getTime()).toBeLessThanOrEqual(new Date(up!.at).getTime());

    // Refused writes changed nothing and are not recorded; every successful one is.
    expect(page.totalCount).toBeGreaterThan(20);
    const next = (await s.ok(WorkspaceChangesDocument, { workspaceId, first: 100, after: page.pageInfo.endCursor }))
      .workspaceChanges;
    const all = [...page.edges, ...next.edges].map((e) => e.node);
    expect(all).toHaveLength(page.totalCount);
    expect(all.filter((c) => c.kind === "APPEND")).toHaveLength(16);
    expect(all.filter((c) => c.path === "notes.md").map((c) => c.callerName)).toEqual(["op-b", "op-a"]);
    const ids = all.map((c) => c.id);
    expect([...ids].sort().reverse()).toEqual(ids);

    // Each change is a Node: found again by its id, by whoever may see its workspace.
    expect((await s.ok(FileChangeNodeDocument, { id: wrote!.id }, agentKey)).node).toEqual({
      __typename: "FileChange",
      id: wrote!.id,
      kind: "WRITE",
      path: "log/out.txt",
    });
    expect((await s.ok(FileChangeNodeDocument, { id: wrote!.id }, otherAgentKey)).node).toBeNull();
    expect(ext(await s.gql(WorkspaceChangesDocument, { workspaceId }, otherAgentKey))).toMatchObject({
      code: "FORBIDDEN",
    });
    expect(ext(await s.gql(WorkspaceChangesDocument, { workspaceId: "nope" }))).toMatchObject({ code: "NOT_FOUND" });
  });

  it.skipIf(!hasBwrap)(
    "runs two callers' commands in one workspace side by side, each with its own output",
    async () => {
      // Each program makes its flag and then waits for the other's: they finish only if both run at once.
      const program = (me: string, other: string) => [
        "-c",
        [
          "import os, sys, time",
          `open('${me}.flag', 'w').close()`,
          "end = time.time() + 30",
          `while not os.path.exists('${other}.flag') and time.time() < end: time.sleep(0.02)`,
          `print('${me} saw ${other}' if os.path.exists('${other}.flag') else '${me} alone', flush=True)`,
          `sys.exit(0 if os.path.exists('${other}.flag') else 3)`,
        ].join("\n"),
      ];
      const start = (key: string, me: string, other: string) =>
        s.ok(
          RunCommandDocument,
          { input: { workspaceId, program: "python3", args: program(me, other), timeoutMs: 40_000 } },
          key,
        );
      const [a, b] = await Promise.all([start(agentKey, "alpha", "beta"), start(opA, "beta", "alpha")]);
      const ended = async (id: string) =>
        untilValue(
          `run ${id} to end`,
          async () => {
            const r = (await s.ok(CommandRunDocument, { id })).commandRun;
            return r && r.status !== "RUNNING" ? r : null;
          },
          45_000,
        );
      const [ra, rb] = await Promise.all([ended(a.runCommand.id), ended(b.runCommand.id)]);
      expect([ra.status, rb.status]).toEqual(["SUCCEEDED", "SUCCEEDED"]);
      const output = async (runId: string) => {
        const c = collect(s.ws(), CommandOutputDocument, { runId });
        await c.ended;
        return c.items
          .filter((i) => i.commandOutput.stream === "STDOUT")
          .map((i) => i.commandOutput.data)
          .join("");
      };
      expect(await output(ra.id)).toBe("alpha saw beta\n");
      expect(await output(rb.id)).toBe("beta saw alpha\n");
    },
    60_000,
  );
});
