import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DomainError } from "../../src/domain/errors.js";
import {
  createSandbox,
  probeSandbox,
  type RunRequest,
  type RunResult,
  type Sandbox,
  type SandboxLimits,
} from "../../src/infra/sandbox/sandbox.js";

const limits: SandboxLimits = {
  wallTimeMs: 10_000,
  cpuSeconds: 5,
  memoryBytes: 512 * 1024 * 1024,
  processes: 32,
  fileSizeBytes: 1024 * 1024,
  outputBytes: 1024 * 1024,
};
const logger = { warn: () => undefined, info: () => undefined, debug: () => undefined };
const isRoot = process.getuid?.() === 0;

let base: string;
let bwrap: Sandbox;
let none: Sandbox;

interface Ran {
  result: RunResult;
  stdout: string;
  stderr: string;
  marker: string;
}

/** Runs with a unique marker in the environment (inherited by every process of the run). */
async function run(
  sandbox: Sandbox,
  workspace: string,
  program: string,
  args: string[],
  extra: Partial<RunRequest> = {},
): Promise<Ran> {
  const marker = `sbxtest${randomBytes(8).toString("hex")}`;
  let stdout = "";
  let stderr = "";
  const result = await sandbox.run({
    workspace,
    program,
    args,
    limits,
    ...extra,
    env: { RUN_MARKER: marker, ...extra.env },
    onOutput: (s, c) => (s === "stdout" ? (stdout += c.toString()) : (stderr += c.toString())),
  });
  return { result, stdout, stderr, marker };
}

/** Host pids whose command line or environment holds the marker (zombies have neither). */
function processesWith(marker: string): number[] {
  const found: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmd = readFileSync(`/proc/${name}/cmdline`);
      const env = readFileSync(`/proc/${name}/environ`);
      if (cmd.includes(marker) || env.includes(marker)) found.push(Number(name));
    } catch {
      // gone
    }
  }
  return found;
}

/** Asserts that no process of the run is left (a SIGKILLed process may take a moment to go). */
async function expectNoSurvivors(marker: string): Promise<void> {
  const deadline = Date.now() + 1_000;
  let left = processesWith(marker);
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
    left = processesWith(marker);
  }
  expect(left, `processes of the run still alive: ${left.join(", ")}`).toEqual([]);
}

async function workspace(): Promise<string> {
  return mkdtemp(join(base, "ws-"));
}

const py = (code: string) => ["-c", code];

beforeAll(async () => {
  const probe = await probeSandbox();
  if (!probe.available) throw new Error(`bubblewrap is required for these tests: ${probe.reason}`);
  base = await mkdtemp(join(tmpdir(), "sandbox-test-"));
  // As root, runs happen as an unprivileged host user, who must be able to reach the workspaces.
  await chmod(base, 0o711);
  bwrap = createSandbox({ mode: "bwrap", logger });
  none = createSandbox({ mode: "none", logger });
});

afterAll(async () => {
  if (base) await rm(base, { recursive: true, force: true });
});

