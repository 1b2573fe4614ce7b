/**
 * Runs the benchmarks in sequence, each in a process of its own, and prints their figures, each
 * beside a baseline measured in the same run, plus PASS/FAIL per target. Exits 0 whatever the
 * figures (only a crash fails).
 *
 *   npm run bench              all of them (but the opt-in ones: soak)
 *   npm run bench -- tasks     only those whose name contains "tasks" (or by file: tasks-query)
 *   npm run bench -- soak --tasks 100 --minutes 2    options (`--name value`) go to the benchmark
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { assignmentBench } from "./assignment.js";
import { channelsBench } from "./channels.js";
import { commandOutputBench } from "./command-output.js";
import { dashboardBoardBench } from "./dashboard-board.js";
import { delegationBench } from "./delegation.js";
import { emailBench } from "./email.js";
import { gitBench } from "./git.js";
import { cleanupAll, table, type Bench, type BenchResult } from "./lib.js";
import { queueBench } from "./queue.js";
import { reportsBench } from "./reports.js";
import { researchFetchBench } from "./research-fetch.js";
import { runtimeBench } from "./runtime.js";
import { sandboxBench } from "./sandbox.js";
import { secretsBench } from "./secrets.js";
import { startupBench } from "./startup.js";
import { subscribersBench } from "./subscribers.js";
import { tasksQueryBench } from "./tasks-query.js";
import { webSearchBench } from "./web-search.js";
import { workspaceFilesBench } from "./workspace-files.js";
import { sharedFilesBench } from "./shared-files.js";
import { soakBench } from "./soak.js";

const all: Bench[] = [
  tasksQueryBench,
  subscribersBench,
  startupBench,
  queueBench,
  assignmentBench,
  sandboxBench,
  workspaceFilesBench,
  sharedFilesBench,
  commandOutputBench,
  runtimeBench,
  delegationBench,
  researchFetchBench,
  webSearchBench,
  secretsBench,
  gitBench,
  reportsBench,
  emailBench,
  channelsBench,
  dashboardBoardBench,
  soakBench,
];

/** Runs one benchmark in this process and prints its section; the result, or the error. */
async function runHere(bench: Bench): Promise<{ result?: BenchResult; error?: unknown; seconds: number }> {
  process.stdout.write(`\n=== ${bench.name}: ${bench.description}\n`);
  const t0 = performance.now();
  try {
    const result = await bench.run();
    const seconds = (performance.now() - t0) / 1000;
    const hasBaseline = result.figures.some((f) => f.baseline !== undefined);
    process.stdout.write(
      `\n${table(
        hasBaseline ? ["figure", "measured", "baseline", "note"] : ["figure", "measured", "note"],
        result.figures.map((f) =>
          hasBaseline ? [f.name, f.value, f.baseline ?? "", f.note ?? ""] : [f.name, f.value, f.note ?? ""],
        ),
      )}\n`,
    );
    if (result.notes.length > 0) process.stdout.write(`\n${result.notes.join("\n")}\n`);
    process.stdout.write("\n");
    for (const t of result.targets) {
      process.stdout.write(`${t.pass ? "PASS" : "FAIL"}  ${t.name}: ${t.measured} (target ${t.target})\n`);
    }
    process.stdout.write(`(${bench.name} took ${seconds.toFixed(1)} s)\n`);
    return { result, seconds };
  } catch (error) {
    const seconds = (performance.now() - t0) / 1000;
    process.stdout.write(
      `ERROR  ${bench.name} crashed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    return { error, seconds };
  }
}

/**
 * Runs one benchmark in a process of its own: what an earlier one leaves behind (a grown heap,
 * pools, timers, a database still checkpointing its writes) does not weigh on the next one's figures.
 */
async function runIsolated(
  bench: Bench,
  options: string[],
): Promise<{ result?: BenchResult; error?: unknown; seconds: number }> {
  const dir = mkdtempSync(join(tmpdir(), "bench-result-"));
  const out = join(dir, "result.json");
  const t0 = performance.now();
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(
        process.execPath,
        [...process.execArgv, fileURLToPath(import.meta.url), "--child", bench.name, "--out", out, ...options],
        { stdio: "inherit", env: process.env },
      );
      child.once("error", reject);
      child.once("exit", (c) => resolve(c));
    });
    const seconds = (performance.now() - t0) / 1000;
    if (code !== 0 || !existsSync(out)) return { error: new Error(`exited with ${code}`), seconds };
    return { result: JSON.parse(readFileSync(out, "utf8")) as BenchResult, seconds };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const child = args.indexOf("--child");
  if (child >= 0) {
    const bench = all.find((b) => b.name === args[child + 1]);
    const out = args[args.indexOf("--out") + 1];
    if (!bench || !out) return 2;
    const r = await runHere(bench);
    if (r.error !== undefined || !r.result) return 1;
    writeFileSync(out, JSON.stringify(r.result));
    return 0;
  }
  // `--name value` pairs are the benchmarks' options; the other words choose benchmarks.
  const options = args.flatMap((a, i) =>
    a.startsWith("--") ? [a, ...(args[i + 1]?.startsWith("-") ? [] : [args[i + 1] ?? ""])] : [],
  );
  const filter = args.filter((a, i) => !a.startsWith("-") && !args[i - 1]?.startsWith("--"));
  const chosen =
    filter.length === 0
      ? all.filter((b) => !b.optIn)
      : all.filter((b) => filter.some((f) => b.name.includes(f) || f.startsWith(`${b.name}-`)));
  if (chosen.length === 0) {
    process.stderr.write(`No benchmark matches ${filter.join(" ")}; known: ${all.map((b) => b.name).join(", ")}\n`);
    return 2;
  }
  process.stdout.write(
    `Benchmarks on node ${process.version}, ${cpus().length} CPU(s) (${cpus()[0]?.model ?? "?"}); ` +
      `load generators and clients share these cores with the server; each benchmark runs in a process of its own.\n`,
  );
  const done: Array<{ bench: Bench; result?: BenchResult; error?: unknown; seconds: number }> = [];
  for (const bench of chosen) done.push({ bench, ...(await runIsolated(bench, options)) });

  const rows: string[][] = [];
  for (const d of done) {
    if (d.error !== undefined) {
      rows.push(["ERROR", d.bench.name, "benchmark crashed (see above)", "", ""]);
      continue;
    }
    for (const t of d.result?.targets ?? [])
      rows.push([t.pass ? "PASS" : "FAIL", d.bench.name, t.name, t.measured, t.target]);
  }
  process.stdout.write(
    `\n=== Summary (${done.reduce((s, d) => s + d.seconds, 0).toFixed(0)} s)\n${table(["result", "bench", "target", "measured", "target"], rows)}\n`,
  );
  return done.some((d) => d.error !== undefined) ? 1 : 0;
}

let code = 1;
try {
  code = await main();
} finally {
  cleanupAll();
}
process.exit(code);
