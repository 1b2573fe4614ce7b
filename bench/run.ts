/**
 * Runs the benchmarks in sequence and prints their figures, each beside a baseline measured in
 * the same run, plus PASS/FAIL per target. Exits 0 whatever the figures (only a crash fails).
 *
 *   npm run bench              all of them
 *   npm run bench -- tasks     only those whose name contains "tasks"
 */
import { cpus } from "node:os";
import { assignmentBench } from "./assignment.js";
import { commandOutputBench } from "./command-output.js";
import { cleanupAll, table, type Bench, type BenchResult } from "./lib.js";
import { queueBench } from "./queue.js";
import { runtimeBench } from "./runtime.js";
import { sandboxBench } from "./sandbox.js";
import { startupBench } from "./startup.js";
import { subscribersBench } from "./subscribers.js";
import { tasksQueryBench } from "./tasks-query.js";

const all: Bench[] = [
  tasksQueryBench,
  subscribersBench,
  startupBench,
  queueBench,
  assignmentBench,
  sandboxBench,
  commandOutputBench,
  runtimeBench,
];

async function main(): Promise<number> {
  const filter = process.argv.slice(2).filter((a) => !a.startsWith("-"));
  const chosen = filter.length === 0 ? all : all.filter((b) => filter.some((f) => b.name.includes(f)));
  if (chosen.length === 0) {
    process.stderr.write(`No benchmark matches ${filter.join(" ")}; known: ${all.map((b) => b.name).join(", ")}\n`);
    return 2;
  }
  process.stdout.write(
    `Benchmarks on node ${process.version}, ${cpus().length} CPU(s) (${cpus()[0]?.model ?? "?"}); ` +
      `load generators and clients share these cores with the server.\n`,
  );
  const done: Array<{ bench: Bench; result?: BenchResult; error?: unknown; seconds: number }> = [];
  for (const bench of chosen) {
    process.stdout.write(`\n=== ${bench.name}: ${bench.description}\n`);
    const t0 = performance.now();
    try {
      const result = await bench.run();
      const seconds = (performance.now() - t0) / 1000;
      done.push({ bench, result, seconds });
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
    } catch (error) {
      const seconds = (performance.now() - t0) / 1000;
      done.push({ bench, error, seconds });
      process.stdout.write(
        `ERROR  ${bench.name} crashed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
    }
  }

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
