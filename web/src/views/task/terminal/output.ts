/** Pure helpers of the command terminal: what to write for each chunk, the exit line, dedupe. */

export interface OutputChunk {
  seq: number;
  stream: "STDOUT" | "STDERR" | "EXIT";
  data: string;
  createdAt: string;
}

export interface ExitInfo {
  status: string | null;
  exitCode: number | null;
  signal: string | null;
}

const RED = "\x1b[31m";
const RESET_FG = "\x1b[39m";

/** The chunks not written yet (seq above `lastWritten`), in order, each once. */
export function unwritten<T extends { seq: number }>(chunks: readonly T[], lastWritten: number): T[] {
  const out: T[] = [];
  let last = lastWritten;
  for (const c of chunks) {
    if (c.seq <= last) continue;
    out.push(c);
    last = c.seq;
  }
  return out;
}

/** What goes into the terminal for a STDOUT/STDERR chunk: stdout as it is, stderr in red. */
export function chunkText(chunk: Pick<OutputChunk, "stream" | "data">): string {
  if (chunk.stream === "STDERR") return `${RED}${chunk.data}${RESET_FG}`;
  if (chunk.stream === "STDOUT") return chunk.data;
  return "";
}

/** The EXIT chunk's data (a JSON object with status, exitCode and signal). */
export function parseExit(data: string): ExitInfo {
  try {
    const v = JSON.parse(data) as Record<string, unknown>;
    return {
      status: typeof v.status === "string" ? v.status : null,
      exitCode: typeof v.exitCode === "number" ? v.exitCode : null,
      signal: typeof v.signal === "string" ? v.signal : null,
    };
  } catch {
    return { status: null, exitCode: null, signal: null };
  }
}

/** Seconds with one decimal: 1.2 s; minutes above a minute: 2 min 5 s. */
export function seconds(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} min ${s % 60} s`;
}

/** The last line written: "exit code 0 · 1.2 s", or what ended it (signal, status). */
export function exitLine(exit: ExitInfo, durationMs: number | null): string {
  const parts: string[] = [];
  if (exit.exitCode !== null) parts.push(`exit code ${exit.exitCode}`);
  else if (exit.signal) parts.push(`killed by ${exit.signal}`);
  if (exit.status && exit.status !== "SUCCEEDED" && exit.status !== "FAILED")
    parts.push(exit.status.toLowerCase().replace(/_/g, " "));
  if (parts.length === 0) parts.push(exit.status ? exit.status.toLowerCase() : "ended");
  if (durationMs !== null) parts.push(seconds(durationMs));
  return parts.join(" · ");
}

/** Text without ANSI escape sequences (for copy and download). */
export function stripAnsi(text: string): string {
  // CSI sequences, OSC sequences (ended by BEL or ST), and two-character escapes.
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]/g, "");
}

/** "python3 -c 'print(1)'": a run's command line for people (arguments quoted when needed). */
export function commandLine(program: string, args: readonly string[]): string {
  const quote = (a: string) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);
  return [program, ...args].map(quote).join(" ");
}

/** Peak memory in KiB as MB/GB. */
export function kib(kb: number | null | undefined): string {
  if (kb === null || kb === undefined) return "—";
  if (kb < 1024) return `${kb} KiB`;
  if (kb < 1024 * 1024) return `${(kb / 1024).toFixed(1)} MiB`;
  return `${(kb / 1024 / 1024).toFixed(2)} GiB`;
}
