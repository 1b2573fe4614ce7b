/**
 * Time from spawning `node dist/main.js serve` until GET /readyz answers 200 (polled every
 * 10 ms): 5 runs on an empty DATA_DIR (migrations applied, admin key created) and 3 restarts on
 * the existing one. Baseline in the same run, interleaved with it: a bare `node -e` HTTP server,
 * spawned and polled the same way. A last run times the phases of startApp from the same dist
 * code (module loading, ORM init, migrations, the rest).
 */
import { execFile, spawn } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { get } from "node:http";
import { join } from "node:path";
import { promisify } from "node:util";
import {
  freePort,
  loadAverage,
  median,
  ms,
  removeDir,
  repoDir,
  sleep,
  stopChild,
  tempDir,
  track,
  type Bench,
  type BenchResult,
} from "./lib.js";

const RUNS = 5;
const RESTARTS = 3;
const TARGET_MS = 2_000;
const POLL_MS = 10;
const DEADLINE_MS = 30_000;

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** Builds dist/ when it is missing or older than src/; returns what it did. */
async function ensureBuild(): Promise<string> {
  const main = join(repoDir, "dist", "main.js");
  const srcNewest = newestMtime(join(repoDir, "src"));
  if (existsSync(main) && statSync(main).mtimeMs >= srcNewest) {
    return "dist/ is up to date";
  }
  const t0 = performance.now();
  try {
    await promisify(execFile)(join(repoDir, "node_modules", ".bin", "tsc"), ["-p", "tsconfig.build.json"], {
      cwd: repoDir,
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    throw new Error(`the build failed:\n${(e.stdout ?? "") + (e.stderr ?? "")}`.slice(0, 2_000));
  }
  return `built dist/ with tsc -p tsconfig.build.json in ${ms(performance.now() - t0, 0)} (it was missing or older than src/)`;
}

/** The environment of a spawned server: this one without anything that would pick another profile or loader. */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  delete env.DATABASE_URL;
  delete env.ADMIN_API_KEY;
  if (env.NODE_OPTIONS?.includes("tsx")) delete env.NODE_OPTIONS;
  return env;
}

function status(port: number, path: string): Promise<number> {
  return new Promise((resolve) => {
    const req = get({ host: "127.0.0.1", port, path, agent: false, timeout: 1_000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", () => resolve(0));
    req.on("timeout", () => {
      req.destroy();
      resolve(0);
    });
  });
}

/** Spawns `args`, polls http://127.0.0.1:port/path every 10 ms until 200; returns the time from spawn. */
async function timeUntilReady(args: string[], env: NodeJS.ProcessEnv, port: number, path: string): Promise<number> {
  const t0 = performance.now();
  const child = track(spawn(process.execPath, args, { cwd: repoDir, env, stdio: ["ignore", "ignore", "pipe"] }));
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4_000)));
  try {
    for (;;) {
      if ((await status(port, path)) === 200) return performance.now() - t0;
      if (child.exitCode !== null)
        throw new Error(`the process exited with ${child.exitCode} before it was ready:\n${stderr}`);
      if (performance.now() - t0 > DEADLINE_MS) throw new Error(`not ready after ${DEADLINE_MS} ms:\n${stderr}`);
      await sleep(POLL_MS);
    }
  } finally {
    await stopChild(child, 10_000, "SIGTERM");
  }
}

const bareServer =
  "require('http').createServer((q,s)=>s.end('ok')).listen(+process.env.PORT,'127.0.0.1',()=>console.log('up'))";

/** Runs startApp from dist/ in a child and reports when each phase ended (ms since the process started). */
const phaseScript = `
const t = () => performance.now();
const marks = { nodeReady: t() };
const { startApp } = await import(process.env.DIST + "/app.js");
const { loadConfig } = await import(process.env.DIST + "/config.js");
const { createLogger } = await import(process.env.DIST + "/logger.js");
marks.modulesLoaded = t();
const sql = [];
const app = await startApp({
  config: loadConfig({ PORT: "0", HOST: "127.0.0.1", DATA_DIR: process.env.DATA_DIR, LOG_LEVEL: "silent" }),
  logger: createLogger("silent"),
  onQuery: (s) => sql.push([t(), s]),
});
marks.listening = t();
const firstSql = sql[0]?.[0] ?? NaN;
const migration = sql.filter(([, s]) => /create table|mikro_orm_migrations/.test(s));
const lastMigrationSql = migration.length ? migration[migration.length - 1][0] : NaN;
const lastSql = sql[sql.length - 1]?.[0] ?? NaN;
await app.stop();
process.stdout.write(JSON.stringify({ ...marks, firstSql, lastMigrationSql, lastSql, statements: sql.length }));
`;

