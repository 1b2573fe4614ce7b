import { existsSync, readdirSync, readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..", "..");

interface Stage {
  name: string;
  from: string;
  /** Instructions after FROM, continuation lines joined. */
  lines: string[];
}

/** The Dockerfile's stages; comments dropped, `\` continuations joined into one line. */
function stages(text: string): Stage[] {
  const joined = text
    .split("\n")
    .filter((l) => !l.trim().startsWith("#"))
    .join("\n")
    .replace(/\\\n/g, " ");
  const out: Stage[] = [];
  for (const line of joined.split("\n").map((l) => l.replace(/\s+/g, " ").trim())) {
    const from = /^FROM (\S+) AS (\S+)$/i.exec(line);
    if (from) out.push({ from: from[1] as string, name: from[2] as string, lines: [] });
    else if (line && out.length > 0) out.at(-1)?.lines.push(line);
  }
  return out;
}

const dockerfile = readFileSync(join(root, "Dockerfile"), "utf8");
const [build, runtime] = stages(dockerfile);
const find = (s: Stage | undefined, instruction: string) =>
  (s?.lines ?? []).filter((l) => l.startsWith(`${instruction} `)).map((l) => l.slice(instruction.length + 1));

describe("Dockerfile", () => {
  it("builds in one Debian slim stage and runs in another", () => {
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:20-bookworm-slim$/m);
    expect(stages(dockerfile).map((s) => [s.name, s.from])).toEqual([
      ["build", "${NODE_IMAGE}"],
      ["runtime", "${NODE_IMAGE}"],
    ]);
    const steps = find(build, "RUN").join(" && ");
    expect(steps).toContain("npm ci");
    expect(steps).toContain("npm run build");
    expect(steps).toContain("npm prune --omit=dev");
  });

  it("installs what the tools run, and nothing to compile with, in the runtime stage", () => {
    const install = find(runtime, "RUN").find((r) => r.includes("apt-get install")) ?? "";
    const packages = install.split(" ");
    for (const p of ["bubblewrap", "git", "python3-venv", "python3-pip", "chromium", "poppler-utils", "time", "tini"]) {
      expect(packages, p).toContain(p);
    }
    for (const p of ["g++", "make", "build-essential"]) expect(packages, p).not.toContain(p);
  });

  it("runs as the non-root user 10001, with /data a volume and the container's settings", () => {
    expect(find(runtime, "USER")).toEqual(["10001:10001"]);
    expect(find(runtime, "RUN").join(" ")).toMatch(/useradd .*--uid 10001 .*agents/);
    expect(find(runtime, "VOLUME")).toEqual(['["/data"]']);
    expect(find(runtime, "EXPOSE")).toEqual(["4000"]);
    const env = find(runtime, "ENV").join(" ");
    for (const setting of ["HOST=0.0.0.0", "DATA_DIR=/data", "CHROMIUM_PATH=/usr/lib/chromium/chromium"]) {
      expect(env, setting).toContain(setting);
    }
    expect(find(runtime, "HEALTHCHECK").join(" ")).toContain("/healthz");
    expect(find(runtime, "ENTRYPOINT")).toEqual(['["/usr/bin/tini", "--", "node", "/app/dist/main.js"]']);
    expect(find(runtime, "CMD")).toEqual(['["serve"]']);
  });

  it("copies from the build only what the service runs, and those paths exist", () => {
    const copies = find(runtime, "COPY").map((c) => c.split(" "));
    for (const c of copies) expect(c[0], c.join(" ")).toBe("--from=build");
    const sources = copies.flatMap((c) => c.slice(1, -1)).map((s) => s.replace(/^\/app\//, ""));
    expect(sources.sort()).toEqual(["config", "dist", "node_modules", "package-lock.json", "package.json"]);
    for (const s of ["config/tool-policy.json", "package-lock.json", "web/vite.config.ts"]) {
      expect(existsSync(join(root, s)), s).toBe(true);
    }
  });

  it("sends the build no node_modules, build output, data or git history (.dockerignore)", () => {
    const ignored = readFileSync(join(root, ".dockerignore"), "utf8")
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith("#"));
    expect(ignored).toEqual(expect.arrayContaining([".git", "node_modules", "dist", "data", ".env"]));
    // What the build needs must not be ignored.
    for (const needed of ["src", "web", "config", "package.json", "package-lock.json", "tsconfig.json"]) {
      expect(ignored, needed).not.toContain(needed);
    }
  });
});

/** Every .ts file under `dir`, tests aside. */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith(".ts") && !e.name.endsWith(".test.ts"))
    .map((e) => join(e.parentPath, e.name));
}

/** The package a bare specifier names ("@scope/name/sub" → "@scope/name"). */
const packageOf = (spec: string) =>
  spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : (spec.split("/")[0] as string);

describe("the server's runtime imports", () => {
  // The image keeps `dependencies` only (npm prune --omit=dev): a package the server imports at
  // run time but lists under devDependencies would be missing there. Type-only imports vanish
  // in the build and do not count.
  it("are node built-ins or listed in package.json's dependencies", () => {
    const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
      dependencies: Record<string, string>;
    };
    const builtins = new Set(builtinModules);
    const missing: string[] = [];
    const pattern =
      /(?:^|\n)\s*(?:import|export)\s+(?!type\s)(?:[^;'"]*?\sfrom\s+)?["']([^"'./][^"']*)["']|import\(\s*["']([^"'./][^"']*)["']\s*\)/g;
    for (const file of sources(join(root, "src"))) {
      const text = readFileSync(file, "utf8");
      for (const m of text.matchAll(pattern)) {
        const spec = (m[1] ?? m[2]) as string;
        if (spec.startsWith("node:") || builtins.has(spec)) continue;
        const name = packageOf(spec);
        if (!(name in pkg.dependencies)) missing.push(`${relative(root, file)}: ${name}`);
      }
    }
    expect(missing).toEqual([]);
  });
});
