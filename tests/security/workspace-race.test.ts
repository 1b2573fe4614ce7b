import { readdirSync, readFileSync, rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AppendFileDocument,
  DeleteFileDocument,
  ListFilesDocument,
  MakeDirectoryDocument,
  MoveFileDocument,
  ReadFileDocument,
  StatPathDocument,
  WriteFileDocument,
} from "../generated/graphql.js";
import {
  hasBwrap,
  hostileWorkspace,
  hostSecretDir,
  isRoot,
  outputUntil,
  runEnded,
  startPython,
  type HostileWorkspace,
} from "../helpers/hostile.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

/** How long every file route and tool is raced against the swapping program. */
const ATTACK_MS = 10_000;
const LOOPS = 6;

/**
 * Swaps folder `d` of the workspace with `x`, a symbolic link to a host folder, as fast as it can
 * (renameat2 RENAME_EXCHANGE: at every moment one of the two names is the real folder and the
 * other the link), then prints how many swaps it made.
 */
const SWAPPER = `
import ctypes, os, sys, time
libc = ctypes.CDLL(None, use_errno=True)
os.makedirs("d", exist_ok=True)
with open("d/mine.txt", "w") as f:
    f.write("workspace copy\\n")
if os.path.lexists("x"):
    os.unlink("x")
os.symlink(sys.argv[1], "x")
print("ready", flush=True)
end = time.time() + float(sys.argv[2])
n = 0
while time.time() < end and not os.path.exists("stop"):
    if libc.renameat2(-100, b"d", -100, b"x", 2) == 0:
        n += 1
print("swaps", n, flush=True)
`;

describe.skipIf(!hasBwrap || !isRoot)("a folder swapped for a link to the host while the API works in it", () => {
  let s: TestServer;
  let ws: HostileWorkspace;
  const host = hostSecretDir();

  beforeAll(async () => {
    s = await startTestServer("sqlite", { workers: 1 });
    ws = await hostileWorkspace(s, 7);
  });
  afterAll(async () => {
    await s?.stop();
    rmSync(host.dir, { recursive: true, force: true });
  });

  it("never lets a file route or tool read, list, write or delete outside the workspace", async () => {
    const runId = await startPython(s, ws, SWAPPER, [host.dir, String((ATTACK_MS + 60_000) / 1000)]);
    await outputUntil(s, runId, "ready");
    const leaks: string[] = [];
    let succeeded = 0;
    let attempts = 0;
    const file = (path: string) => `${s.url}/workspaces/${ws.workspaceId}/files/${path}`;
    const auth = { authorization: `Bearer ${ws.agentKey}` };
    // The secret's text anywhere in an answer, or its name in a successful answer (a listing, a stat).
    const sawSecret = (what: string, text: string, ok = false) => {
      if (text.includes(host.secret) || (ok && text.includes(host.name))) leaks.push(`${what}: ${text.slice(0, 200)}`);
    };
    const gql = async (what: string, op: () => Promise<{ data?: unknown; errors?: unknown }>) => {
      const r = await op();
      if (r.data) succeeded++;
      sawSecret(what, JSON.stringify(r), !!r.data);
    };
    const attacks: Array<(i: number) => Promise<void>> = [
      async () => {
        const res = await fetch(file(`d/${host.name}`), { headers: auth });
        const body = await res.text();
        if (res.ok) succeeded++;
        sawSecret("GET", body, res.ok);
      },
      async (i) => {
        const res = await fetch(file(`d/put-${i}.txt`), { method: "PUT", headers: auth, body: `put ${i}` });
        await res.text();
        if (res.ok) succeeded++;
      },
      (i) =>
        gql("readFile", () =>
          s.gql(ReadFileDocument, { workspaceId: ws.workspaceId, path: `d/${host.name}` }, ws.agentKey),
        ),
      (i) =>
        gql("writeFile", () =>
          s.gql(
            WriteFileDocument,
            { input: { workspaceId: ws.workspaceId, path: `d/write-${i}.txt`, content: "w" } },
            ws.agentKey,
          ),
        ),
      (i) =>
        gql("appendFile", () =>
          s.gql(
            AppendFileDocument,
            { input: { workspaceId: ws.workspaceId, path: `d/append-${i % 3}.txt`, content: "a" } },
            ws.agentKey,
          ),
        ),
      () =>
        gql("listFiles", () =>
          s.gql(ListFilesDocument, { workspaceId: ws.workspaceId, path: "d", recursive: true }, ws.agentKey),
        ),
      () =>
        gql("stat", () =>
          s.gql(StatPathDocument, { workspaceId: ws.workspaceId, path: `d/${host.name}` }, ws.agentKey),
        ),
      (i) =>
        gql("makeDirectory", () =>
          s.gql(MakeDirectoryDocument, { workspaceId: ws.workspaceId, path: `d/dir-${i}/sub` }, ws.agentKey),
        ),
      (i) =>
        gql("moveFile", () =>
          s.gql(
            MoveFileDocument,
            { workspaceId: ws.workspaceId, from: `d/write-${i - 4}.txt`, to: `d/moved-${i}.txt` },
            ws.agentKey,
          ),
        ),
      () =>
        gql("deleteFile", () =>
          s.gql(DeleteFileDocument, { workspaceId: ws.workspaceId, path: `d/${host.name}` }, ws.agentKey),
        ),
    ];
    const until = Date.now() + ATTACK_MS;
    await Promise.all(
      Array.from({ length: LOOPS }, async (_, loop) => {
        for (let i = loop; Date.now() < until; i += LOOPS) {
          attempts++;
          await (attacks[i % attacks.length] as (i: number) => Promise<void>)(i);
        }
      }),
    );
    await s.ok(WriteFileDocument, { input: { workspaceId: ws.workspaceId, path: "stop", content: "" } }, ws.agentKey);
    const swaps = Number(/swaps (\d+)/.exec(await outputUntil(s, runId, null))?.[1] ?? 0);
    const run = await runEnded(s, runId);

    expect(leaks).toEqual([]);
    expect(readdirSync(host.dir)).toEqual([host.name]);
    expect(readFileSync(host.file, "utf8")).toBe(host.secret);
    // The race really ran: the program swapped, and operations landed on the real folder too.
    expect(run.status).toBe("SUCCEEDED");
    expect(swaps).toBeGreaterThan(1000);
    expect(attempts).toBeGreaterThan(50);
    expect(succeeded).toBeGreaterThan(0);
  }, 120_000);
});
