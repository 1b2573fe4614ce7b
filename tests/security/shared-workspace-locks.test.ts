import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CreateApiKeyDocument,
  LockFileDocument,
  UnlockFileDocument,
  WorkspaceChangesDocument,
  WriteFileDocument,
} from "../generated/graphql.js";
import { hostileWorkspace, type HostileWorkspace } from "../helpers/hostile.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

type Errors = { errors?: readonly { extensions?: Record<string, unknown> }[] };
const ext = (r: Errors) => r.errors?.[0]?.extensions;

/**
 * Locks and change records give no way out of a workspace: a lock's path goes through the file
 * tools' confined walk, a lock is only a row (never opened, never a privilege), a change records
 * the path the confined walk reached, and neither can be seen or taken in another agent's workspace.
 */
describe("shared workspace locks and changes, against an attacker [sqlite]", () => {
  let s: TestServer;
  let ws: HostileWorkspace;
  let victim: HostileWorkspace;
  let outside = "";

  beforeAll(async () => {
    s = await startTestServer("sqlite", { workers: 1 });
    ws = await hostileWorkspace(s, 4);
    victim = await hostileWorkspace(s, 6);
    outside = mkdtempSync(join(tmpdir(), "outside-"));
    writeFileSync(join(outside, "secret.txt"), "secret");
  });
  afterAll(async () => {
    await s?.stop();
    rmSync(outside, { recursive: true, force: true });
  });

  it("refuses a lock through a link leading out, and creates nothing anywhere", async () => {
    symlinkSync(outside, join(ws.root, "out"));
    for (const path of ["out", "out/secret.txt", "out/new/deeper", "../x", `..${"/..".repeat(20)}/etc`]) {
      const r = await s.gql(LockFileDocument, { workspaceId: ws.workspaceId, path }, ws.agentKey);
      expect({ path, code: ext(r)?.code }).toEqual({ path, code: "POLICY_DENIED" });
    }
    expect(readdirSync(outside)).toEqual(["secret.txt"]);
    // A lock on a missing path creates no folder or file either.
    await s.ok(LockFileDocument, { workspaceId: ws.workspaceId, path: "future/dir/file.txt" }, ws.agentKey);
    expect(existsSync(join(ws.root, "future"))).toBe(false);
  });

  it("gives its holder no way out once the locked folder is swapped for a link", async () => {
    mkdirSync(join(ws.root, "work"));
    await s.ok(LockFileDocument, { workspaceId: ws.workspaceId, path: "work" }, ws.agentKey);
    // What a program in the sandbox can do at any moment: the locked folder becomes a link out.
    renameSync(join(ws.root, "work"), join(ws.root, "work.old"));
    symlinkSync(outside, join(ws.root, "work"));
    const r = await s.gql(
      WriteFileDocument,
      { input: { workspaceId: ws.workspaceId, path: "work/secret.txt", content: "owned" } },
      ws.agentKey,
    );
    expect(ext(r)).toMatchObject({ code: "POLICY_DENIED", rule: "path.symlink-outside" });
    expect(readdirSync(outside)).toEqual(["secret.txt"]);
    // Unlocking goes through the same walk: the link out is refused, not followed.
    const u = await s.gql(UnlockFileDocument, { workspaceId: ws.workspaceId, path: "work" }, ws.agentKey);
    expect(ext(u)).toMatchObject({ code: "POLICY_DENIED", rule: "path.symlink-outside" });
  });

  it("records only paths inside the workspace, as reached", async () => {
    mkdirSync(join(ws.root, "real"));
    symlinkSync("real", join(ws.root, "alias"));
    await s.ok(
      WriteFileDocument,
      { input: { workspaceId: ws.workspaceId, path: "alias/./x/../f.txt", content: "f" } },
      ws.agentKey,
    );
    const changes = (
      await s.ok(WorkspaceChangesDocument, { workspaceId: ws.workspaceId, first: 100 }, ws.agentKey)
    ).workspaceChanges.edges.map((e) => e.node.path);
    expect(changes).toContain("real/f.txt");
    for (const p of changes) {
      expect(p.startsWith("/") || p === ".." || p.startsWith("../") || p.includes("/../")).toBe(false);
    }
  });

  it("lets no agent lock, unlock or read the changes of another agent's workspace", async () => {
    await s.ok(
      WriteFileDocument,
      { input: { workspaceId: victim.workspaceId, path: "v.txt", content: "v" } },
      victim.agentKey,
    );
    await s.ok(LockFileDocument, { workspaceId: victim.workspaceId, path: "v.txt" }, victim.agentKey);
    const asAttacker = [
      await s.gql(LockFileDocument, { workspaceId: victim.workspaceId, path: "v.txt" }, ws.agentKey),
      await s.gql(UnlockFileDocument, { workspaceId: victim.workspaceId, path: "v.txt" }, ws.agentKey),
      await s.gql(WorkspaceChangesDocument, { workspaceId: victim.workspaceId }, ws.agentKey),
    ];
    for (const r of asAttacker) expect(ext(r)?.code).toBe("FORBIDDEN");
    // A viewer reads the changes but takes no lock.
    const viewer = (await s.ok(CreateApiKeyDocument, { input: { name: "viewer", role: "VIEWER" } })).createApiKey.key;
    expect(ext(await s.gql(LockFileDocument, { workspaceId: victim.workspaceId, path: "v.txt" }, viewer))?.code).toBe(
      "FORBIDDEN",
    );
    const seen = await s.ok(WorkspaceChangesDocument, { workspaceId: victim.workspaceId }, viewer);
    expect(seen.workspaceChanges.edges.map((e) => e.node.path)).toEqual(["v.txt"]);
    // The victim's lock is still its own.
    expect(
      ext(await s.gql(WriteFileDocument, { input: { workspaceId: victim.workspaceId, path: "v.txt", content: "x" } })),
    ).toMatchObject({ code: "CONFLICT", lockedPath: "v.txt" });
  });
});
