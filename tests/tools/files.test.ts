import { execFile } from "node:child_process";
import * as fs from "node:fs/promises";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { DomainError } from "../../src/domain/errors.js";
import {
  appendFile,
  deleteFile,
  listFiles,
  makeDirectory,
  moveFile,
  readFile,
  stat,
  versionOf,
  workspaceUsage,
  writeFile,
} from "../../src/tools/files/files.js";
import { resolveInWorkspace } from "../../src/tools/files/paths.js";

const run = promisify(execFile);

const dirs: string[] = [];
let root: string;
let outside: string;

beforeEach(async () => {
  const base = await fs.mkdtemp(join(tmpdir(), "files-test-"));
  dirs.push(base);
  root = join(base, "ws");
  outside = join(base, "outside");
  for (const d of [root, join(root, "src"), join(root, "output"), join(root, "venv", "bin"), outside]) {
    await fs.mkdir(d, { recursive: true });
  }
  await fs.writeFile(join(root, "venv", "pyvenv.cfg"), "home = /usr/bin\n");
  await fs.symlink("/usr/bin/python3", join(root, "venv", "bin", "python"));
  await fs.writeFile(join(outside, "secret.txt"), "top secret");
});

afterAll(async () => {
  for (const d of dirs) await fs.rm(d, { recursive: true, force: true });
});

/** The DomainError `p` rejects with (fails the test when it resolves or throws something else). */
async function domainError(p: Promise<unknown>): Promise<DomainError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DomainError);
  return err as DomainError;
}

async function denied(p: Promise<unknown>, rule: string): Promise<void> {
  const err = await domainError(p);
  expect(err.code).toBe("POLICY_DENIED");
  expect(err.details.rule).toBe(rule);
}

const exists = (p: string) =>
  fs.lstat(p).then(
    () => true,
    () => false,
  );

