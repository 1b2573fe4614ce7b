import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build, type Plugin } from "esbuild";
import * as schemaData from "./schema-data.js";

/** The web apps, by page name: each is served as `/<name>.html` loading `/<name>.js`. */
const apps = {
  apollo: fileURLToPath(new URL("./apollo-app.ts", import.meta.url)),
  urql: fileURLToPath(new URL("./urql-app.ts", import.meta.url)),
};
export type AppName = keyof typeof apps;

export interface PageServer {
  /** The pages' origin: another one than the API's (another port). */
  origin: string;
  close(): Promise<void>;
}

/**
 * schema-data.ts, as an app's build step leaves it: the values it computes from schema.graphql
 * (run here, in Node), bundled as a JSON module in its place.
 */
const schemaDataModule: Plugin = {
  name: "schema-data",
  setup(bundle) {
    bundle.onLoad({ filter: /[\\/]schema-data\.ts$/ }, () => ({
      loader: "json",
      contents: JSON.stringify({ possibleTypes: schemaData.possibleTypes, schema: schemaData.schema }),
    }));
  },
};

const html = (name: string) =>
  `<!doctype html><html><head><meta charset="utf-8"><title>${name}</title>` +
  // An icon of its own, so Chromium does not ask for /favicon.ico (a 404 is a console error).
  `<link rel="icon" href="data:,"><script type="module" src="/${name}.js"></script></head><body></body></html>`;

/**
 * Bundles the apps as a web app's build would (esbuild, ESM for the browser, the `development`
 * export condition that Vite and webpack set in development, so the libraries warn) into a
 * temporary folder (schema-data.ts's values computed at bundle time), and serves them on
 * 127.0.0.1, port 0.
 */
export async function startPageServer(): Promise<PageServer> {
  const outdir = mkdtempSync(join(tmpdir(), "client-apps-"));
  await build({
    entryPoints: apps,
    outdir,
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "chrome120",
    conditions: ["development"],
    define: { "process.env.NODE_ENV": '"development"' },
    sourcemap: "inline",
    plugins: [schemaDataModule],
    logLevel: "silent",
  });
  const files = new Map<string, { type: string; body: Buffer | string }>();
  for (const name of Object.keys(apps)) {
    files.set(`/${name}.html`, { type: "text/html; charset=utf-8", body: html(name) });
    files.set(`/${name}.js`, {
      type: "text/javascript; charset=utf-8",
      body: readFileSync(join(outdir, `${name}.js`)),
    });
  }
  const server = createServer((req, res) => {
    const file = files.get(new URL(req.url ?? "/", "http://localhost").pathname);
    if (!file) return void res.writeHead(404).end();
    res.writeHead(200, { "content-type": file.type, "cache-control": "no-store" }).end(file.body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(outdir, { recursive: true, force: true });
    },
  };
}
