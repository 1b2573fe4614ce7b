/**
 * Helpers for process-level tests: the compiled server runs as child processes of a private build
 * (`node <build>/dist/main.js …`) with an environment built from scratch, and is talked to over
 * HTTP and WebSocket as an operator would.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { print } from "graphql";
import { createClient, type Client } from "graphql-ws";
import WebSocket from "ws";
import type { GqlResult } from "./server.js";

/** The repository root. */
export const root = join(import.meta.dirname, "..", "..");
const execFileAsync = promisify(execFile);

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `cond` every 10 ms until it holds; rejects naming `what` after `timeoutMs`. */
export async function waitUntil(cond: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}

/**
 * Polls `fn` (a row's state: no event to subscribe to) every 50 ms until it gives a value; rejects
 * naming `what` after `timeoutMs`.
 */
export async function untilValue<T>(
  what: string,
  fn: () => Promise<T | null | undefined | false>,
  timeoutMs = 25_000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

/** `p`, or a rejection naming `what` if it has not settled after `ms` milliseconds. */
export function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(t)),
    new Promise<never>((_, reject) => {
      t = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
    }),
  ]);
}

/** How a child process ended. */
export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A child process of the build and what it has written so far. */
export interface Proc {
  /** A label for messages. */
  name: string;
  child: ChildProcess;
  pid: number;
  stdout(): string;
  stderr(): string;
  /** Parsed JSON (pino) log lines from stdout. */
  logs(): Array<Record<string, unknown>>;
  /** Settles once the process has exited and its output is closed. */
  exit: Promise<Exit>;
  /** The exit, once `exit` has settled. */
  exited(): Exit | undefined;
  /** SIGTERM, then the exit (rejects after `timeoutMs`, 10 s by default). */
  terminate(timeoutMs?: number): Promise<Exit>;
}

/** A process that has logged "listening", with its addresses. */
export interface ServerProc extends Proc {
  /** http://127.0.0.1:<port> */
  url: string;
  /** ws://127.0.0.1:<port>/graphql */
  wsUrl: string;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)],
  );
}

async function cachedBuild(): Promise<string> {
  const inputs = [...filesUnder(join(root, "src")), join(root, "tsconfig.json"), join(root, "tsconfig.build.json")];
  const hash = createHash("sha256");
  for (const f of inputs.sort()) hash.update(f.slice(root.length)).update("\0").update(readFileSync(f));
  const cache = join(root, "node_modules", ".cache", "process-build");
  const dir = join(cache, hash.digest("hex").slice(0, 16));
  if (existsSync(join(dir, "dist", "main.js"))) return dir;
  mkdirSync(cache, { recursive: true });
  const tmp = mkdtempSync(`${dir}.tmp-`);
  await execFileAsync(
    join(root, "node_modules", ".bin", "tsc"),
    ["-p", "tsconfig.build.json", "--outDir", join(tmp, "dist"), "--sourceMap", "false"],
    { cwd: root },
  );
  writeFileSync(join(tmp, "package.json"), JSON.stringify({ type: "module" }));
  symlinkSync(join(root, "node_modules"), join(tmp, "node_modules"), "dir");
  // The default tool policy is read from config/ beside the build.
  symlinkSync(join(root, "config"), join(tmp, "config"), "dir");
  try {
    renameSync(tmp, dir);
  } catch {
    // Another test file built the same sources first: use its build.
    rmSync(tmp, { recursive: true, force: true });
  }
  return dir;
}

/** One test file's build, child processes and temp directories (`stopAll` and `removeTempDirs` in afterAll). */
export class ProcessHarness {
  /** The build directory, set by `build()`. */
  buildDir = "";
  /** Every process spawned so far. */
  readonly procs: Proc[] = [];
  private readonly tempDirs: string[] = [];

  /** A new directory under the OS temp directory, deleted by `removeTempDirs()`. */
  tempDir(prefix: string): string {
    const d = mkdtempSync(join(tmpdir(), prefix));
    this.tempDirs.push(d);
    return d;
  }

  /**
   * Compiles src/ into a private directory (not ./dist, which other test runs and people use):
   * a package.json marks it as ESM and a link to ./node_modules resolves the dependencies.
   */
  /**
   * The server compiled from the current sources (as `npm run build` compiles it), shared by every
   * test file: cached under node_modules/.cache/process-build by a hash of the sources, so the
   * files that start real processes compile it once between them.
   */
  async build(): Promise<string> {
    this.buildDir = await cachedBuild();
    return this.buildDir;
  }