export const startupBench: Bench = {
  name: "startup",
  description: "spawn `node dist/main.js serve` until /readyz is 200, vs a bare node HTTP server",
  async run(): Promise<BenchResult> {
    const result: BenchResult = { figures: [], targets: [], notes: [] };
    const load0 = loadAverage();
    result.notes.push(await ensureBuild());
    const main = join(repoDir, "dist", "main.js");

    const cold: number[] = [];
    const bare: number[] = [];
    let lastDir: string | undefined;
    for (let i = 0; i < RUNS; i++) {
      const bp = await freePort();
      bare.push(await timeUntilReady(["-e", bareServer], childEnv({ PORT: String(bp) }), bp, "/"));
      if (lastDir) removeDir(lastDir);
      lastDir = tempDir("startup");
      const port = await freePort();
      const env = childEnv({ PORT: String(port), HOST: "127.0.0.1", DATA_DIR: lastDir, LOG_LEVEL: "warn" });
      cold.push(await timeUntilReady([main, "serve"], env, port, "/readyz"));
    }
    const warm: number[] = [];
    try {
      for (let i = 0; i < RESTARTS; i++) {
        const port = await freePort();
        const env = childEnv({ PORT: String(port), HOST: "127.0.0.1", DATA_DIR: lastDir as string, LOG_LEVEL: "warn" });
        warm.push(await timeUntilReady([main, "serve"], env, port, "/readyz"));
      }
    } finally {
      if (lastDir) removeDir(lastDir);
    }

    const list = (v: number[]) => v.map((x) => x.toFixed(0)).join(", ") + " ms";
    result.figures.push(
      {
        name: "empty DATA_DIR → /readyz 200",
        value: ms(median(cold), 0),
        baseline: ms(median(bare), 0),
        note: `median; runs ${list(cold)}`,
      },
      { name: "bare node HTTP server → 200", value: ms(median(bare), 0), note: `median; runs ${list(bare)}` },
      {
        name: "restart on existing DATA_DIR",
        value: ms(median(warm), 0),
        baseline: ms(median(bare), 0),
        note: `median; runs ${list(warm)}`,
      },
      { name: "app minus bare node (empty dir)", value: ms(median(cold) - median(bare), 0) },
    );

    // Where the time goes, from the same dist code.
    const phaseDir = tempDir("startup-phases");
    try {
      const t0 = performance.now();
      const out = await promisify(execFile)(process.execPath, ["--input-type=module", "-e", phaseScript], {
        cwd: repoDir,
        env: childEnv({ DIST: new URL(`file://${join(repoDir, "dist")}`).href, DATA_DIR: phaseDir }),
        maxBuffer: 1024 * 1024,
      });
      const total = performance.now() - t0;
      const p = JSON.parse(out.stdout) as Record<string, number>;
      const at = (k: string) => p[k] ?? Number.NaN;
      result.notes.push(
        `phases of one start on an empty DATA_DIR (ms since the process started; total incl. stop ${ms(total, 0)}):`,
        `  node ready (bootstrap)                     ${ms(at("nodeReady"), 0)}`,
        `  dist/app.js and its imports loaded         ${ms(at("modulesLoaded"), 0)}  (+${ms(at("modulesLoaded") - at("nodeReady"), 0)})`,
        `  first SQL statement (MikroORM initialised) ${ms(at("firstSql"), 0)}  (+${ms(at("firstSql") - at("modulesLoaded"), 0)})`,
        `  last migration statement                   ${ms(at("lastMigrationSql"), 0)}  (+${ms(at("lastMigrationSql") - at("firstSql"), 0)})`,
        `  last SQL statement (admin key bootstrap)   ${ms(at("lastSql"), 0)}  (+${ms(at("lastSql") - at("lastMigrationSql"), 0)})`,
        `  listening (schema built, Apollo started)   ${ms(at("listening"), 0)}  (+${ms(at("listening") - at("lastSql"), 0)})`,
        `  (${at("statements")} SQL statements in all)`,
      );
    } catch (err) {
      result.notes.push(`phase breakdown failed: ${String(err).slice(0, 500)}`);
    } finally {
      removeDir(phaseDir);
    }

    result.targets.push(
      {
        name: "start on an empty DATA_DIR until ready (median)",
        measured: ms(median(cold), 0),
        target: `≤ ${TARGET_MS} ms`,
        pass: median(cold) <= TARGET_MS,
      },
      {
        name: "restart on an existing DATA_DIR until ready (median)",
        measured: ms(median(warm), 0),
        target: `≤ ${TARGET_MS} ms`,
        pass: median(warm) <= TARGET_MS,
      },
    );
    result.notes.push(
      `load average (1 min) at start ${load0.toFixed(1)}, at end ${loadAverage().toFixed(1)} on this host`,
    );
    return result;
  },
};
