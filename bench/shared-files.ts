/**
 * What sharing a workspace costs a write: writeFile of the file tools with the shared-workspace
 * guard (other holders' locks looked up, the path held across processes, then the FileChange row
 * written) against the same writeFile without it. On SQLite (no cross-process mutex) and, with
 * BENCH_DATABASE_URL or TEST_DATABASE_URL, on PostgreSQL (advisory lock + unlock on the mutex's
 * own connection). Ten live locks of another holder lie elsewhere in the workspace. Interleaved,
 * after warm-up; medians and p95.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileActor, SharedFilesService } from "../src/domain/workspaces/shared-files.service.js";
import { singleProcessMutex } from "../src/domain/workspaces/path-mutex.js";
import { AdvisoryPathMutex } from "../src/infra/db/advisory-mutex.js";
import { openDatabase, type Database } from "../src/infra/db/orm.js";
import { SqlSharedFileStore } from "../src/infra/db/stores/shared-files.store.js";
import { writeFile } from "../src/tools/files/files.js";
import { fixtures } from "../tests/helpers/store-db.js";
import { p50p95, timeMs, createPgDatabase, ms, removeDir, tempDir, type Bench, type BenchResult } from "./lib.js";

const RUNS = 300;
const WARMUP = 30;
const PATH = "src/shared/notes.md";
const quiet = { info() {}, warn() {}, error() {}, debug() {} };

async function measure(db: Database, url: string | null, label: string, result: BenchResult): Promise<void> {
  const root = tempDir("shared-files");
  mkdirSync(join(root, "src", "shared"), { recursive: true });
  const agent = await fixtures.agent(db);
  const task = await fixtures.task(db);
  const ws = await fixtures.workspace(db, { taskId: task.id, agentId: agent.id, path: root, status: "READY" });
  const mutex = url ? new AdvisoryPathMutex(url, quiet) : singleProcessMutex;
  const service = new SharedFilesService({}, new SqlSharedFileStore(db), mutex);
  const me = fileActor(
    { apiKeyId: "", name: "writer", role: "AGENT", agentId: agent.id },
    { taskId: task.id, toolCallId: null },
  );
  const other = fileActor(
    { apiKeyId: "k", name: "other", role: "OPERATOR", agentId: null },
    { taskId: null, toolCallId: null },
  );
  for (let i = 0; i < 10; i++) await service.lock(ws.id, `elsewhere/${i}`, 3600, other);
  const data = Buffer.alloc(1024, 0x61);
  const bare: number[] = [];
  const shared: number[] = [];
  try {
    for (let i = 0; i < WARMUP + RUNS; i++) {
      const a = await timeMs(() => writeFile(root, PATH, data));
      const b = await timeMs(async () => {
        const w = await writeFile(root, PATH, data, {
          guard: (paths, change) => service.guard({ id: ws.id, root }, paths, me, change),
        });
        await service.recordChange(
          ws.id,
          { kind: "WRITE", path: w.resolvedPath, fromPath: null, version: w.version, sizeBytes: w.size },
          me,
        );
      });
      if (i < WARMUP) continue;
      bare.push(a);
      shared.push(b);
    }
    // Where the time goes: each part on its own.
    const parts = { locks: [] as number[], mutex: [] as number[], record: [] as number[] };
    for (let i = 0; i < RUNS; i++) {
      parts.locks.push(await timeMs(() => service.assertWritable(ws.id, [PATH], me)));
      parts.mutex.push(await timeMs(() => mutex.run([`${root}\0${PATH}`], async () => undefined)));
      parts.record.push(
        await timeMs(() =>
          service.recordChange(ws.id, { kind: "WRITE", path: PATH, fromPath: null, version: null, sizeBytes: 1 }, me),
        ),
      );
    }
    result.notes.push(
      `${label} medians: lock lookup ${ms(p50p95(parts.locks).p50, 3)}, path mutex take + free ${ms(p50p95(parts.mutex).p50, 3)}, FileChange row (a commit) ${ms(p50p95(parts.record).p50, 3)}`,
    );
  } finally {
    await mutex.close();
    removeDir(root);
  }
  const B = p50p95(bare);
  const S = p50p95(shared);
  result.figures.push(
    {
      name: `${label}: writeFile 1 KB shared, p50`,
      value: ms(S.p50, 3),
      baseline: ms(B.p50, 3),
      note: "writeFile alone",
    },
    { name: `${label}: writeFile 1 KB shared, p95`, value: ms(S.p95, 3), baseline: ms(B.p95, 3) },
    { name: `${label}: ratio to writeFile alone (p50)`, value: `${(S.p50 / B.p50).toFixed(2)}×` },
  );
  // SQLite: a lookup and an insert on the local file. PostgreSQL: three round trips (lock lookup,
  // advisory lock, unlock) and the FileChange row's commit, which waits for the WAL's fsync.
  const limit = url ? 10 : 2;
  result.targets.push({
    name: `${label}: latency sharing adds to a 1 KB write, median`,
    measured: ms(S.p50 - B.p50, 3),
    target: `≤ ${limit} ms (${url ? "3 round trips and a commit; " : ""}a model turn takes seconds)`,
    pass: S.p50 - B.p50 <= limit,
  });
}

export const sharedFilesBench: Bench = {
  name: "shared-files",
  description: "a write with lock check, path mutex and FileChange row against the bare write",
  async run(): Promise<BenchResult> {
    const result: BenchResult = { figures: [], targets: [], notes: [] };
    const dir = tempDir("shared-files-db");
    const sqlite = await openDatabase({ url: undefined, dataDir: dir });
    try {
      await sqlite.migrate();
      await measure(sqlite, null, "SQLite", result);
    } finally {
      await sqlite.close();
      removeDir(dir);
    }
    const base = process.env.BENCH_DATABASE_URL || process.env.TEST_DATABASE_URL;
    if (!base) {
      result.figures.push({
        name: "PostgreSQL",
        value: "skipped",
        note: "set BENCH_DATABASE_URL or TEST_DATABASE_URL to run the PostgreSQL figures",
      });
      return result;
    }
    const created = await createPgDatabase(base, "agents_bench_shared_files");
    const pg = await openDatabase({ url: created.url, dataDir: "" });
    try {
      await pg.migrate();
      await measure(pg, created.url, "PostgreSQL", result);
    } finally {
      await pg.close();
      await created.drop();
    }
    return result;
  },
};
