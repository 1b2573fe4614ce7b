import { may } from "../../src/domain/auth/access.js";
import type { Principal } from "../../src/domain/auth/principal.js";
import * as fs from "node:fs/promises";
import { createServer, request, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deflateSync } from "node:zlib";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createFileRoutes, type FilePrincipal } from "../../src/http/files.js";

// The boundary: API keys and workspaces are in-test stand-ins; everything else is the real code.
const principals: Record<string, FilePrincipal> = {
  "admin-key": { role: "ADMIN", agentId: null },
  "viewer-key": { role: "VIEWER", agentId: null },
  "agent-key": { role: "AGENT", agentId: "agent-1" },
};

const LIMIT = 64 * 1024;
let base: string;
let root: string;
let outside: string;
let server: Server;
let origin: string;
const inFlight = new Set<Promise<unknown>>();
const logs: Array<{ level: string; obj: object; msg?: string }> = [];
const log = (level: string) => (obj: object, msg?: string) => logs.push({ level, obj, msg });
const logger = { info: log("info"), warn: log("warn"), error: log("error"), debug: log("debug") };

beforeAll(async () => {
  base = await fs.mkdtemp(join(tmpdir(), "http-files-"));
  outside = join(base, "outside");
  await fs.mkdir(outside);
  await fs.writeFile(join(outside, "secret.txt"), "top secret");
  const handler = createFileRoutes({
    resolveWorkspace: async (id) => (id === "w1" ? { root } : null),
    authenticate: async (header) => {
      const m = /^Bearer (\S+)$/.exec(header ?? "");
      return (m?.[1] && principals[m[1]]) || null;
    },
    // The service's own policy, for a workspace of agent-1.
    may: async (p, action) => may(p as Principal, action, { kind: "workspace", agentId: "agent-1" }),
    limits: { maxUploadBytes: LIMIT },
    allowedUploadTypes: ["image/png", "image/jpeg", "application/pdf", "text/plain"],
    logger,
  });
  // A second instance with a workspace quota, for the URLs of workspace "small".
  const small = createFileRoutes({
    resolveWorkspace: async (id) => (id === "small" ? { root } : null),
    authenticate: async () => principals["admin-key"] ?? null,
    may: async () => true,
    limits: { maxUploadBytes: LIMIT, maxWorkspaceBytes: 1000 },
    allowedUploadTypes: ["text/plain"],
    logger,
  });
  server = createServer((req, res) => {
    const u = new URL(req.url ?? "/", "http://localhost");
    const route = u.pathname.startsWith("/workspaces/small/") ? small : handler;
    const done = route(req, res, u).then((handled) => {
      if (!handled) res.writeHead(404).end("not a file route");
    });
    inFlight.add(done);
    void done.finally(() => inFlight.delete(done));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

beforeEach(async () => {
  root = join(base, `ws-${Math.random().toString(36).slice(2)}`);
  for (const d of ["src", "output", "venv/bin"]) await fs.mkdir(join(root, d), { recursive: true });
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await fs.rm(base, { recursive: true, force: true });
});

/** Waits until every request the server has seen is fully handled (cleanup included). */
async function idle(): Promise<void> {
  while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
}

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  json: () => { error?: { code: string; message: string; rule?: string }; [k: string]: unknown };
}

function send(
  method: string,
  path: string,
  opts: { body?: Buffer | string; key?: string | null; chunked?: boolean; headers?: Record<string, string> } = {},
): Promise<Reply> {
  const headers: Record<string, string> = { ...opts.headers };
  const key = opts.key === undefined ? "admin-key" : opts.key;
  if (key) headers.authorization = `Bearer ${key}`;
  const body = typeof opts.body === "string" ? Buffer.from(opts.body) : opts.body;
  if (body && !opts.chunked) headers["content-length"] = String(body.length);
  return new Promise((resolve, reject) => {
    const req = request(`${origin}${path}`, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const buf = Buffer.concat(chunks);
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: buf,
          json: () => JSON.parse(buf.toString("utf8")),
        });
      });
    });
    req.on("error", reject);
    if (body && opts.chunked) {
      // Several chunks, so the server sees the limit crossed mid-stream.
      for (let i = 0; i < body.length; i += 16 * 1024) req.write(body.subarray(i, i + 16 * 1024));
      req.end();
    } else req.end(body);
  });
}

