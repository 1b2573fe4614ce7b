import { chmodSync, chownSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readAdminKeyFile } from "../../src/domain/auth/api-key.service.js";
import {
  CreateAgentDocument,
  CreateApiKeyDocument,
  CreateTaskDocument,
  RunPythonDocument,
  TaskDocument,
} from "../generated/graphql.js";
import { hasBwrap, isRoot } from "../helpers/hostile.js";
import { listening, ok, ProcessHarness, sleep } from "../helpers/process.js";

/** A user that exists nowhere but in this test: the service's own, as the README's dedicated user. */
const SERVICE_USER = { uid: 4242, gid: 4242 };

describe.skipIf(!hasBwrap || !isRoot)("the server run by a dedicated non-root user [sqlite]", () => {
  const harness = new ProcessHarness();
  let dataDir = "";

  beforeAll(async () => {
    const build = await harness.build();
    chmodSync(build, 0o755);
    dataDir = harness.tempDir("agents-nonroot-");
    chownSync(dataDir, SERVICE_USER.uid, SERVICE_USER.gid);
    chmodSync(dataDir, 0o700);
  }, 120_000);
  afterAll(async () => {
    await harness.stopAll(5_000);
    harness.removeTempDirs();
  });

  it("runs, keeps its files to itself, and its sandbox works (unprivileged user namespaces)", async () => {
    const server = await listening(
      harness.spawn("nonroot", ["serve"], { DATA_DIR: dataDir, WORKERS: "1", HOME: dataDir }, SERVICE_USER),
      60_000,
    );
    expect(readFileSync(`/proc/${server.pid}/status`, "utf8")).toMatch(/^Uid:\s+4242\s/m);
    const ready = (await (await fetch(`${server.url}/readyz`)).json()) as { checks: Record<string, string> };
    expect(ready.checks.sandbox).toBe("bubblewrap");
    for (const f of ["agents.db", "admin.key"]) {
      const st = statSync(join(dataDir, f));
      expect({ f, uid: st.uid, mode: st.mode & 0o777 }).toEqual({ f, uid: 4242, mode: 0o600 });
    }
    expect(statSync(dataDir).mode & 0o777).toBe(0o700); // no other user needs to pass through

    const admin = readAdminKeyFile(dataDir) as string;
    const agent = (await ok(server, CreateAgentDocument, { input: { name: "plain", kind: "EXTERNAL" } }, admin))
      .createAgent;
    const key = (
      await ok(server, CreateApiKeyDocument, { input: { name: "plain", role: "AGENT", agentId: agent.id } }, admin)
    ).createApiKey.key;
    const task = (await ok(server, CreateTaskDocument, { input: { title: "as a user", complexity: 5 } }, admin))
      .createTask;
    let workspaceId = "";
    for (const until = Date.now() + 60_000; !workspaceId && Date.now() < until; await sleep(50)) {
      const ws = (await ok(server, TaskDocument, { id: task.id }, admin)).task?.workspace;
      if (ws?.status === "FAILED") throw new Error(`workspace failed: ${ws.error}`);
      if (ws?.status === "READY") workspaceId = ws.id;
    }
    const code =
      "import os, subprocess\nprint(os.getuid(), subprocess.run(['id', '-u'], capture_output=True, text=True).stdout.strip())";
    const r = await ok(server, RunPythonDocument, { input: { workspaceId, code } }, key);
    // Inside, the sandbox's own user; outside, it is the service's user (no root anywhere).
    expect(r.runPython.stdout.trim()).toBe("65534 65534");
    expect(r.runPython.traceback).toBeNull();
  }, 120_000);
});
