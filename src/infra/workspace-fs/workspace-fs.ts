import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { chmod, chown, mkdir, realpath } from "node:fs/promises";
import { isAbsolute, join, relative, resolve, sep } from "node:path";
import { isId, newId } from "../../domain/ids.js";
import { keepPrivate, privateDirMode } from "../private-dirs.js";
import type { RunRequest, RunResult as SandboxRunResult, Sandbox, SandboxLimits } from "../sandbox/sandbox.js";
import { ConfinedRoot, DIR_FLAGS, READ_FLAGS, removeTree, removeTreeAt, type Owner } from "./confined.js";
import {
  isRequirement,
  pipDownloadCommand,
  pipInstallCommand,
  prepareDownload,
  probePip,
  redactCredentials,
  summarizePipFailure,
  SYSTEM_PYTHON,
  venvCommand,
  type PipCommand,
  type PipProbe,
  type PipSource,
} from "./pip.js";
import { phaseFromReadme, renderReadme, type WorkspaceLayoutInput } from "./readme.js";
import { writeAtomically } from "./atomic-writer.js";
import { WorkspaceCommandError, type RunResult } from "./run.js";
import { KeyedTurns } from "../../domain/shared/keyed-turns.js";

export type { StopPhase, WorkspaceLayoutInput } from "./readme.js";
export { layoutOfTask } from "./readme.js";
export { WorkspaceCommandError } from "./run.js";

export interface WorkspaceFsLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

export interface WorkspaceFsOptions {
  /** WORKSPACES_DIR: every workspace lives at <root>/<agentId>/tasks/<taskId>. */
  root: string;
  /** Installed into every new venv; empty: no pip run at all. */
  defaultPackages: readonly string[];
  /** Package index for installs (may carry credentials: they never reach logs, argv or installError). */
  indexUrl?: string;
  /** A local folder of wheels to install from instead of an index. */
  findLinks?: string;
  /** Wheels only (the default): no build scripts run at install time. */
  onlyBinary?: boolean;
  /** pip's per-connection timeout. Default 15 s. */
  pipSocketTimeoutSeconds?: number;
  /** pip's retries per request. Default 2. */
  pipRetries?: number;
  /** Wall-clock limit of one install (download plus install). Default 10 minutes. */
  installTimeoutMs?: number;
  /** Wall-clock limit of `python -m venv`. Default 60 s. */
  venvTimeoutMs?: number;
  /**
   * Runs `python -m venv` and both pip steps: the workspace's sandbox (see the containment rule in
   * confined.ts). Without bubblewrap, the unisolated runner (it still runs as the sandbox user).
   */
  sandbox: Sandbox;
  /** Who owns what the service creates in a workspace (the sandbox user when running as root). */
  owner: Owner | null;
  logger: WorkspaceFsLogger;
}

export interface VenvResult {
  /** The venv's interpreter: <workspace>/venv/bin/python. */
  python: string;
  /** The requested packages, when pip installed them all; empty otherwise. */
  installed: string[];
  /** Why the packages are missing; the venv itself is usable all the same. */
  installError?: string;
}

/** A path outside the workspaces root, or an id that is not one. A programming error, not user input. */
export class WorkspacePathError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WorkspacePathError";
  }
}

const subdirs = ["src", "output", "research"] as const;
const quote = (s: string) => JSON.stringify(s.length > 80 ? `${s.slice(0, 80)}…` : s);
/** Where downloads wait for their install, under the workspaces root (not a workspace: not an id). */
export const DOWNLOADS_DIR = ".downloads";

/** Limits of the service's own steps in a workspace's sandbox (venv, pip). */
const stepLimits = (wallTimeMs: number): SandboxLimits => ({
  wallTimeMs,
  cpuSeconds: Math.max(60, Math.ceil(wallTimeMs / 1000)),
  memoryBytes: 2 * 1024 * 1024 * 1024,
  processes: 64,
  fileSizeBytes: 1024 * 1024 * 1024,
  outputBytes: 1024 * 1024,
});

/** A sandbox run with the tails of its output kept (what a failed step reports). */
export async function runStep(
  sandbox: Sandbox,
  workspace: string,
  cmd: PipCommand,
  opts: { wallTimeMs: number; signal?: AbortSignal },
): Promise<RunResult & { result: SandboxRunResult }> {
  const tails = { stdout: "", stderr: "" };
  const req: RunRequest = {
    workspace,
    program: cmd.program,
    args: cmd.args,
    env: cmd.env,
    network: cmd.network,
    extraReadOnly: cmd.readOnly,
    limits: stepLimits(opts.wallTimeMs),
    signal: opts.signal,
    onOutput: (stream, chunk) => {
      tails[stream] = (tails[stream] + chunk.toString("utf8")).slice(-8192);
    },
  };
  const result = await sandbox.run(req);
  return {
    result,
    exitCode: result.exitCode,
    signal: result.signal as NodeJS.Signals | null,
    stdout: tails.stdout,
    stderr: tails.stderr,
    timedOut: result.status === "TIMED_OUT",
    durationMs: result.durationMs,
  };
}

