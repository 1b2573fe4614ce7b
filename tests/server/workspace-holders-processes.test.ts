/**
 * Workspaces across machines (docs/workspaces-cluster.md): two `worker` processes with separate
 * WORKSPACES_DIRs hold the workspaces they make; one `serve --no-workers` API process, whose own
 * WORKSPACES_DIR stays empty, reaches every workspace through its holder: file routes, tool calls
 * and a command's live output. A SIGKILLed worker's workspaces become LOST; restarted on its
 * folder, it takes them back. Skipped without TEST_DATABASE_URL.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { print } from "graphql";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CommandOutputDocument,
  CommandRunDocument,
  CreateAgentDocument,
  CreateTaskDocument,
  ListFilesDocument,
  RunCommandDocument,
  TaskDocument,
} from "../generated/graphql.js";
import { createTestDatabase, pgBaseUrl } from "../helpers/pg.js";
import {
  gql,
  listening,
  ok as okAs,
  ProcessHarness,
  readyLine,
  untilValue,
  waitUntil,
  wsClient,
  type Proc,
  type ServerProc,
} from "../helpers/process.js";

const ADMIN_KEY = "workspace-holders-processes-admin-key-0123456789";
/** Seconds of silence after which a holder's workspaces are LOST (the smallest allowed). */
const HOLDER_TIMEOUT_SECONDS = 2;
/** Bytes of an upload: three transport chunks (REMOTE_CHUNK_BYTES is 1 MiB). */
const UPLOAD_BYTES = 2.5 * 1024 * 1024;

interface Held {
  workspaceId: string;
  taskId: string;
  path: string;
}