  /**
   * Starts `node dist/main.js ...args` in the build. The environment is built from scratch (PATH,
   * HOST=127.0.0.1, PORT=0, LOG_LEVEL=info, then `env`) so the test runner's own settings never leak in.
   */
  spawn(name: string, args: string[], env: Record<string, string> = {}, user?: { uid: number; gid: number }): Proc {
    const child = spawn(process.execPath, [join(this.buildDir, "dist", "main.js"), ...args], {
      cwd: this.buildDir,
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOST: "127.0.0.1", PORT: "0", LOG_LEVEL: "info", ...env },
      stdio: ["ignore", "pipe", "pipe"],
      ...(user ? { uid: user.uid, gid: user.gid } : {}),
    });
    let out = "";
    let err = "";
    let exited: Exit | undefined;
    child.stdout!.setEncoding("utf8").on("data", (c: string) => (out += c));
    child.stderr!.setEncoding("utf8").on("data", (c: string) => (err += c));
    const exit = new Promise<Exit>((resolve) =>
      child.once("close", (code, signal) => {
        exited = { code, signal };
        resolve(exited);
      }),
    );
    const p: Proc = {
      name,
      child,
      pid: child.pid!,
      stdout: () => out,
      stderr: () => err,
      logs: () =>
        out
          .split("\n")
          .filter((l) => l.startsWith("{"))
          .map((l) => JSON.parse(l) as Record<string, unknown>),
      exit,
      exited: () => exited,
      terminate(timeoutMs = 10_000) {
        child.kill("SIGTERM");
        return within(exit, timeoutMs, `${name}: shutdown after SIGTERM`);
      },
    };
    this.procs.push(p);
    return p;
  }

  /** Stops every process still running: SIGTERM with `graceMs` to exit (none if 0), then SIGKILL. */
  async stopAll(graceMs = 5_000): Promise<void> {
    const running = this.procs.filter((p) => p.exited() === undefined);
    if (graceMs > 0) await Promise.all(running.map((p) => p.terminate(graceMs).catch(() => {})));
    for (const p of running) if (p.exited() === undefined) p.child.kill("SIGKILL");
    await Promise.all(running.map((p) => within(p.exit, 5_000, `${p.name} to die`).catch(() => {})));
  }

  /** Deletes the directories made by `tempDir()` (the build's included). */
  removeTempDirs(): void {
    for (const d of this.tempDirs) rmSync(d, { recursive: true, force: true });
  }
}

/**
 * Waits for the log line `msg` saying `p` is ready and returns it; SIGKILLs `p` and throws with
 * its output if `p` exits or `timeoutMs` passes first.
 */
export async function readyLine(p: Proc, msg: string, timeoutMs: number): Promise<Record<string, unknown>> {
  const line = () => p.logs().find((l) => l.msg === msg);
  try {
    await waitUntil(() => line() !== undefined || p.exited() !== undefined, `${p.name}: "${msg}"`, timeoutMs);
  } catch (err) {
    p.child.kill("SIGKILL");
    throw new Error(`${(err as Error).message}\nstdout:\n${p.stdout()}\nstderr:\n${p.stderr()}`);
  }
  const l = line();
  if (!l) throw new Error(`${p.name} exited (${JSON.stringify(p.exited())}):\n${p.stdout()}\n${p.stderr()}`);
  return l;
}

/** Waits (as `readyLine`) for `p` to log "listening" and returns it with the URLs from that line. */
export async function listening(p: Proc, timeoutMs: number): Promise<ServerProc> {
  const url = new URL(String((await readyLine(p, "listening", timeoutMs)).url)).origin;
  return { ...p, url, wsUrl: `${url.replace(/^http/, "ws")}/graphql` };
}

/** Runs a typed operation over HTTP POST on `s`, with `key` as bearer token (none if null). */
export async function gql<R, V>(
  s: { url: string },
  doc: TypedDocumentNode<R, V>,
  variables: V,
  key: string | null,
): Promise<GqlResult<R>> {
  const res = await fetch(`${s.url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify({ query: print(doc), variables }),
  });
  return { status: res.status, ...((await res.json()) as Omit<GqlResult<R>, "status">) };
}

/** Like `gql`, but throws on errors (naming `s`) and returns the data. */
export async function ok<R, V>(
  s: { url: string; name?: string },
  doc: TypedDocumentNode<R, V>,
  variables: V,
  key: string,
): Promise<R> {
  const r = await gql(s, doc, variables, key);
  if (r.errors?.length || !r.data) {
    throw new Error(`GraphQL errors (${r.status})${s.name ? ` from ${s.name}` : ""}: ${JSON.stringify(r.errors)}`);
  }
  return r.data;
}

/** A lazy graphql-ws client on `s` authenticated with `key`, without retries; `onClosed` gets the close code. */
export function wsClient(s: { wsUrl: string }, key: string, onClosed?: (code: number) => void): Client {
  return createClient({
    url: s.wsUrl,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: true,
    connectionParams: { authorization: `Bearer ${key}` },
    on: { closed: (e) => onClosed?.((e as { code: number }).code) },
  });
}
