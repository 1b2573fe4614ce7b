import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pgBaseUrl } from "../helpers/pg.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { startServerPair, type ServerPair } from "../helpers/server-pair.js";
import { ask, newKey } from "../helpers/rate-limit.js";

describe("API_RATE_LIMIT off (the default)", () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer("sqlite");
  });
  afterAll(async () => s?.stop());

  it("limits nothing and writes no window", async () => {
    for (let i = 0; i < 12; i++) expect((await ask(s.url, s.adminKey)).status).toBe(200);
    const rows = await s.app.db.fork().getConnection().execute("select count(*) as n from rate_limit_window");
    expect(Number((rows as Array<{ n: unknown }>)[0]?.n)).toBe(0);
  });
});

describe.skipIf(pgBaseUrl === undefined)("API_RATE_LIMIT across two processes on one PostgreSQL", () => {
  let pair: ServerPair;
  beforeAll(async () => {
    pair = await startServerPair({ API_RATE_LIMIT: "5" });
  });
  afterAll(async () => pair?.stop());

  it("shares the count: 3 requests on one and 3 on the other, the 6th is refused", async () => {
    const key = await newKey(pair.a, "rl-pair");
    for (let i = 0; i < 3; i++) expect((await ask(pair.a.url, key)).status).toBe(200);
    for (let i = 0; i < 2; i++) expect((await ask(pair.b.url, key)).status).toBe(200);
    const sixth = await ask(pair.b.url, key);
    expect(sixth.status).toBe(429);
    expect(sixth.errors?.[0]?.extensions?.code).toBe("RATE_LIMITED");
    expect(Number(sixth.retryAfter)).toBeGreaterThanOrEqual(1);
    expect((await ask(pair.a.url, key)).status).toBe(429);
  });
});
