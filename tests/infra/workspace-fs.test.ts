import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from "node:fs/promises";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newId } from "../../src/domain/ids.js";
import { SANDBOX_HOST_USER } from "../../src/infra/sandbox/ownership.js";
import { createSandbox } from "../../src/infra/sandbox/sandbox.js";
import type { TaskStatus } from "../../src/domain/terms.js";
import {
  readWorkspaceReadme,
  readWorkspaceReadmeFor,
  WorkspaceFs,
  WorkspacePathError,
  type WorkspaceFsOptions,
  type WorkspaceLayoutInput,
} from "../../src/infra/workspace-fs/workspace-fs.js";

const run = promisify(execFile);
const python = "/usr/bin/python3";

let base: string;
let root: string;
let wheels: string;

const logs: Array<{ level: string; obj: object; msg?: string }> = [];
const logger = {
  info: (obj: object, msg?: string) => logs.push({ level: "info", obj, msg }),
  warn: (obj: object, msg?: string) => logs.push({ level: "warn", obj, msg }),
  debug: (obj: object, msg?: string) => logs.push({ level: "debug", obj, msg }),
};

const hasBwrap = existsSync("/usr/bin/bwrap");
const owner = process.getuid?.() === 0 ? SANDBOX_HOST_USER : null;
const sandbox = createSandbox({ mode: hasBwrap ? "bwrap" : "none", logger, quiet: true });
const fsWith = (o: Partial<WorkspaceFsOptions> = {}) =>
  new WorkspaceFs({ root, defaultPackages: [], logger, sandbox, owner, ...o });

const input = (o: Partial<WorkspaceLayoutInput> = {}): WorkspaceLayoutInput => ({
  agentId: newId(),
  taskId: newId(),
  title: "Scrape the weather",
  description: "Fetch the forecast and plot it.",
  status: "PENDING",
  complexity: 3,
  priority: 50,
  agentName: "Ada",
  ...o,
});

/** A minimal pure-Python wheel, built with the real interpreter, for an offline install. */
async function buildWheel(dir: string): Promise<void> {
  const script = `
import sys, zipfile
name, ver = "demo_pkg", "1.0"
di = f"{name}-{ver}.dist-info"
files = {f"{name}/__init__.py": "VALUE = 42\\n",
         f"{di}/METADATA": f"Metadata-Version: 2.1\\nName: demo-pkg\\nVersion: {ver}\\n",
         f"{di}/WHEEL": "Wheel-Version: 1.0\\nGenerator: test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n"}
with zipfile.ZipFile(f"{sys.argv[1]}/{name}-{ver}-py3-none-any.whl", "w") as z:
    for k, v in files.items():
        z.writestr(k, v)
    z.writestr(f"{di}/RECORD", "".join(f"{k},,\\n" for k in files) + f"{di}/RECORD,,\\n")
`;
  await run(python, ["-c", script, dir]);
}

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), "workspace-fs-"));
  await chmod(base, 0o755); // the sandbox's user reaches the workspaces and the wheels
  root = join(base, "workspaces");
  wheels = join(base, "wheels");
  await mkdir(wheels, { mode: 0o755 });
  await buildWheel(wheels);
  for (const f of await readdir(wheels)) await chmod(join(wheels, f), 0o644);
});

afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

