import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { acceptedEncodings } from "../../src/http/dashboard.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

describe("Accept-Encoding for the dashboard's precompressed files", () => {
  it("prefers brotli, honours q=0 and *", () => {
    expect([...acceptedEncodings("gzip, deflate, br, zstd")]).toEqual(["br", "gzip"]);
    expect([...acceptedEncodings("gzip;q=1.0, br;q=0")]).toEqual(["gzip"]);
    expect([...acceptedEncodings("identity")]).toEqual([]);
    expect([...acceptedEncodings(undefined)]).toEqual([]);
    expect([...acceptedEncodings("*")]).toEqual(["br", "gzip"]);
    expect([...acceptedEncodings("*;q=0, gzip")]).toEqual(["gzip"]);
    expect([...acceptedEncodings(["BR", "GZip;q=0.5"])]).toEqual(["br", "gzip"]);
  });
});

describe("a server whose dashboard is not built", () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer("sqlite", { env: { WEB_DIR: "/nonexistent/dashboard" } });
  });
  afterAll(async () => s?.stop());

  it("says at / how to build it, and still serves the API and GraphiQL", async () => {
    const res = await fetch(`${s.url}/`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("npm run build");
    expect((await fetch(`${s.url}/assets/index.js`)).status).toBe(404);
    expect((await fetch(`${s.url}/graphiql`)).status).toBe(200);
    expect((await fetch(`${s.url}/healthz`)).status).toBe(200);
  });
});
