import { closeSync, constants as fsConstants, fstatSync, openSync, readSync, realpathSync } from "node:fs";
import { mkdir, open, realpath, rm } from "node:fs/promises";
import { isAbsolute, join, relative, resolve, sep } from "node:path";
import { isId, newId } from "../../domain/ids.js";
import { isRequirement, pipInstall, probePip, redactCredentials, summarizePipFailure, type PipProbe } from "./pip.js";
import { phaseFromReadme, renderReadme, type StopPhase, type WorkspaceLayoutInput } from "./readme.js";
import { writeAtomically } from "./atomic-writer.js";
import { runProcess, WorkspaceCommandError } from "./run.js";

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
  /** The interpreter venvs are made from. Default /usr/bin/python3 (not a pyenv shim on PATH). */
  python?: string;
  /** Installed into every new venv; empty: no pip run at all. */
  defaultPackages: readonly string[];
  /** Package index for installs (may carry credentials: they never reach logs or installError). */
  indexUrl?: string;
  /** More `pip install` options, e.g. ["--no-index", "--find-links", dir] or ["--cert", file]. */
  pipOptions?: readonly string[];
  /** pip's per-connection timeout. Default 15 s. */
  pipSocketTimeoutSeconds?: number;
  /** pip's retries per request. Default 2. */
  pipRetries?: number;
  /** Wall-clock limit of one install. Default 10 minutes. */
  installTimeoutMs?: number;
  /** Wall-clock limit of `python -m venv`. Default 60 s. */
  venvTimeoutMs?: number;
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

/** Filesystem side of task workspaces: directories, README, Python venv. No database, no events. */
export class WorkspaceFs {
  readonly root: string;
  private readonly python: string;
  private readonly packages: readonly string[];
  private pip: Promise<PipProbe> | undefined;

  constructor(private readonly opts: WorkspaceFsOptions) {
    this.root = resolve(opts.root);
    this.python = opts.python ?? "/usr/bin/python3";
    if (!isAbsolute(this.python)) throw new Error(`python must be an absolute path, got ${quote(this.python)}`);
    const bad = opts.defaultPackages.find((p) => !isRequirement(p));
    if (bad !== undefined) throw new Error(`not a package requirement: ${quote(bad)}`);
    this.packages = [...opts.defaultPackages];
  }

  /** <root>/<agentId>/tasks/<taskId>; throws WorkspacePathError unless both are ids. */
  pathFor(agentId: string, taskId: string): string {
    if (!isId(agentId)) throw new WorkspacePathError(`agent id ${quote(agentId)} is not an id`);
    if (!isId(taskId)) throw new WorkspacePathError(`task id ${quote(taskId)} is not an id`);
    const path = join(this.root, agentId, "tasks", taskId);
    this.assertWorkspacePath(path);
    return path;
  }

  /** Creates (or completes) the workspace and (re)writes its README; existing files are kept. */
  async create(input: WorkspaceLayoutInput): Promise<{ path: string }> {
    const path = this.pathFor(input.agentId, input.taskId);
    await mkdir(path, { recursive: true });
    await this.assertReallyInside(path);
    for (const d of subdirs) await mkdir(join(path, d), { recursive: true });
    await this.writeReadme(path, input);
    this.opts.logger.debug({ path }, "workspace created");
    return { path };
  }

  /**
   * Replaces README.md atomically: a reader sees the old file or the new one, never a mix. The
   * file is made under a fresh random name and renamed over README.md, on the file writer's thread
   * (see atomic-writer.ts): it is rewritten at every change of phase.
   */
  async writeReadme(path: string, input: WorkspaceLayoutInput): Promise<void> {
    const dir = this.assertWorkspacePath(path);
    this.assertReallyInsideNow(dir);
    const target = join(dir, "README.md");
    const stopped = input.status === "FAILED" || input.status === "CANCELLED";
    const previous = stopped && input.stoppedIn === undefined ? await this.previousPhase(target) : undefined;
    const text = renderReadme(input, previous);
    // No fsync: the rename makes the change atomic, and the README is rewritten on every change.
    await writeAtomically(join(dir, `.README.md.${newId()}.tmp`), target, text);
  }

