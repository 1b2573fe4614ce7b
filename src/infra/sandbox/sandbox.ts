/**
 * The only place untrusted commands start. Each run gets, with bubblewrap: a read-only system
 * (/usr plus a few /etc files), the workspace as its only writable path, a private /tmp, /dev and
 * /proc, its own PID, IPC, UTS and network namespaces (no network unless granted), uid 65534 with
 * no capabilities and no further user namespaces; limits on wall time, CPU time, memory, processes,
 * file size and output; a scrubbed environment; and no process left behind when it ends.
 *
 * "none" (SANDBOX=none, an operator's explicit opt-out) runs the program on the host with the
 * same limits, environment scrubbing and process-group kill, and no isolation at all.
 *
 * See command-line.ts for the exact command line and ownership.ts for the host user.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, rmSync } from "node:fs";
import { chmod, mkdtemp, open, readdir, readFile, realpath, rm, stat, unlink, writeFile } from "node:fs/promises";
import { constants as osConstants, tmpdir } from "node:os";
import { isAbsolute, join } from "node:path";
import { badInput, DomainError, policyDenied } from "../../domain/errors.js";
import {
  backstopSeconds,
  bwrapArgs,
  bwrapFeatures,
  diesWithService,
  findHostTools,
  hostPrefix,
  parseUsage,
  prlimitArgs,
  RUN_MARKER,
  SANDBOX_PATH,
  type BwrapFeatures,
  type HostTools,
  type Usage,
} from "./command-line.js";
import { assertReachable, handOver, SANDBOX_HOST_USER, type HostUser } from "./ownership.js";
import { canListChildren, childrenOf, killNamespace, signal, sweep, tasksOfUid } from "./process-tree.js";
import type { SandboxLimits } from "./limits.js";
import { TreeMonitor } from "./tree-monitor.js";

export type { SandboxLimits } from "./limits.js";

export type SandboxKind = "BWRAP" | "NONE";

export interface RunRequest {
  /** Absolute directory: the only writable path, also the working directory and HOME. */
  workspace: string;
  /** The run's id: marks its processes, so that a restarted service can find and stop them. */
  runId?: string;
  /** A bare name looked up on the sandbox's PATH, or an absolute path. */
  program: string;
  args: string[];
  stdin?: string | Buffer;
  /** Added to the scrubbed base environment; PATH, HOME, TMPDIR, LD_* and BASH_FUNC_* are refused. */
  env?: Record<string, string>;
  limits: SandboxLimits;
  network?: boolean;
  /** More paths bound read-only at the same place (e.g. a wheel directory). */
  extraReadOnly?: string[];
  signal?: AbortSignal;
  /** Output as it arrives; never more than limits.outputBytes in total. */
  onOutput?: (stream: "stdout" | "stderr", chunk: Buffer) => void;
  /** Checks made while it runs (the workspace's disk use). */
  guards?: RunGuard[];
}

export type RunStatus = "SUCCEEDED" | "FAILED" | "TIMED_OUT" | "CANCELLED" | "LIMIT_EXCEEDED";
export type LimitName = "wallTime" | "cpuSeconds" | "memory" | "processes" | "fileSize" | "output" | "disk";

/**
 * A check a run is watched with while it runs (every `everyMs`, never two at once): a limit name
 * stops the run with LIMIT_EXCEEDED and that limit. The command service watches the workspace's
 * disk use this way.
 */
export interface RunGuard {
  everyMs: number;
  check(): Promise<LimitName | null>;
}

export interface RunResult {
  status: RunStatus;
  exitCode: number | null;
  signal: string | null;
  limit?: LimitName;
  durationMs: number;
  /** User plus system CPU time of every process of the run; null when it could not be measured. */
  cpuTimeMs: number | null;
  /** Peak resident memory of the run: its processes' summed (sampled), or its largest process's if higher. */
  maxRssKb: number | null;
  stdoutBytes: number;
  stderrBytes: number;
  truncated: boolean;
  sandbox: SandboxKind;
}

