import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

/** One raw HTTP exchange (fetch would add or drop the CORS headers a browser sends itself). */
function send(
  url: string,
  method: string,
  headers: Record<string, string>,
  body?: string,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (text += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

const app = "http://localhost:5173";
const preflight = (origin: string, method = "POST", headers = "authorization, content-type") => ({
  origin,
  "access-control-request-method": method,
  "access-control-request-headers": headers,
});

describe("CORS", () => {
  let s: TestServer;
  let open: TestServer;
  let none: TestServer;
  beforeAll(async () => {
    [s, open, none] = await Promise.all([
      startTestServer("sqlite", { workers: 0, env: { CORS_ORIGINS: `${app}, https://admin.example.com` } }),
      startTestServer("sqlite", { workers: 0, env: { CORS_ORIGINS: "*" } }),
      startTestServer("sqlite", { workers: 0 }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([s?.stop(), open?.stop(), none?.stop()]);
  });

  it("answers a listed origin's preflight for /graphql with what Apollo Client and urql send", async () => {
    const r = await send(
      `${s.url}/graphql`,
      "OPTIONS",
      preflight(app, "POST", "authorization, content-type, apollo-require-preflight, x-apollo-operation-name"),
    );
    expect(r.status).toBe(204);
    expect(r.headers).toMatchObject({
      "access-control-allow-origin": app,
      "access-control-allow-methods": "GET, POST",
      "access-control-max-age": "600",
      vary: "Origin",
    });
    expect(String(r.headers["access-control-allow-headers"]).split(", ")).toEqual(
      expect.arrayContaining(["authorization", "content-type", "apollo-require-preflight", "x-apollo-operation-name"]),
    );
    // Never credentials: the key is a header, not a cookie.
    expect(r.headers["access-control-allow-credentials"]).toBeUndefined();
  });

  it("answers the file routes' preflight for PUT", async () => {
    const r = await send(`${s.url}/workspaces/w/files/a.txt`, "OPTIONS", preflight(app, "PUT"));
    expect(r.status).toBe(204);
    expect(r.headers["access-control-allow-methods"]).toBe("GET, HEAD, PUT");
  });

  it("refuses the preflight of an origin not listed, a method the route lacks, and a header not allowed", async () => {
    for (const [headers, why] of [
      [preflight("http://evil.example"), /origin http:\/\/evil\.example is not in CORS_ORIGINS/],
      [preflight(app, "DELETE"), /DELETE is not a method of \/graphql/],
      [preflight(app, "POST", "authorization, x-evil"), /request header x-evil is not allowed/],
    ] as const) {
      const r = await send(`${s.url}/graphql`, "OPTIONS", headers);
      expect(r.status).toBe(403);
      expect(r.headers["access-control-allow-origin"]).toBeUndefined();
      expect(JSON.parse(r.body).error).toMatch(why);
    }
    // Without CORS_ORIGINS no origin passes.
    const r = await send(`${none.url}/graphql`, "OPTIONS", preflight(app));
    expect(r.status).toBe(403);
  });

  it("lets a listed origin's page read the answer (and its request id); others get no CORS headers", async () => {
    const body = JSON.stringify({ query: "{ me { role } }" });
    const headers = { "content-type": "application/json", authorization: `Bearer ${s.adminKey}` };
    const mine = await send(`${s.url}/graphql`, "POST", { ...headers, origin: app }, body);
    expect(mine.status).toBe(200);
    expect(mine.headers["access-control-allow-origin"]).toBe(app);
    expect(mine.headers["access-control-expose-headers"]).toContain("x-request-id");
    expect(JSON.parse(mine.body).data).toEqual({ me: { role: "ADMIN" } });
    const other = await send(`${s.url}/graphql`, "POST", { ...headers, origin: "http://evil.example" }, body);
    expect(other.headers["access-control-allow-origin"]).toBeUndefined();
    expect(other.headers.vary).toBe("Origin");
  });

  it("CORS_ORIGINS=* answers any origin with *, still without credentials", async () => {
    const r = await send(`${open.url}/graphql`, "OPTIONS", preflight("https://anything.example"));
    expect(r.status).toBe(204);
    expect(r.headers["access-control-allow-origin"]).toBe("*");
    expect(r.headers["access-control-allow-credentials"]).toBeUndefined();
  });

  it("answers a plain OPTIONS (no preflight) with the route's methods instead of 405", async () => {
    const r = await send(`${none.url}/graphql`, "OPTIONS", {});
    expect(r.status).toBe(204);
    expect(r.headers.allow).toBe("GET, POST, OPTIONS");
  });

  it("refuses a CORS_ORIGINS that is not a list of origins, naming the bad entry", () => {
    for (const [value, why] of [
      ["localhost:5173", /"localhost:5173", which is not an origin/],
      ["http://app.example.com/path", /not an origin/],
      ["*, http://app.example.com", /\* alone or a list of origins/],
      ["ftp://files.example.com", /not an origin/],
    ] as const) {
      expect(() => loadConfig({ CORS_ORIGINS: value })).toThrow(ConfigError);
      expect(() => loadConfig({ CORS_ORIGINS: value })).toThrow(why);
    }
    expect(
      loadConfig({ CORS_ORIGINS: " http://a.example , http://a.example,https://b.example:8443 " }).corsOrigins,
    ).toEqual(["http://a.example", "https://b.example:8443"]);
    expect(loadConfig({}).corsOrigins).toEqual([]);
  });
});
