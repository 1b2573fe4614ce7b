/**
 * Build steps of the dashboard (run by Vite in Node):
 * - `virtual:schema-data`: what graphcache must know of schema.graphql, computed at build time;
 * - precompressed `.br` and `.gz` copies of every text asset, so the server only picks one;
 * - the bundle report: the initial JS and CSS (what index.html loads before anything lazy) and
 *   each lazily loaded view, gzipped, printed and written to `bundle-report.json`.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import { buildSchema, introspectionFromSchema, isObjectType } from "graphql";
import { minifyIntrospectionQuery } from "@urql/introspection";
import type { Plugin } from "vite";

const virtualId = "virtual:schema-data";

export function schemaData(schemaFile: string): Plugin {
  return {
    name: "schema-data",
    resolveId: (id) => (id === virtualId ? "\0" + virtualId : null),
    load(id) {
      if (id !== "\0" + virtualId) return null;
      this.addWatchFile(schemaFile);
      const api = buildSchema(readFileSync(schemaFile, "utf8"));
      const schema = minifyIntrospectionQuery(introspectionFromSchema(api, { descriptions: false }));
      // Types without an id are kept inside their parent by graphcache (keys: () => null).
      const embedded = Object.values(api.getTypeMap())
        .filter((t) => isObjectType(t) && !t.name.startsWith("__") && !("id" in t.getFields()))
        .map((t) => t.name)
        .filter((n) => !["Query", "Mutation", "Subscription"].includes(n));
      return `export const schema = ${JSON.stringify(schema)};\nexport const embedded = ${JSON.stringify(embedded)};\n`;
    },
  };
}

const compressible = /\.(js|css|html|svg|json|txt|map)$/;

/** Runs once the files are written, so it compresses exactly what is served. */
export function precompress(): Plugin {
  return {
    name: "precompress",
    apply: "build",
    enforce: "post",
    writeBundle(options, bundle) {
      const dir = options.dir!;
      for (const name of Object.keys(bundle)) {
        if (!compressible.test(name)) continue;
        const bytes = readFileSync(join(dir, name));
        if (bytes.length < 512) continue;
        const br = brotliCompressSync(bytes, {
          params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length },
        });
        writeFileSync(join(dir, `${name}.br`), br);
        writeFileSync(join(dir, `${name}.gz`), gzipSync(bytes, { level: 9 }));
      }
    },
  };
}

export interface BundleReport {
  /** What the first page load fetches: the entry, its static imports and its CSS. */
  initial: { files: string[]; gzipBytes: number; rawBytes: number };
  /** Each lazily loaded chunk with what it imports beyond the initial files. */
  lazy: Array<{ name: string; files: string[]; gzipBytes: number; rawBytes: number }>;
}

export function bundleReport(limitGzipBytes: number, print = true): Plugin {
  return {
    name: "bundle-report",
    apply: "build",
    enforce: "post",
    writeBundle(options, bundle) {
      const size = (file: string) => {
        if (!bundle[file]) return { raw: 0, gz: 0 };
        const bytes = readFileSync(join(options.dir!, file));
        return { raw: bytes.length, gz: gzipSync(bytes, { level: 9 }).length };
      };
      const closure = (start: string, seen: Set<string>) => {
        const out: string[] = [];
        const visit = (file: string) => {
          if (seen.has(file)) return;
          seen.add(file);
          out.push(file);
          const item = bundle[file];
          if (item?.type !== "chunk") return;
          for (const css of item.viteMetadata?.importedCss ?? []) visit(css);
          for (const dep of item.imports) visit(dep);
        };
        visit(start);
        return out;
      };
      const sum = (files: string[]) =>
        files.reduce((a, f) => ({ raw: a.raw + size(f).raw, gz: a.gz + size(f).gz }), { raw: 0, gz: 0 });
      const entry = Object.values(bundle).find((c) => c.type === "chunk" && c.isEntry);
      if (!entry) return;
      const initialFiles = closure(entry.fileName, new Set());
      const initial = sum(initialFiles);
      const lazy = Object.values(bundle)
        .filter((c) => c.type === "chunk" && c.isDynamicEntry)
        .map((c) => {
          const files = closure(c.fileName, new Set(initialFiles));
          const s = sum(files);
          return { name: (c as { name: string }).name, files, gzipBytes: s.gz, rawBytes: s.raw };
        })
        .sort((a, b) => a.name.localeCompare(b.name));
      const report: BundleReport = {
        initial: { files: initialFiles, gzipBytes: initial.gz, rawBytes: initial.raw },
        lazy,
      };
      writeFileSync(join(options.dir!, "bundle-report.json"), JSON.stringify(report, null, 2));
      const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
      if (print) {
        const lines = [
          `dashboard bundle (gzipped): initial ${kb(initial.gz)} (limit ${kb(limitGzipBytes)}, raw ${kb(initial.raw)})`,
          ...lazy.map(
            (l) => `  view ${l.name.padEnd(16)} ${kb(l.gzipBytes).padStart(9)} gzipped, ${kb(l.rawBytes)} raw`,
          ),
        ];
        console.log(lines.join("\n"));
      }
      if (initial.gz > limitGzipBytes)
        this.error(`the initial bundle is ${kb(initial.gz)} gzipped, over the ${kb(limitGzipBytes)} limit`);
    },
  };
}