/** The result of a run that never started (cancelled before, or the sandbox could not start it). */
export const resultWithoutRun = (status: RunStatus, sandbox: SandboxKind): RunResult => ({
  status,
  exitCode: null,
  signal: null,
  durationMs: 0,
  cpuTimeMs: null,
  maxRssKb: null,
  stdoutBytes: 0,
  stderrBytes: 0,
  truncated: false,
  sandbox,
});

export interface Sandbox {
  readonly kind: SandboxKind;
  run(req: RunRequest): Promise<RunResult>;
}

export interface SandboxLogger {
  warn(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

export interface SandboxOptions {
  mode: "bwrap" | "none";
  logger: SandboxLogger;
  /**
   * Who runs the sandbox on the host when this service runs as root (default 65534:65534). The
   * kernel never enforces RLIMIT_NPROC for uid 0, and bwrap started by root maps the sandbox's uid
   * to root; so root hands each workspace to this user and starts bwrap as it. Ignored otherwise.
   */
  hostUser?: HostUser;
  /** Top-level workspace entries not handed to hostUser. Default none. */
  keepOwner?: string[];
  /** No warning about running without isolation (the service's own steps, when bwrap is missing). */
  quiet?: boolean;
}

const envName = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
const reservedEnv = (n: string) => ["PATH", "HOME", "TMPDIR"].includes(n) || /^(LD_|BASH_FUNC_)/.test(n);
/** After SIGKILL, how long to wait for the run to end before killing its whole process group. */
const BACKSTOP_MS = 3_000;
/** Once the first process has exited, how long to wait for pipes that something else still holds. */
const DRAIN_MS = 1_000;
const STDERR_TAIL = 4096;

/** The larger of two measures of the same thing, either of which may be missing. */
const largest = (a: number | null, b: number | null): number | null =>
  a === null ? b || null : b === null ? a : Math.max(a, b);

const signalNames = new Map<number, string>(
  Object.entries(osConstants.signals).map(([name, n]) => [n as number, name] as [number, string]),
);

function validate(req: RunRequest): void {
  if (!isAbsolute(req.workspace)) throw badInput("workspace", "must be an absolute path");
  const p = req.program;
  if (p.length === 0 || p.includes("\0") || (p.includes("/") && !isAbsolute(p))) {
    throw badInput("program", "must be a bare program name or an absolute path");
  }
  if (req.args.some((a) => a.includes("\0"))) throw badInput("args", "must not contain NUL characters");
  for (const [k, v] of Object.entries(req.env ?? {})) {
    if (!envName.test(k)) throw policyDenied("env.name", `${JSON.stringify(k.slice(0, 64))} is not a variable name`);
    if (reservedEnv(k)) throw policyDenied("env.reserved", `${k} is set by the sandbox and cannot be overridden`);
    if (v.includes("\0")) throw badInput("env", `${k} must not contain NUL characters`);
  }
  const l = req.limits;
  for (const key of ["wallTimeMs", "cpuSeconds", "memoryBytes", "processes", "fileSizeBytes", "outputBytes"] as const) {
    if (!Number.isFinite(l[key]) || l[key] <= 0) throw badInput(`limits.${key}`, "must be a positive number");
  }
  if (l.tmpBytes !== undefined && !(l.tmpBytes > 0)) throw badInput("limits.tmpBytes", "must be a positive number");
  for (const p of req.extraReadOnly ?? [])
    if (!isAbsolute(p)) throw badInput("extraReadOnly", "paths must be absolute");
}

/** Status and limit from how the run ended. The stderr checks are best effort (the program says why it failed). */
function classify(
  why: { status: RunStatus; limit?: LimitName } | null,
  exitCode: number | null,
  sig: string | null,
  cpuTimeMs: number | null,
  limits: SandboxLimits,
  stderrTail: string,
): { status: RunStatus; limit?: LimitName } {
  if (why) return why;
  if (sig === "SIGXCPU") return { status: "LIMIT_EXCEEDED", limit: "cpuSeconds" };
  if (sig === "SIGKILL" && cpuTimeMs !== null && cpuTimeMs >= limits.cpuSeconds * 1000 - 50) {
    return { status: "LIMIT_EXCEEDED", limit: "cpuSeconds" };
  }
  if (sig === "SIGXFSZ") return { status: "LIMIT_EXCEEDED", limit: "fileSize" };
  if (exitCode === 0 && sig === null) return { status: "SUCCEEDED" };
  if (/File too large/.test(stderrTail)) return { status: "LIMIT_EXCEEDED", limit: "fileSize" };
  if (/\bMemoryError\b|Cannot allocate memory|memory exhausted|[Oo]ut of memory|std::bad_alloc/.test(stderrTail)) {
    return { status: "LIMIT_EXCEEDED", limit: "memory" };
  }
  if (/Resource temporarily unavailable|can't start new thread|fork: retry/.test(stderrTail)) {
    return { status: "LIMIT_EXCEEDED", limit: "processes" };
  }
  return { status: "FAILED" };
}

interface Host {
  tools: HostTools;
  features: BwrapFeatures;
  childrenListed: boolean;
}

interface PrivateDir {
  dir: string;
  passwdFile: string;
  groupFile: string;
}
let privateDir: Promise<PrivateDir> | undefined;

/** Removes the directories of processes that are gone (killed before their exit hook ran). */
async function removeStale(): Promise<void> {
  for (const name of await readdir(tmpdir()).catch(() => [] as string[])) {
    const pid = /^agent-sandbox-(\d+)-/.exec(name)?.[1];
    if (pid === undefined || Number(pid) === process.pid) continue;
    try {
      process.kill(Number(pid), 0);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ESRCH") {
        await rm(join(tmpdir(), name), { recursive: true, force: true }).catch(() => undefined);
      }
    }
  }
}

/**
 * One directory per process for GNU time's reports and the synthetic passwd and group, removed at
 * exit. Mode 0711: the host user may open the files it is told about, not list the others.
 */
async function makePrivateDir(): Promise<PrivateDir> {
  // Something (tmp cleaners) may have removed it under a long-running process: make it again.
  if (privateDir && !existsSync((await privateDir.catch(() => null))?.passwdFile ?? "")) privateDir = undefined;
  privateDir ??= (async () => {
    await removeStale();
    const dir = await mkdtemp(join(tmpdir(), `agent-sandbox-${process.pid}-`));
    process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
    await chmod(dir, 0o711);
    const passwdFile = join(dir, "passwd");
    const groupFile = join(dir, "group");
    await writeFile(
      passwdFile,
      "root:x:0:0:root:/root:/usr/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n",
      { mode: 0o644 },
    );
    await writeFile(groupFile, "root:x:0:\nnogroup:x:65534:\n", { mode: 0o644 });
    return { dir, passwdFile, groupFile };
  })();
  privateDir.catch(() => (privateDir = undefined));
  return privateDir;
}

class ProcessSandbox implements Sandbox {
  readonly kind: SandboxKind;
  private host: Promise<Host> | undefined;
  private readonly user: HostUser | null;
  private readonly keepOwner: readonly string[];
  private readonly reachable = new Set<string>();