const url = (p: string) => `/workspaces/w1/files/${p}`;

/** Names in `dir` (recursively), hidden temp files included. */
async function tree(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fs.readdir(dir, { withFileTypes: true })) {
    out.push(e.name);
    if (e.isDirectory()) out.push(...(await tree(join(dir, e.name))).map((n) => `${e.name}/${n}`));
  }
  return out.sort();
}

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc32 = (buf: Buffer) => {
  let c = 0xffffffff;
  for (const b of buf) c = (crcTable[(c ^ b) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};
const chunk = (type: string, data: Buffer) => {
  const td = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
};

/** A valid 2×2 RGB PNG. */
function makePng(): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(2, 0);
  ihdr.writeUInt32BE(2, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const raw = Buffer.from([0, 255, 0, 0, 0, 255, 0, 0, 0, 0, 255, 255, 255, 255]);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(raw)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

describe("file upload and download over HTTP", () => {
  it("round-trips a PNG: 201 created, 200 replaced, same bytes back with the right headers", async () => {
    const png = makePng();
    const put = await send("PUT", url("output/chart.png"), { body: png });
    expect(put.status).toBe(201);
    const created = put.json();
    expect(created).toEqual({ path: "output/chart.png", size: png.length, version: expect.stringMatching(/^sha256:/) });
    expect(await fs.readFile(join(root, "output", "chart.png"))).toEqual(png);
    expect((await send("PUT", url("output/chart.png"), { body: png })).status).toBe(200);

    const get = await send("GET", url("output/chart.png"));
    expect(get.status).toBe(200);
    expect(get.body).toEqual(png);
    expect(get.headers["content-type"]).toBe("image/png");
    expect(get.headers["content-length"]).toBe(String(png.length));
    expect(get.headers["x-content-type-options"]).toBe("nosniff");
    expect(get.headers["content-disposition"]).toBe(`attachment; filename="chart.png"; filename*=UTF-8''chart.png`);
    const head = await send("HEAD", url("output/chart.png"));
    expect(head.status).toBe(200);
    expect(head.headers["content-length"]).toBe(String(png.length));
    expect(head.body.length).toBe(0);
    await idle();
    expect(await tree(join(root, "output"))).toEqual(["chart.png"]);
  });

  it("round-trips a text file with a non-ASCII name: text/plain UTF-8 and RFC 5987 disposition", async () => {
    const name = "résumé 2024 (final)'s.md";
    const text = "# Lebenslauf\n\nÄrger mit Umlauten — und Emoji 😀\n";
    const put = await send("PUT", url(`src/${encodeURIComponent(name)}`), { body: text });
    expect(put.status).toBe(201);
    expect(put.json()).toMatchObject({ path: `src/${name}` });
    expect(await fs.readFile(join(root, "src", name), "utf8")).toBe(text);

    const get = await send("GET", url(`src/${encodeURIComponent(name)}`), { key: "viewer-key" });
    expect(get.status).toBe(200);
    expect(get.body.toString("utf8")).toBe(text);
    expect(get.headers["content-type"]).toBe("text/plain; charset=utf-8");
    expect(get.headers["content-disposition"]).toBe(
      `attachment; filename="r_sum_ 2024 (final)'s.md"; filename*=UTF-8''r%C3%A9sum%C3%A9%202024%20%28final%29%27s.md`,
    );
  });

  it("creates missing parent directories for an upload", async () => {
    expect((await send("PUT", url("research/2024/notes.txt"), { body: "notes" })).status).toBe(201);
    expect(await fs.readFile(join(root, "research", "2024", "notes.txt"), "utf8")).toBe("notes");
  });

  it("refuses an ELF binary named .png with 415 and leaves no file", async () => {
    const elf = await fs.readFile("/bin/true");
    const small = elf.subarray(0, Math.min(elf.length, 32 * 1024));
    const res = await send("PUT", url("output/logo.png"), { body: small });
    expect(res.status).toBe(415);
    expect(res.json().error?.code).toBe("UNSUPPORTED_MEDIA_TYPE");
    expect(res.json().error?.message).toContain("application/x-elf");
    await idle();
    expect(await tree(join(root, "output"))).toEqual([]);
  });

  it("refuses binary content under a text name, and text content under an unknown extension", async () => {
    const nul = await send("PUT", url("src/data.txt"), { body: Buffer.from("abc\0def") });
    expect(nul.status).toBe(415);
    const latin1 = await send("PUT", url("src/data.csv"), { body: Buffer.from([0x61, 0xe9, 0x2c, 0x62]) });
    expect(latin1.status).toBe(415);
    const exe = await send("PUT", url("src/tool.exe"), { body: "plain text" });
    expect(exe.status).toBe(415);
    const fakePng = await send("PUT", url("src/pic.png"), { body: "not really a png" });
    expect(fakePng.status).toBe(415);
    await idle();
    expect(await tree(join(root, "src"))).toEqual([]);
  });

  it("answers 413 for a too-large upload, declared or streamed, and leaves no file", async () => {
    const big = Buffer.alloc(LIMIT + 1, 0x61);
    const declared = await send("PUT", url("output/big.txt"), { body: big });
    expect(declared.status).toBe(413);
    expect(declared.json().error?.code).toBe("LIMIT_EXCEEDED");
    const streamed = await send("PUT", url("output/new/big.txt"), {
      body: Buffer.alloc(3 * LIMIT, 0x61),
      chunked: true,
    });
    expect(streamed.status).toBe(413);
    expect(streamed.json().error?.code).toBe("LIMIT_EXCEEDED");
    await idle();
    // Not the file, not the temp file, not the parent directory made for it.
    expect(await tree(join(root, "output"))).toEqual([]);
    // Exactly at the limit is fine.
    expect((await send("PUT", url("output/max.txt"), { body: Buffer.alloc(LIMIT, 0x61) })).status).toBe(201);
  });

  it("refuses with 413 an upload that would take the workspace over its quota, counting everything in it", async () => {
    await fs.writeFile(join(root, "src", "a.txt"), "x".repeat(600));
    expect((await send("PUT", "/workspaces/small/files/src/b.txt", { body: "y".repeat(400) })).status).toBe(201);
    // Replacing b.txt with a file of the same size fits; one byte more does not.
    expect((await send("PUT", "/workspaces/small/files/src/b.txt", { body: "z".repeat(400) })).status).toBe(200);
    const over = await send("PUT", "/workspaces/small/files/src/c.txt", { body: "w" });
    expect(over.status).toBe(413);
    expect(over.json().error?.code).toBe("LIMIT_EXCEEDED");
    await idle();
    expect(await tree(join(root, "src"))).toEqual(["a.txt", "b.txt"]);
    // What a program put into the venv counts as well: freeing 300 bytes elsewhere does not help.
    await fs.rm(join(root, "src", "a.txt"));
    await fs.writeFile(join(root, "venv", "package.bin"), Buffer.alloc(600));
    expect((await send("PUT", "/workspaces/small/files/src/c.txt", { body: "w" })).status).toBe(413);
  });

  it("leaves no partial file when the client aborts mid-upload", async () => {
    const dir = join(root, "output");
    await new Promise<void>((resolve, reject) => {
      const req = request(`${origin}${url("output/partial.txt")}`, {
        method: "PUT",
        headers: { authorization: "Bearer admin-key", "content-length": String(LIMIT) },
      });
      req.on("error", () => resolve());
      req.on("response", () => reject(new Error("the server answered an unfinished upload")));
      req.write(Buffer.alloc(LIMIT / 2, 0x61));
      // Once the server is streaming into its temp file, cut the connection.
      const poll = setInterval(() => {
        void fs.readdir(dir).then((names) => {
          if (names.some((n) => n.endsWith(".upload"))) {
            clearInterval(poll);
            req.destroy();
          }
        });
      }, 5);
    });
    await idle();
    expect(await tree(dir)).toEqual([]);
    expect(logs.some((l) => l.msg === "upload aborted by the client")).toBe(true);
  });

  it("refuses path escapes in the URL: encoded ../, encoded / and NUL", async () => {
    const up = await send("GET", url("..%2f..%2foutside%2fsecret.txt"));
    expect(up.status).toBe(403);
    expect(up.json().error).toMatchObject({ code: "POLICY_DENIED", rule: "path.outside-workspace" });
    expect(up.body.toString()).not.toContain("top secret");
    const put = await send("PUT", url("src%2f..%2f..%2f..%2foutside%2fplanted.txt"), { body: "x" });
    expect(put.status).toBe(403);
    expect(put.json().error?.rule).toBe("path.outside-workspace");
    const abs = await send("GET", url("%2Fetc%2Fpasswd"));
    expect(abs.json().error).toMatchObject({ code: "POLICY_DENIED", rule: "path.absolute" });
    const nul = await send("PUT", url("src/a%00.txt"), { body: "x" });
    expect(nul.status).toBe(403);
    expect(nul.json().error?.rule).toBe("path.nul-byte");
    const bad = await send("GET", url("src/%E0%A4%A"));
    expect(bad.status).toBe(400);
    expect(bad.json().error?.code).toBe("BAD_USER_INPUT");
    await fs.symlink(join(outside, "secret.txt"), join(root, "src", "link"));
    const link = await send("GET", url("src/link"));
    expect(link.json().error).toMatchObject({ code: "POLICY_DENIED", rule: "path.symlink-outside" });
    const venv = await send("PUT", url("venv/bin/python"), { body: "#!/bin/sh\n", headers: {} });
    expect(venv.json().error).toMatchObject({ code: "POLICY_DENIED", rule: "path.venv-protected" });
    await idle();
    expect(await fs.readdir(outside)).toEqual(["secret.txt"]);
    expect(await tree(join(root, "venv"))).toEqual(["bin"]);
  });

  it("lets a VIEWER read but not write (403), and requires a valid key (401)", async () => {
    await fs.writeFile(join(root, "src", "a.txt"), "hello");
    const viewerPut = await send("PUT", url("src/b.txt"), { key: "viewer-key", body: "x" });
    expect(viewerPut.status).toBe(403);
    expect(viewerPut.json().error?.code).toBe("FORBIDDEN");
    expect((await send("GET", url("src/a.txt"), { key: "viewer-key" })).status).toBe(200);
    expect((await send("PUT", url("src/c.txt"), { key: "agent-key", body: "ok" })).status).toBe(201);

    const anonymous = await send("GET", url("src/a.txt"), { key: null });
    expect(anonymous.status).toBe(401);
    expect(anonymous.json().error?.code).toBe("UNAUTHENTICATED");
    const wrongKey = await send("PUT", url("src/d.txt"), { key: "nope", body: "x" });
    expect(wrongKey.status).toBe(401);
    await idle();
    expect(await tree(join(root, "src"))).toEqual(["a.txt", "c.txt"]);
  });

  it("answers 404 for missing files and workspaces, and leaves other URLs alone", async () => {
    const missing = await send("GET", url("src/none.txt"));
    expect(missing.status).toBe(404);
    const body = missing.json();
    expect(body.error?.code).toBe("NOT_FOUND");
    expect(Object.keys(body.error ?? {})).toEqual(["code", "message"]);
    expect(missing.body.toString()).not.toMatch(/at .*\.ts|stack/);
    expect((await send("GET", "/workspaces/w2/files/a.txt")).json().error?.code).toBe("NOT_FOUND");
    const dir = await send("GET", url("src"));
    expect(dir.status).toBe(400);
    const other = await send("GET", "/workspaces/w1/other");
    expect(other.status).toBe(404);
    expect(other.body.toString()).toBe("not a file route");
    const del = await send("DELETE", url("src/a.txt"));
    expect(del.status).toBe(405);
    expect(del.headers.allow).toBe("GET, HEAD, PUT");
  });
});
