import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import {
  CreateAgentDocument,
  CreateTaskDocument,
  DelegateDocument,
  RuntimeTaskDocument,
  TreeTaskDocument,
  UpdateTaskStatusDocument,
  WaitForChildrenDocument,
} from "../generated/graphql.js";
import { createTestDatabase } from "../helpers/pg.js";
import { untilValue } from "../helpers/process.js";
import { describeProfiles } from "../helpers/profiles.js";
import { startTestServer, type StartOptions, type TestServer } from "../helpers/server.js";

/** A parked task's state is the database's: a restart between the wait and its end loses nothing. */
describeProfiles("delegation across a restart", (profile) => {
  it("a child that ends after a restart resumes its parent; a wait that timed out meanwhile is woken", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "agents-deleg-restart-"));
    const db = profile === "postgres" ? await createTestDatabase() : null;
    const opts: StartOptions = {
      workers: 1,
      sweepIntervalMs: 300,
      dataDir,
      keepData: true,
      ...(db ? { databaseUrl: db.url } : {}),
    };
    let s: TestServer | undefined = await startTestServer(profile, opts);
    try {
      const get = async (server: TestServer, id: string) => (await server.ok(TreeTaskDocument, { id })).task!;
      for (const name of ["one", "two"]) {
        await s.ok(CreateAgentDocument, {
          input: {
            name: `restart-${name}`,
            kind: "EXTERNAL",
            minComplexity: 1,
            maxComplexity: 1,
            maxConcurrentTasks: 5,
          },
        });
      }
      const parked = async (server: TestServer, title: string, timeoutSeconds: number) => {
        const root = (await server.ok(CreateTaskDocument, { input: { title, complexity: 1 } })).createTask;
        const ws = await untilValue("the root's workspace", async () => {
          const t = await get(server, root.id);
          return t.workspace?.status === "READY" ? t.workspace.id : null;
        });
        const child = (await server.ok(DelegateDocument, { workspaceId: ws, title: `${title}: part`, complexity: 1 }))
          .delegateTask;
        const wait = await server.ok(WaitForChildrenDocument, { workspaceId: ws, ids: [child.taskId], timeoutSeconds });
        expect(wait.waitForTasks.parked).toBe(true);
        return { rootId: root.id, childId: child.taskId };
      };
      const long = await parked(s, "waits long", 600);
      const short = await parked(s, "waits a second", 1);
      await s.stop();
      s = undefined;

      // A new server on the same data: the second wait is over by now, its job maybe gone with the old process.
      s = await startTestServer(profile, opts);
      const server = s;
      await untilValue("the timed-out wait woken", async () => (await get(server, short.rootId)).waitingFor === null);
      expect((await get(server, long.rootId)).waitingFor).toEqual([long.childId]);

      for (const status of ["BUILD", "TEST", "REVIEW", "COMPLETE"] as const) {
        await server.ok(UpdateTaskStatusDocument, {
          id: long.childId,
          status,
          note: status === "COMPLETE" ? "done" : null,
        });
      }
      expect((await get(server, long.rootId)).waitingFor).toBeNull();
      const messages = (await server.ok(RuntimeTaskDocument, { id: long.rootId })).task!.pendingMessages.map(
        (m) => m.text,
      );
      expect(messages).toEqual([
        expect.stringMatching(/^Child task "waits long: part" \(.+\) ended COMPLETE\.\nSummary: done/),
      ]);
    } finally {
      await s?.stop();
      await db?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