describe("path rules", () => {
  it("refuses paths that escape lexically, absolute paths and NUL bytes", async () => {
    await denied(resolveInWorkspace(root, "../x"), "path.outside-workspace");
    await denied(resolveInWorkspace(root, ".."), "path.outside-workspace");
    await denied(resolveInWorkspace(root, "a/../../x", { allowMissing: true }), "path.outside-workspace");
    await denied(resolveInWorkspace(root, "src/../../outside/secret.txt"), "path.outside-workspace");
    await denied(resolveInWorkspace(root, "/etc/passwd"), "path.absolute");
    await denied(readFile(root, "/proc/self/environ"), "path.absolute");
    await denied(writeFile(root, "a\0b.txt", "x"), "path.nul-byte");
    await denied(writeFile(root, "../outside/new.txt", "x"), "path.outside-workspace");
    expect(await exists(join(outside, "new.txt"))).toBe(false);
  });

  it("refuses empty and over-long paths as bad input", async () => {
    expect((await domainError(resolveInWorkspace(root, ""))).code).toBe("BAD_USER_INPUT");
    expect((await domainError(resolveInWorkspace(root, `a/${"b".repeat(4100)}`))).code).toBe("BAD_USER_INPUT");
    const longName = await domainError(writeFile(root, "x".repeat(300), "x"));
    expect(longName.code).toBe("BAD_USER_INPUT");
  });

  it("allows .. that stays inside, and reads a literal ~ as a name in the workspace", async () => {
    const real = await fs.realpath(root);
    expect(await resolveInWorkspace(root, "src/../output/a.txt", { allowMissing: true })).toBe(
      join(real, "output", "a.txt"),
    );
    expect(await resolveInWorkspace(root, "./src/")).toBe(join(real, "src"));
    // `~/.ssh` is <root>/~/.ssh, never the home directory.
    expect(await resolveInWorkspace(root, "~/.ssh/id_rsa", { allowMissing: true })).toBe(
      join(real, "~", ".ssh", "id_rsa"),
    );
    await writeFile(root, "~/.ssh/authorized_keys", "key", { createParents: true });
    expect(await fs.readFile(join(root, "~", ".ssh", "authorized_keys"), "utf8")).toBe("key");
    expect(await resolveInWorkspace(root, "~/.ssh/authorized_keys")).not.toContain(homedir() + "/.ssh");
  });

  it("refuses a symlink pointing outside, directly and through a parent directory", async () => {
    await fs.symlink(join(outside, "secret.txt"), join(root, "src", "direct"));
    await fs.symlink(outside, join(root, "src", "dirlink"));
    await fs.symlink("../../outside", join(root, "src", "rellink"));
    await denied(readFile(root, "src/direct"), "path.symlink-outside");
    await denied(readFile(root, "src/dirlink/secret.txt"), "path.symlink-outside");
    await denied(readFile(root, "src/rellink/secret.txt"), "path.symlink-outside");
    await denied(writeFile(root, "src/direct", "pwned"), "path.symlink-outside");
    await denied(writeFile(root, "src/dirlink/planted.txt", "pwned"), "path.symlink-outside");
    await denied(makeDirectory(root, "src/dirlink/sub/dir"), "path.symlink-outside");
    await denied(listFiles(root, "src/dirlink"), "path.symlink-outside");
    expect(await fs.readFile(join(outside, "secret.txt"), "utf8")).toBe("top secret");
    expect(await fs.readdir(outside)).toEqual(["secret.txt"]);
  });

  it("refuses a dangling symlink that points outside (a write would create the file there)", async () => {
    await fs.symlink(join(outside, "created-by-write.txt"), join(root, "dangling"));
    await denied(writeFile(root, "dangling", "pwned"), "path.symlink-outside");
    expect(await exists(join(outside, "created-by-write.txt"))).toBe(false);
  });

  it("follows symlinks that stay inside the workspace, including a dangling one", async () => {
    await fs.writeFile(join(root, "src", "a.txt"), "hello");
    await fs.symlink("a.txt", join(root, "src", "alias"));
    await fs.symlink(join(await fs.realpath(root), "src"), join(root, "srclink"));
    await fs.symlink("../output/later.txt", join(root, "src", "later"));
    expect((await readFile(root, "src/alias")).content).toBe("hello");
    expect((await readFile(root, "srclink/a.txt")).content).toBe("hello");
    await writeFile(root, "src/later", "made through the link");
    expect(await fs.readFile(join(root, "output", "later.txt"), "utf8")).toBe("made through the link");
    const loop = join(root, "loop");
    await fs.symlink("loop", loop);
    expect((await domainError(readFile(root, "loop"))).code).toBe("BAD_USER_INPUT");
  });

  it("refuses device files, FIFOs and sockets", async () => {
    await fs.symlink("/dev/null", join(root, "null"));
    expect((await domainError(readFile(root, "null"))).code).toBe("POLICY_DENIED");
    await denied(writeFile(root, "null", "x"), "path.symlink-outside");
    await run("mkfifo", [join(root, "fifo")]);
    await denied(readFile(root, "fifo"), "path.special-file");
    await denied(writeFile(root, "fifo", "x"), "path.special-file");
    await fs.symlink("fifo", join(root, "fifolink"));
    await denied(readFile(root, "fifolink"), "path.special-file");
  });

  it("protects the venv's interpreter, bin/ and pyvenv.cfg from writes, also through an alias", async () => {
    await denied(writeFile(root, "venv/bin/python", "#!/bin/sh\n"), "path.venv-protected");
    await denied(writeFile(root, "venv/bin/pip", "#!/bin/sh\n"), "path.venv-protected");
    await denied(writeFile(root, "venv/pyvenv.cfg", "home = /tmp\n"), "path.venv-protected");
    await denied(deleteFile(root, "venv", { recursive: true }), "path.venv-protected");
    await denied(deleteFile(root, "venv/bin/python"), "path.venv-protected");
    await denied(moveFile(root, "venv/bin", "old-bin"), "path.venv-protected");
    await fs.mkdir(join(root, "fake", "bin"), { recursive: true });
    await denied(moveFile(root, "fake", "venv", { overwrite: true }), "path.venv-protected");
    await fs.symlink("venv/bin", join(root, "alias"));
    await denied(writeFile(root, "alias/python3.12", "#!/bin/sh\n"), "path.venv-protected");
    expect((await domainError(writeFile(root, "alias/python", "#!/bin/sh\n"))).code).toBe("POLICY_DENIED");
    // Other venv content (site-packages) and reads are fine.
    await writeFile(root, "venv/lib/site.py", "x = 1\n", { createParents: true });
    expect((await readFile(root, "venv/pyvenv.cfg")).content).toContain("home");
    expect(await fs.readlink(join(root, "venv", "bin", "python"))).toBe("/usr/bin/python3");
  });

  it("protects git hooks, .git/config and the workspace root", async () => {
    await denied(
      writeFile(root, ".git/hooks/pre-commit", "#!/bin/sh\n", { createParents: true }),
      "path.git-protected",
    );
    await denied(writeFile(root, "sub/.git/config", "[core]\n", { createParents: true }), "path.git-protected");
    await denied(makeDirectory(root, ".git"), "path.git-protected");
    await writeFile(root, ".gitignore", "venv/\n");
    await denied(deleteFile(root, ".", { recursive: true }), "path.workspace-root");
    await denied(deleteFile(root, "src/..", { recursive: true }), "path.workspace-root");
    await denied(moveFile(root, ".", "elsewhere"), "path.workspace-root");
    expect(await exists(join(root, "src"))).toBe(true);
  });
});

