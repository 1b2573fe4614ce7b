/**
 * Totals for a run's whole process tree, sampled from /proc: per-process rlimits (RLIMIT_AS,
 * RLIMIT_CPU) let eight children of 800 MB each hold 6.4 GB in a run limited to 1 GiB, so the
 * run's memory and CPU limits are checked against the sum over its processes. (cgroups would
 * count exactly, but on these hosts they are a v1/v2 hybrid with nothing delegated to us.)
 *
 * - Memory: the resident set of every process of the run, summed (from /proc/<pid>/statm, which
 *   anyone may read; pages shared between processes count in each, so the sum errs high).
 * - CPU: user plus system time of every live process, plus what each has collected from the
 *   children it reaped (cutime, cstime): a finished child's time stays counted.
 * - Processes: the run's root and everything below it, found through /proc/<pid>/task/<tid>/children.
 */
import { readdirSync, readFileSync } from "node:fs";

/** Linux's USER_HZ (the unit of /proc/<pid>/stat times) and page size, as on every x86-64 and arm64 host. */
const TICKS_PER_SECOND = 100;
const PAGE_BYTES = pageSize();

function pageSize(): number {
  // VmRSS (kB) against statm's resident pages, of this very process: no sysconf in Node.
  try {
    const kb = Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync("/proc/self/status", "utf8"))?.[1]);
    const pages = Number(readFileSync("/proc/self/statm", "utf8").split(" ")[1]);
    const bytes = (kb * 1024) / pages;
    for (const size of [4096, 16384, 65536]) if (Math.abs(bytes - size) / size < 0.05) return size;
  } catch {
    // not Linux
  }
  return 4096;
}

/** The processes below `root` (not `root` itself), each thread's children included. */
export function descendants(root: number): number[] {
  const found: number[] = [];
  const stack = [root];
  const seen = new Set<number>([root]);
  while (stack.length > 0) {
    const pid = stack.pop() as number;
    let threads: string[];
    try {
      threads = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue; // gone
    }
    for (const tid of threads) {
      let text: string;
      try {
        text = readFileSync(`/proc/${pid}/task/${tid}/children`, "utf8").trim();
      } catch {
        continue;
      }
      if (text === "") continue;
      for (const child of text.split(/\s+/).map(Number)) {
        if (seen.has(child)) continue;
        seen.add(child);
        found.push(child);
        stack.push(child);
      }
    }
  }
  return found;
}

export interface TreeUsage {
  residentBytes: number;
  cpuMs: number;
  processes: number;
}

/** Resident memory and CPU time of `pids`, summed (processes gone meanwhile count nothing). */
export function usageOf(pids: readonly number[]): TreeUsage {
  let residentBytes = 0;
  let ticks = 0;
  let processes = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (fields[0] === "Z" || fields[0] === "X") continue;
      // Fields 14-17 of stat (utime, stime, cutime, cstime) are 11-14 after the state.
      ticks += Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
      residentBytes += Number(readFileSync(`/proc/${pid}/statm`, "utf8").split(" ")[1]) * PAGE_BYTES;
      processes++;
    } catch {
      // gone
    }
  }
  return { residentBytes, cpuMs: (ticks * 1000) / TICKS_PER_SECOND, processes };
}

export type TreeLimit = "memory" | "cpuSeconds";

export interface TreeMonitorOptions {
  /** The process whose descendants are the run (its own usage is not counted). */
  root: number;
  memoryBytes: number;
  cpuMs: number;
  /** How often the tree is sampled. Default 200 ms. */
  intervalMs?: number;
  /** Called once, when a total first goes over its limit. */
  onLimit(limit: TreeLimit): void;
}

/** Samples a run's tree until stopped; keeps the peaks, and calls onLimit at the first excess. */
export class TreeMonitor {
  peakResidentBytes = 0;
  cpuMs = 0;
  private timer: NodeJS.Timeout | undefined;
  private fired = false;

  constructor(private readonly opts: TreeMonitorOptions) {}

  start(): void {
    this.timer = setInterval(() => this.sample(), this.opts.intervalMs ?? 200);
    this.timer.unref();
  }

  /** One more sample (the last one before the run ends), then no more. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  sample(): void {
    const u = usageOf(descendants(this.opts.root));
    this.peakResidentBytes = Math.max(this.peakResidentBytes, u.residentBytes);
    this.cpuMs = Math.max(this.cpuMs, u.cpuMs);
    if (this.fired) return;
    const over: TreeLimit | null =
      u.residentBytes > this.opts.memoryBytes ? "memory" : u.cpuMs > this.opts.cpuMs ? "cpuSeconds" : null;
    if (over) {
      this.fired = true;
      this.opts.onLimit(over);
    }
  }
}
