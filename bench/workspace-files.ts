/**
 * What containment costs a file operation: readFile and writeFile of the file tools (the
 * workspace's root opened, the path walked folder by folder through descriptors, the file opened
 * without following; a write also measures the workspace for its quota and the disk for its
 * floor, and replaces the file atomically with an fsync) against direct node:fs calls on the same
 * path. Interleaved, after warm-up; medians and p95.
 *
 * Baselines: `fs.readFile` for reads; for writes both `fs.writeFile` (no atomicity, no fsync) and
 * the same atomic write done directly (temp file, fsync, rename), so the containment's own share
 * shows apart from the durability every write pays.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { open, readFile as fsReadFile, rename, writeFile as fsWriteFile } from "node:fs/promises";
import { join } from "node:path";
import { readFile, versionOf, writeFile } from "../src/tools/files/files.js";
import { p50p95, timeMs, ms, tempDir, type Bench, type BenchResult } from "./lib.js";

const RUNS = 200;
const WARMUP = 20;
const PATH = "src/pkg/module/data.txt";
/** A workspace of this many files (a venv's worth of a small package set) for the quota walk. */
const FILES = 500;

async function atomicDirect(file: string, data: Buffer): Promise<void> {
  const tmp = `${file}.${Math.random().toString(36).slice(2)}.tmp`;
  const fh = await open(tmp, "wx", 0o600);
  await fh.writeFile(data);
  await fh.sync();
  await fh.close();
  await rename(tmp, file);
}

export const workspaceFilesBench: Bench = {
  name: "workspace-files",
  description: "file read and write latency through the contained path against direct fs calls",
  async run(): Promise<BenchResult> {
    const root = tempDir("ws-files");
    for (let i = 0; i < FILES; i++) {
      const dir = join(root, "venv", "lib", `pkg${i % 25}`);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, `m${i}.py`), "x".repeat(2048));
    }
    mkdirSync(join(root, "src", "pkg", "module"), { recursive: true });
    const file = join(root, PATH);
    const figures: BenchResult["figures"] = [];
    const targets: BenchResult["targets"] = [];
    for (const size of [1024, 1024 * 1024]) {
      const data = Buffer.alloc(size, 0x61);
      const label = size === 1024 ? "1 KB" : "1 MB";
      writeFileSync(file, data);
      const contained: number[] = [];
      const direct: number[] = [];
      const hashed: number[] = [];
      const cw: number[] = [];
      const dw: number[] = [];
      const aw: number[] = [];
      for (let i = 0; i < WARMUP + RUNS; i++) {
        const keep = i >= WARMUP;
        const a = await timeMs(() => readFile(root, PATH, { maxBytes: size }));
        const b = await timeMs(() => fsReadFile(file));
        const h = await timeMs(async () => versionOf(await fsReadFile(file)));
        const c = await timeMs(() => writeFile(root, PATH, data));
        const d = await timeMs(() => fsWriteFile(file, data));
        const e = await timeMs(() => atomicDirect(file, data));
        if (!keep) continue;
        contained.push(a);
        direct.push(b);
        hashed.push(h);
        cw.push(c);
        dw.push(d);
        aw.push(e);
      }
      const R = p50p95(contained);
      const D = p50p95(direct);
      const H = p50p95(hashed);
      const W = p50p95(cw);
      const DW = p50p95(dw);
      const AW = p50p95(aw);
      figures.push(
        { name: `readFile ${label}, p50`, value: ms(R.p50, 3), baseline: ms(D.p50, 3), note: "fs.readFile" },
        { name: `readFile ${label}, p95`, value: ms(R.p95, 3), baseline: ms(D.p95, 3) },
        {
          name: `readFile ${label}, p50 vs a direct read + sha256`,
          value: ms(R.p50, 3),
          baseline: ms(H.p50, 3),
          note: "the same work, uncontained (readFile returns the version)",
        },
        { name: `readFile ${label}, ratio to fs.readFile`, value: `${(R.p50 / D.p50).toFixed(2)}×` },
        { name: `readFile ${label}, ratio to a direct read + sha256`, value: `${(R.p50 / H.p50).toFixed(2)}×` },
        { name: `writeFile ${label}, p50`, value: ms(W.p50, 3), baseline: ms(DW.p50, 3), note: "fs.writeFile" },
        {
          name: `writeFile ${label}, p50 vs a direct atomic write`,
          value: ms(W.p50, 3),
          baseline: ms(AW.p50, 3),
          note: "temp + fsync + rename",
        },
        { name: `writeFile ${label}, p95`, value: ms(W.p95, 3), baseline: ms(AW.p95, 3) },
        { name: `writeFile ${label}, ratio to the atomic write`, value: `${(W.p50 / AW.p50).toFixed(2)}×` },
      );
      if (size === 1024)
        targets.push({
          name: `readFile ${label}: latency containment adds (vs a direct read + sha256), median`,
          measured: ms(R.p50 - H.p50, 3),
          target: "≤ 1 ms (a model turn takes seconds)",
          pass: R.p50 - H.p50 <= 1,
        });
    }
    return {
      figures,
      targets,
      notes: [
        `${RUNS} runs each after ${WARMUP} of warm-up, interleaved; the file is ${PATH} in a workspace of ${FILES + 1} files ` +
          "(a write measures them all for the quota: the walk is most of the difference to the atomic write).",
      ],
    };
  },
};
