import { renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { hasBwrap, hostileWorkspace, isRoot } from "../helpers/hostile.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

const mode = (path: string) => statSync(path).mode & 0o7777;

describe("files of the service and its liveness [sqlite]", () => {
  let s: TestServer | undefined;
  afterEach(async () => {
    await s?.stop();
    s = undefined;
  });

  it("keeps the database 0600 and its folders closed to other users", async () => {
    s = await startTestServer("sqlite", { workers: 1 });
    const dataDir = s.config.dataDir;
    for (const f of ["agents.db", "agents.db-wal", "agents.db-shm", "admin.key"]) {
      expect({ f, mode: mode(join(dataDir, f)) }).toEqual({ f, mode: 0o600 });
    }
    const folder = isRoot ? 0o711 : 0o700; // as root, the sandbox's user passes through, never lists
    expect(mode(dataDir)).toBe(folder);
    expect(mode(s.config.workspacesDir)).toBe(folder);
    if (hasBwrap) {
      const ws = await hostileWorkspace(s, 5);
      expect(mode(ws.root)).toBe(0o700);
      if (isRoot) expect(statSync(ws.root).uid).toBe(65534);
    }
  });

  it("is not ready once its database file is deleted or replaced, and says why", async () => {
    s = await startTestServer("sqlite", { workers: 0 });
    const db = join(s.config.dataDir, "agents.db");
    expect((await fetch(`${s.url}/readyz`)).status).toBe(200);
    renameSync(db, `${db}.moved`);
    writeFileSync(db, "");
    let res = await fetch(`${s.url}/readyz`);
    expect(res.status).toBe(503);
    expect(JSON.stringify(await res.json())).toContain("was replaced");
    rmSync(db);
    res = await fetch(`${s.url}/readyz`);
    expect(res.status).toBe(503);
    expect(JSON.stringify(await res.json())).toContain("was deleted");
    renameSync(`${db}.moved`, db); // the same file back: ready again
    expect((await fetch(`${s.url}/readyz`)).status).toBe(200);
  });
});
