/**
 * Finding and killing the processes of one run through /proc. Everything here is synchronous
 * and cheap (one directory read plus a small file per process), and only runs when a run ends.
 */
import { readdirSync, readFileSync, readlinkSync } from "node:fs";

/** The pids a process has forked and not yet reaped (Linux CONFIG_PROC_CHILDREN); [] if unknown. */
export function childrenOf(pid: number): number[] {
  try {
    const text = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim();
    return text === "" ? [] : text.split(/\s+/).map(Number);
  } catch {
    return [];
  }
}

/** Whether /proc/<pid>/task/<pid>/children exists here (it does on every mainstream kernel). */
export function canListChildren(): boolean {
  try {
    readFileSync(`/proc/${process.pid}/task/${process.pid}/children`);
    return true;
  } catch {
    return false;
  }
}

export function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

/** State and process group of a pid: fields 1 and 3 after the ")" that closes the command name. */
function stateOf(pid: number): { state: string; group: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return { state: fields[0] ?? "?", group: Number(fields[2]) };
  } catch {
    return null;
  }
}

function hasEnv(pid: number, needle: Buffer): boolean {
  try {
    return readFileSync(`/proc/${pid}/environ`).includes(needle);
  } catch {
    return false;
  }
}

function allPids(): number[] {
  return readdirSync("/proc")
    .filter((n) => /^\d+$/.test(n))
    .map(Number)
    .filter((p) => p !== process.pid);
}

export interface SweepTarget {
  /** Processes in this group… */
  group?: number;
  /** …except this one (the `time` that reports the run's usage once its child has died). */
  except?: number;
  /** Processes whose initial environment holds this exact NAME=value. */
  envMarker?: string;
}

/**
 * SIGKILLs every live process that matches, scanning again until a scan finds no new one (a
 * process may fork between the scan and the kill; its child is caught by the next round).
 * Returns how many it killed.
 */
export function sweep(target: SweepTarget, maxRounds = 50): number {
  const needle = target.envMarker === undefined ? null : Buffer.from(`${target.envMarker}\0`);
  const killed = new Set<number>();
  for (let round = 0; round < maxRounds; round++) {
    const found = allPids().filter((pid) => {
      if (pid === target.except || killed.has(pid)) return false;
      const st = stateOf(pid);
      if (!st || st.state === "Z" || st.state === "X") return false;
      return (target.group !== undefined && st.group === target.group) || (needle !== null && hasEnv(pid, needle));
    });
    if (found.length === 0) break;
    for (const pid of found) {
      signal(pid, "SIGKILL");
      killed.add(pid);
    }
  }
  return killed.size;
}

function pidNamespaceOf(pid: number): string | null {
  try {
    return readlinkSync(`/proc/${pid}/ns/pid`);
  } catch {
    return null;
  }
}

/**
 * Ends a sandbox whose PID namespace has `pid1` as init: first every other process in it (so
 * pid 1, a reaper, collects their exit and their CPU time, then exits by itself), then pid 1 if
 * processes keep appearing. When the kernel kills a namespace for its dying init, it reaps the
 * rest without accounting, and their usage would be lost.
 */
export function killNamespace(pid1: number, maxRounds = 20): void {
  const ns = pidNamespaceOf(pid1);
  if (ns === null) return;
  const killed = new Set<number>();
  for (let round = 0; round < maxRounds; round++) {
    const found = allPids().filter((pid) => {
      if (pid === pid1 || killed.has(pid) || pidNamespaceOf(pid) !== ns) return false;
      const st = stateOf(pid);
      return st !== null && st.state !== "Z" && st.state !== "X";
    });
    if (found.length === 0) {
      if (killed.size === 0) signal(pid1, "SIGKILL");
      return;
    }
    for (const pid of found) {
      signal(pid, "SIGKILL");
      killed.add(pid);
    }
  }
  signal(pid1, "SIGKILL");
}

/** Tasks (threads) owned by a uid on the host, the figure RLIMIT_NPROC is compared with outside a user namespace. */
export function tasksOfUid(uid: number): number {
  let n = 0;
  for (const pid of allPids()) {
    try {
      const status = readFileSync(`/proc/${pid}/status`, "utf8");
      const real = /^Uid:\s+(\d+)/m.exec(status)?.[1];
      if (Number(real) === uid) n += Number(/^Threads:\s+(\d+)/m.exec(status)?.[1] ?? 1);
    } catch {
      // gone
    }
  }
  return n;
}

function argvOf(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
  } catch {
    return [];
  }
}

/**
 * Stops what is left of runs whose ids are in `runIds` (a previous process of this service died
 * without ending them): the bwrap monitors whose command line carries `--setenv <marker> <id>`
 * with everything in their sandboxes, the `time` and `setpriv` around them, and, without bwrap,
 * every process whose environment carries `<marker>=<id>`. Returns how many processes it killed.
 */
export function stopLeftoverRuns(marker: string, runIds: ReadonlySet<string>): number {
  if (runIds.size === 0) return 0;
  let killed = 0;
  const found: number[] = [];
  for (const pid of allPids()) {
    const argv = argvOf(pid);
    const at = argv.indexOf(marker);
    if (at > 0 && argv[at - 1] === "--setenv" && runIds.has(argv[at + 1] ?? "")) found.push(pid);
  }
  // The bwrap monitors first (their sandboxes with them), then the `time` processes around them.
  const isBwrap = (pid: number) => (argvOf(pid)[0] ?? "").endsWith("bwrap");
  found.sort((a, b) => Number(isBwrap(b)) - Number(isBwrap(a)));
  for (const pid of found) {
    // A bwrap monitor's child is the sandbox's pid 1: its namespace goes with everything in it.
    if (isBwrap(pid)) for (const child of childrenOf(pid)) killNamespace(child);
    signal(pid, "SIGKILL");
    killed++;
  }
  for (const id of runIds) killed += sweep({ envMarker: `${marker}=${id}` });
  return killed;
}