  /**
   * Makes <workspace>/venv from the host interpreter without pip (fast), then installs the default
   * packages with the host's pip targeting the venv. A failed install does not fail the venv: it is
   * reported in `installError`. Abort (or a timeout of `python -m venv`) rejects; an interrupted venv
   * is removed, an interrupted install leaves the venv in place.
   */
  async createVenv(path: string, opts: { signal?: AbortSignal } = {}): Promise<VenvResult> {
    const dir = this.assertWorkspacePath(path);
    await this.assertReallyInside(dir);
    const venv = join(dir, "venv");
    const venvPython = join(venv, "bin", "python");
    const timeoutMs = this.opts.venvTimeoutMs ?? 60_000;
    const cmd = [this.python, "-m", "venv", "--without-pip", venv];
    let r;
    try {
      r = await runProcess(this.python, cmd.slice(1), {
        env: { PATH: process.env.PATH ?? "/usr/bin:/bin", LANG: "C.UTF-8" },
        timeoutMs,
        signal: opts.signal,
      });
    } catch (err) {
      await rm(venv, { recursive: true, force: true });
      throw err;
    }
    if (r.exitCode !== 0 || r.timedOut) {
      await rm(venv, { recursive: true, force: true });
      const why = r.timedOut ? `timed out after ${timeoutMs} ms` : `exited with ${r.exitCode ?? r.signal}`;
      const last = r.stderr.trim().split("\n").slice(-3).join(" ");
      throw new WorkspaceCommandError(
        `python -m venv ${why}${last ? `: ${last}` : ""}`,
        cmd.join(" "),
        r.exitCode,
        r.stderr,
        r.timedOut,
      );
    }
    this.opts.logger.debug({ venv, durationMs: r.durationMs }, "venv created");
    if (this.packages.length === 0) return { python: venvPython, installed: [] };

    const probe = await this.probePip(opts.signal);
    if (!probe.ok) {
      this.opts.logger.warn({ venv, reason: probe.reason }, "venv packages not installed");
      return { python: venvPython, installed: [], installError: probe.reason };
    }
    const installTimeoutMs = this.opts.installTimeoutMs ?? 600_000;
    const result = await pipInstall({
      python: this.python,
      venvPython,
      packages: this.packages,
      indexUrl: this.opts.indexUrl,
      extraArgs: this.opts.pipOptions ?? [],
      socketTimeoutSeconds: this.opts.pipSocketTimeoutSeconds ?? 15,
      retries: this.opts.pipRetries ?? 2,
      timeoutMs: installTimeoutMs,
      signal: opts.signal,
    });
    if (result.exitCode === 0 && !result.timedOut) {
      this.opts.logger.info(
        { venv, packages: this.packages, durationMs: result.durationMs },
        "venv packages installed",
      );
      return { python: venvPython, installed: [...this.packages] };
    }
    const installError = summarizePipFailure(result, installTimeoutMs);
    this.opts.logger.warn(
      {
        venv,
        packages: this.packages,
        index: this.opts.indexUrl && redactCredentials(this.opts.indexUrl),
        installError,
      },
      "venv packages not installed",
    );
    return { python: venvPython, installed: [], installError };
  }

  /** Deletes a workspace directory; refuses anything that is not <root>/<agentId>/tasks/<taskId>. */
  async remove(path: string): Promise<void> {
    const dir = this.assertWorkspacePath(path);
    try {
      await this.assertReallyInside(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return;
      throw err;
    }
    await rm(dir, { recursive: true, force: true });
    this.opts.logger.debug({ path: dir }, "workspace removed");
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

  /** Same check after symlinks are resolved: a linked directory cannot lead outside the root. */
  private realRoot: string | null = null;

  /** assertReallyInside with the realpath system call made directly (the root's is kept). */
  private assertReallyInsideNow(path: string): void {
    this.realRoot ??= realpathSync.native(this.root);
    const real = realpathSync.native(path);
    const rel = relative(this.realRoot, real);
    if (rel === "" || rel.startsWith("..") || isAbsolute(rel)) {
      throw new WorkspacePathError(`${quote(path)} resolves to ${quote(real)}, outside ${quote(this.realRoot)}`);
    }
  }

  private async assertReallyInside(path: string): Promise<void> {
    const [real, realRoot] = await Promise.all([realpath(path), realpath(this.root)]);
    const rel = relative(realRoot, real);
    if (rel === "" || rel.startsWith("..") || isAbsolute(rel)) {
      throw new WorkspacePathError(`${quote(path)} resolves to ${quote(real)}, outside ${quote(realRoot)}`);
    }
  }

  private async previousPhase(readme: string): Promise<StopPhase | undefined> {
    try {
      const fh = await open(readme, "r");
      try {
        const buf = Buffer.alloc(200);
        const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
        return phaseFromReadme(buf.subarray(0, bytesRead).toString("utf8"));
      } finally {
        await fh.close();
      }
    } catch {
      return undefined;
    }
  }

  /** Shared by concurrent callers, so it runs without their signals; only a success is kept. */
  private async probePip(signal?: AbortSignal): Promise<PipProbe> {
    if (!this.pip) {
      const p = probePip(this.python);
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
    fd = openSync(join(dir, "README.md"), fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK);
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
