import { randomBytes } from "node:crypto";
import { createTestDatabase } from "./pg.js";
import { startTestServer, type TestServer } from "./server.js";

/** Two API servers (each with its own pool and LISTEN connection) on one new PostgreSQL database, one admin key. */
export interface ServerPair {
  a: TestServer;
  b: TestServer;
  /** Stops both and drops the database. */
  stop(): Promise<void>;
}

/** `env`: settings both servers get besides the shared admin key. */
export async function startServerPair(env: Record<string, string> = {}): Promise<ServerPair> {
  const db = await createTestDatabase();
  env = { ...env, ADMIN_API_KEY: `ak_${randomBytes(32).toString("base64url")}` };
  const a = await startTestServer("postgres", { databaseUrl: db.url, env });
  const b = await startTestServer("postgres", { databaseUrl: db.url, env });
  return {
    a,
    b,
    async stop() {
      await a.stop();
      await b.stop();
      await db.drop();
    },
  };
}
