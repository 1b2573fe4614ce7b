/**
 * The command lines that start one run: which host programs are used, and the bwrap arguments.
 *
 *   bwrap:  time -o <usage> -- bwrap <namespaces, mounts, env> --as-pid-1 --
 *             timeout -s KILL <backstop> prlimit <limits> -- <program> <args>
 *   none:   time -o <usage> -- timeout --foreground -s KILL <backstop> prlimit <limits> -- <program> <args>
 *
 * `time` runs outside the sandbox, so the figures it reports cannot be touched by the program.
 * With --as-pid-1, bwrap's own monitor waits for the sandbox's pid 1 (coreutils `timeout`, a
 * trusted reaper that also kills the program should this service die without killing it), so
 * `time` gets the CPU time and peak RSS of the whole tree: bwrap's default init would report the
 * exit status over an eventfd and let the monitor exit without reaping anything.
 *
 * Should this service die, nothing is left running for long: `timeout` kills the run a few
 * seconds after its wall-time limit (bwrap's --die-with-parent ties the sandbox to `time`).
 */
import { execFile } from "node:child_process";
import { accessSync, constants, existsSync, lstatSync, readdirSync, readlinkSync } from "node:fs";
import { promisify } from "node:util";
import type { SandboxLimits } from "./limits.js";

export interface HostTools {
  bwrap: string | null;
  time: string | null;
  timeout: string;
  prlimit: string;
  /** util-linux setpriv: ties a run's outermost process to this service (--pdeathsig). */
  setpriv: string | null;
}

export interface BwrapFeatures {
  disableUserns: boolean;
  size: boolean;
}

/** Inside the sandbox the program runs as this uid/gid (conventionally "nobody"). */
export const SANDBOX_UID = 65534;
export const SANDBOX_GID = 65534;
/** Used for /tmp and for /dev/shm (each) when the limits do not say. */
export const DEFAULT_TMP_BYTES = 64 * 1024 * 1024;
export const SANDBOX_PATH = "/usr/local/bin:/usr/bin:/bin";

const USAGE_FORMAT = "%e %U %S %M";

function which(name: string): string | null {
  for (const dir of ["/usr/bin", "/bin", "/usr/sbin", "/sbin"]) {
    try {
      accessSync(`${dir}/${name}`, constants.X_OK);
      return `${dir}/${name}`;
    } catch {
      // next
    }
  }
  return null;
}

export function findHostTools(): HostTools | { missing: string } {
  const timeout = which("timeout");
  const prlimit = which("prlimit");
  if (!timeout) return { missing: "timeout (Debian package coreutils)" };
  if (!prlimit) return { missing: "prlimit (Debian package util-linux)" };
  return { bwrap: which("bwrap"), time: which("time"), timeout, prlimit, setpriv: which("setpriv") };
}

export async function bwrapFeatures(bwrap: string): Promise<BwrapFeatures> {
  const { stdout, stderr } = await promisify(execFile)(bwrap, ["--help"], { timeout: 10_000 }).catch(
    (e: { stdout?: string; stderr?: string }) => ({ stdout: e.stdout ?? "", stderr: e.stderr ?? "" }),
  );
  const help = `${stdout}${stderr}`;
  return { disableUserns: help.includes("--disable-userns"), size: help.includes("--size") };
}

/** /bin, /lib… are symlinks into /usr on merged-/usr systems (recreated as such), directories elsewhere. */
function systemDirs(): string[] {
  const out: string[] = [];
  for (const d of ["/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"]) {
    try {
      const s = lstatSync(d);
      if (s.isSymbolicLink()) out.push("--symlink", readlinkSync(d), d);
      else if (s.isDirectory()) out.push("--ro-bind", d, d);
    } catch {
      // absent here
    }
  }
  return out;
}

/**
 * The part of /etc programs need, each bound read-only (every bind is a mount: few is fast): the
 * dynamic loader's cache, alternatives (awk → mawk), the time zone, hosts (localhost), Debian's
 * Python config. Name service, TLS and DNS settings only with network. Never passwd or shadow (a
 * synthetic passwd and group are bound instead), pip.conf, npmrc, gitconfig or anything else that
 * may hold a host secret.
 */
const ETC = ["alternatives", "ld.so.cache", "localtime", "hosts", "python3", ...pythonDirs()];
const ETC_NETWORK = [
  "nsswitch.conf",
  "host.conf",
  "resolv.conf",
  "gai.conf",
  "services",
  "protocols",
  "ssl",
  "ca-certificates",
];

function pythonDirs(): string[] {
  try {
    return readdirSync("/etc").filter((n) => /^python3\.\d+$/.test(n));
  } catch {
    return [];
  }
}

export interface BwrapPlan {
  workspace: string;
  extraReadOnly: readonly string[];
  network: boolean;
  env: Record<string, string>;
  limits: SandboxLimits;
  passwdFile: string;
  groupFile: string;
  features: BwrapFeatures;
}