/**
 * Filesystem side of task workspaces: folders, README, Python venv. No database, no events.
 * Nothing here follows a path inside a workspace (see the containment rule in confined.ts): the
 * layout and README go through the workspace's open root, venv and pip run in its sandbox.
 */
export class WorkspaceFs {
  readonly root: string;
  private readonly packages: readonly string[];
  private pip: Promise<PipProbe> | undefined;
  /**
   * Creates and removes of one path, one after another: a folder is never made and removed at
   * once (a task assigned again while retention removes its old folder, at the same path).
   */
  private readonly onPath = new KeyedTurns();

  constructor(private readonly opts: WorkspaceFsOptions) {
    this.root = resolve(opts.root);
    const bad = opts.defaultPackages.find((p) => !isRequirement(p));
    if (bad !== undefined) throw new Error(`not a package requirement: ${quote(bad)}`);
    this.packages = [...opts.defaultPackages];
  }

  /** Makes the workspaces root, private (see privateDirMode). */
  async prepare(): Promise<void> {
    await mkdir(this.root, { recursive: true, mode: privateDirMode() });
    keepPrivate(this.root);
  }

  /** <root>/<agentId>/tasks/<taskId>; throws WorkspacePathError unless both are ids. */
  pathFor(agentId: string, taskId: string): string {
    if (!isId(agentId)) throw new WorkspacePathError(`agent id ${quote(agentId)} is not an id`);
    if (!isId(taskId)) throw new WorkspacePathError(`task id ${quote(taskId)} is not an id`);
    const path = join(this.root, agentId, "tasks", taskId);
    this.assertWorkspacePath(path);
    return path;
  }

  /**
   * Creates (or completes) the workspace and (re)writes its README; existing files are kept. The
   * folders above it are the service's (0700 where only the service goes, searchable by the
   * sandbox user on the way to its workspace); the workspace itself is the sandbox user's, 0700.
   */
  async create(input: WorkspaceLayoutInput): Promise<{ path: string }> {
    const path = this.pathFor(input.agentId, input.taskId);
    return this.onPath.run(path, () => this.createAt(path, input));
  }

  private async createAt(path: string, input: WorkspaceLayoutInput): Promise<{ path: string }> {
    await mkdir(path, { recursive: true, mode: 0o711 });
    await this.assertReallyInside(path);
    await chmod(path, 0o700);
    if (this.opts.owner) await chown(path, this.opts.owner.uid, this.opts.owner.gid);
    await ConfinedRoot.with(path, this.opts.owner, async (r) => {
      for (const d of subdirs) {
        await r.makeDir(r.root, d).catch((err: unknown) => {
          if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err; // kept as it is, even a link
        });
      }
      await this.writeReadmeIn(r, input);
    });
    this.opts.logger.debug({ path }, "workspace created");
    return { path };
  }

  /**
   * Makes `folder` (relative) inside the workspace at `path` if it is missing: a child task that
   * shares the workspace works there. Walked from the workspace's open root like a file tool's
   * path (links inside are followed inside, never out; see confined.ts).
   */
  async makeFolder(path: string, folder: string): Promise<void> {
    const dir = this.assertWorkspacePath(path);
    await this.assertReallyInside(dir);
    if (folder === "" || folder === ".") return;
    await ConfinedRoot.with(dir, this.opts.owner, async (r) => {
      const at = await r.locate(folder, { follow: true, allowMissing: true, createParents: true, field: "subfolder" });
      if (at.name === null) return;
      if (!at.stats) {
        await r.makeDir(at.dir, at.name).catch((err: unknown) => {
          if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
        });
      } else if (!at.stats.isDirectory()) {
        throw new WorkspacePathError(`${folder} is not a folder`);
      }
    });
  }

  /**
   * Replaces README.md atomically: a reader sees the old file or the new one, never a mix. The
   * file is made under a fresh random name (O_EXCL: never through anything already there) and
   * renamed over README.md, both through the workspace's open root, on the file writer's thread
   * (see atomic-writer.ts). Everything it shows comes from `input` (the database): the file it
   * replaces is never read.
   */
  async writeReadme(path: string, input: WorkspaceLayoutInput): Promise<void> {
    const dir = this.assertWorkspacePath(path);
    await this.assertReallyInside(dir);
    await ConfinedRoot.with(dir, this.opts.owner, (r) => this.writeReadmeIn(r, input));
  }

