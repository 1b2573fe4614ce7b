import { afterAll, beforeAll, expect, it } from "vitest";
import { describeProfiles } from "../helpers/profiles.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { ask, newKey, runWs } from "../helpers/rate-limit.js";

describeProfiles("API_RATE_LIMIT", (profile) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer(profile, { env: { API_RATE_LIMIT: "5" } });
  });
  afterAll(async () => s?.stop());

  it("answers the 6th request in a minute with 429, Retry-After and RATE_LIMITED; another key is unaffected", async () => {
    const [a, b] = [await newKey(s, "rl-a"), await newKey(s, "rl-b")];
    for (let i = 0; i < 5; i++) {
      const r = await ask(s.url, a);
      expect(r.status).toBe(200);
      expect(r.errors).toBeUndefined();
    }
    const refused = await ask(s.url, a);
    expect(refused.status).toBe(429);
    const seconds = Number(refused.retryAfter);
    expect(Number.isInteger(seconds) && seconds >= 1 && seconds <= 60).toBe(true);
    expect(refused.data).toBeUndefined();
    expect(refused.errors).toEqual([
      {
        message: expect.stringContaining("Rate limit"),
        extensions: { code: "RATE_LIMITED", retryAfterSeconds: seconds },
      },
    ]);
    const other = await ask(s.url, b);
    expect(other.status).toBe(200);
    expect(other.data).toEqual({ me: { name: "rl-b" } });
  });

  it("counts the file routes too: over the limit they answer 429 with Retry-After", async () => {
    const key = await newKey(s, "rl-files");
    const file = `${s.url}/workspaces/00000000-0000-4000-8000-000000000000/files/notes.txt`;
    const get = () => fetch(file, { headers: { authorization: `Bearer ${key}` } });
    for (let i = 0; i < 4; i++) expect((await get()).status).toBe(403); // no such workspace: not visible
    expect((await ask(s.url, key)).status).toBe(200); // the 5th, over GraphQL
    const refused = await get();
    expect(refused.status).toBe(429);
    const seconds = Number(refused.headers.get("retry-after"));
    expect(seconds).toBeGreaterThanOrEqual(1);
    expect(await refused.json()).toEqual({
      error: { code: "RATE_LIMITED", message: expect.stringContaining("Rate limit"), retryAfterSeconds: seconds },
    });
  });

  it("does not count requests without a valid key", async () => {
    for (let i = 0; i < 7; i++) {
      const r = await ask(s.url, "ak_not-a-real-key");
      expect(r.status).toBe(200);
      expect(r.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    }
  });

  it("gives a WebSocket operation over the limit the typed error and keeps the socket open", async () => {
    const key = await newKey(s, "rl-ws");
    // Not lazy: a lazy client closes its socket itself whenever no operation is running.
    const client = s.ws(key, { lazy: false });
    let closed = false;
    client.on("closed", () => (closed = true));
    for (let i = 0; i < 5; i++)
      expect(await runWs(client, "{ me { name } }")).toEqual({ data: { me: { name: "rl-ws" } } });
    const refused = await runWs(client, "{ me { name } }");
    expect(refused.errors).toEqual([
      {
        message: expect.stringContaining("Rate limit"),
        extensions: { code: "RATE_LIMITED", retryAfterSeconds: expect.any(Number) },
      },
    ]);
    // The same socket still answers (with the same error while the window lasts): it was not closed.
    expect((await runWs(client, "{ me { name } }")).errors).toBeDefined();
    expect(closed).toBe(false);
    // HTTP and WebSocket share the key's count.
    expect((await ask(s.url, key)).status).toBe(429);
  });
});
