import { chown, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { devNull } from "node:os";
import { join } from "node:path";
import { removeTree } from "./confined.js";
import { runProcess, type RunResult } from "./run.js";

/** `pip --python` (install into another interpreter's environment) arrived in pip 22.3. */
const minPip: readonly [number, number] = [22, 3];

/** name, optional [extras], optional version specifiers: "pandas", "requests[socks]>=2.31,<3". */
const requirementRe =
  /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?(?:\[[A-Za-z0-9._-]+(?:,[A-Za-z0-9._-]+)*\])?(?:(?:===|==|!=|~=|<=|>=|<|>)[A-Za-z0-9.*+!_-]+(?:,(?:===|==|!=|~=|<=|>=|<|>)[A-Za-z0-9.*+!_-]+)*)?$/;

export const isRequirement = (s: string): boolean => s.length <= 200 && requirementRe.test(s);

/** scheme://user:password@host → scheme://***@host, anywhere in a text. */
export const redactCredentials = (s: string): string => s.replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@'"]+@/gi, "$1***@");

/**
 * The environment pip runs in: the service's own, without PIP_* and PYTHON* variables, and with no
 * pip configuration file at all (PIP_CONFIG_FILE=/dev/null; --isolated alone still reads the
 * global /etc files). Proxy variables stay, so a machine behind a proxy keeps working.
 */
export function pipEnv(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(base)) {
    if (/^(PIP_|PYTHON)/.test(k) || k === "VIRTUAL_ENV") continue;
    env[k] = v;
  }
  env.PIP_CONFIG_FILE = devNull;
  env.PYTHONNOUSERSITE = "1";
  env.PYTHONDONTWRITEBYTECODE = "1";
  return env;
}

/** Options every pip run gets, before the subcommand. */
export const pipGlobalArgs = ["--isolated", "--disable-pip-version-check", "--no-input", "--no-color"] as const;

export type PipProbe = { ok: true; version: string } | { ok: false; reason: string };

/** Which pip the host interpreter has, and whether it can install into a venv without pip. */
export async function probePip(python: string, signal?: AbortSignal): Promise<PipProbe> {
  let r: RunResult;
  try {
    r = await runProcess(python, ["-m", "pip", ...pipGlobalArgs, "--version"], {
      env: pipEnv(),
      timeoutMs: 30_000,
      signal,
    });
  } catch (err) {
    if (signal?.aborted) throw err;
    return { ok: false, reason: `cannot run ${python}: ${(err as Error).message}` };
  }
  if (r.timedOut) return { ok: false, reason: `${python} -m pip --version timed out` };
  const m = /^pip (\d+)\.(\d+)(?:\.\S+)?/.exec(r.stdout.trim());
  if (r.exitCode !== 0 || !m) {
    return {
      ok: false,
      reason: `pip is not available for ${python} (on Debian or Ubuntu: apt-get install python3-pip)`,
    };
  }
  const major = Number(m[1]);
  const minor = Number(m[2]);
  const version = `${major}.${minor}`;
  if (major < minPip[0] || (major === minPip[0] && minor < minPip[1])) {
    return {
      ok: false,
      reason: `pip ${version} of ${python} cannot install into another environment (needs pip ${minPip.join(".")} or later)`,
    };
  }
  return { ok: true, version };
}