describe("read and write", () => {
  it("writes, reads back with a sha256 version, and reads base64", async () => {
    const w = await writeFile(root, "src/main.py", "print('hi')\n");
    expect(w).toEqual({
      path: "src/main.py",
      resolvedPath: "src/main.py",
      size: 12,
      version: versionOf(Buffer.from("print('hi')\n")),
      created: true,
    });
    expect(w.version).toMatch(/^sha256:[0-9a-f]{64}$/);
    const r = await readFile(root, "src/main.py");
    expect(r).toMatchObject({ path: "src/main.py", content: "print('hi')\n", size: 12, version: w.version });
    expect(r.truncated).toBe(false);
    const bytes = Buffer.from([0, 1, 2, 255, 254]);
    await writeFile(root, "output/blob.bin", bytes.toString("base64"), { encoding: "base64" });
    expect(await fs.readFile(join(root, "output", "blob.bin"))).toEqual(bytes);
    expect((await readFile(root, "output/blob.bin", { encoding: "base64" })).content).toBe(bytes.toString("base64"));
    expect((await domainError(writeFile(root, "x.bin", "not base64!", { encoding: "base64" }))).code).toBe(
      "BAD_USER_INPUT",
    );
    expect((await writeFile(root, "src/main.py", "print(2)\n")).created).toBe(false);
  });

  it("truncates a read at maxBytes on a character boundary, with the whole file's size and version", async () => {
    await writeFile(root, "u.txt", "aé€😀b");
    const r = await readFile(root, "u.txt", { maxBytes: 5 });
    expect(r).toMatchObject({ content: "aé", size: 11, truncated: true });
    expect(r.version).toBe(versionOf(Buffer.from("aé€😀b")));
  });

  it("reports missing files and parents as NOT_FOUND, directories as bad input", async () => {
    expect((await domainError(readFile(root, "nope.txt"))).code).toBe("NOT_FOUND");
    expect((await domainError(writeFile(root, "no/such/dir/x.txt", "x"))).code).toBe("NOT_FOUND");
    expect((await domainError(readFile(root, "src"))).code).toBe("BAD_USER_INPUT");
    expect((await domainError(writeFile(root, "src", "x"))).code).toBe("BAD_USER_INPUT");
  });

  it("with a stale expectedVersion the second writer gets CONFLICT and the first one's content stays", async () => {
    const v0 = (await writeFile(root, "plan.md", "v0")).version;
    const first = await writeFile(root, "plan.md", "first writer", { expectedVersion: v0 });
    const second = await domainError(writeFile(root, "plan.md", "second writer", { expectedVersion: v0 }));
    expect(second.code).toBe("CONFLICT");
    expect(second.details.field).toBe("expectedVersion");
    expect(await fs.readFile(join(root, "plan.md"), "utf8")).toBe("first writer");
    expect((await readFile(root, "plan.md")).version).toBe(first.version);
    // null: create only.
    expect((await domainError(writeFile(root, "plan.md", "x", { expectedVersion: null }))).code).toBe("CONFLICT");
    await writeFile(root, "fresh.md", "x", { expectedVersion: null });
  });

  it("lets exactly one of several concurrent writers with the same expectedVersion win", async () => {
    const v0 = (await writeFile(root, "race.txt", "v0")).version;
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) => writeFile(root, "race.txt", `writer ${i}`, { expectedVersion: v0 })),
    );
    const won = results.flatMap((r, i) => (r.status === "fulfilled" ? [i] : []));
    expect(won).toHaveLength(1);
    expect(await fs.readFile(join(root, "race.txt"), "utf8")).toBe(`writer ${won[0]}`);
  });

  it("writes atomically: a concurrent reader only ever sees a whole version, and no temp file stays", async () => {
    const size = 512 * 1024;
    const a = "a".repeat(size);
    const b = "b".repeat(size);
    await writeFile(root, "big.txt", a);
    let writing = true;
    const writer = (async () => {
      for (let i = 0; i < 20; i++) await writeFile(root, "big.txt", i % 2 ? a : b);
      writing = false;
    })();
    let reads = 0;
    while (writing) {
      const text = await fs.readFile(join(root, "big.txt"), "utf8");
      expect(text.length).toBe(size);
      expect(text === a || text === b).toBe(true);
      reads++;
    }
    await writer;
    expect(reads).toBeGreaterThan(0);
    expect((await fs.readdir(root)).filter((n) => n.startsWith("."))).toEqual([]);
  });

  it("replaces a hard link or symlink at the target instead of writing through it, keeping the mode", async () => {
    await fs.writeFile(join(root, "script.sh"), "#!/bin/sh\necho 1\n", { mode: 0o755 });
    await fs.chmod(join(root, "script.sh"), 0o755);
    await writeFile(root, "script.sh", "#!/bin/sh\necho 2\n");
    expect((await fs.stat(join(root, "script.sh"))).mode & 0o777).toBe(0o755);
    await fs.writeFile(join(root, "original.txt"), "original");
    await fs.link(join(root, "original.txt"), join(root, "hardlink.txt"));
    await writeFile(root, "hardlink.txt", "replaced");
    expect(await fs.readFile(join(root, "original.txt"), "utf8")).toBe("original");
  });

  it("appends, creating the file when missing", async () => {
    await appendFile(root, "output/log.txt", "one\n");
    const r = await appendFile(root, "output/log.txt", "two\n");
    expect(r).toMatchObject({ size: 8, created: false });
    expect(await fs.readFile(join(root, "output", "log.txt"), "utf8")).toBe("one\ntwo\n");
  });
});

