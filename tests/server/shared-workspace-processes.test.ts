/**
 * Two API processes on one PostgreSQL database and one WORKSPACES_DIR write into the same
 * workspace at once (the cluster profile, where an API node and the workers running two agents'
 * tasks are separate processes). Each process queues changes per path for itself; what keeps the
 * processes from losing each other's updates is the path mutex on PostgreSQL advisory locks.
 * Skipped without TEST_DATABASE_URL.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AppendFileDocument,
  CreateAgentDocument,
  CreateApiKeyDocument,
  CreateTaskDocument,
  LockFileDocument,
  ReadFileDocument,
  TaskDocument,
  WriteFileDocument,
} from "../generated/graphql.js";
import { createTestDatabase, pgBaseUrl } from "../helpers/pg.js";
import { gql, listening, ok, ProcessHarness, untilValue, type ServerProc } from "../helpers/process.js";

const ADMIN_KEY = "shared-workspace-processes-admin-key-0123456789";

describe.skipIf(!pgBaseUrl)("one workspace written through two processes [postgres]", () => {
  const harness = new ProcessHarness();
  let dropDb: () => Promise<void> = async () => {};
  let api1: ServerProc;
  let api2: ServerProc;
  let workspaceId = "";

  beforeAll(async () => {
    await harness.build();
    const workspacesDir = harness.tempDir("agents-workspaces-");
    const db = await createTestDatabase();
    dropDb = db.drop;
    const spawnApi = (name: string, args: string[]) =>
      listening(
        harness.spawn(name, ["serve", ...args], {
          DATA_DIR: harness.tempDir(`agents-${name}-`),
          DATABASE_URL: db.url,
          ADMIN_API_KEY: ADMIN_KEY,
          WORKSPACES_DIR: workspacesDir,
          WORKSPACES_SHARED: "true",
          WORKERS: "1",
          AGENT_RUNTIME: "scripted",
        }),
        30_000,
      );
    // The first applies the migrations; its worker makes the workspace.
    api1 = await spawnApi("api-1", []);
    api2 = await spawnApi("api-2", ["--no-workers"]);
    await ok(api1, CreateAgentDocument, { input: { name: "writer", minComplexity: 3, maxComplexity: 3 } }, ADMIN_KEY);
    const taskId = (await ok(api1, CreateTaskDocument, { input: { title: "two nodes", complexity: 3 } }, ADMIN_KEY))
      .createTask.id;
    workspaceId = await untilValue("the workspace to be READY", async () => {
      const w = (await ok(api2, TaskDocument, { id: taskId }, ADMIN_KEY)).task?.workspace;
      return w?.status === "READY" ? w.id : null;
    });
  }, 90_000);

  afterAll(async () => {
    await harness.stopAll(5_000);
    await dropDb();
    harness.removeTempDirs();
  }, 30_000);

  const nodes = () => [api1, api2];

  it("loses no append when both processes append to one file at once", async () => {
    const lines = Array.from({ length: 24 }, (_, i) => `line ${i}`);
    await Promise.all(
      lines.map((line, i) =>
        ok(
          nodes()[i % 2]!,
          AppendFileDocument,
          { input: { workspaceId, path: "log.txt", content: `${line}\n` } },
          ADMIN_KEY,
        ),
      ),
    );
    const text = (await ok(api1, ReadFileDocument, { workspaceId, path: "log.txt" }, ADMIN_KEY)).readFile.content;
    expect(text.split("\n").filter(Boolean).sort()).toEqual([...lines].sort());
  }, 60_000);

  it("lets exactly one of two processes' writes on the same version win", async () => {
    const big = (tag: string) => `${tag}\n${"x".repeat(512 * 1024)}`;
    for (let round = 0; round < 6; round++) {
      const path = `race-${round}.txt`;
      const base = (await ok(api1, WriteFileDocument, { input: { workspaceId, path, content: "base" } }, ADMIN_KEY))
        .writeFile.version;
      const results = await Promise.all(
        nodes().map((node, i) =>
          gql(
            node,
            WriteFileDocument,
            { input: { workspaceId, path, content: big(`node ${i}`), expectedVersion: base } },
            ADMIN_KEY,
          ),
        ),
      );
      const won = results.filter((r) => !r.errors);
      const lost = results.filter((r) => r.errors);
      expect(won).toHaveLength(1);
      expect(lost[0]?.errors?.[0]?.extensions).toMatchObject({
        code: "CONFLICT",
        currentVersion: won[0]?.data?.writeFile.version,
      });
    }
  }, 60_000);

  it("refuses on one process a write to a path another holder locked through the other", async () => {
    const operator = (await ok(api1, CreateApiKeyDocument, { input: { name: "op", role: "OPERATOR" } }, ADMIN_KEY))
      .createApiKey.key;
    await ok(api1, LockFileDocument, { workspaceId, path: "locked", ttlSeconds: 60 }, ADMIN_KEY);
    const refused = await gql(
      api2,
      WriteFileDocument,
      { input: { workspaceId, path: "locked/a", content: "a" } },
      operator,
    );
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: "CONFLICT", reason: "locked", lockedPath: "locked" });
  });
});