// What a network failure looks like in pip's retry warnings, shortened to the cause.
const networkCauses: Array<[RegExp, string]> = [
  [/Failed to establish a new connection: \[Errno -?\d+\] ([^'"\])]+)/, "$1"],
  [/(Name or service not known|Temporary failure in name resolution|No address associated with hostname)/, "$1"],
  [/(Read timed out|Connection to \S+ timed out)/, "$1"],
  [/(ProxyError)/, "proxy error"],
  [/(CERTIFICATE_VERIFY_FAILED|SSLError)/, "TLS error: $1"],
];

/**
 * A short, readable reason for a failed pip run: its ERROR lines (or last lines), plus the network
 * cause pip only mentions in retry warnings, with any credentials in URLs redacted.
 */
export function summarizePipFailure(r: RunResult, timeoutMs: number): string {
  if (r.timedOut) return `pip install timed out after ${Math.round(timeoutMs / 1000)} s`;
  const lines = r.stderr
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== "");
  const errors = lines.filter((l) => l.startsWith("ERROR:"));
  const picked = (errors.length > 0 ? errors : lines).slice(-3);
  let network: string | undefined;
  for (const line of lines) {
    for (const [re, repl] of networkCauses) {
      const m = re.exec(line);
      if (m) network = m[0].replace(re, repl).trim();
    }
  }
  const status = r.exitCode === null ? `killed by ${r.signal ?? "a signal"}` : `exit code ${r.exitCode}`;
  const body = picked.length > 0 ? picked.join(" ") : "no error output";
  const text = `pip install failed (${status}): ${body}${network ? ` [network: ${network}]` : ""}`;
  const redacted = redactCredentials(text);
  return redacted.length > 600 ? `${redacted.slice(0, 599)}…` : redacted;
}

/**
 * pip in two steps, so that nothing the agent wrote ever runs with the network, and nothing that
 * has the network can touch the workspace:
 *
 * 1. **download**: the system interpreter's pip (`/usr/bin/python3 -m pip download`), in a sandbox
 *    of its own whose only writable folder is a fresh download folder the service owns. It has the
 *    network when the index is remote; the workspace is not mounted, and the program is the
 *    system's, never the venv's. Wheels only by default: a wheel is unpacked, never run, so no
 *    code from the index runs here either.
 * 2. **install**: in the workspace's own sandbox, offline (`--no-index --find-links <downloads>`,
 *    the download folder bound read-only), into the venv. pip re-runs itself with the venv's
 *    interpreter (`--python`), which the agent may have replaced: that is its own sandbox, offline.
 *
 * The index URL may hold credentials, so it travels in a pip configuration file of its own (mode
 * 0400, next to the download folder, bound read-only into the download step only), never on a
 * command line, which every process list shows, nor in an environment. Inside the sandbox pip
 * reads no other configuration: HOME is the run's own folder and /etc/pip.conf is not mounted.
 */
export interface PipCommand {
  program: string;
  args: string[];
  env: Record<string, string>;
  network: boolean;
  /** Host folders bound read-only (a local index, the downloads). */
  readOnly: string[];
}

export interface PipSource {
  /** A package index: https://…, http://…, or file:///folder (a PEP 503 tree). */
  indexUrl?: string;
  /** A local folder of wheels, used with --no-index (tests and air-gapped hosts). */
  findLinks?: string;
  /** Wheels only (the default): no build scripts run, with or without the network. */
  onlyBinary: boolean;
  socketTimeoutSeconds: number;
  retries: number;
}

/** The interpreter pip runs with in both steps: the system's, which the workspace cannot change. */
export const SYSTEM_PYTHON = "/usr/bin/python3";

const baseEnv = { PIP_CONFIG_FILE: devNull, PYTHONNOUSERSITE: "1", PYTHONDONTWRITEBYTECODE: "1" };
/** `python -m pip <global options> <command> <its options…> --no-cache-dir --progress-bar off`. */
const pipArgs = (before: string[], command: string, options: string[]): string[] => [
  "-m",
  "pip",
  "--disable-pip-version-check",
  "--no-input",
  "--no-color",
  ...before,
  command,
  ...options,
  "--no-cache-dir",
  "--progress-bar",
  "off",
];

/** Whether the index needs the network (an http(s) URL), and the folder of a file: index. */
function indexOf(source: PipSource): { remote: boolean; localDir: string | null } {
  if (!source.indexUrl) return { remote: false, localDir: null };
  const url = new URL(source.indexUrl);
  if (url.protocol === "file:") return { remote: false, localDir: decodeURIComponent(url.pathname) };
  return { remote: true, localDir: null };
}

/** Step 1: the wheels of `packages` and their dependencies into the download folder (see prepareDownload). */
export function pipDownloadCommand(source: PipSource, download: Download, packages: readonly string[]): PipCommand {
  const { remote, localDir } = indexOf(source);
  const dest = download.dir;
  const env: Record<string, string> = { ...baseEnv, PIP_CONFIG_FILE: download.config };
  const noIndex = !source.indexUrl;
  return {
    program: SYSTEM_PYTHON,
    args: [
      ...pipArgs([], "download", ["--dest", dest]),
      "--timeout",
      String(source.socketTimeoutSeconds),
      "--retries",
      String(source.retries),
      ...(source.onlyBinary ? ["--only-binary", ":all:"] : []),
      ...(noIndex ? ["--no-index"] : []),
      ...(source.findLinks ? ["--find-links", source.findLinks] : []),
      "--",
      ...packages,
    ],
    env,
    network: remote,
    readOnly: [download.config, ...(localDir ? [localDir] : []), ...(source.findLinks ? [source.findLinks] : [])],
  };
}

/** Step 2: `packages` from the downloads into the workspace's venv, offline. */
export function pipInstallCommand(
  source: Pick<PipSource, "onlyBinary">,
  venvPython: string,
  downloads: string,
  packages: readonly string[],
): PipCommand {
  return {
    program: SYSTEM_PYTHON,
    args: [
      ...pipArgs(["--python", venvPython], "install", ["--no-index", "--find-links", downloads]),
      ...(source.onlyBinary ? ["--only-binary", ":all:"] : []),
      "--",
      ...packages,
    ],
    env: { ...baseEnv },
    network: false,
    readOnly: [downloads],
  };
}

/** `python -m venv --without-pip <workspace>/venv`, run in the workspace's sandbox. */
export function venvCommand(workspace: string): PipCommand {
  return {
    program: SYSTEM_PYTHON,
    args: ["-m", "venv", "--without-pip", `${workspace}/venv`],
    env: { PYTHONDONTWRITEBYTECODE: "1" },
    network: false,
    readOnly: [],
  };
}

/** One install's download folder, and the pip configuration its download step reads. */
export interface Download {
  dir: string;
  /** `[global] index-url = …` (mode 0400, the sandbox user's), or empty without an index. */
  config: string;
  /** Removes both. */
  remove(): Promise<void>;
}

/**
 * A fresh folder for one install's downloads under `parent` (a folder of the service's, such as
 * <WORKSPACES_DIR>/.downloads), given to the sandbox user who downloads into it, and beside it the
 * pip configuration holding the index URL (see the note at the top of this file).
 */
export async function prepareDownload(
  parent: string,
  owner: { uid: number; gid: number } | null,
  indexUrl: string | undefined,
): Promise<Download> {
  await mkdir(parent, { recursive: true, mode: 0o711 });
  const dir = await mkdtemp(join(parent, "pip-"));
  const config = `${dir}.conf`;
  try {
    const text = indexUrl ? `[global]\nindex-url = ${new URL(indexUrl).href}\n` : "";
    await writeFile(config, text, { mode: 0o400, flag: "wx" });
    if (owner) {
      await chown(dir, owner.uid, owner.gid);
      await chown(config, owner.uid, owner.gid);
    }
  } catch (err) {
    await rm(config, { force: true });
    await removeTree(dir);
    throw err;
  }
  return {
    dir,
    config,
    async remove() {
      await rm(config, { force: true });
      await removeTree(dir);
    },
  };
}
