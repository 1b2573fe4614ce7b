import { spawn } from "node:child_process";

export interface RunOptions {
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
  signal?: AbortSignal;
  /** Bytes kept per stream; the tail is kept, where errors are. */
  maxOutputBytes?: number;
  /** After SIGTERM to the process group, SIGKILL follows this much later. */
  killGraceMs?: number;
}

export interface RunResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  durationMs: number;
}

/** A command that failed: carries what a caller needs to explain it (exit code, stderr, timeout). */
export class WorkspaceCommandError extends Error {
  constructor(
    message: string,
    readonly command: string,
    readonly exitCode: number | null,
    readonly stderr: string,
    readonly timedOut: boolean,
  ) {
    super(message);
    this.name = "WorkspaceCommandError";
  }
}

class Tail {
  private chunks: Buffer[] = [];
  private size = 0;
  constructor(private readonly max: number) {}
  push(b: Buffer): void {
    this.chunks.push(b);
    this.size += b.length;
    while (this.size > this.max && this.chunks.length > 1) this.size -= this.chunks.shift()?.length ?? 0;
  }
  toString(): string {
    const all = Buffer.concat(this.chunks);
    return all.subarray(Math.max(0, all.length - this.max)).toString("utf8");
  }
}

function abortError(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException("The operation was aborted", "AbortError");
}

/**
 * Runs a program without a shell, in its own process group, so a timeout or an abort ends the
 * program and everything it started (pip starts a second interpreter). Resolves with the exit
 * status (non-zero is not an error here); rejects with the signal's reason on abort, once the
 * process has exited.
 */
export function runProcess(command: string, args: readonly string[], opts: RunOptions): Promise<RunResult> {
  const { signal } = opts;
  if (signal?.aborted) return Promise.reject(abortError(signal));
  const started = performance.now();
  const max = opts.maxOutputBytes ?? 256 * 1024;
  const grace = opts.killGraceMs ?? 2_000;
  return new Promise<RunResult>((resolve, reject) => {
    const child = spawn(command, args, { env: opts.env, stdio: ["ignore", "pipe", "pipe"], detached: true });
    const out = new Tail(max);
    const err = new Tail(max);
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    let timedOut = false;
    let aborted = false;
    let killTimer: NodeJS.Timeout | undefined;
    let drainTimer: NodeJS.Timeout | undefined;

    const killGroup = (sig: NodeJS.Signals) => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, sig);
      } catch {
        // the group is already gone
      }
    };
    const stop = () => {
      killGroup("SIGTERM");
      killTimer ??= setTimeout(() => killGroup("SIGKILL"), grace);
      killTimer.unref();
    };
    const timer = setTimeout(() => {
      timedOut = true;
      stop();
    }, opts.timeoutMs);
    const onAbort = () => {
      aborted = true;
      stop();
    };
    signal?.addEventListener("abort", onAbort, { once: true });

    const cleanup = () => {
      clearTimeout(timer);
      clearTimeout(killTimer);
      clearTimeout(drainTimer);
      signal?.removeEventListener("abort", onAbort);
    };
    child.on("error", (e) => {
      cleanup();
      reject(e);
    });
    // A descendant that left the group could keep the pipes open: once the program itself has
    // exited, stop waiting for them after a moment.
    child.on("exit", () => {
      drainTimer = setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
      }, 1_000);
      drainTimer.unref();
      if (timedOut || aborted) killGroup("SIGKILL");
    });
    child.on("close", (exitCode, sig) => {
      cleanup();
      if (aborted && signal) {
        reject(abortError(signal));
        return;
      }
      resolve({
        exitCode,
        signal: sig,
        stdout: out.toString(),
        stderr: err.toString(),
        timedOut,
        durationMs: Math.round(performance.now() - started),
      });
    });
  });
}
