/**
 * git on the host: only ever on the service's own bare repositories (the mirrors) and the remote,
 * never on anything inside a workspace (see docs/git.md).
 *
 * Every run gets a minimal environment (no user or system configuration, an empty HOME of the
 * service's, no terminal prompt), command-line settings that only https (or http where the
 * operator listed an http:// origin) may be spoken, no credential helper, no hooks, no redirects,
 * and fsck of what is received. A token reaches git through one extra pipe (fd 3) that only the
 * service's own askpass program reads: it is never in argv, the environment, a URL, a file, a log
 * line or the output reported.
 */
import { createReadStream } from "node:fs";
import { chmod, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { DomainError } from "../../domain/errors.js";

/** Username and token for HTTP Basic; the token is handed to git through fd 3 only. */
export interface GitToken {
  username: string;
  token: string;
}

export interface HostGitOptions {
  /** A folder of the service's own (made 0700): git's empty HOME and the askpass program live there. */
  privateDir: string;
  /** The longest one git command may take (GIT_TIMEOUT_MS). */
  timeoutMs: number;
}

export interface HostGitRun {
  /** The repository to work in (`git -C`): a mirror, never a workspace. */
  cwd?: string;
  /** Credentials for the remote; null: anonymous. */
  auth?: GitToken | null;
  /** Also allow plain http (the URL's origin is listed as http:// in GIT_ALLOWED_HOSTS). */
  allowHttp?: boolean;
  /** A file whose bytes from `start` are the program's standard input. */
  stdinFile?: { path: string; start: number };
  signal?: AbortSignal;
  /** Bytes of standard output kept (default 1 MiB). */
  maxStdout?: number;
}

export interface HostGitResult {
  exitCode: number | null;
  stdout: string;
  /** The tail of standard error, credentials removed. */
  stderr: string;
}

const GIT = "/usr/bin/git";
const STDERR_TAIL = 16 * 1024;
/** Answers git's prompts: the username from the environment (not secret), the token from fd 3. */
const ASKPASS = `#!/bin/sh
case "$1" in
  Username*) printf '%s\\n' "$AGENT_GIT_USERNAME" ;;
  *) cat <&3 ;;
esac
`;
const USERNAME = /^[A-Za-z0-9._@+-]{1,100}$/;

/** Removes credentials from text that is about to be reported: the token itself and any URL userinfo. */
export function redactGit(text: string, token?: string): string {
  let out = text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/)[^/\s@]*@/gi, "$1");
  if (token && token.length >= 4) out = out.split(token).join("[REDACTED]");
  return out;
}

/** The settings every host git command runs with: only https (and http if allowed), nothing that runs programs. */
export function hostGitConfig(allowHttp: boolean): string[] {
  return [
    "-c",
    "protocol.allow=never",
    "-c",
    "protocol.https.allow=always",
    ...(allowHttp ? ["-c", "protocol.http.allow=always"] : []),
    "-c",
    "credential.helper=",
    "-c",
    "core.hooksPath=/dev/null",
    "-c",
    "core.fsmonitor=false",
    "-c",
    "core.sshCommand=false",
    "-c",
    "transfer.fsckObjects=true",
    "-c",
    "http.followRedirects=false",
    "-c",
    "submodule.recurse=false",
    "-c",
    "gc.auto=0",
    "-c",
    "maintenance.auto=false",
  ];
}

export class HostGit {
  private ready: Promise<{ home: string; askpass: string }> | undefined;

  constructor(private readonly opts: HostGitOptions) {}

  /** Makes the private folder, the empty HOME and the askpass program (once). */
  private prepare(): Promise<{ home: string; askpass: string }> {
    this.ready ??= (async () => {
      await mkdir(this.opts.privateDir, { recursive: true, mode: 0o700 });
      await chmod(this.opts.privateDir, 0o700);
      const home = join(this.opts.privateDir, "home");
      await mkdir(home, { recursive: true, mode: 0o700 });
      const askpass = join(this.opts.privateDir, "askpass");
      await writeFile(askpass, ASKPASS, { mode: 0o700 });
      await chmod(askpass, 0o700);
      return { home, askpass };
    })();
    this.ready.catch(() => (this.ready = undefined));
    return this.ready;
  }

