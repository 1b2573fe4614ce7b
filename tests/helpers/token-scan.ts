import { execFileSync } from "node:child_process";
import { lstatSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** The forms a token could leak in: itself, and inside an HTTP Basic header. */
export function tokenForms(token: string): string[] {
  return [token, Buffer.from(`x-access-token:${token}`).toString("base64")];
}

export interface ProcessSample {
  /** Where a token form was found (ps output, or /proc/<pid>/cmdline|environ). */
  hits: string[];
  /** Every command line seen, to show the sample caught what it was meant to. */
  commandLines: string[];
}

/** `ps -eo pid,args` and the command line and environment of every process, searched for the token. */
export function sampleProcesses(token: string): ProcessSample {
  const forms = tokenForms(token);
  const hits: string[] = [];
  const commandLines: string[] = [];
  const ps = execFileSync("ps", ["-eo", "pid,args"], { encoding: "utf8" });
  if (forms.some((f) => ps.includes(f))) hits.push("ps -eo pid,args");
  for (const pid of readdirSync("/proc").filter((n) => /^\d+$/.test(n))) {
    for (const file of ["cmdline", "environ"]) {
      let data: Buffer;
      try {
        data = readFileSync(join("/proc", pid, file));
      } catch {
        continue; // gone meanwhile
      }
      if (file === "cmdline") commandLines.push(data.toString("utf8").split("\0").join(" "));
      if (forms.some((f) => data.includes(f))) hits.push(`/proc/${pid}/${file}`);
    }
  }
  return { hits, commandLines };
}

/** Every regular file under `dir` (links not followed) that holds a form of the token. */
export function filesWithToken(dir: string, token: string): string[] {
  const forms = tokenForms(token).map((f) => Buffer.from(f));
  const found: string[] = [];
  const walk = (path: string) => {
    const st = lstatSync(path, { throwIfNoEntry: false });
    if (!st) return;
    if (st.isDirectory()) {
      for (const name of readdirSync(path)) walk(join(path, name));
    } else if (st.isFile()) {
      const data = readFileSync(path);
      if (forms.some((f) => data.includes(f))) found.push(path);
    }
  };
  walk(dir);
  return found;
}

/** Counts regular files under `dir` (so a scan can show it looked at something). */
export function countFiles(dir: string): number {
  let n = 0;
  const walk = (path: string) => {
    const st = lstatSync(path, { throwIfNoEntry: false });
    if (st?.isDirectory()) for (const name of readdirSync(path)) walk(join(path, name));
    else if (st?.isFile()) n++;
  };
  walk(dir);
  return n;
}
