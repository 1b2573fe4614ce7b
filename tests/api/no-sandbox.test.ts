import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CommandRunDocument,
  CreateAgentDocument,
  CreateTaskDocument,
  InstallPackagesDocument,
  RunCommandDocument,
  RunPythonDocument,
  TaskDocument,
} from "../generated/graphql.js";
import { openDatabase } from "../../src/infra/db/orm.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function readyWorkspace(s: TestServer): Promise<string> {
  await s.ok(CreateAgentDocument, { input: { name: "nosandbox", minComplexity: 7, maxComplexity: 7 } });
  const taskId = (await s.ok(CreateTaskDocument, { input: { title: "no sandbox", complexity: 7 } })).createTask.id;
  for (let i = 0; i < 100; i++) {
    const ws = (await s.ok(TaskDocument, { id: taskId })).task?.workspace;
    if (ws?.status === "READY") return ws.id;
    await sleep(100);
  }
  throw new Error("no workspace");
}

describe("without a sandbox [sqlite]", () => {
  let s: TestServer;
  let workspaceId = "";
  beforeAll(async () => {
    s = await startTestServer("sqlite", {
      workers: 1,
      env: { PIP_INDEX_URL: "file:///nonexistent/simple" },
      sandboxProbe: async () => ({ available: false, reason: "bwrap is not installed (Debian package bubblewrap)" }),
    });
    workspaceId = await readyWorkspace(s);
  });
  afterAll(() => s?.stop());

  it("starts, says so in /readyz, and refuses untrusted code with SANDBOX_UNAVAILABLE", async () => {
    const ready = await fetch(`${s.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(((await ready.json()) as { checks: { sandbox: string } }).checks.sandbox).toMatch(/^unavailable: bwrap/);
    const results = [
      await s.gql(RunCommandDocument, { input: { workspaceId, program: "ls" } }),
      await s.gql(RunPythonDocument, { input: { workspaceId, code: "print(1)" } }),
      await s.gql(InstallPackagesDocument, { workspaceId, packages: ["requests"] }),
    ];
    for (const r of results) {
      expect(r.errors?.[0]?.extensions?.code).toBe("SANDBOX_UNAVAILABLE");
      expect(r.errors?.[0]?.message).toContain("apt-get install bubblewrap");
    }
  });
});

describe("SANDBOX=none [sqlite]", () => {
  let s: TestServer;
  let workspaceId = "";
  beforeAll(async () => {
    s = await startTestServer("sqlite", { workers: 1, env: { SANDBOX: "none" } });
    workspaceId = await readyWorkspace(s);
  });
  afterAll(() => s?.stop());

  it("runs commands without isolation, recorded as sandbox NONE on every run", async () => {
    const ready = (await (await fetch(`${s.url}/readyz`)).json()) as { checks: { sandbox: string } };
    expect(ready.checks.sandbox).toMatch(/^none/);
    const run = (await s.ok(RunCommandDocument, { input: { workspaceId, program: "echo", args: ["hi"] } })).runCommand;
    expect(run.sandbox).toBe("NONE");
    let status = run.status;
    for (let i = 0; i < 100 && status === "RUNNING"; i++) {
      await sleep(50);
      status = (await s.ok(CommandRunDocument, { id: run.id })).commandRun?.status ?? status;
    }
    expect(status).toBe("SUCCEEDED");
  });
});

describe("after a crash [sqlite]", () => {
  it("records runs left RUNNING by the last stop as FAILED when the server starts again", async () => {
    const first = await startTestServer("sqlite", { workers: 1, keepData: true, env: { SANDBOX: "none" } });
    const dataDir = first.config.dataDir;
    const workspaceId = await readyWorkspace(first);
    const run = (await first.ok(RunCommandDocument, { input: { workspaceId, program: "sleep", args: ["30"] } }))
      .runCommand;
    await first.stop();
    // Play a crash: the row says RUNNING although nothing runs it any more.
    const db = await openDatabase({ url: undefined, dataDir });
    await db.fork().execute("update command_run set status = 'RUNNING', finished_at = null where id = ?", [run.id]);
    await db.close();
    const again = await startTestServer("sqlite", { workers: 0, dataDir, env: { SANDBOX: "none" } });
    try {
      expect((await again.ok(CommandRunDocument, { id: run.id })).commandRun?.status).toBe("FAILED");
    } finally {
      await again.stop();
    }
  });
});
