/**
 * Summarises a V8 .cpuprofile (from `node --cpu-prof`): self time by function and by package,
 * optionally only for samples taken after `--from-ms` and before `--to-ms` (relative to start).
 *
 *   npx tsx bench/profile-summary.ts file.cpuprofile [--top 30] [--from-ms N] [--to-ms N]
 */
import { readFileSync } from "node:fs";

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

const args = process.argv.slice(2);
const file = args[0];
if (!file) {
  process.stderr.write("usage: profile-summary <file.cpuprofile> [--top N] [--from-ms N] [--to-ms N]\n");
  process.exit(2);
}
const opt = (name: string, def: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const top = opt("--top", 30);
const fromMs = opt("--from-ms", 0);
const toMs = opt("--to-ms", Number.POSITIVE_INFINITY);

const p = JSON.parse(readFileSync(file, "utf8")) as Profile;
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

const where = (url: string) => {
  if (!url) return "(native/V8)";
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1] as string;
  if (url.startsWith("node:")) return "node:core";
  const s = /\/work\/main\/(src|bench)\/(.*)$/.exec(url);
  if (s) return `${s[1]}/${(s[2] as string).split("/").slice(0, 2).join("/")}`;
  return url;
};

const self = new Map<string, number>();
const pkg = new Map<string, number>();
const inclusivePkg = new Map<string, number>();
const inclusiveFn = new Map<string, number>();
let t = 0;
let total = 0;
for (let i = 0; i < p.samples.length; i++) {
  t += p.timeDeltas[i] ?? 0;
  const ms = t / 1000;
  if (ms < fromMs || ms > toMs) continue;
  const dt = (p.timeDeltas[i + 1] ?? 0) / 1000;
  const n = byId.get(p.samples[i] as number);
  if (!n) continue;
  const name = n.callFrame.functionName || "(anonymous)";
  if (name === "(idle)" || name === "(program)") {
    self.set(name, (self.get(name) ?? 0) + dt);
    continue;
  }
  total += dt;
  const key = `${name}  ${where(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
  self.set(key, (self.get(key) ?? 0) + dt);
  const w = where(n.callFrame.url);
  pkg.set(w, (pkg.get(w) ?? 0) + dt);
  // inclusive by package: each package on the stack once
  const seen = new Set<string>();
  const seenFn = new Set<string>();
  for (let id: number | undefined = n.id; id !== undefined; id = parent.get(id)) {
    const f = byId.get(id);
    if (!f) break;
    const wp = where(f.callFrame.url);
    if (!seen.has(wp)) {
      seen.add(wp);
      inclusivePkg.set(wp, (inclusivePkg.get(wp) ?? 0) + dt);
    }
    const fk = `${f.callFrame.functionName || "(anonymous)"}  ${wp}:${f.callFrame.lineNumber + 1}`;
    if (!seenFn.has(fk)) {
      seenFn.add(fk);
      inclusiveFn.set(fk, (inclusiveFn.get(fk) ?? 0) + dt);
    }
  }
}
const show = (title: string, m: Map<string, number>) => {
  process.stdout.write(`\n${title}\n`);
  for (const [k, v] of [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    process.stdout.write(`${v.toFixed(0).padStart(8)} ms ${((v / total) * 100).toFixed(1).padStart(5)}%  ${k}\n`);
  }
};
process.stdout.write(`busy ${total.toFixed(0)} ms of ${((p.endTime - p.startTime) / 1000).toFixed(0)} ms profiled\n`);
show("self time by function", self);
show("self time by package", pkg);
show("inclusive time by package (on stack)", inclusivePkg);
show("inclusive time by function (on stack)", inclusiveFn);