describe("list, stat, directories, move, delete", () => {
  it("lists recursively with types, sizes and mtimes, without descending into venv or symlinks", async () => {
    await writeFile(root, "src/a.txt", "12345");
    await writeFile(root, "src/deep/b.txt", "xy", { createParents: true });
    await fs.symlink("src", join(root, "link"));
    const before = Date.now();
    const { entries, truncated } = await listFiles(root, ".", { recursive: true });
    expect(truncated).toBe(false);
    const paths = entries.map((e) => e.path);
    expect(paths).toEqual([
      "link",
      "output",
      "src",
      "src/a.txt",
      "src/deep",
      "src/deep/b.txt",
      "venv",
      // venv's content is not listed from the root
    ]);
    const a = entries.find((e) => e.path === "src/a.txt");
    expect(a).toMatchObject({ type: "FILE", size: 5 });
    expect(a?.modifiedAt).toBeInstanceOf(Date);
    expect(Math.abs((a?.modifiedAt.getTime() ?? 0) - before)).toBeLessThan(60_000);
    expect(entries.find((e) => e.path === "link")?.type).toBe("SYMLINK");
    expect(entries.find((e) => e.path === "src/deep")?.type).toBe("DIRECTORY");

    const inVenv = await listFiles(root, "venv", { recursive: true });
    expect(inVenv.entries.map((e) => e.path)).toEqual(["venv/bin", "venv/bin/python", "venv/pyvenv.cfg"]);
    const flat = await listFiles(root, "src");
    expect(flat.entries.map((e) => e.path)).toEqual(["src/a.txt", "src/deep"]);
    const capped = await listFiles(root, ".", { recursive: true, maxEntries: 3 });
    expect(capped).toMatchObject({ truncated: true });
    expect(capped.entries).toHaveLength(3);
  });

  it("stats files, directories and links (the link itself)", async () => {
    await writeFile(root, "src/a.txt", "abc");
    await fs.symlink(join(outside, "secret.txt"), join(root, "out"));
    expect(await stat(root, "src/a.txt")).toMatchObject({ path: "src/a.txt", type: "FILE", size: 3 });
    expect(await stat(root, ".")).toMatchObject({ path: ".", type: "DIRECTORY" });
    expect(await stat(root, "out")).toMatchObject({ type: "SYMLINK" });
    expect((await domainError(stat(root, "missing"))).code).toBe("NOT_FOUND");
  });

  it("makes directories recursively and idempotently", async () => {
    expect(await makeDirectory(root, "a/b/c")).toMatchObject({ path: "a/b/c", type: "DIRECTORY" });
    await makeDirectory(root, "a/b/c");
    await writeFile(root, "a/file", "x");
    expect((await domainError(makeDirectory(root, "a/file"))).code).toBe("CONFLICT");
  });

  it("moves files and directories, refusing to overwrite unless asked", async () => {
    await writeFile(root, "src/a.txt", "A");
    await writeFile(root, "src/b.txt", "B");
    expect(await moveFile(root, "src/a.txt", "output/a.txt")).toMatchObject({ path: "output/a.txt", type: "FILE" });
    expect(await exists(join(root, "src", "a.txt"))).toBe(false);
    const c = await domainError(moveFile(root, "src/b.txt", "output/a.txt"));
    expect(c.code).toBe("CONFLICT");
    await moveFile(root, "src/b.txt", "output/a.txt", { overwrite: true });
    expect(await fs.readFile(join(root, "output", "a.txt"), "utf8")).toBe("B");
    await moveFile(root, "output", "results/2024", { createParents: true });
    expect(await fs.readFile(join(root, "results", "2024", "a.txt"), "utf8")).toBe("B");
    expect((await domainError(moveFile(root, "results", "results/inner"))).code).toBe("BAD_USER_INPUT");
    expect((await domainError(moveFile(root, "nope", "x"))).code).toBe("NOT_FOUND");
  });

  it("deletes files, links (not their targets) and directories (recursive only when asked)", async () => {
    await writeFile(root, "d/e/f.txt", "x", { createParents: true });
    await fs.symlink(join(outside, "secret.txt"), join(root, "out"));
    expect(await deleteFile(root, "out")).toEqual({ path: "out", type: "SYMLINK", resolvedPath: "out" });
    expect(await fs.readFile(join(outside, "secret.txt"), "utf8")).toBe("top secret");
    expect((await domainError(deleteFile(root, "d"))).code).toBe("CONFLICT");
    expect(await deleteFile(root, "d/e/f.txt")).toEqual({ path: "d/e/f.txt", type: "FILE", resolvedPath: "d/e/f.txt" });
    await deleteFile(root, "d/e");
    await writeFile(root, "d/g.txt", "x");
    await deleteFile(root, "d", { recursive: true });
    expect(await exists(join(root, "d"))).toBe(false);
    expect((await domainError(deleteFile(root, "d"))).code).toBe("NOT_FOUND");
  });
});