  constructor(private readonly opts: SandboxOptions) {
    this.kind = opts.mode === "bwrap" ? "BWRAP" : "NONE";
    this.user = process.getuid?.() === 0 ? (opts.hostUser ?? SANDBOX_HOST_USER) : null;
    this.keepOwner = opts.keepOwner ?? [];
    if (this.user?.uid === 0) {
      opts.logger.warn({ hostUser: this.user }, "sandbox host user is root: the process limit is NOT enforced");
    }
    if (opts.mode === "none" && !opts.quiet) {
      opts.logger.warn({ sandbox: "none" }, "sandbox disabled: commands run on this host WITHOUT isolation");
    }
  }

  private prepare(): Promise<Host> {
    this.host ??= (async () => {
      const tools = findHostTools();
      if ("missing" in tools) throw new DomainError("SANDBOX_UNAVAILABLE", `${tools.missing} is not installed`);
      if (this.opts.mode === "bwrap" && !tools.bwrap) {
        throw new DomainError("SANDBOX_UNAVAILABLE", "bwrap is not installed (Debian package bubblewrap)");
      }
      if (!tools.time) this.opts.logger.warn({}, "GNU time is not installed: runs report no CPU time or peak memory");
      const features = tools.bwrap ? await bwrapFeatures(tools.bwrap) : { disableUserns: false, size: false };
      return { tools, features, childrenListed: canListChildren() };
    })();
    this.host.catch(() => (this.host = undefined));
    return this.host;
  }

