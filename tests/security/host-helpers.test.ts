import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CancelTaskDocument,
  InstallPackagesDocument,
  ReadFileDocument,
  RunPythonDocument,
  TaskDocument,
} from "../generated/graphql.js";
import { waitForFileToContain } from "../helpers/files.js";
import { hasBwrap, hostileWorkspace, isRoot, outputUntil, startPython } from "../helpers/hostile.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { localIndex, serveIndex } from "../helpers/wheels.js";

/** A root-only folder tree the attacks aim at: nothing may appear in it or change owner. */
function hostTree(): string {
  const dir = mkdtempSync(join(tmpdir(), "host-tree-"));
  mkdirSync(join(dir, "lib", "deep"), { recursive: true });
  writeFileSync(join(dir, "lib", "deep", "file"), "host");
  return dir;
}

const owners = (dir: string): number[] => {
  const out: number[] = [statSync(dir).uid];
  for (const name of readdirSync(dir, { recursive: true }) as string[]) out.push(statSync(join(dir, name)).uid);
  return out;
};

/** A server that counts connections: the canary no sandboxed program may reach. */
async function canary(): Promise<{ port: number; hits: () => number; close(): Promise<void> }> {
  let hits = 0;
  const server: Server = createServer((_req, res) => {
    hits++;
    res.end("reached");
  });
  server.on("connection", () => hits++);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    hits: () => hits,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe.skipIf(!hasBwrap || !isRoot)("host-side helpers and a hostile workspace", () => {
  let s: TestServer;
  let index: { url: string; hits: string[]; close(): Promise<void> };
  let bird: Awaited<ReturnType<typeof canary>>;
  const simple = localIndex();
  const tree = hostTree();

  beforeAll(async () => {
    index = await serveIndex(simple);
    bird = await canary();
    s = await startTestServer("sqlite", { workers: 1, env: { PIP_INDEX_URL: index.url } });
  });
  afterAll(async () => {
    await s?.stop();
    await index?.close();
    await bird?.close();
    rmSync(tree, { recursive: true, force: true });
  });

  it("runs code without writing it into the workspace: a .agent link to the host leads nowhere", async () => {
    const ws = await hostileWorkspace(s, 1);
    await outputUntil(
      s,
      await startPython(s, ws, `import os; os.symlink(${JSON.stringify(tree)}, ".agent"); print("ok")`),
      "ok",
    );
    const r = await s.ok(
      RunPythonDocument,
      { input: { workspaceId: ws.workspaceId, code: "print(6 * 7)\nraise ValueError('boom')" } },
      ws.agentKey,
    );
    expect(r.runPython.stdout).toBe("42\n");
    expect(r.runPython.traceback).toMatchObject({ type: "ValueError", message: "boom", file: "<code>", line: 2 });
    expect(readdirSync(tree)).toEqual(["lib"]);
    expect(owners(tree).every((uid) => uid === 0)).toBe(true);
  });

  it("installs packages without the agent's interpreter ever having the network, and changes no owner through a venv link", async () => {
    const ws = await hostileWorkspace(s, 2);
    // The agent replaces its venv's interpreter with one that calls home (the canary) and logs it.
    const evil = `#!/bin/bash
/usr/bin/python3 - <<'EOF' >> "$HOME/evil.log" 2>&1
import socket
try:
    socket.create_connection(("127.0.0.1", ${bird.port}), timeout=2).close()
    print("REACHED")
except OSError as e:
    print("refused", e)
EOF
exec -a "$0" /usr/bin/python3 "$@"
`;
    const plant = `
import os, shutil
# The workspace's root is the agent's: whoever owns venv/, it can be put aside and replaced.
os.rename("venv", "venv-orig")
shutil.copytree("venv-orig", "venv", symlinks=True)
p = "venv/bin/python"
os.unlink(p)
open(p, "w").write(${JSON.stringify(evil)})
os.chmod(p, 0o755)
print("planted")
`;
    await outputUntil(s, await startPython(s, ws, plant), "planted");
    const r = await s.gql(
      InstallPackagesDocument,
      { workspaceId: ws.workspaceId, packages: ["demo-pkg"] },
      ws.agentKey,
    );
    expect(r.errors).toBeUndefined();
    expect(r.data?.installPackages.run.status).toBe("SUCCEEDED");
    // The index was reached (by the system's pip, in a sandbox without the workspace) …
    expect(index.hits.some((h) => h.endsWith(".whl"))).toBe(true);
    // … and the agent's interpreter ran, offline: it never reached the canary.
    const log = await s.ok(ReadFileDocument, { workspaceId: ws.workspaceId, path: "evil.log" }, ws.agentKey);
    expect(log.readFile.content).toContain("refused");
    expect(log.readFile.content).not.toContain("REACHED");
    expect(bird.hits()).toBe(0);
    const check = await s.ok(
      RunPythonDocument,
      { input: { workspaceId: ws.workspaceId, code: "import demo_pkg; print(demo_pkg.VALUE)" } },
      ws.agentKey,
    );
    expect(check.runPython.stdout).toBe("42\n");

    // Now the venv itself becomes a link to a root-only host tree: nothing there changes owner or content.
    await outputUntil(
      s,
      await startPython(
        s,
        ws,
        `import os, shutil; shutil.rmtree("venv"); os.symlink(${JSON.stringify(tree)}, "venv"); print("linked")`,
      ),
      "linked",
    );
    await s.gql(InstallPackagesDocument, { workspaceId: ws.workspaceId, packages: ["demo-pkg"] }, ws.agentKey);
    expect(owners(tree).every((uid) => uid === 0)).toBe(true);
    expect(readdirSync(tree)).toEqual(["lib"]);
  });

  it("keeps answering when READMEs are FIFOs and their tasks stop (the phase comes from the database)", async () => {
    const spaces = [];
    for (const complexity of [3, 4, 5, 6, 7]) spaces.push(await hostileWorkspace(s, complexity));
    for (const ws of spaces) {
      await outputUntil(
        s,
        await startPython(s, ws, `import os; os.unlink("README.md"); os.mkfifo("README.md"); print("fifo")`),
        "fifo",
      );
    }
    for (const ws of spaces) await s.ok(CancelTaskDocument, { id: ws.taskId });
    for (const ws of spaces) {
      await waitForFileToContain(join(ws.root, "README.md"), "> **CANCELLED**: This task was cancelled during Design.");
      expect(statSync(join(ws.root, "README.md")).isFile()).toBe(true);
    }
    const ready = await fetch(`${s.url}/readyz`, { signal: AbortSignal.timeout(10_000) });
    expect(ready.status).toBe(200);
    expect((await s.ok(TaskDocument, { id: spaces[0]!.taskId })).task?.status).toBe("CANCELLED");
  }, 90_000);
});