describe.skipIf(!pgBaseUrl)("workspaces held by two workers, reached through an API process [postgres]", () => {
  const harness = new ProcessHarness();
  let dropDb: () => Promise<void> = async () => {};
  let databaseUrl = "";
  let sql: pg.Client;
  let api: ServerProc;
  const dirs: Record<"api" | "w1" | "w2", string> = { api: "", w1: "", w2: "" };
  const workers: Record<"w1" | "w2", Proc | undefined> = { w1: undefined, w2: undefined };
  const held: Record<"w1" | "w2", Held | undefined> = { w1: undefined, w2: undefined };

  const ok = <R, V>(doc: TypedDocumentNode<R, V>, variables: V) => okAs(api, doc, variables, ADMIN_KEY);

  function spawnProc(name: string, args: string[], workspacesDir: string): Proc {
    return harness.spawn(name, args, {
      DATA_DIR: harness.tempDir(`agents-${name}-`),
      DATABASE_URL: databaseUrl,
      ADMIN_API_KEY: ADMIN_KEY,
      WORKSPACES_DIR: workspacesDir,
      WORKSPACE_HOLDER_TIMEOUT: String(HOLDER_TIMEOUT_SECONDS),
      AGENT_HEARTBEAT_TIMEOUT: "600",
      JOB_LEASE_SECONDS: "3",
      WORKERS: "1",
      AGENT_RUNTIME: "scripted",
    });
  }

  async function startWorker(name: "w1" | "w2"): Promise<Proc> {
    const p = spawnProc(name, ["worker"], dirs[name]);
    await readyLine(p, "worker started", 30_000);
    workers[name] = p;
    return p;
  }

  const holderOf = (name: "w1" | "w2") => readFileSync(join(dirs[name], ".holder-id"), "utf8").trim();

  const fileUrl = (workspaceId: string, path: string) => `${api.url}/workspaces/${workspaceId}/files/${path}`;
  const auth = { authorization: `Bearer ${ADMIN_KEY}` };
  const content = (tag: string) => Buffer.from(`${tag}\n${"0123456789abcdef".repeat(UPLOAD_BYTES / 16)}`);

  beforeAll(async () => {
    await harness.build();
    dirs.api = harness.tempDir("agents-api-ws-");
    dirs.w1 = harness.tempDir("agents-w1-ws-");
    dirs.w2 = harness.tempDir("agents-w2-ws-");
    const db = await createTestDatabase();
    databaseUrl = db.url;
    dropDb = db.drop;
    // The API process first: it applies the migrations on the empty database.
    api = await listening(spawnProc("api", ["serve", "--no-workers"], dirs.api), 30_000);
    await Promise.all([startWorker("w1"), startWorker("w2")]);
    sql = new pg.Client({ connectionString: databaseUrl });
    await sql.connect();
    const agent = await ok(CreateAgentDocument, {
      input: { name: "outside", kind: "EXTERNAL", minComplexity: 1, maxComplexity: 10, maxConcurrentTasks: 20 },
    });
    expect(agent.createAgent.id).toBeTruthy();
    // Tasks until each worker holds a READY workspace (whichever takes a creation job makes it).
    const ids = { w1: holderOf("w1"), w2: holderOf("w2") };
    for (let i = 0; i < 12 && !(held.w1 && held.w2); i++) {
      const taskId = (await ok(CreateTaskDocument, { input: { title: `task ${i}`, complexity: 3 } })).createTask.id;
      const row = await untilValue("a READY workspace", async () => {
        const r = await sql.query<{ id: string; holder_id: string; path: string; status: string }>(
          "select id, holder_id, path, status from workspace where task_id = $1",
          [taskId],
        );
        return r.rows[0]?.status === "READY" ? r.rows[0] : null;
      });
      const name = row.holder_id === ids.w1 ? "w1" : row.holder_id === ids.w2 ? "w2" : null;
      if (name && !held[name]) held[name] = { workspaceId: row.id, taskId, path: row.path };
    }
    expect(held.w1 && held.w2, "each worker holds a workspace").toBeTruthy();
  }, 120_000);

  afterAll(async () => {
    await sql?.end().catch(() => {});
    await harness.stopAll(5_000);
    await dropDb();
    harness.removeTempDirs();
  }, 30_000);

  it("makes each workspace in its holder's folder, and records the holder's path", () => {
    for (const name of ["w1", "w2"] as const) {
      const ws = held[name]!;
      expect(ws.path.startsWith(dirs[name])).toBe(true);
      expect(existsSync(ws.path)).toBe(true);
    }
  });

  it("uploads, downloads and lists files of either worker's workspace through the API process", async () => {
    for (const name of ["w1", "w2"] as const) {
      const ws = held[name]!;
      const body = content(name);
      const put = await fetch(fileUrl(ws.workspaceId, "notes/hello.txt"), { method: "PUT", headers: auth, body });
      expect(put.status, await put.clone().text()).toBe(201);
      expect(((await put.json()) as { size: number }).size).toBe(body.length);
      expect(readFileSync(join(ws.path, "notes", "hello.txt")).equals(body)).toBe(true);

      const get = await fetch(fileUrl(ws.workspaceId, "notes/hello.txt"), { headers: auth });
      expect(get.status).toBe(200);
      expect(get.headers.get("content-type")).toBe("text/plain; charset=utf-8");
      expect(Buffer.from(await get.arrayBuffer()).equals(body)).toBe(true);
      const head = await fetch(fileUrl(ws.workspaceId, "notes/hello.txt"), { method: "HEAD", headers: auth });
      expect(head.headers.get("content-length")).toBe(String(body.length));

      const missing = await fetch(fileUrl(ws.workspaceId, "notes/nothing.txt"), { headers: auth });
      expect(missing.status).toBe(404);
      const refused = await fetch(fileUrl(ws.workspaceId, "x.bin"), {
        method: "PUT",
        headers: auth,
        body: Buffer.from([0, 1, 2, 3, 255, 254]),
      });
      expect(refused.status).toBe(415);

      const listed = await ok(ListFilesDocument, { workspaceId: ws.workspaceId, path: "notes" });
      expect(listed.listFiles.entries.map((e) => e.path)).toEqual(["notes/hello.txt"]);
    }
  }, 60_000);

  it("runs a command on the holder and streams its output live to the API's subscriber", async () => {
    for (const name of ["w1", "w2"] as const) {
      const ws = held[name]!;
      const run = await ok(RunCommandDocument, {
        input: {
          workspaceId: ws.workspaceId,
          program: "python3",
          args: ["-c", `import time; print('first ${name}', flush=True); time.sleep(1); print('second ${name}')`],
        },
      });
      const runId = run.runCommand.id;
      const client = wsClient(api, ADMIN_KEY);
      const chunks: string[] = [];
      const errors: unknown[] = [];
      const stop = client.subscribe(
        { query: print(CommandOutputDocument), variables: { runId, afterSeq: 0 } },
        {
          next: (v) => {
            const o = (v.data as { commandOutput?: { data: string } } | null | undefined)?.commandOutput;
            if (o) chunks.push(o.data);
            if (v.errors) errors.push(v.errors);
          },
          error: (e) => errors.push(e),
          complete: () => {},
        },
      );
      await waitUntil(
        () => errors.length > 0 || chunks.join("").includes(`second ${name}`),
        "the command's output",
        30_000,
      );
      stop();
      await client.dispose();
      expect(errors).toEqual([]);
      expect(chunks.join("")).toContain(`first ${name}`);
      const done = await untilValue("the run's end", async () => {
        const r = (await ok(CommandRunDocument, { id: runId })).commandRun;
        return r && r.status !== "RUNNING" ? r : null;
      });
      expect(done.status).toBe("SUCCEEDED");
    }
  }, 60_000);

  it("never writes in the API process's WORKSPACES_DIR", () => {
    expect(readdirSync(dirs.api)).toEqual([]);
  });

  it("marks a SIGKILLed worker's workspaces LOST, and READY again when it restarts on its folder", async () => {
    const ws = held.w2!;
    // A command still running on the worker when it dies.
    const longRun = (
      await ok(RunCommandDocument, {
        input: {
          workspaceId: ws.workspaceId,
          program: "python3",
          args: ["-c", "import time; print('up', flush=True); time.sleep(600)"],
          timeoutMs: 900_000,
        },
      })
    ).runCommand.id;
    await untilValue("the long command's first output", async () => {
      const r = (await ok(CommandRunDocument, { id: longRun })).commandRun;
      return r && r.lastOutputSeq > 0 ? r : null;
    });
    workers.w2!.child.kill("SIGKILL");
    await workers.w2!.exit;
    const lost = await untilValue("the workspace to be LOST", async () => {
      const t = (await ok(TaskDocument, { id: ws.taskId, afterSeq: 0, first: 100 })).task;
      return t?.workspace?.status === "LOST" ? t : null;
    });
    const event = lost.events.find((e) => e.type === "ERROR");
    expect(event?.data).toMatchObject({ workspaceId: ws.workspaceId, code: "WORKSPACE_LOST" });
    const listed = await gql(api, ListFilesDocument, { workspaceId: ws.workspaceId }, ADMIN_KEY);
    expect(listed.errors?.[0]?.extensions?.code).toBe("WORKSPACE_LOST");
    const get = await fetch(fileUrl(ws.workspaceId, "notes/hello.txt"), { headers: auth });
    expect(get.status).toBe(410);
    expect(((await get.json()) as { error: { code: string } }).error.code).toBe("WORKSPACE_LOST");
    // The other worker's workspace is untouched.
    const other = await fetch(fileUrl(held.w1!.workspaceId, "notes/hello.txt"), { method: "HEAD", headers: auth });
    expect(other.status).toBe(200);
    // Its run is recorded as FAILED (interrupted) by the live worker that marked the workspace LOST.
    const cutOff = await untilValue("the dead worker's run to end", async () => {
      const r = (await ok(CommandRunDocument, { id: longRun })).commandRun;
      return r && r.status !== "RUNNING" ? r : null;
    });
    expect(cutOff.status).toBe("FAILED");

    await startWorker("w2");
    await untilValue("the workspace to be READY again", async () => {
      const t = (await ok(TaskDocument, { id: ws.taskId })).task;
      return t?.workspace?.status === "READY";
    });
    const again = await fetch(fileUrl(ws.workspaceId, "notes/hello.txt"), { headers: auth });
    expect(again.status).toBe(200);
    expect(Buffer.from(await again.arrayBuffer()).equals(content("w2"))).toBe(true);
    expect(readdirSync(dirs.api)).toEqual([]);
  }, 60_000);
});
