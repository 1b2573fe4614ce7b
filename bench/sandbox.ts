/**
 * The sandbox's cost per command.
 *
 * 1. Start-up overhead: `true` through Sandbox.run (bubblewrap, limits, GNU time, workspace
 *    hand-over when root) against a bare spawn of /bin/true from this process, interleaved,
 *    after warm-up; medians and p95. Target: median overhead ≤ 15 ms.
 * 2. 20 concurrent sandboxed `python3 -c 'print(1)'` against 20 concurrent bare spawns of the
 *    same command: all must succeed; per-run overhead = median sandboxed − median bare.
 */
import { spawn } from "node:child_process";
import { chmodSync } from "node:fs";
import { createLogger } from "../src/logger.js";
import { createSandbox, probeSandbox, type RunResult, type SandboxLimits } from "../src/infra/sandbox/sandbox.js";
import { p50p95, loadAverage, ms, tempDir, type Bench, type BenchResult } from "./lib.js";

const RUNS = 40;
const WARMUP = 5;
const CONCURRENT = 20;
const OVERHEAD_TARGET_MS = 15;

const limits: SandboxLimits = {
  wallTimeMs: 30_000,
  cpuSeconds: 10,
  memoryBytes: 512 * 1024 * 1024,
  processes: 64,
  fileSizeBytes: 16 * 1024 * 1024,
  outputBytes: 1024 * 1024,
};

function bare(program: string, args: string[]): Promise<number> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.resume();
    child.stderr.resume();
    child.once("error", reject);
    child.once("close", (code) =>
      code === 0 ? resolve(performance.now() - t0) : reject(new Error(`${program} exited ${code}`)),
    );
  });
}

export const sandboxBench: Bench = {
  name: "sandbox",
  description: "cost of starting a command in the bubblewrap sandbox, alone and 20 at once",
  async run(): Promise<BenchResult> {
    const probe = await probeSandbox();
    if (!probe.available) throw new Error(`no sandbox: ${probe.reason}`);
    const sandbox = createSandbox({ mode: "bwrap", logger: createLogger("error") });
    const ws = tempDir("sandbox");
    chmodSync(ws, 0o755);
    const sandboxed = async (program: string, args: string[]): Promise<{ ms: number; r: RunResult }> => {
      const t0 = performance.now();
      const r = await sandbox.run({ workspace: ws, program, args, limits });
      return { ms: performance.now() - t0, r };
    };

    // 1. Sequential start-up overhead, interleaved so drift affects both sides alike.
    for (let i = 0; i < WARMUP; i++) {
      await sandboxed("true", []);
      await bare("/bin/true", []);
    }
    const sbx: number[] = [];
    const inner: number[] = [];
    const base: number[] = [];
    const load0 = loadAverage();
    for (let i = 0; i < RUNS; i++) {
      const s = await sandboxed("true", []);
      if (s.r.status !== "SUCCEEDED") throw new Error(`sandboxed true ended ${s.r.status}`);
      sbx.push(s.ms);
      inner.push(s.r.durationMs);
      base.push(await bare("/bin/true", []));
    }
    const S = p50p95(sbx);
    const B = p50p95(base);
    const I = p50p95(inner);
    const overhead = S.p50 - B.p50;

    // 2. Concurrency.
    const py = ["-c", "print(1)"];
    await bare("/usr/bin/python3", py);
    const c0 = performance.now();
    const conc = await Promise.all(Array.from({ length: CONCURRENT }, () => sandboxed("python3", py)));
    const concWall = performance.now() - c0;
    const b0 = performance.now();
    const concBare = await Promise.all(Array.from({ length: CONCURRENT }, () => bare("/usr/bin/python3", py)));
    const bareWall = performance.now() - b0;
    const ok = conc.filter((c) => c.r.status === "SUCCEEDED").length;
    const CS = p50p95(conc.map((c) => c.ms));
    const CB = p50p95(concBare);

    return {
      figures: [
        { name: "sandboxed `true`, p50", value: ms(S.p50), baseline: ms(B.p50), note: `bare spawn; ${RUNS} runs each` },
        { name: "sandboxed `true`, p95", value: ms(S.p95), baseline: ms(B.p95) },
        { name: "start-up overhead, median", value: ms(overhead) },
        {
          name: "spawn → exit inside run(), p50",
          value: ms(I.p50),
          note: "the rest is validation, hand-over, usage file",
        },
        {
          name: `${CONCURRENT} concurrent python3, wall`,
          value: ms(concWall),
          baseline: ms(bareWall),
          note: `${ok}/${CONCURRENT} succeeded`,
        },
        { name: `${CONCURRENT} concurrent python3, per run p50`, value: ms(CS.p50), baseline: ms(CB.p50) },
        { name: `${CONCURRENT} concurrent python3, per run p95`, value: ms(CS.p95), baseline: ms(CB.p95) },
        { name: "concurrent per-run overhead, median", value: ms(CS.p50 - CB.p50), note: "latency, all 20 contending" },
        {
          name: "concurrent overhead, amortised",
          value: ms((concWall - bareWall) / CONCURRENT),
          note: "(wall sandboxed − wall bare) / 20",
        },
      ],
      targets: [
        {
          name: "median start-up overhead",
          measured: ms(overhead),
          target: `≤ ${OVERHEAD_TARGET_MS} ms`,
          pass: overhead <= OVERHEAD_TARGET_MS,
        },
        {
          name: `${CONCURRENT} concurrent sandboxed commands finish`,
          measured: `${ok}/${CONCURRENT}`,
          target: `${CONCURRENT}/${CONCURRENT}`,
          pass: ok === CONCURRENT,
        },
      ],
      notes: [
        `Load average ${load0.toFixed(2)} → ${loadAverage().toFixed(2)}. A sandboxed run execs GNU time, bwrap (user, PID, ` +
          `net, IPC, UTS, cgroup namespaces; ~15 mounts), timeout (the sandbox's pid 1) and prlimit before the program.`,
        `A sandboxed python3 -c 'print(1)' reported ${conc[0]?.r.cpuTimeMs ?? "n/a"} ms CPU and ` +
          `${conc[0]?.r.maxRssKb ?? "n/a"} KB peak RSS.`,
      ],
    };
  },
};
