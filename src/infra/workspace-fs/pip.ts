import { devNull } from "node:os";
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

export interface PipInstallOptions {
  python: string;
  venvPython: string;
  packages: readonly string[];
  indexUrl?: string;
  extraArgs: readonly string[];
  socketTimeoutSeconds: number;
  retries: number;
  timeoutMs: number;
  signal?: AbortSignal;
}

/** The host's pip, run by the host interpreter, installing into the venv's interpreter. */
export function pipInstallArgs(o: PipInstallOptions): string[] {
  return [
    "-m",
    "pip",
    ...pipGlobalArgs,
    "--python",
    o.venvPython,
    "install",
    "--progress-bar",
    "off",
    "--timeout",
    String(o.socketTimeoutSeconds),
    "--retries",
    String(o.retries),
    ...(o.indexUrl === undefined ? [] : ["--index-url", o.indexUrl]),
    ...o.extraArgs,
    "--",
    ...o.packages,
  ];
}

export async function pipInstall(o: PipInstallOptions): Promise<RunResult> {
  return runProcess(o.python, pipInstallArgs(o), { env: pipEnv(), timeoutMs: o.timeoutMs, signal: o.signal });
}
