import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config.js";
import { MemoryRateLimiter, SqlRateLimiter, WINDOW_MS, type RateLimiter } from "../../src/infra/rate-limit.js";
import type { Database } from "../../src/infra/db/orm.js";
import { describeProfiles } from "../helpers/profiles.js";
import { storeDatabase } from "../helpers/store-db.js";

/** One contract for both counters, on a clock the test moves. */
function contract(make: (now: () => number) => RateLimiter) {
  it("allows the limit, refuses past it with the seconds left, and opens a new window after a minute", async () => {
    let t = 1_000_000;
    const rl = make(() => t);
    for (let i = 0; i < 3; i++) expect((await rl.hit("k1")).allowed).toBe(true);
    t += 20_000;
    const refused = await rl.hit("k1");
    expect(refused).toEqual({ allowed: false, retryAfterSeconds: 40 });
    // Another key has its own window.
    expect((await rl.hit("k2")).allowed).toBe(true);
    t += 39_500;
    expect(await rl.hit("k1")).toEqual({ allowed: false, retryAfterSeconds: 1 });
    t += 500; // exactly one window after the first request
    expect((await rl.hit("k1")).allowed).toBe(true);
    expect((await rl.hit("k1")).allowed).toBe(true);
    expect((await rl.hit("k1")).allowed).toBe(true);
    expect((await rl.hit("k1")).allowed).toBe(false);
    t += WINDOW_MS * 3;
    expect((await rl.hit("k2")).allowed).toBe(true);
  });
}

describe("API_RATE_LIMIT setting", () => {
  it("is off (0) by default and takes a whole number ≥ 0", () => {
    expect(loadConfig({}).apiRateLimit).toBe(0);
    expect(loadConfig({ API_RATE_LIMIT: "120" }).apiRateLimit).toBe(120);
    for (const bad of ["-1", "1.5", "lots"]) {
      expect(() => loadConfig({ API_RATE_LIMIT: bad })).toThrow(ConfigError);
      expect(() => loadConfig({ API_RATE_LIMIT: bad })).toThrow(/API_RATE_LIMIT/);
    }
  });
});

describe("rate limit counter [memory]", () => {
  contract((now) => new MemoryRateLimiter(3, now));
});

describeProfiles("rate limit counter [sql]", (profile) => {
  let db: Database;
  let close: () => Promise<void>;
  const errors: unknown[] = [];
  beforeAll(async () => {
    ({ db, close } = await storeDatabase(profile));
  });
  afterAll(async () => {
    expect(errors).toEqual([]);
    await close();
  });
  contract(
    (now) =>
      new SqlRateLimiter(
        () => db.fork(),
        3,
        (e) => errors.push(e),
        now,
      ),
  );

  it("counts every concurrent request once (the upsert is atomic)", async () => {
    const rl = new SqlRateLimiter(
      () => db.fork(),
      10,
      (e) => errors.push(e),
    );
    const decisions = await Promise.all(Array.from({ length: 15 }, () => rl.hit("busy")));
    expect(decisions.filter((d) => d.allowed)).toHaveLength(10);
  });

  it("prunes windows of keys that went quiet", async () => {
    let t = 5_000_000_000;
    const rl = new SqlRateLimiter(
      () => db.fork(),
      3,
      (e) => errors.push(e),
      () => t,
    );
    await rl.hit("old"); // the first hit of a counter prunes too, after its own upsert
    t += 3 * WINDOW_MS;
    await rl.hit("new");
    // The prune runs off the request's path: wait for it by polling the table's state.
    const rows = async () =>
      (await db
        .fork()
        .getConnection()
        .execute("select api_key_id from rate_limit_window where api_key_id in ('old', 'new')")) as Array<{
        api_key_id: string;
      }>;
    await expect.poll(async () => (await rows()).map((r) => r.api_key_id).sort()).toEqual(["new"]);
  });
});