describe("sandbox (bubblewrap)", () => {
  it("runs a program in the workspace, as an unprivileged user without capabilities", async () => {
    const ws = await workspace();
    const { result, stdout } = await run(
      bwrap,
      ws,
      "python3",
      py(
        "import os\n" +
          "print(os.getcwd(), os.environ['HOME'], os.getuid(), os.getgid())\n" +
          "print([l for l in open('/proc/self/status') if l.startswith('CapEff')][0].split()[1])\n" +
          "open('made.txt', 'w').write('ok')",
      ),
    );
    expect(result).toMatchObject({ status: "SUCCEEDED", exitCode: 0, signal: null, sandbox: "BWRAP" });
    const [first, caps] = stdout.trim().split("\n");
    expect(first).toBe(`${ws} ${ws} 65534 65534`);
    expect(caps).toBe("0000000000000000");
    expect(await readFile(join(ws, "made.txt"), "utf8")).toBe("ok");
    expect(result.stdoutBytes).toBe(Buffer.byteLength(stdout));
  });

  it("cannot write outside the workspace: not /etc, /usr, the host's /tmp or the parent directory", async () => {
    const ws = await workspace();
    const name = `escape-${randomBytes(6).toString("hex")}`;
    const { result, stdout } = await run(
      bwrap,
      ws,
      "python3",
      py(
        "import sys\n" +
          `for p in ['/etc/${name}', '/usr/${name}', '/${name}', '/dev/${name}', '/tmp/${name}', '${base}/${name}', '${ws}/../${name}2']:\n` +
          "    try:\n" +
          "        open(p, 'w').write('x'); print('wrote', p)\n" +
          "    except OSError as e:\n" +
          "        print('refused', p, e.errno)\n",
      ),
    );
    expect(result.status).toBe("SUCCEEDED");
    for (const p of [`/etc/${name}`, `/usr/${name}`, `/${name}`, `/dev/${name}`])
      expect(stdout).toContain(`refused ${p}`);
    // /tmp and the directories above the workspace are the sandbox's own (tmpfs), not the host's.
    for (const p of [`/tmp/${name}`, join(base, name), join(base, `${name}2`), `/etc/${name}`, `/${name}`]) {
      expect(existsSync(p), p).toBe(false);
    }
  });

  it("has no network, unless granted", async () => {
    const server: Server = createServer((s) => s.end("hello from the host\n"));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as { port: number }).port;
    try {
      const code =
        "import socket\n" +
        "try:\n" +
        `    s = socket.create_connection(('127.0.0.1', ${port}), timeout=2); print('connected', s.recv(100))\n` +
        "except OSError as e:\n" +
        "    print('blocked', e)\n";
      const ws = await workspace();
      const off = await run(bwrap, ws, "python3", py(code));
      expect(off.stdout).toMatch(/^blocked/);
      const on = await run(bwrap, ws, "python3", py(code), { network: true });
      expect(on.stdout).toContain("connected b'hello from the host");
    } finally {
      server.close();
    }
  });

  it("does not see the server's environment, only a scrubbed one plus the request's", async () => {
    const saved = { ...process.env };
    process.env.FAKE_API_TOKEN = "tok-must-not-leak-7f3a";
    process.env.DATABASE_URL = "postgres://user:secret-must-not-leak@db/x";
    process.env.ADMIN_API_KEY = "admin-must-not-leak-00000000000000000000";
    try {
      for (const sandbox of [bwrap, none]) {
        const ws = await workspace();
        const { result, stdout } = await run(sandbox, ws, "env", [], { env: { GREETING: "hi there" } });
        expect(result.status).toBe("SUCCEEDED");
        expect(stdout).not.toMatch(/must-not-leak|FAKE_API_TOKEN|DATABASE_URL|ADMIN_API_KEY/);
        const vars = Object.fromEntries(
          stdout
            .trim()
            .split("\n")
            .map((l) => [l.split("=")[0], l.slice(l.indexOf("=") + 1)]),
        );
        expect(vars).toMatchObject({
          HOME: ws,
          PATH: "/usr/local/bin:/usr/bin:/bin",
          LANG: "C.UTF-8",
          GREETING: "hi there",
        });
      }
    } finally {
      process.env = saved;
    }
    const ws = await workspace();
    for (const [name, rule] of [
      ["PATH", "env.reserved"],
      ["LD_PRELOAD", "env.reserved"],
      ["HOME", "env.reserved"],
      ["A-B", "env.name"],
    ] as const) {
      const err = await bwrap
        .run({ workspace: ws, program: "true", args: [], limits, env: { [name]: "x" } })
        .catch((e) => e);
      expect(err).toBeInstanceOf(DomainError);
      expect((err as DomainError).details.rule).toBe(rule);
    }
  });

  it("shows only its own processes in /proc", async () => {
    const { stdout } = await run(
      bwrap,
      await workspace(),
      "python3",
      py(
        "import os\n" +
          "print(sorted(int(p) for p in os.listdir('/proc') if p.isdigit()))\n" +
          "print(open('/proc/1/cmdline').read().split(chr(0))[0])",
      ),
    );
    const [pids, init] = stdout.trim().split("\n");
    expect(pids).toBe("[1, 2]"); // pid 1 is the sandbox's reaper (timeout), pid 2 this program
    expect(init).toMatch(/timeout$/);
  });

  it("stops a fork bomb at the process limit and leaves nothing behind", async () => {
    const ws = await workspace();
    const bomb = await run(
      bwrap,
      ws,
      "python3",
      py(
        "import os, time\n" +
          "n = 0\n" +
          "try:\n" +
          "    while True:\n" +
          "        if os.fork() == 0:\n" +
          "            time.sleep(30); os._exit(0)\n" +
          "        n += 1\n" +
          "except OSError:\n" +
          "    print('forked', n, flush=True); raise\n",
      ),
      { limits: { ...limits, processes: 20 } },
    );
    expect(bomb.result).toMatchObject({ status: "LIMIT_EXCEEDED", limit: "processes", exitCode: 1 });
    expect(Number(/forked (\d+)/.exec(bomb.stdout)?.[1])).toBeLessThan(20);
    await expectNoSurvivors(bomb.marker);

    // Every process forks, forever, ignoring failures: the wall time ends it.
    const t0 = Date.now();
    const exp = await run(
      bwrap,
      ws,
      "python3",
      py("import os, time\nwhile True:\n    try: os.fork()\n    except OSError: time.sleep(0.01)\n"),
      { limits: { ...limits, processes: 64, wallTimeMs: 1_500 } },
    );
    expect(exp.result).toMatchObject({ status: "TIMED_OUT", limit: "wallTime" });
    expect(Date.now() - t0).toBeLessThan(5_000);
    await expectNoSurvivors(exp.marker);
    // The host still forks.
    const after = await run(bwrap, ws, "true", []);
    expect(after.result.status).toBe("SUCCEEDED");
  });

  it("bounds memory per process", async () => {
    const ws = await workspace();
    const lim = { ...limits, memoryBytes: 256 * 1024 * 1024 };
    const hog = await run(bwrap, ws, "python3", py("x = bytearray(4 * 1024**3)"), { limits: lim });
    expect(hog.result).toMatchObject({ status: "LIMIT_EXCEEDED", limit: "memory", exitCode: 1 });
    expect(hog.stderr).toContain("MemoryError");
    // `tail` keeps a line that never ends: it grows until the limit stops it.
    const tail = await run(bwrap, ws, "tail", ["/dev/zero"], { limits: lim });
    expect(tail.result).toMatchObject({ status: "LIMIT_EXCEEDED", limit: "memory" });
    expect(tail.result.maxRssKb ?? 0).toBeLessThan(300 * 1024);
    await expectNoSurvivors(tail.marker);
  });

  it("kills endless output at the cap and truncates it", async () => {
    const r = await run(bwrap, await workspace(), "yes", [], { limits: { ...limits, outputBytes: 100_000 } });
    expect(r.result).toMatchObject({
      status: "LIMIT_EXCEEDED",
      limit: "output",
      truncated: true,
      stdoutBytes: 100_000,
    });
    expect(Buffer.byteLength(r.stdout)).toBe(100_000);
    await expectNoSurvivors(r.marker);
  });

  it("times out (sleep 30 with 500 ms)", async () => {
    const r = await run(bwrap, await workspace(), "sleep", ["30"], { limits: { ...limits, wallTimeMs: 500 } });
    expect(r.result).toMatchObject({ status: "TIMED_OUT", limit: "wallTime" });
    expect(r.result.durationMs).toBeGreaterThanOrEqual(500);
    expect(r.result.durationMs).toBeLessThan(2_000);
    await expectNoSurvivors(r.marker);
  });

  it("stops a file past the size limit", async () => {
    const ws = await workspace();
    const lim = { ...limits, fileSizeBytes: 1024 * 1024 };
    const dd = await run(bwrap, ws, "dd", ["if=/dev/zero", "of=big", "bs=1M", "count=5"], { limits: lim });
    expect(dd.result).toMatchObject({ status: "LIMIT_EXCEEDED", limit: "fileSize", signal: "SIGXFSZ" });
    expect((await stat(join(ws, "big"))).size).toBeLessThanOrEqual(1024 * 1024);
    // Python ignores SIGXFSZ: the write fails with EFBIG instead.
    const p = await run(bwrap, ws, "python3", py("open('big2', 'wb').write(b'x' * 5_000_000)"), { limits: lim });
    expect(p.result).toMatchObject({ status: "LIMIT_EXCEEDED", limit: "fileSize", exitCode: 1 });
    await expectNoSurvivors(p.marker);
  });

  it("stops a CPU hog at the CPU limit", async () => {
    const r = await run(bwrap, await workspace(), "python3", py("while True: pass"), {
      limits: { ...limits, cpuSeconds: 1 },
    });
    expect(r.result).toMatchObject({ status: "LIMIT_EXCEEDED", limit: "cpuSeconds", signal: "SIGXCPU" });
    // rusage is sampled per tick while the limit is checked against precise runtime: close, not equal.
    expect(r.result.cpuTimeMs ?? 0).toBeGreaterThanOrEqual(700);
  });

  it("streams output while the program runs", async () => {
    const chunks: Array<{ at: number; text: string }> = [];
    const result = await bwrap.run({
      workspace: await workspace(),
      program: "python3",
      args: py("import time\nprint('first', flush=True)\ntime.sleep(0.3)\nprint('second', flush=True)"),
      limits,
      onOutput: (_s, c) => chunks.push({ at: Date.now(), text: c.toString() }),
    });
    const ended = Date.now();
    expect(result.status).toBe("SUCCEEDED");
    expect(chunks[0]?.text).toBe("first\n");
    expect(ended - (chunks[0]?.at ?? ended)).toBeGreaterThanOrEqual(250);
    expect(chunks.map((c) => c.text).join("")).toBe("first\nsecond\n");
  });

  it("passes stdin", async () => {
    const r = await run(bwrap, await workspace(), "cat", [], { stdin: "line one\nline two\n" });
    expect(r.stdout).toBe("line one\nline two\n");
  });

  it("is cancelled through an AbortSignal, with everything it started", async () => {
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 400);
    const t0 = Date.now();
    const r = await run(
      bwrap,
      await workspace(),
      "python3",
      py(
        "import subprocess, time\nsubprocess.Popen(['sleep', '60'])\nsubprocess.Popen(['sleep', '61'])\ntime.sleep(60)",
      ),
      { signal: abort.signal },
    );
    expect(r.result.status).toBe("CANCELLED");
    expect(Date.now() - t0).toBeLessThan(2_000);
    await expectNoSurvivors(r.marker);

    const pre = new AbortController();
    pre.abort();
    const notStarted = await run(bwrap, await workspace(), "sleep", ["10"], { signal: pre.signal });
    expect(notStarted.result).toMatchObject({ status: "CANCELLED", durationMs: 0 });
  });

  it("leaves no background process behind after a normal exit", async () => {
    const r = await run(
      bwrap,
      await workspace(),
      "python3",
      py("import subprocess\nsubprocess.Popen(['sleep', '60'], start_new_session=True)\nprint('bye')"),
    );
    expect(r.result.status).toBe("SUCCEEDED");
    await expectNoSurvivors(r.marker);
  });

  it("reports the CPU time and peak memory of the whole tree", async () => {
    const ws = await workspace();
    const cpu = await run(
      bwrap,
      ws,
      "python3",
      py("import time\nt = time.process_time()\nwhile time.process_time() - t < 0.3: pass"),
    );
    expect(cpu.result.cpuTimeMs ?? 0).toBeGreaterThanOrEqual(200);
    const mem = await run(
      bwrap,
      ws,
      "python3",
      py("x = bytearray(50 * 1024 * 1024)\nx[::4096] = b'1' * len(x[::4096])"),
    );
    expect(mem.result.maxRssKb ?? 0).toBeGreaterThanOrEqual(40_000);
    // CPU burnt by a child the program never waits for is counted too.
    const child = await run(
      bwrap,
      ws,
      "python3",
      py(
        "import os, time\n" +
          "if os.fork() == 0:\n" +
          "    t = time.process_time()\n" +
          "    while time.process_time() - t < 0.3: pass\n" +
          "    open('child-done', 'w').close()\n" +
          "    os._exit(0)\n" +
          "while not os.path.exists('child-done'): time.sleep(0.02)\n" +
          "time.sleep(0.1)",
      ),
    );
    expect(child.result.cpuTimeMs ?? 0).toBeGreaterThanOrEqual(200);
  });

  it("runs the workspace's venv interpreter", async () => {
    const ws = await workspace();
    await promisify(execFile)("/usr/bin/python3", ["-m", "venv", "--without-pip", join(ws, "venv")]);
    const r = await run(bwrap, ws, join(ws, "venv", "bin", "python"), py("import sys; print(sys.prefix)"));
    expect(r.result.status).toBe("SUCCEEDED");
    expect(r.stdout.trim()).toBe(join(ws, "venv"));
  });

  it.runIf(isRoot)(
    "hands the whole workspace, venv included, to the sandbox user when the service runs as root",
    async () => {
      const ws = await workspace();
      await mkdir(join(ws, "src"));
      await writeFile(join(ws, "src", "main.py"), "print('v1')\n");
      await mkdir(join(ws, "venv"));
      await writeFile(join(ws, "venv", "pyvenv.cfg"), "home = /usr/bin\n");
      const r = await run(
        bwrap,
        ws,
        "python3",
        py("open('src/main.py', 'a').write(\"print('v2')\\n\")\nopen('venv/pyvenv.cfg', 'a').write('x')"),
      );
      expect(r.result.status).toBe("SUCCEEDED");
      expect(await readFile(join(ws, "src", "main.py"), "utf8")).toBe("print('v1')\nprint('v2')\n");
      // The venv is the workspace's like the rest (the service never trusts it, never runs it outside).
      expect(await readFile(join(ws, "venv", "pyvenv.cfg"), "utf8")).toBe("home = /usr/bin\nx");
      expect((await stat(join(ws, "src", "main.py"))).uid).toBe(65534);
      expect((await stat(join(ws, "venv", "pyvenv.cfg"))).uid).toBe(65534);
    },
  );
});

