import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, openSync, closeSync, rmSync, statSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CommandRunDocument,
  CreateTaskDocument,
  DeleteFileDocument,
  RunCommandDocument,
  WriteFileDocument,
  CreateSecretDocument,
} from "../generated/graphql.js";
import { hasBwrap, hostileWorkspace, isRoot, outputUntil, type HostileWorkspace } from "../helpers/hostile.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

const MB = 1024 * 1024;

/** Mounts a tmpfs of `sizeMb` (root only); null, with the reason logged, where it cannot. */
function smallFilesystem(sizeMb: number): string | null {
  const dir = mkdtempSync(join(tmpdir(), "small-disk-"));
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${sizeMb}m,mode=0711`, "tmpfs", dir], { stdio: "pipe" });
    return dir;
  } catch (err) {
    console.warn(`disk tests skipped: cannot mount a small filesystem here (${(err as Error).message.split("\n")[0]})`);
    rmSync(dir, { recursive: true, force: true });
    return null;
  }
}

/** Writes zeros into `file` until the filesystem is full (ENOSPC), or `maxBytes`. */
function fill(file: string, maxBytes = Number.MAX_SAFE_INTEGER): void {
  const fd = openSync(file, "a");
  const chunk = Buffer.alloc(256 * 1024);
  try {
    for (let n = 0; n < maxBytes; n += chunk.length) writeSync(fd, chunk, 0, Math.min(chunk.length, maxBytes - n));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOSPC") throw err;
  } finally {
    closeSync(fd);
  }
}

const mount = isRoot && hasBwrap ? smallFilesystem(96) : null;
const smallDiskEnv = { WORKSPACE_MAX_BYTES: String(24 * MB), DISK_MIN_FREE_BYTES: String(8 * MB) };

describe.skipIf(!mount)("a small disk [sqlite]", () => {
  const dataDir = join(mount ?? "/nonexistent", "data");
  let s: TestServer;
  let ws: HostileWorkspace;

  beforeAll(async () => {
    mkdirSync(dataDir);
    s = await startTestServer("sqlite", {
      workers: 1,
      dataDir,
      keepData: true,
      env: smallDiskEnv,
    });
    ws = await hostileWorkspace(s, 6);
  });
  afterAll(async () => {
    await s?.stop();
    if (mount) {
      execFileSync("umount", ["-l", mount]);
      rmSync(mount, { recursive: true, force: true });
    }
  });

  const write = (path: string, content: string) =>
    s.gql(WriteFileDocument, { input: { workspaceId: ws.workspaceId, path, content } }, ws.agentKey);
  const run = async (code: string) => {
    const r = await s.gql(
      RunCommandDocument,
      { input: { workspaceId: ws.workspaceId, program: "python3", args: ["-c", code], timeoutMs: 60_000 } },
      ws.agentKey,
    );
    return r;
  };

  it("stops a command that writes past the workspace's quota, and refuses writes until it is under again", async () => {
    const started = await run(`
import time
with open("big.bin", "wb") as f:
    for i in range(60):
        f.write(b"x" * (1024 * 1024)); f.flush()
        time.sleep(0.02)
print("wrote it all", flush=True)
`);
    expect(started.errors).toBeUndefined();
    const runId = started.data?.runCommand.id as string;
    await outputUntil(s, runId, null);
    const ended = (await s.ok(CommandRunDocument, { id: runId }, ws.agentKey)).commandRun;
    expect(ended).toMatchObject({ status: "LIMIT_EXCEEDED", limit: "disk" });

    const refused = await write("more.txt", "x");
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: "LIMIT_EXCEEDED", limit: "maxWorkspaceBytes" });
    const again = await run("print(1)");
    expect(again.errors?.[0]?.extensions).toMatchObject({ code: "LIMIT_EXCEEDED", limit: "maxWorkspaceBytes" });
    await s.ok(DeleteFileDocument, { workspaceId: ws.workspaceId, path: "big.bin" }, ws.agentKey);
    expect((await write("more.txt", "x")).errors).toBeUndefined();
  }, 90_000);

  it("keeps a free-space floor, survives a full disk with typed errors, and recovers by itself", async () => {
    const filler = join(mount as string, "filler.bin");
    // Under the floor: new runs and writes are refused, the API answers.
    fill(filler);
    rmSync(filler);
    const free = Number(
      execFileSync("df", ["--output=avail", "-B1", mount as string])
        .toString()
        .split("\n")[1],
    );
    fill(filler, free - 4 * MB);
    const write1 = await write("floor.txt", "x");
    expect(write1.errors?.[0]?.extensions).toMatchObject({ code: "LIMIT_EXCEEDED", limit: "minFreeBytes" });
    expect((await run("print(1)")).errors?.[0]?.extensions).toMatchObject({ limit: "minFreeBytes" });

    // Completely full: the database cannot write. A typed error, never an exit; /readyz says why.
    fill(filler);
    const created = await s.gql(CreateTaskDocument, { input: { title: "on a full disk", complexity: 1 } });
    expect(created.errors?.[0]?.extensions?.code).toBe("LIMIT_EXCEEDED");
    expect(created.errors?.[0]?.message).toMatch(/disk is full/i);
    const ready = await fetch(`${s.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(JSON.stringify(await ready.json())).toMatch(/disk/i);

    // Space freed: it works again without a restart.
    rmSync(filler);
    const ok = await s.gql(CreateTaskDocument, { input: { title: "after the disk was freed", complexity: 1 } });
    expect(ok.errors).toBeUndefined();
    expect((await fetch(`${s.url}/readyz`)).status).toBe(200);
  }, 90_000);

  it("starts on a full disk, says why it is not ready, and recovers when space is freed", async () => {
    await s.stop();
    // Without its key file, the secrets store makes one at its first use with room for it.
    rmSync(join(dataDir, "secrets.key"), { force: true });
    const filler = join(mount as string, "filler.bin");
    fill(filler);
    s = await startTestServer("sqlite", { workers: 1, dataDir, keepData: true, env: smallDiskEnv });
    const ready = await fetch(`${s.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(JSON.stringify(await ready.json())).toMatch(/disk/i);
    rmSync(filler);
    expect((await fetch(`${s.url}/readyz`)).status).toBe(200);
    expect(
      (await s.gql(CreateTaskDocument, { input: { title: "after a full start", complexity: 1 } })).errors,
    ).toBeUndefined();
    const secret = await s.gql(CreateSecretDocument, {
      input: { name: "after-a-full-start", kind: "OTHER", scope: "GLOBAL", value: "s3cret-value" },
    });
    expect(secret.errors).toBeUndefined();
    expect(statSync(join(dataDir, "secrets.key")).mode & 0o777).toBe(0o600);
  }, 90_000);
});