  async run(req: RunRequest): Promise<RunResult> {
    validate(req);
    const host = await this.prepare();
    const workspace = await realpath(req.workspace);
    if (!(await stat(workspace)).isDirectory()) throw badInput("workspace", "is not a directory");
    const extraReadOnly = await Promise.all((req.extraReadOnly ?? []).map((p) => realpath(p)));
    if (this.user) {
      for (const [p, what] of [[workspace, "workspace"], ...extraReadOnly.map((x) => [x, "read-only path"])] as const) {
        if (this.reachable.has(p)) continue;
        await assertReachable(p, this.user, what);
        this.reachable.add(p);
      }
      await handOver(workspace, this.user, this.keepOwner);
    }
    if (req.signal?.aborted) return this.notStarted();

    const id = req.runId && /^[A-Za-z0-9-]{1,64}$/.test(req.runId) ? req.runId : randomBytes(12).toString("hex");
    const files = await makePrivateDir();
    let usageFile: string | null = null;
    if (host.tools.time) {
      usageFile = join(files.dir, `${id}.usage`);
      const fh = await open(usageFile, "wx", 0o600);
      if (this.user) await fh.chown(this.user.uid, this.user.gid);
      await fh.close();
    }
    const env: Record<string, string> = {
      PATH: SANDBOX_PATH,
      HOME: workspace,
      LANG: "C.UTF-8",
      TMPDIR: this.kind === "BWRAP" ? "/tmp" : tmpdir(),
      ...req.env,
    };
    // The outermost process dies with this service, and every process after it with its parent:
    // a killed service leaves nothing running (bwrap's --die-with-parent ends the sandbox).
    const prefix = [...diesWithService(host.tools), ...hostPrefix(host.tools, usageFile)];
    let argv: string[];
    let spawnEnv: Record<string, string>;
    let marker: string | undefined;
    if (this.kind === "BWRAP") {
      // The program's RLIMIT_NPROC counts the tasks of this sandbox's user namespace: `timeout` is one.
      const limits = prlimitArgs(req.limits, req.limits.processes + 1);
      argv = [
        ...prefix,
        host.tools.bwrap as string,
        ...bwrapArgs({
          workspace,
          extraReadOnly,
          network: req.network ?? false,
          env: { ...env, [RUN_MARKER]: id },
          limits: req.limits,
          ...files,
          ...host,
        }),
        "--",
        host.tools.timeout,
        "-s",
        "KILL",
        backstopSeconds(req.limits),
        host.tools.prlimit,
        ...limits,
        "--",
        req.program,
        ...req.args,
      ];
      spawnEnv = { PATH: "/usr/bin:/bin", LC_ALL: "C" };
    } else {
      // Without a user namespace RLIMIT_NPROC counts every task of the user on the host, plus
      // `time` and `timeout` here.
      const base = tasksOfUid(this.user?.uid ?? process.getuid?.() ?? 0) + 2;
      marker = `${RUN_MARKER}=${id}`;
      argv = [
        ...prefix,
        ...diesWithService(host.tools),
        host.tools.timeout,
        "--foreground",
        "-s",
        "KILL",
        backstopSeconds(req.limits),
        host.tools.prlimit,
        ...prlimitArgs(req.limits, req.limits.processes + base),
        "--",
        ...diesWithService(host.tools),
        req.program,
        ...req.args,
      ];
      spawnEnv = { ...env, [RUN_MARKER]: id };
    }
    try {
      return await this.watch(req, argv, spawnEnv, this.kind === "BWRAP" ? "/" : workspace, host, usageFile, marker);
    } finally {
      if (usageFile) await unlink(usageFile).catch(() => undefined);
    }
  }

  private notStarted(): RunResult {
    return resultWithoutRun("CANCELLED", this.kind);
  }