let dirsCache: string[] | undefined;
const etcCache = new Map<boolean, string[]>();

/** --ro-bind for the ETC entries that exist here (checked once). */
function etcBinds(network: boolean): string[] {
  let binds = etcCache.get(network);
  if (!binds) {
    binds = [...ETC, ...(network ? ETC_NETWORK : [])]
      .map((n) => `/etc/${n}`)
      .filter((p) => existsSync(p))
      .flatMap((p) => ["--ro-bind-try", p, p]);
    etcCache.set(network, binds);
  }
  return binds;
}

export function bwrapArgs(plan: BwrapPlan): string[] {
  dirsCache ??= systemDirs();
  const tmp = String(plan.limits.tmpBytes ?? DEFAULT_TMP_BYTES);
  const size = (bytes: string) => (plan.features.size ? ["--size", bytes] : []);
  return [
    "--unshare-all",
    ...(plan.network ? ["--share-net"] : []),
    "--unshare-user",
    "--uid",
    String(SANDBOX_UID),
    "--gid",
    String(SANDBOX_GID),
    ...(plan.features.disableUserns ? ["--disable-userns"] : []),
    "--cap-drop",
    "ALL",
    "--die-with-parent",
    "--new-session",
    "--as-pid-1",
    "--hostname",
    "sandbox",
    "--ro-bind",
    "/usr",
    "/usr",
    ...dirsCache,
    ...etcBinds(plan.network),
    "--ro-bind",
    plan.passwdFile,
    "/etc/passwd",
    "--ro-bind",
    plan.groupFile,
    "/etc/group",
    "--proc",
    "/proc",
    "--dev",
    "/dev",
    ...size(tmp),
    "--tmpfs",
    "/dev/shm",
    "--remount-ro",
    "/dev",
    ...size(tmp),
    "--tmpfs",
    "/tmp",
    "--bind",
    plan.workspace,
    plan.workspace,
    ...plan.extraReadOnly.flatMap((p) => ["--ro-bind", p, p]),
    "--chdir",
    plan.workspace,
    "--remount-ro",
    "/",
    "--clearenv",
    ...Object.entries(plan.env).flatMap(([k, v]) => ["--setenv", k, v]),
  ];
}

/** prlimit options; RLIMIT_CPU: SIGXCPU at the limit, SIGKILL one second later if it was caught. */
export function prlimitArgs(limits: SandboxLimits, nproc: number): string[] {
  const cpu = Math.max(1, Math.ceil(limits.cpuSeconds));
  return [
    `--cpu=${cpu}:${cpu + 1}`,
    `--as=${Math.floor(limits.memoryBytes)}`,
    `--nproc=${nproc}`,
    `--fsize=${Math.floor(limits.fileSizeBytes)}`,
    "--core=0",
  ];
}

/** The wall-clock backstop inside the run: only fires if this service died without ending it. */
export const backstopSeconds = (limits: SandboxLimits) => `${Math.ceil(limits.wallTimeMs / 1000) + 5}s`;

/**
 * The name under which a run's id is written into its command line (bwrap's `--setenv`, which
 * the monitor process keeps in its argv) or its environment (without bwrap): how a restarted
 * service finds the sandboxes of runs a previous process left behind.
 */
export const RUN_MARKER = "AGENT_SANDBOX_RUN";

/**
 * `setpriv --pdeathsig KILL --`: the next program dies when this service does (the death signal
 * is kept across exec). Nothing without setpriv.
 */
export function diesWithService(tools: HostTools): string[] {
  return tools.setpriv ? [tools.setpriv, "--pdeathsig", "KILL", "--"] : [];
}

/** `time -f … -o <usageFile> --`, or nothing without GNU time. */
export function hostPrefix(tools: HostTools, usageFile: string | null): string[] {
  return tools.time && usageFile ? [tools.time, "-f", USAGE_FORMAT, "-o", usageFile, "--"] : [];
}

export interface Usage {
  cpuTimeMs: number | null;
  maxRssKb: number | null;
  /** "Command terminated by signal N": the direct child of `time` died of a signal. */
  signal: number | null;
}

/** Parses GNU time's report (`%e %U %S %M`, preceded by a status line when the command failed). */
export function parseUsage(report: string): Usage {
  const usage: Usage = { cpuTimeMs: null, maxRssKb: null, signal: null };
  for (const line of report.split("\n")) {
    const sig = /^Command terminated by signal (\d+)/.exec(line);
    if (sig) usage.signal = Number(sig[1]);
    const m = /^(\d+(?:\.\d+)?) (\d+(?:\.\d+)?) (\d+(?:\.\d+)?) (\d+)$/.exec(line.trim());
    if (m) {
      usage.cpuTimeMs = Math.round((Number(m[2]) + Number(m[3])) * 1000);
      usage.maxRssKb = Number(m[4]);
    }
  }
  return usage;
}