  private async writeReadmeIn(r: ConfinedRoot, input: WorkspaceLayoutInput): Promise<void> {
    const at = `/proc/self/fd/${r.root.fd}`;
    // No fsync: the rename makes the change atomic, and the README is rewritten on every change.
    await writeAtomically(`${at}/.README.md.${newId()}.tmp`, `${at}/README.md`, renderReadme(input));
  }

  /**
   * Makes <workspace>/venv from the system interpreter without pip (fast), then installs the
   * default packages (see pip.ts: downloaded in a sandbox of their own, installed offline in the
   * workspace's). Both run in the sandbox. A failed install does not fail the venv: it is reported
   * in `installError`. Abort (or a failed `python -m venv`) rejects; an interrupted venv is
   * removed, an interrupted install leaves the venv in place.
   */
  async createVenv(path: string, opts: { signal?: AbortSignal } = {}): Promise<VenvResult> {
    const dir = this.assertWorkspacePath(path);
    const venvPython = join(dir, "venv", "bin", "python");
    const timeoutMs = this.opts.venvTimeoutMs ?? 60_000;
    const cmd = venvCommand(dir);
    const r = await runStep(this.opts.sandbox, dir, cmd, { wallTimeMs: timeoutMs, signal: opts.signal });
    if (r.result.status !== "SUCCEEDED") {
      await this.removeVenv(dir);
      opts.signal?.throwIfAborted();
      const why = r.timedOut ? `timed out after ${timeoutMs} ms` : `exited with ${r.exitCode ?? r.signal}`;
      const last = r.stderr.trim().split("\n").slice(-3).join(" ");
      throw new WorkspaceCommandError(
        `python -m venv ${why}${last ? `: ${last}` : ""}`,
        [cmd.program, ...cmd.args].join(" "),
        r.exitCode,
        r.stderr,
        r.timedOut,
      );
    }
    this.opts.logger.debug({ venv: join(dir, "venv"), durationMs: r.durationMs }, "venv created");
    if (this.packages.length === 0) return { python: venvPython, installed: [] };

    const probe = await this.probePip(opts.signal);
    if (!probe.ok) {
      this.opts.logger.warn({ venv: dir, reason: probe.reason }, "venv packages not installed");
      return { python: venvPython, installed: [], installError: probe.reason };
    }
    const installTimeoutMs = this.opts.installTimeoutMs ?? 600_000;
    const result = await this.installPackages(dir, venvPython, installTimeoutMs, opts.signal);
    if (result.exitCode === 0 && !result.timedOut) {
      this.opts.logger.info(
        { venv: dir, packages: this.packages, durationMs: result.durationMs },
        "venv packages installed",
      );
      return { python: venvPython, installed: [...this.packages] };
    }
    const installError = summarizePipFailure(result, installTimeoutMs);
    this.opts.logger.warn(
      {
        venv: dir,
        packages: this.packages,
        index: this.opts.indexUrl && redactCredentials(this.opts.indexUrl),
        installError,
      },
      "venv packages not installed",
    );
    return { python: venvPython, installed: [], installError };
  }

  /** Download (a sandbox of its own) then install (the workspace's sandbox, offline); see pip.ts. */
  private async installPackages(
    dir: string,
    venvPython: string,
    timeoutMs: number,
    signal: AbortSignal | undefined,
  ): Promise<RunResult> {
    const source: PipSource = {
      indexUrl: this.opts.indexUrl,
      findLinks: this.opts.findLinks,
      onlyBinary: this.opts.onlyBinary ?? true,
      socketTimeoutSeconds: this.opts.pipSocketTimeoutSeconds ?? 15,
      retries: this.opts.pipRetries ?? 2,
    };
    const started = Date.now();
    const download = await prepareDownload(join(this.root, DOWNLOADS_DIR), this.opts.owner, this.opts.indexUrl);
    try {
      const fetched = await runStep(
        this.opts.sandbox,
        download.dir,
        pipDownloadCommand(source, download, this.packages),
        { wallTimeMs: timeoutMs, signal },
      );
      signal?.throwIfAborted();
      if (fetched.result.status !== "SUCCEEDED") return fetched;
      const left = Math.max(1_000, timeoutMs - (Date.now() - started));
      const installed = await runStep(
        this.opts.sandbox,
        dir,
        pipInstallCommand(source, venvPython, download.dir, this.packages),
        { wallTimeMs: left, signal },
      );
      signal?.throwIfAborted();
      return installed;
    } finally {
      await download
        .remove()
        .catch((err: unknown) =>
          this.opts.logger.warn({ err, download: download.dir }, "could not remove a download folder"),
        );
    }
  }

  private async removeVenv(dir: string): Promise<void> {
    await ConfinedRoot.with(dir, null, (r) => removeTreeAt(r.root, "venv")).catch(() => undefined);
  }

