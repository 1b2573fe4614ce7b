import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSandbox, type RunRequest, type SandboxLimits } from "../../src/infra/sandbox/sandbox.js";
import { hasBwrap } from "../helpers/hostile.js";

const logger = { warn: () => undefined, info: () => undefined, debug: () => undefined };
const MB = 1024 * 1024;

/** `n` children of the program, each running `child` (Python), the parent waiting for them all. */
const children = (n: number, child: string) => `
import subprocess, sys
procs = [subprocess.Popen([sys.executable, "-c", ${JSON.stringify(child)}]) for _ in range(${n})]
print("started", len(procs), flush=True)
for p in procs:
    p.wait()
print("all done", flush=True)
`;

describe.skipIf(!hasBwrap)("limits that hold for a run's whole process tree", () => {
  let workspace: string;
  const sandbox = createSandbox({ mode: "bwrap", logger, quiet: true });

  beforeAll(async () => {
    workspace = await mkdtemp(join(tmpdir(), "run-totals-"));
    await chmod(workspace, 0o777);
  });
  afterAll(() => rm(workspace, { recursive: true, force: true }));

  const run = async (code: string, limits: Partial<SandboxLimits>) => {
    let stdout = "";
    const req: RunRequest = {
      workspace,
      program: "python3",
      args: ["-c", code],
      limits: {
        wallTimeMs: 60_000,
        cpuSeconds: 60,
        memoryBytes: 1024 * MB,
        processes: 64,
        fileSizeBytes: MB,
        outputBytes: MB,
        ...limits,
      },
      onOutput: (_s, c) => (stdout += c.toString()),
    };
    return { result: await sandbox.run(req), stdout: () => stdout };
  };

  it("stops eight children of 200 MB each at the run's 1 GiB in total, naming the limit", async () => {
    // Each child alone is far under the limit (and under RLIMIT_AS); together they are 1.6 GB.
    const hold = "import time\nx = b'x' * (200 * 1024 * 1024)\ntime.sleep(60)";
    const r = await run(children(8, hold), { memoryBytes: 1024 * MB });
    expect(r.result).toMatchObject({ status: "LIMIT_EXCEEDED", limit: "memory" });
    expect(r.stdout()).not.toContain("all done");
    expect(r.result.maxRssKb).toBeGreaterThan(1024 * 1024);
    expect(r.result.durationMs).toBeLessThan(60_000);
  }, 90_000);

  it("stops four busy children at the run's CPU seconds in total, not each one's", async () => {
    const spin = "while True: pass";
    const r = await run(children(4, spin), { cpuSeconds: 2 });
    expect(r.result).toMatchObject({ status: "LIMIT_EXCEEDED", limit: "cpuSeconds" });
    expect(r.result.cpuTimeMs).toBeGreaterThanOrEqual(2_000);
    // Four processes sharing 2 s of CPU: none of them alone reached its own RLIMIT_CPU.
    expect(r.result.cpuTimeMs).toBeLessThan(8_000);
  }, 90_000);

  it("holds a run to its process cap", async () => {
    const r = await run(children(40, "import time; time.sleep(30)"), { processes: 16, wallTimeMs: 20_000 });
    expect(r.result.status).not.toBe("SUCCEEDED");
    expect(r.stdout()).not.toContain("started 40");
  }, 60_000);
});