describe("layout", () => {
  it("creates <root>/<agentId>/tasks/<taskId> with src, output, research and README.md", async () => {
    const ws = fsWith();
    const i = input();
    const { path } = await ws.create(i);
    expect(path).toBe(join(root, i.agentId, "tasks", i.taskId));
    expect((await readdir(path)).sort()).toEqual(["README.md", "output", "research", "src"]);
    for (const d of ["src", "output", "research"]) expect((await stat(join(path, d))).isDirectory()).toBe(true);
  });

  it("is idempotent: a second create keeps files and rewrites the README", async () => {
    const ws = fsWith();
    const i = input();
    const { path } = await ws.create(i);
    await writeFile(join(path, "src", "main.py"), "print('hi')\n");
    await ws.create({ ...i, status: "BUILD", title: "Renamed" });
    expect(await readFile(join(path, "src", "main.py"), "utf8")).toBe("print('hi')\n");
    const readme = await readFile(join(path, "README.md"), "utf8");
    expect(readme).toContain("# Renamed");
    expect(readme).toContain("- [ ] Build (in progress)");
  });

  it("makes and removes one path one after the other, in the order asked; `keep` is asked in turn", async () => {
    const ws = fsWith();
    const i = input();
    const { path } = await ws.create(i);
    // A removal still deciding, then a creation of the same path (a task assigned again).
    let decide: (keep: boolean) => void = () => {};
    const removed = ws.remove(path, { keep: () => new Promise<boolean>((r) => (decide = r)) });
    const created = ws.create(i);
    await new Promise((r) => setImmediate(r));
    decide(false);
    expect(await removed).toBe(true);
    await created;
    expect((await readdir(path)).sort(), "made after the removal, not removed after it").toEqual([
      "README.md",
      "output",
      "research",
      "src",
    ]);
    // Wanted again: kept.
    expect(await ws.remove(path, { keep: async () => true })).toBe(false);
    expect(existsSync(path)).toBe(true);
    expect(await ws.remove(path)).toBe(true);
    expect(await ws.remove(path), "nothing left to remove").toBe(false);
  });
});

