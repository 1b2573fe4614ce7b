import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, normalize } from "node:path";

/**
 * A local package index (PEP 503 layout) with one pure-Python wheel, demo-pkg 0.1, made by hand
 * (a wheel is a zip with metadata). Returns the `simple/` folder: `file://<it>` is an index.
 */
export function localIndex(): string {
  const dir = mkdtempSync(join(tmpdir(), "wheels-"));
  chmodSync(dir, 0o755); // read by the sandbox's unprivileged user
  const pkgDir = join(dir, "simple", "demo-pkg");
  mkdirSync(pkgDir, { recursive: true });
  const wheel = join(pkgDir, "demo_pkg-0.1-py3-none-any.whl");
  execFileSync("/usr/bin/python3", [
    "-c",
    `
import zipfile, sys
files = {
  "demo_pkg/__init__.py": "VALUE = 42\\n",
  "demo_pkg-0.1.dist-info/METADATA": "Metadata-Version: 2.1\\nName: demo-pkg\\nVersion: 0.1\\n",
  "demo_pkg-0.1.dist-info/WHEEL": "Wheel-Version: 1.0\\nGenerator: test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n",
}
with zipfile.ZipFile(sys.argv[1], "w") as z:
    for name, text in files.items():
        z.writestr(name, text)
    z.writestr("demo_pkg-0.1.dist-info/RECORD", "".join(f"{n},,\\n" for n in files) + "demo_pkg-0.1.dist-info/RECORD,,\\n")
`,
    wheel,
  ]);
  chmodSync(wheel, 0o644);
  // A PEP 503 project page: pip reads file:// indexes as static pages.
  writeFileSync(
    join(pkgDir, "index.html"),
    '<!DOCTYPE html><html><body><a href="demo_pkg-0.1-py3-none-any.whl">demo_pkg-0.1-py3-none-any.whl</a></body></html>\n',
    { mode: 0o644 },
  );
  return join(dir, "simple");
}

/** Requests to a held index wait until `release`; `reached` resolves at the first that waits. */
export interface IndexHold {
  reached: Promise<void>;
  release(): void;
}

/**
 * Serves a localIndex() folder over HTTP on 127.0.0.1 (the remote-index path: pip downloads with
 * the network). `hold()` keeps its answers back: a workspace whose default packages come from
 * here stays in creation until the test releases it.
 */
export async function serveIndex(
  simple: string,
): Promise<{ url: string; hits: string[]; hold(): IndexHold; close(): Promise<void> }> {
  const hits: string[] = [];
  let gate: Promise<void> | null = null;
  let onReach: (() => void) | null = null;
  const server: Server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    hits.push(path);
    if (gate) {
      onReach?.();
      await gate;
    }
    const rel = normalize(path.replace(/^\/simple\/?/, "")).replace(/^(\.\.(\/|$))+/, "");
    const file = join(simple, rel, rel === "" || path.endsWith("/") ? "index.html" : "");
    try {
      const body = readFileSync(file);
      res.writeHead(200, { "content-type": file.endsWith(".html") ? "text/html" : "application/octet-stream" });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/simple`,
    hits,
    hold() {
      let release = () => {};
      gate = new Promise<void>((r) => (release = r));
      const reached = new Promise<void>((r) => (onReach = r));
      return {
        reached,
        release() {
          gate = null;
          onReach = null;
          release();
        },
      };
    },
    close: () => {
      gate = null;
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
