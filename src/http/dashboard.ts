import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { extname, join } from "node:path";

/**
 * The dashboard (web/, built by `npm run build` into dist/web): hashed assets under /assets/
 * served with a year's immutable cache, brotli or gzip as the browser accepts (precompressed at
 * build time), and index.html, never cached, for each of the app's own paths, so a link to a
 * view can be opened and reloaded.
 */

/** Paths the app routes itself (web/src/App.tsx). */
const appPaths = /^\/(?:tasks(?:\/[^/]+)?|agents|usage|notifications|keys)?\/?$/;

const types: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".html": "text/html; charset=utf-8",
  ".svg": "image/svg+xml",
  ".json": "application/json",
  ".woff2": "font/woff2",
  ".png": "image/png",
  ".map": "application/json",
  ".wasm": "application/wasm",
};

interface Asset {
  type: string;
  etag: string;
  body: Buffer;
  br?: Buffer;
  gzip?: Buffer;
}

const csp = [
  "default-src 'self'",
  "script-src 'self'",
  // React and xterm.js set styles from scripts; no inline script is ever allowed.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self' ws: wss:",
  // Previews of workspace files (PDF, images) are blob: URLs made by the page.
  "frame-src 'self' blob:",
  "object-src 'self' blob:",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

const securityHeaders = {
  "content-security-policy": csp,
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
};

const notBuilt = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Agent system</title></head>
<body><main><h1>The dashboard is not built</h1><p>Run <code>npm run build</code> (or <code>npm start</code>, which builds it).
The API is at <a href="/graphql">/graphql</a> and GraphiQL at <a href="/graphiql">/graphiql</a>.</p></main></body></html>`;

/** Which of brotli and gzip the request accepts (Accept-Encoding; q=0 refuses, * stands for others). */
export function acceptedEncodings(header: string | string[] | undefined): Set<"br" | "gzip"> {
  const value = Array.isArray(header) ? header.join(",") : (header ?? "");
  const accepted = new Map<string, number>();
  for (const part of value.split(",")) {
    const [name, ...params] = part.trim().toLowerCase().split(";");
    if (!name) continue;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    accepted.set(name, q ? Number(q.slice(2)) || 0 : 1);
  }
  const ok = (name: string) => (accepted.get(name) ?? accepted.get("*") ?? 0) > 0;
  return new Set((["br", "gzip"] as const).filter(ok));
}

function load(dir: string): Map<string, Asset> | null {
  if (!existsSync(join(dir, "index.html"))) return null;
  const assets = new Map<string, Asset>();
  const add = (urlPath: string, file: string) => {
    const body = readFileSync(file);
    const asset: Asset = {
      type: types[extname(file)] ?? "application/octet-stream",
      etag: `"${createHash("sha256").update(body).digest("base64url").slice(0, 22)}"`,
      body,
    };
    if (existsSync(`${file}.br`)) asset.br = readFileSync(`${file}.br`);
    if (existsSync(`${file}.gz`)) asset.gzip = readFileSync(`${file}.gz`);
    assets.set(urlPath, asset);
  };
  add("/index.html", join(dir, "index.html"));
  const assetDir = join(dir, "assets");
  if (existsSync(assetDir))
    for (const name of readdirSync(assetDir)) {
      if (name.endsWith(".br") || name.endsWith(".gz")) continue;
      add(`/assets/${name}`, join(assetDir, name));
    }
  return assets;
}

export type DashboardHandler = (req: IncomingMessage, res: ServerResponse, path: string) => boolean;

/** Serves the dashboard built into `dir`; answers false for paths that are not its own. */
export function createDashboard(dir: string): DashboardHandler {
  let assets: Map<string, Asset> | null | undefined;
  return (req, res, path) => {
    const isAsset = path.startsWith("/assets/");
    if (!isAsset && !appPaths.test(path)) return false;
    // Loaded once, at the first request (a later build is picked up by a restart).
    if (assets === undefined) assets = load(dir);
    if (!assets) {
      if (isAsset) return false;
      res.writeHead(200, {
        "content-type": "text/html; charset=utf-8",
        "cache-control": "no-cache",
        ...securityHeaders,
      });
      res.end(req.method === "HEAD" ? undefined : notBuilt);
      return true;
    }
    const asset = assets.get(isAsset ? path : "/index.html");
    if (!asset) return false;
    const headers: Record<string, string> = {
      "content-type": asset.type,
      etag: asset.etag,
      vary: "accept-encoding",
      "cache-control": isAsset ? "public, max-age=31536000, immutable" : "no-cache",
      ...(isAsset ? { "x-content-type-options": "nosniff" } : securityHeaders),
    };
    const inm = req.headers["if-none-match"];
    if (inm && inm.split(",").some((t) => t.trim() === asset.etag)) {
      res.writeHead(304, headers);
      res.end();
      return true;
    }
    const accepted = acceptedEncodings(req.headers["accept-encoding"]);
    let body = asset.body;
    if (accepted.has("br") && asset.br) {
      body = asset.br;
      headers["content-encoding"] = "br";
    } else if (accepted.has("gzip") && asset.gzip) {
      body = asset.gzip;
      headers["content-encoding"] = "gzip";
    }
    headers["content-length"] = String(body.length);
    res.writeHead(200, headers);
    res.end(req.method === "HEAD" ? undefined : body);
    return true;
  };
}
