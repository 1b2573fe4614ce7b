import pg from "pg";

/** Set by .ci/run (postgres://…/test); without it the PostgreSQL runs report themselves skipped. */
export const pgBaseUrl = process.env.TEST_DATABASE_URL || undefined;

/** A fresh, empty database on the test server, dropped by the returned function. */
export async function createTestDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  if (!pgBaseUrl) throw new Error("TEST_DATABASE_URL is not set");
  const name = `agents_test_${process.pid}_${Date.now()}_${Math.floor(Math.random() * 1e6)}`;
  const admin = new pg.Client({ connectionString: pgBaseUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const u = new URL(pgBaseUrl);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: pgBaseUrl });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}