  /**
   * Deletes a workspace folder; refuses anything that is not <root>/<agentId>/tasks/<taskId>.
   * With `keep`, asked after every earlier create and remove of the path is done: true leaves the
   * folder (it is wanted again). Resolves whether the folder was removed.
   */
  async remove(path: string, opts: { keep?: () => Promise<boolean> } = {}): Promise<boolean> {
    const dir = this.assertWorkspacePath(path);
    return this.onPath.run(dir, async () => {
      if (opts.keep && (await opts.keep())) return false;
      try {
        await this.assertReallyInside(dir);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ENOENT") return false;
        throw err;
      }
      await removeTree(dir);
      this.opts.logger.debug({ path: dir }, "workspace removed");
      return true;
    });
  }

  /** A workspace path exactly as pathFor builds it, resolved; throws otherwise. */
  private assertWorkspacePath(path: string): string {
    if (typeof path !== "string" || !isAbsolute(path)) {
      throw new WorkspacePathError(`workspace path must be absolute, got ${quote(String(path))}`);
    }
    const full = resolve(path);
    const rel = relative(this.root, full);
    const parts = rel.split(sep);
    const ok =
      rel !== "" &&
      !rel.startsWith("..") &&
      !isAbsolute(rel) &&
      parts.length === 3 &&
      isId(parts[0] ?? "") &&
      parts[1] === "tasks" &&
      isId(parts[2] ?? "");
    if (!ok) throw new WorkspacePathError(`${quote(path)} is not a workspace under ${quote(this.root)}`);
    return full;
  }

  /**
   * The same check as assertWorkspacePath after links are resolved. The folders above a workspace
   * are the service's (nothing in a sandbox can change them): this catches an operator's link.
   */
  private async assertReallyInside(path: string): Promise<void> {
    const [real, realRoot] = await Promise.all([realpath(path), realpath(this.root)]);
    const rel = relative(realRoot, real);
    if (rel === "" || rel.startsWith("..") || isAbsolute(rel)) {
      throw new WorkspacePathError(`${quote(path)} resolves to ${quote(real)}, outside ${quote(realRoot)}`);
    }
  }

  /** Shared by concurrent callers, so it runs without their signals; only a success is kept. */
  private async probePip(signal?: AbortSignal): Promise<PipProbe> {
    if (!this.pip) {
      const p = probePip(SYSTEM_PYTHON);
      this.pip = p;
      void p.then((r) => {
        if (!r.ok && this.pip === p) this.pip = undefined;
      });
    }
    const result = await this.pip;
    signal?.throwIfAborted();
    return result;
  }
}

/**
 * The workspace's README.md as the agent left it, for its prompt: null when it is missing or is
 * not a regular file. Read without following a symlink and without blocking on a FIFO (the
 * workspace's user may put either there), and at most `maxBytes` of it.
 */
export function readWorkspaceReadme(dir: string, maxBytes = 64 * 1024): string | null {
  let fd: number;
  try {
    // The workspace's root (its folders above are the service's), then README.md from it.
    const root = openSync(dir, DIR_FLAGS);
    try {
      fd = openSync(`/proc/self/fd/${root}/README.md`, READ_FLAGS);
    } finally {
      closeSync(root);
    }
  } catch {
    return null;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return null;
    // As large as the file (read up to one byte past it, or past the cap); grown if the file has.
    let buf = Buffer.allocUnsafe(Math.min(st.size, maxBytes) + 1);
    let n = 0;
    for (;;) {
      const r = readSync(fd, buf, n, buf.length - n, n);
      if (r === 0) break;
      n += r;
      if (n < buf.length) continue;
      if (buf.length > maxBytes) break;
      const more = Buffer.allocUnsafe(maxBytes + 1);
      buf.copy(more, 0, 0, n);
      buf = more;
    }
    const text = buf.subarray(0, Math.min(n, maxBytes)).toString("utf8");
    return n > maxBytes ? `${text}\n… (README.md is longer than ${maxBytes} bytes; the rest is left out)` : text;
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

/**
 * The README for an agent's prompt, given what it must show (`layout`: the task as the agent
 * knows it now). README.md follows the task's status a moment after each change (it is
 * rewritten in the background once the change is announced), so right after the agent moves the
 * task the file may still show the phase before: then the prompt gets the README the file is
 * about to become. A README without our marker (the agent's own) is taken as it is.
 */
export function readWorkspaceReadmeFor(dir: string, layout: WorkspaceLayoutInput, maxBytes = 64 * 1024): string | null {
  const text = readWorkspaceReadme(dir, maxBytes);
  if (text === null) return null;
  const phase = phaseFromReadme(text);
  return phase !== undefined && phase !== layout.status ? renderReadme(layout, phase) : text;
}