describe("sandbox (none)", () => {
  it("runs without isolation but with the same limits, reporting NONE", async () => {
    const ws = await workspace();
    const ok = await run(none, ws, "python3", py("import os; print(os.getcwd())"));
    expect(ok.result).toMatchObject({ status: "SUCCEEDED", sandbox: "NONE" });
    expect(ok.stdout.trim()).toBe(ws);

    const slow = await run(
      none,
      ws,
      "python3",
      py("import subprocess, time\nsubprocess.Popen(['sleep', '60'])\ntime.sleep(60)"),
      { limits: { ...limits, wallTimeMs: 500 } },
    );
    expect(slow.result).toMatchObject({ status: "TIMED_OUT", limit: "wallTime", sandbox: "NONE" });
    expect(slow.result.durationMs).toBeLessThan(2_000);
    await expectNoSurvivors(slow.marker);

    const out = await run(none, ws, "yes", [], { limits: { ...limits, outputBytes: 10_000 } });
    expect(out.result).toMatchObject({
      status: "LIMIT_EXCEEDED",
      limit: "output",
      truncated: true,
      stdoutBytes: 10_000,
    });
    await expectNoSurvivors(out.marker);

    const cpu = await run(none, ws, "python3", py("while True: pass"), { limits: { ...limits, cpuSeconds: 1 } });
    expect(cpu.result).toMatchObject({ status: "LIMIT_EXCEEDED", limit: "cpuSeconds" });
    expect(cpu.result.cpuTimeMs ?? 0).toBeGreaterThanOrEqual(700);

    const big = await run(none, ws, "dd", ["if=/dev/zero", "of=big", "bs=1M", "count=5"]);
    expect(big.result).toMatchObject({ status: "LIMIT_EXCEEDED", limit: "fileSize" });

    const bomb = await run(
      none,
      ws,
      "python3",
      py(
        "import os, time\nn = 0\nwhile True:\n    if os.fork() == 0:\n        time.sleep(30); os._exit(0)\n    n += 1\n",
      ),
      { limits: { ...limits, processes: 20 } },
    );
    expect(bomb.result).toMatchObject({ status: "LIMIT_EXCEEDED", limit: "processes" });
    await expectNoSurvivors(bomb.marker);

    const leftover = await run(none, ws, "python3", py("import subprocess\nsubprocess.Popen(['sleep', '60'])"));
    expect(leftover.result.status).toBe("SUCCEEDED");
    await expectNoSurvivors(leftover.marker);
  });

  it("is cancelled through an AbortSignal", async () => {
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 300);
    const r = await run(none, await workspace(), "sleep", ["30"], { signal: abort.signal });
    expect(r.result.status).toBe("CANCELLED");
    await expectNoSurvivors(r.marker);
  });
});

describe("sandbox probe", () => {
  it("starts bwrap for real", async () => {
    expect(await probeSandbox()).toEqual({ available: true });
  });

  it.runIf(isRoot)("refuses a workspace the sandbox user cannot reach", async () => {
    const hidden = await mkdtemp(join(base, "hidden-"));
    await chmod(hidden, 0o700);
    const ws = join(hidden, "ws");
    await mkdir(ws);
    const err = await bwrap.run({ workspace: ws, program: "true", args: [], limits }).catch((e) => e);
    expect(err).toBeInstanceOf(DomainError);
    expect((err as DomainError).code).toBe("SANDBOX_UNAVAILABLE");
  });
});