  /** Runs `git <settings> <args>`; resolves with how it ended (a non-zero exit is not an error here). */
  async run(args: readonly string[], run: HostGitRun = {}): Promise<HostGitResult> {
    const { home, askpass } = await this.prepare();
    const auth = run.auth ?? null;
    if (auth && !USERNAME.test(auth.username)) throw new DomainError("GIT_FAILED", "The git username is malformed");
    if (auth && /[\r\n\0]/.test(auth.token)) throw new DomainError("GIT_FAILED", "The git token is malformed");
    const env: NodeJS.ProcessEnv = {
      PATH: "/usr/bin:/bin",
      HOME: home,
      LANG: "C",
      LC_ALL: "C",
      GIT_CONFIG_NOSYSTEM: "1",
      GIT_CONFIG_GLOBAL: "/dev/null",
      GIT_TERMINAL_PROMPT: "0",
      // Without a token the prompt fails at once: `false` answers nothing.
      GIT_ASKPASS: auth ? askpass : "/bin/false",
      GIT_ALLOW_PROTOCOL: run.allowHttp ? "https:http" : "https",
      ...(auth ? { AGENT_GIT_USERNAME: auth.username } : {}),
    };
    const argv = [...(run.cwd ? ["-C", run.cwd] : []), ...hostGitConfig(run.allowHttp ?? false), ...args];
    return this.spawnGit(argv, env, run, auth?.token);
  }

  private async spawnGit(
    argv: string[],
    env: NodeJS.ProcessEnv,
    run: HostGitRun,
    token: string | undefined,
  ): Promise<HostGitResult> {
    const { signal } = run;
    if (signal?.aborted) throw new DomainError("GIT_FAILED", "The git command was cancelled");
    const maxStdout = run.maxStdout ?? 1024 * 1024;
    // Loaded at the first git command: it costs start-up about 0.1 s otherwise.
    const { execa } = await import("execa");
    const child = execa(GIT, argv, {
      env,
      extendEnv: false,
      cwd: "/",
      // Its own process group: a timeout or a cancel kills git-remote-https and the rest with it.
      detached: true,
      // The token reaches the askpass program on fd 3 only (never argv, the environment or a file).
      stdio: [
        run.stdinFile ? "pipe" : "ignore",
        "pipe",
        "pipe",
        token ? new TextEncoder().encode(`${token}\n`) : "ignore",
      ],
      encoding: "buffer",
      buffer: { stdout: false, stderr: false },
      reject: false,
      timeout: this.opts.timeoutMs,
      cancelSignal: signal,
      killSignal: "SIGKILL",
    });
    if (run.stdinFile && child.stdin) {
      const stdin = child.stdin;
      stdin.on("error", () => undefined); // git may stop reading early
      createReadStream(run.stdinFile.path, { start: run.stdinFile.start })
        .on("error", () => stdin.destroy())
        .pipe(stdin);
    }
    const out: Buffer[] = [];
    let outBytes = 0;
    let errTail = Buffer.alloc(0);
    child.stdout.on("data", (b: Buffer) => {
      if (outBytes >= maxStdout) return;
      out.push(b.subarray(0, maxStdout - outBytes));
      outBytes += b.length;
    });
    child.stderr.on("data", (b: Buffer) => {
      errTail = Buffer.concat([errTail, b]);
      if (errTail.length > STDERR_TAIL) errTail = errTail.subarray(errTail.length - STDERR_TAIL);
    });
    const result = await child;
    const stderr = redactGit(errTail.toString("utf8"), token);
    if (result.timedOut || result.isCanceled) {
      killGroup(child.pid);
      const why = result.timedOut ? `timed out after ${this.opts.timeoutMs} ms (GIT_TIMEOUT_MS)` : "was cancelled";
      throw new DomainError("GIT_FAILED", `git ${why}`, {
        exitCode: result.exitCode ?? null,
        stderr,
        timedOut: result.timedOut,
      });
    }
    if (result.failed && result.exitCode === undefined) {
      throw new DomainError("GIT_FAILED", `git could not start: ${redactGit(result.shortMessage ?? "", token)}`);
    }
    return { exitCode: result.exitCode ?? null, stdout: Buffer.concat(out).toString("utf8"), stderr };
  }

  /** Like run, but a non-zero exit throws GIT_FAILED with the exit code and the (redacted) stderr. */
  async ok(what: string, args: readonly string[], run: HostGitRun = {}): Promise<string> {
    const r = await this.run(args, run);
    if (r.exitCode !== 0) throw gitFailed(what, r);
    return r.stdout;
  }
}

/** GIT_FAILED for a command that exited non-zero: its last error line in the message, the tail in details. */
export function gitFailed(what: string, r: { exitCode: number | null; stderr: string }): DomainError {
  const lines = r.stderr
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "");
  const last = lines.find((l) => /^(fatal|error):/.test(l)) ?? lines.at(-1) ?? "no message";
  return new DomainError("GIT_FAILED", `${what} failed: ${last.slice(0, 500)}`, {
    exitCode: r.exitCode,
    stderr: r.stderr.slice(-4000),
  });
}

/** Kills what is left of a git run's process group (its helpers) after a timeout or a cancel. */
function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // already gone
  }
}