describe("README", () => {
  const readmeFor = async (o: Partial<WorkspaceLayoutInput>) => {
    const { path } = await fsWith().create(input(o));
    return readFile(join(path, "README.md"), "utf8");
  };
  const progress = (readme: string) => readme.split("## Progress\n\n")[1]?.split("\n\n")[0]?.split("\n");

  const cases: Array<[TaskStatus, string[]]> = [
    ["PENDING", ["- [ ] Design", "- [ ] Build", "- [ ] Test", "- [ ] Review", "- [ ] Complete"]],
    ["DESIGN", ["- [ ] Design (in progress)", "- [ ] Build", "- [ ] Test", "- [ ] Review", "- [ ] Complete"]],
    ["BUILD", ["- [x] Design", "- [ ] Build (in progress)", "- [ ] Test", "- [ ] Review", "- [ ] Complete"]],
    ["REVIEW", ["- [x] Design", "- [x] Build", "- [x] Test", "- [ ] Review (in progress)", "- [ ] Complete"]],
    ["COMPLETE", ["- [x] Design", "- [x] Build", "- [x] Test", "- [x] Review", "- [x] Complete"]],
  ];
  it.each(cases)("shows %s in the checklist", async (status, expected) => {
    const readme = await readmeFor({ status });
    expect(readme).toContain(`- **Status:** ${status}`);
    expect(progress(readme)).toEqual(expected);
    expect(readme).not.toMatch(/FAILED|CANCELLED/);
  });

  it("holds title, description, agent and numbers", async () => {
    const readme = await readmeFor({ agentName: "Ada", complexity: 7, priority: 90 });
    expect(readme).toMatch(/^<!-- agent-workspace phase=PENDING -->\n\n# Scrape the weather\n/);
    expect(readme).toContain("- **Agent:** Ada");
    expect(readme).toContain("- **Complexity:** 7 / 10");
    expect(readme).toContain("- **Priority:** 90");
    expect(readme).toContain("```text\nFetch the forecast and plot it.\n```");
    expect(await readmeFor({ agentName: null })).toContain("- **Agent:** unassigned");
  });

  it("says FAILED at the top and keeps the steps done before the failure", async () => {
    const readme = await readmeFor({ status: "FAILED", stoppedIn: "TEST" });
    const top = readme.split("## Progress")[0] ?? "";
    expect(top).toMatch(/> \*\*FAILED\*\*: This task failed during Test/);
    expect(progress(readme)).toEqual([
      "- [x] Design",
      "- [x] Build",
      "- [ ] Test (failed here)",
      "- [ ] Review",
      "- [ ] Complete",
    ]);
  });

  it("never reads the README it replaces: the phase of a stopped task comes from stoppedIn, and a FIFO does not block", async () => {
    const ws = fsWith();
    const i = input({ status: "BUILD" });
    const { path } = await ws.create(i);
    await ws.writeReadme(path, { ...i, status: "CANCELLED", stoppedIn: "BUILD" });
    let readme = await readFile(join(path, "README.md"), "utf8");
    expect(readme).toContain("> **CANCELLED**: This task was cancelled during Build.");
    expect(progress(readme)?.slice(0, 2)).toEqual(["- [x] Design", "- [ ] Build (cancelled here)"]);
    // A README the workspace replaced with a FIFO is replaced in turn, never opened.
    await rm(join(path, "README.md"));
    await run("mkfifo", [join(path, "README.md")]);
    await ws.writeReadme(path, { ...i, status: "FAILED", stoppedIn: "TEST", title: "again" });
    readme = await readFile(join(path, "README.md"), "utf8");
    expect(progress(readme)?.slice(0, 3)).toEqual(["- [x] Design", "- [x] Build", "- [ ] Test (failed here)"]);
  });

  it("keeps a hostile title on one escaped heading line and a hostile description fenced", async () => {
    const title = `# Title\n\n## Progress\n- [x] Complete\r\n<!-- ../../etc/passwd \u0000\u2028 ${"x".repeat(5_000)}`;
    const description = "## Fake section\n```\n<!--\n- [x] Complete\n````` five\nend";
    const readme = await readmeFor({ title, description, status: "DESIGN", agentName: "Eve\n# Admin" });
    const lines = readme.split("\n");
    const heading = lines[2] ?? "";
    expect(heading.startsWith("# \\# Title \\#\\# Progress - \\[x\\] Complete \\<!-- ../../etc/passwd xxx")).toBe(true);
    expect(heading).not.toMatch(/[\u0000\u2028]/);
    expect(heading.length).toBeLessThan(400);
    expect(heading.endsWith("…")).toBe(true);
    // exactly one heading of each level-1/level-2 section the document defines, outside the fence
    expect(lines.filter((l) => l.startsWith("# "))).toHaveLength(1);
    expect(lines.filter((l) => l === "## Progress")).toHaveLength(1);
    expect(readme).toContain("- **Agent:** Eve \\# Admin");
    expect(progress(readme)?.[0]).toBe("- [ ] Design (in progress)");
    // the description sits in a fence longer than any backtick run inside it
    expect(readme).toContain(`\`\`\`\`\`\`text\n${description}\n\`\`\`\`\`\`\n\n## Layout`);
    // the path comes from ids only
    const dirs = await readdir(root);
    expect(dirs.every((d) => /^[0-9a-f-]{36}$/.test(d))).toBe(true);
  });

  it("rewrites atomically: readers never see a partial file, and no temp file is left", async () => {
    const ws = fsWith();
    const i = input({ description: "d".repeat(20_000) });
    const { path } = await ws.create(i);
    const file = join(path, "README.md");
    const statuses: TaskStatus[] = ["DESIGN", "BUILD", "TEST", "REVIEW", "COMPLETE"];
    let reading = true;
    const seen = new Set<string>();
    const reader = (async () => {
      while (reading) {
        const text = await readFile(file, "utf8");
        expect(text.endsWith("`venv/bin/python`)\n")).toBe(true);
        seen.add(/- \*\*Status:\*\* (\w+)/.exec(text)?.[1] ?? "?");
      }
    })();
    for (let round = 0; round < 20; round++) {
      for (const status of statuses) {
        await ws.writeReadme(path, { ...i, status });
        // The write makes its system calls directly: let the reader's reads (on the thread pool) land.
        await new Promise((r) => setImmediate(r));
      }
    }
    reading = false;
    await reader;
    expect(seen.size).toBeGreaterThan(1);
    expect(await readFile(file, "utf8")).toContain("- [x] Complete");
    expect((await readdir(path)).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("is read for the prompt without following a symlink, blocking on a FIFO or reading past the cap", async () => {
    const { path } = await fsWith().create(input({ status: "BUILD" }));
    const file = join(path, "README.md");
    expect(readWorkspaceReadme(path)).toContain("- **Status:** BUILD");

    const secret = join(base, "host-secret.txt");
    await writeFile(secret, "host secret");
    await rm(file);
    await symlink(secret, file);
    expect(readWorkspaceReadme(path)).toBeNull();

    await rm(file);
    await run("mkfifo", [file]);
    const t0 = performance.now();
    expect(readWorkspaceReadme(path)).toBeNull();
    expect(performance.now() - t0).toBeLessThan(5_000); // returned at all: a blocking open never would

    await rm(file);
    await writeFile(file, "r".repeat(100));
    expect(readWorkspaceReadme(path, 10)).toBe(
      `${"r".repeat(10)}\n… (README.md is longer than 10 bytes; the rest is left out)`,
    );
    expect(readWorkspaceReadme(join(path, "missing"))).toBeNull();
  });

  it("is given to the prompt as the task now is when the file still shows the phase before", async () => {
    const i = input({ status: "DESIGN" });
    const ws = fsWith();
    const { path } = await ws.create(i);
    const file = join(path, "README.md");
    const onDisk = await readFile(file, "utf8");
    // Up to date: the file as it is.
    expect(readWorkspaceReadmeFor(path, i)).toBe(onDisk);
    // The task moved on and the file has not followed yet: what the file becomes at its rewrite.
    const moved = readWorkspaceReadmeFor(path, { ...i, status: "BUILD" });
    expect(moved).toContain("- **Status:** BUILD");
    expect(moved).toContain("- [x] Design");
    await ws.writeReadme(path, { ...i, status: "BUILD" });
    expect(await readFile(file, "utf8")).toBe(moved);
    // The agent's own README (no marker) is taken as it is; none at all stays none.
    await writeFile(file, "# My notes\n");
    expect(readWorkspaceReadmeFor(path, { ...i, status: "TEST" })).toBe("# My notes\n");
    await rm(file);
    expect(readWorkspaceReadmeFor(path, { ...i, status: "TEST" })).toBeNull();
  });
});

describe("paths", () => {
  const ws = () => fsWith();
  const id = newId();

  it("builds a path from two ids only", () => {
    expect(ws().pathFor(id, id)).toBe(join(root, id, "tasks", id));
    for (const bad of ["", "..", ".", "/etc", "../" + id, id + "/..", id.toUpperCase(), "abc", `${id}\n`]) {
      expect(() => ws().pathFor(bad, id)).toThrow(WorkspacePathError);
      expect(() => ws().pathFor(id, bad)).toThrow(WorkspacePathError);
    }
  });

  it("refuses paths that are not a workspace under the root", async () => {
    const w = ws();
    const i = input();
    for (const p of [
      root,
      base,
      "/etc",
      "relative/path",
      join(root, i.agentId),
      join(root, i.agentId, "tasks"),
      join(root, i.agentId, "tasks", i.taskId, ".."),
      join(root, i.agentId, "tasks", i.taskId, "src"),
      join(root, "..", i.agentId, "tasks", i.taskId),
      join(root, i.agentId, "tasks", i.taskId, "..", "..", "..", "..", "x"),
    ]) {
      await expect(w.writeReadme(p, i)).rejects.toThrow(WorkspacePathError);
      await expect(w.remove(p)).rejects.toThrow(WorkspacePathError);
      await expect(w.createVenv(p)).rejects.toThrow(WorkspacePathError);
    }
  });

  it("refuses an agent directory that is a symlink leading outside the root", async () => {
    const w = ws();
    const outside = join(base, "outside");
    await mkdir(join(outside, "tasks"), { recursive: true });
    const i = input();
    await mkdir(root, { recursive: true });
    await symlink(outside, join(root, i.agentId));
    await expect(w.create(i)).rejects.toThrow(WorkspacePathError);
    await expect(w.remove(w.pathFor(i.agentId, i.taskId))).rejects.toThrow(WorkspacePathError);
    expect(await readdir(join(outside, "tasks", i.taskId))).toEqual([]);
  });

  it("removes a workspace, and a missing one without complaint", async () => {
    const w = ws();
    const { path } = await w.create(input());
    await w.remove(path);
    await expect(stat(path)).rejects.toMatchObject({ code: "ENOENT" });
    await w.remove(path);
  });
});

describe("venv", () => {
  it("creates a usable venv quickly, without pip and without installing anything", async () => {
    const w = fsWith();
    const { path } = await w.create(input());
    logs.length = 0;
    const started = Date.now();
    const r = await w.createVenv(path);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(r).toEqual({ python: join(path, "venv", "bin", "python"), installed: [] });
    const { stdout } = await run(r.python, ["-c", "print(1)"]);
    expect(stdout).toBe("1\n");
    await expect(run(r.python, ["-m", "pip", "--version"])).rejects.toThrow();
    expect(logs.some((l) => JSON.stringify(l).includes("pip"))).toBe(false);
  });

  it("installs the default packages into the venv: downloaded by the system's pip, installed offline in the sandbox", async () => {
    const w = fsWith({ defaultPackages: ["demo-pkg"], findLinks: wheels });
    const { path } = await w.create(input());
    const r = await w.createVenv(path);
    expect(r.installError).toBeUndefined();
    expect(r.installed).toEqual(["demo-pkg"]);
    const { stdout } = await run(r.python, ["-c", "import demo_pkg; print(demo_pkg.VALUE)"]);
    expect(stdout).toBe("42\n");
  });

  it("reports a failed install in installError, keeps the venv, and hides index credentials", async () => {
    const w = fsWith({
      defaultPackages: ["nonexistent-pkg-for-workspace-test"],
      indexUrl: "http://alice:s3cret@127.0.0.1:9/simple",
    });
    const { path } = await w.create(input());
    logs.length = 0;
    const started = Date.now();
    const r = await w.createVenv(path);
    expect(Date.now() - started).toBeLessThan(8_000);
    expect(r.installed).toEqual([]);
    expect(r.installError).toMatch(/No matching distribution found for nonexistent-pkg-for-workspace-test/);
    expect(r.installError).toMatch(/Connection refused/);
    expect(r.installError!.length).toBeLessThanOrEqual(600);
    expect(JSON.stringify(logs)).not.toContain("s3cret");
    expect(r.installError).not.toContain("s3cret");
    const { stdout } = await run(r.python, ["-c", "print(1)"]);
    expect(stdout).toBe("1\n");
  });

  it("rejects bad package requirements up front", () => {
    for (const p of ["--index-url=http://evil", "-r", "a b", "pkg; rm -rf /", ""]) {
      expect(() => fsWith({ defaultPackages: [p] })).toThrow(/not a package requirement/);
    }
    expect(() => fsWith({ defaultPackages: ["pandas>=2,<3", "requests[socks]", "beautifulsoup4"] })).not.toThrow();
  });

  describe("abort", () => {
    let server: Server;
    let port = 0;
    const sockets = new Set<Socket>();

    beforeAll(async () => {
      // An index that accepts connections and never answers: pip hangs until it is stopped.
      server = createServer((s) => {
        sockets.add(s);
        s.on("close", () => sockets.delete(s));
        s.on("error", () => undefined);
        s.resume(); // read the request (and so notice the end of the connection), never answer
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      port = (server.address() as { port: number }).port;
    });
    afterAll(async () => {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    });

    it("stops a running install and its processes when the signal aborts", async () => {
      const w = fsWith({
        defaultPackages: ["requests"],
        indexUrl: `http://127.0.0.1:${port}/simple`,
        pipSocketTimeoutSeconds: 60,
      });
      const { path } = await w.create(input());
      const ac = new AbortController();
      const pending = w.createVenv(path, { signal: ac.signal });
      const deadline = Date.now() + 10_000;
      while (sockets.size === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(sockets.size).toBeGreaterThan(0); // pip is waiting for the index
      const abortedAt = Date.now();
      ac.abort();
      await expect(pending).rejects.toMatchObject({ name: "AbortError" });
      expect(Date.now() - abortedAt).toBeLessThan(3_000);
      // the pip processes are gone: their connections to the index closed
      const closeDeadline = Date.now() + 3_000;
      while (sockets.size > 0 && Date.now() < closeDeadline) await new Promise((r) => setTimeout(r, 50));
      expect(sockets.size).toBe(0);
    });

    it("does nothing when the signal is already aborted", async () => {
      const w = fsWith();
      const { path } = await w.create(input());
      const ac = new AbortController();
      ac.abort();
      await expect(w.createVenv(path, { signal: ac.signal })).rejects.toMatchObject({ name: "AbortError" });
      await expect(stat(join(path, "venv"))).rejects.toMatchObject({ code: "ENOENT" });
    });
  });
});
