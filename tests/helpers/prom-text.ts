/**
 * A strict parser of the Prometheus text exposition format (version 0.0.4): every line is a
 * HELP, a TYPE or a sample of a family declared above it; anything else throws with the line.
 */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  type: string;
  help: string;
  samples: Sample[];
}

const NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
const TYPES = new Set(["counter", "gauge", "histogram", "summary", "untyped"]);
const SAMPLE_RE = new RegExp(`^(${NAME})(\\{(.*)\\})? (\\S+)( -?\\d+)?$`);
const LABEL_RE = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\["\\n])*)"(,|$)/;

function parseValue(v: string, line: string): number {
  // Prometheus reads values with Go's ParseFloat: Inf and NaN in any case (prom-client writes "Nan").
  if (/^\+?inf$/i.test(v)) return Infinity;
  if (/^-inf$/i.test(v)) return -Infinity;
  if (/^nan$/i.test(v)) return NaN;
  if (!/^-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/.test(v)) throw new Error(`bad value in: ${line}`);
  return Number(v);
}

function parseLabels(text: string, line: string): Record<string, string> {
  const labels: Record<string, string> = {};
  let rest = text;
  while (rest.length > 0) {
    const m = LABEL_RE.exec(rest);
    if (!m) throw new Error(`bad labels in: ${line}`);
    const [all, key = "", raw = ""] = m;
    if (key in labels) throw new Error(`repeated label ${key} in: ${line}`);
    labels[key] = raw.replace(/\\(["\\n])/g, (_, c: string) => (c === "n" ? "\n" : c));
    rest = rest.slice(all.length);
  }
  return labels;
}

/** The family a sample belongs to: its own name, or a histogram's/summary's with a suffix. */
function familyOf(sample: string, families: Map<string, Family>): Family | undefined {
  const own = families.get(sample);
  if (own) return own;
  const m = /^(.*)_(bucket|sum|count)$/.exec(sample);
  const f = m?.[1] ? families.get(m[1]) : undefined;
  if (f && (f.type === "histogram" || (f.type === "summary" && m?.[2] !== "bucket"))) return f;
  return undefined;
}

export function parsePrometheusText(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  if (!text.endsWith("\n")) throw new Error("exposition must end with a newline");
  for (const line of text.slice(0, -1).split("\n")) {
    if (line === "") continue;
    const help = new RegExp(`^# HELP (${NAME}) (.*)$`).exec(line);
    if (help) {
      const [, name = "", text = ""] = help;
      const f = families.get(name) ?? { name, type: "untyped", help: "", samples: [] };
      f.help = text;
      families.set(name, f);
      continue;
    }
    const type = new RegExp(`^# TYPE (${NAME}) (\\w+)$`).exec(line);
    if (type) {
      const [, name = "", kind = ""] = type;
      if (!TYPES.has(kind)) throw new Error(`unknown type in: ${line}`);
      const f = families.get(name) ?? { name, type: kind, help: "", samples: [] };
      if (f.samples.length > 0) throw new Error(`TYPE after samples in: ${line}`);
      f.type = kind;
      families.set(name, f);
      continue;
    }
    if (line.startsWith("#")) continue;
    const s = SAMPLE_RE.exec(line);
    if (!s) throw new Error(`bad line: ${line}`);
    const [, name = "", , labels = "", value = ""] = s;
    const family = familyOf(name, families);
    if (!family) throw new Error(`sample of an undeclared family: ${line}`);
    family.samples.push({ name, labels: parseLabels(labels, line), value: parseValue(value, line) });
  }
  return families;
}

/** The value of the one sample named `name` whose labels include `labels`; 0 when none matches. */
export function valueOf(families: Map<string, Family>, name: string, labels: Record<string, string> = {}): number {
  const matches: Sample[] = [];
  for (const f of families.values()) {
    for (const s of f.samples) {
      if (s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)) matches.push(s);
    }
  }
  if (matches.length > 1) throw new Error(`${matches.length} samples of ${name} match ${JSON.stringify(labels)}`);
  return matches[0]?.value ?? 0;
}

/** Every sample name a scrape holds or declares (a histogram declares _bucket, _sum and _count). */
export function sampleNames(families: Map<string, Family>): Set<string> {
  const names = new Set<string>();
  for (const f of families.values()) {
    names.add(f.name);
    // A labelled histogram has no series before its first observation, but its names are fixed.
    if (f.type === "histogram") for (const x of ["_bucket", "_sum", "_count"]) names.add(f.name + x);
    for (const s of f.samples) names.add(s.name);
  }
  return names;
}