  private watch(
    req: RunRequest,
    argv: string[],
    env: Record<string, string>,
    cwd: string,
    host: Host,
    usageFile: string | null,
    marker: string | undefined,
  ): Promise<RunResult> {
    const [command, ...args] = argv as [string, ...string[]];
    const { limits } = req;
    const started = performance.now();
    const hasTime = usageFile !== null;
    return new Promise<RunResult>((resolve, reject) => {
      const child = spawn(command, args, {
        cwd,
        env,
        stdio: [req.stdin === undefined ? "ignore" : "pipe", "pipe", "pipe"],
        detached: true,
        ...(this.user ? { uid: this.user.uid, gid: this.user.gid } : {}),
      });
      const leader = child.pid;
      let why: { status: RunStatus; limit?: LimitName } | null = null;
      let exited = false;
      let total = 0;
      const bytes = { stdout: 0, stderr: 0 };
      let truncated = false;
      let stderrTail = Buffer.alloc(0);
      const timers: NodeJS.Timeout[] = [];

      /** Kills every process of the run; `time` is spared where possible so it still reports. */
      const killTree = () => {
        if (exited || leader === undefined) return;
        if (this.kind === "BWRAP") {
          // bwrap's monitor is time's child (or the leader itself without time), and the sandbox's
          // pid 1 (`timeout`) is the monitor's child.
          const monitors = hasTime ? (host.childrenListed ? childrenOf(leader) : []) : [leader];
          if (monitors.length === 0) signal(-leader, "SIGKILL");
          for (const m of monitors) {
            const pid1 = childrenOf(m);
            if (pid1.length === 0) signal(m, "SIGKILL");
            for (const p of pid1) killNamespace(p);
          }
        } else {
          sweep({ group: leader, except: hasTime ? leader : undefined, envMarker: marker });
          if (!hasTime) signal(-leader, "SIGKILL");
        }
      };
      const stop = (status: RunStatus, limit?: LimitName) => {
        if (why || exited) return;
        why = limit ? { status, limit } : { status };
        killTree();
        const t = setTimeout(() => {
          if (!exited && leader !== undefined) signal(-leader, "SIGKILL");
        }, BACKSTOP_MS);
        t.unref();
        timers.push(t);
      };
      timers.push(setTimeout(() => stop("TIMED_OUT", "wallTime"), limits.wallTimeMs));
      // The run's totals: memory and CPU of its whole tree (bwrap's monitor and `time` aside).
      const monitor =
        leader !== undefined && host.childrenListed
          ? new TreeMonitor({
              root: leader,
              memoryBytes: limits.memoryBytes,
              cpuMs: limits.cpuSeconds * 1000,
              onLimit: (limit) => stop("LIMIT_EXCEEDED", limit),
            })
          : null;
      monitor?.start();
      for (const guard of req.guards ?? []) {
        let checking = false;
        const t = setInterval(() => {
          if (checking || why || exited) return;
          checking = true;
          guard
            .check()
            .then((limit) => limit && stop("LIMIT_EXCEEDED", limit))
            .catch((err: unknown) => this.opts.logger.warn({ err }, "a run's guard failed"))
            .finally(() => (checking = false));
        }, guard.everyMs);
        t.unref();
        timers.push(t);
      }
      const onAbort = () => stop("CANCELLED");
      req.signal?.addEventListener("abort", onAbort, { once: true });
      if (req.signal?.aborted) onAbort();

      const onData = (stream: "stdout" | "stderr") => (chunk: Buffer) => {
        if (truncated) return;
        let part = chunk;
        if (total + chunk.length > limits.outputBytes) {
          part = chunk.subarray(0, limits.outputBytes - total);
          truncated = true;
        }
        total += part.length;
        bytes[stream] += part.length;
        if (stream === "stderr" && part.length > 0) {
          stderrTail = Buffer.concat([stderrTail, part]);
          if (stderrTail.length > STDERR_TAIL) stderrTail = stderrTail.subarray(stderrTail.length - STDERR_TAIL);
        }
        if (part.length > 0 && req.onOutput) {
          try {
            req.onOutput(stream, part);
          } catch (err) {
            this.opts.logger.warn({ err }, "sandbox onOutput callback threw");
          }
        }
        if (truncated) stop("LIMIT_EXCEEDED", "output");
      };
      child.stdout?.on("data", onData("stdout"));
      child.stderr?.on("data", onData("stderr"));
      if (child.stdin && req.stdin !== undefined) {
        child.stdin.on("error", () => undefined); // the program need not read it
        child.stdin.end(req.stdin);
      }

      const cleanup = () => {
        monitor?.stop();
        for (const t of timers) clearTimeout(t);
        req.signal?.removeEventListener("abort", onAbort);
      };
      child.once("error", (err) => {
        cleanup();
        reject(new DomainError("SANDBOX_UNAVAILABLE", `cannot start ${command}: ${err.message}`));
      });
      child.once("exit", () => {
        exited = true;
        // Without a PID namespace, background processes may outlive the program: end them too.
        if (this.kind === "NONE" && leader !== undefined) sweep({ group: leader, envMarker: marker });
        const t = setTimeout(() => {
          child.stdout?.destroy();
          child.stderr?.destroy();
        }, DRAIN_MS);
        t.unref();
        timers.push(t);
      });
      child.once("close", (code: number | null, sig: NodeJS.Signals | null) => {
        cleanup();
        void (async () => {
          let usage: Usage = { cpuTimeMs: null, maxRssKb: null, signal: null };
          if (usageFile) usage = parseUsage(await readFile(usageFile, "utf8").catch(() => ""));
          let exitCode = code;
          let signalName: string | null = sig;
          if (signalName === null && usage.signal !== null) {
            signalName = signalNames.get(usage.signal) ?? `SIG${usage.signal}`;
            exitCode = null;
          } else if (signalName === null && this.kind === "BWRAP" && code !== null && code > 128 && code <= 128 + 64) {
            // bwrap reports a program killed by signal N as exit status 128 + N.
            signalName = signalNames.get(code - 128) ?? null;
            if (signalName) exitCode = null;
          }
          if (signalName !== null) exitCode = null;
          const tail = stderrTail.toString("utf8");
          if (this.kind === "BWRAP" && code === 1 && tail.startsWith("bwrap:")) {
            this.opts.logger.warn({ stderr: tail.slice(0, 500) }, "bwrap could not set up the sandbox");
          }
          const end = classify(why, exitCode, signalName, usage.cpuTimeMs, limits, tail);
          resolve({
            ...end,
            exitCode,
            signal: signalName,
            durationMs: Math.round(performance.now() - started),
            cpuTimeMs: largest(usage.cpuTimeMs, monitor && Math.round(monitor.cpuMs)),
            maxRssKb: largest(usage.maxRssKb, monitor && Math.round(monitor.peakResidentBytes / 1024)),
            stdoutBytes: bytes.stdout,
            stderrBytes: bytes.stderr,
            truncated,
            sandbox: this.kind,
          });
        })();
      });
    });
  }
}

export function createSandbox(opts: SandboxOptions): Sandbox {
  return new ProcessSandbox(opts);
}

const silent: SandboxLogger = { warn: () => undefined, info: () => undefined, debug: () => undefined };

/** Really starts `bwrap … true` once (as the host user the runs will use) and says why it failed. */
export async function probeSandbox(
  opts: { hostUser?: HostUser } = {},
): Promise<{ available: true } | { available: false; reason: string }> {
  const tools = findHostTools();
  if ("missing" in tools) return { available: false, reason: `${tools.missing} is not installed` };
  if (!tools.bwrap) return { available: false, reason: "bwrap is not installed (Debian package bubblewrap)" };
  const dir = await mkdtemp(join(tmpdir(), "agent-sandbox-probe-"));
  try {
    let stderr = "";
    const result = await createSandbox({ mode: "bwrap", logger: silent, hostUser: opts.hostUser }).run({
      workspace: dir,
      program: "true",
      args: [],
      limits: {
        wallTimeMs: 15_000,
        cpuSeconds: 5,
        memoryBytes: 256 * 1024 * 1024,
        processes: 8,
        fileSizeBytes: 1024 * 1024,
        outputBytes: 64 * 1024,
      },
      onOutput: (_s, chunk) => (stderr += chunk.toString("utf8")),
    });
    if (result.status === "SUCCEEDED") return { available: true };
    const detail = stderr.trim().slice(0, 300) || `status ${result.status}, exit ${result.exitCode ?? result.signal}`;
    return { available: false, reason: `bwrap cannot start a sandbox here: ${detail}` };
  } catch (err) {
    return { available: false, reason: err instanceof Error ? err.message : String(err) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