describe("limits", () => {
  it("refuses a file over maxFileBytes with LIMIT_EXCEEDED naming the limit", async () => {
    const limits = { maxFileBytes: 1000 };
    const err = await domainError(writeFile(root, "big.txt", "x".repeat(1001), { limits }));
    expect(err.code).toBe("LIMIT_EXCEEDED");
    expect(err.details).toMatchObject({ limit: "maxFileBytes", max: 1000 });
    expect(await exists(join(root, "big.txt"))).toBe(false);
    await writeFile(root, "ok.txt", "x".repeat(1000), { limits });
    const append = await domainError(appendFile(root, "ok.txt", "y", { limits }));
    expect(append.details).toMatchObject({ limit: "maxFileBytes", max: 1000 });
    expect((await fs.stat(join(root, "ok.txt"))).size).toBe(1000);
  });

  it("refuses a write that takes the workspace over maxWorkspaceBytes, counting everything (the venv too)", async () => {
    const base = await workspaceUsage(root); // venv/pyvenv.cfg
    expect(base).toBe("home = /usr/bin\n".length);
    const limits = { maxWorkspaceBytes: base + 3000 };
    await writeFile(root, "a.bin", Buffer.alloc(2000), { limits });
    const err = await domainError(writeFile(root, "b.bin", Buffer.alloc(1001), { limits }));
    expect(err.code).toBe("LIMIT_EXCEEDED");
    expect(err.details).toMatchObject({ limit: "maxWorkspaceBytes", max: base + 3000 });
    expect(await exists(join(root, "b.bin"))).toBe(false);
    // Replacing a file only counts the difference.
    await writeFile(root, "a.bin", Buffer.alloc(3000), { limits });
    expect(await workspaceUsage(root)).toBe(base + 3000);
    // What a program put into the venv counts as well.
    await writeFile(root, "a.bin", Buffer.alloc(1000), { limits });
    await fs.writeFile(join(root, "venv", "big-package.bin"), Buffer.alloc(2500));
    expect((await domainError(writeFile(root, "c.bin", "x", { limits }))).code).toBe("LIMIT_EXCEEDED");
  });
});
