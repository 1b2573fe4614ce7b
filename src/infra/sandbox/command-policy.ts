/**
 * Which programs an agent may start, and which of their arguments are refused. The policy is an
 * allowlist guard-rail, not the containment: an allowed interpreter (python) can start anything,
 * and git runs hooks and filters the workspace defines. Containment is the sandbox's job.
 *
 * Commands never go through a shell: the program is looked up on the sandbox's PATH and every
 * argument reaches it as one argv entry, so `;`, `|`, `$(…)` or globs in an argument mean nothing.
 *
 * The JSON shape is documented in config/tool-policy.json itself ("$comment").
 */
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { DomainError, policyDenied } from "../../domain/errors.js";

const programName = /^[A-Za-z0-9_+][A-Za-z0-9._+-]*$/;
const nameSchema = z
  .string()
  .regex(programName, "must be a bare program name")
  .refine((n) => n !== "__proto__", "must be a bare program name");

const denyRuleSchema = z
  .object({
    rule: z.string().regex(/^[a-z0-9][a-z0-9.-]*$/, "rule ids are lower-case words joined by . or -"),
    reason: z.string().min(1),
    args: z.array(z.string()).optional(),
    options: z.array(z.string().regex(/^--[A-Za-z0-9]/)).optional(),
    allowPrefixes: z.array(z.string()).optional(),
    shorts: z
      .string()
      .regex(/^[A-Za-z0-9]+$/)
      .optional(),
    pattern: z.string().optional(),
    flags: z
      .string()
      .regex(/^[imsu]*$/)
      .optional(),
    optionValues: z.array(z.string().regex(/^-/)).optional(),
    commands: z.array(z.string()).optional(),
    global: z.boolean().optional(),
    subcommand: z.array(z.string()).optional(),
  })
  .strict()
  .refine((r) => r.args || r.options || r.shorts || r.pattern || r.commands, {
    message: "a rule needs at least one of args, options, shorts, pattern, commands",
  })
  .refine((r) => !r.optionValues || r.pattern, { message: "optionValues needs a pattern" });

const programSchema = z
  .object({
    description: z.string().optional(),
    allowRestricted: z.boolean().optional(),
    oldStyleOptions: z.boolean().optional(),
    subcommands: z
      .object({ optionsWithValue: z.array(z.string()) })
      .strict()
      .optional(),
    launcher: z
      .object({ optionsWithValue: z.array(z.string()), assignments: z.boolean() })
      .strict()
      .optional(),
    deny: z.array(denyRuleSchema).optional(),
  })
  .strict();

const policySchema = z
  .object({
    $comment: z.union([z.string(), z.array(z.string())]).optional(),
    limits: z.object({ maxArgs: z.number().int().positive(), maxArgBytes: z.number().int().positive() }).strict(),
    restricted: z.array(z.object({ rule: z.string(), reason: z.string(), names: z.array(z.string()) }).strict()),
    programs: z.record(nameSchema, programSchema),
  })
  .strict();

const overrideSchema = z
  .object({
    $comment: z.union([z.string(), z.array(z.string())]).optional(),
    allow: z.record(nameSchema, programSchema).optional(),
    remove: z.array(z.string()).optional(),
    deny: z.record(nameSchema, z.array(denyRuleSchema)).optional(),
    undeny: z.record(nameSchema, z.array(z.string())).optional(),
  })
  .strict();

export type DenyRule = z.infer<typeof denyRuleSchema>;
export type ProgramPolicy = z.infer<typeof programSchema>;
export type CommandPolicy = z.infer<typeof policySchema>;
/** Per agent or per task: applied in order by mergePolicy. */
export type PolicyOverride = z.infer<typeof overrideSchema>;

const MAX_DEPTH = 4;

const regexCache = new WeakMap<DenyRule, RegExp>();
function regexOf(rule: DenyRule): RegExp | null {
  if (rule.pattern === undefined) return null;
  let re = regexCache.get(rule);
  if (!re) {
    re = new RegExp(rule.pattern, rule.flags ?? "");
    regexCache.set(rule, re);
  }
  return re;
}

const issues = (e: z.ZodError) => e.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");

/** Throws unless every pattern compiles (at load time, not at the first command). */
function compileAll(programs: Record<string, ProgramPolicy>): void {
  for (const [name, p] of Object.entries(programs)) {
    for (const r of p.deny ?? []) {
      try {
        regexOf(r);
      } catch (err) {
        throw new Error(`programs.${name}: rule ${r.rule} has an invalid pattern: ${(err as Error).message}`);
      }
    }
  }
}

function defaultPolicyPath(): string {
  // src/infra/sandbox → <repo>/config; dist/src/infra/sandbox → <repo>/config as well.
  const candidates = ["../../../config/tool-policy.json", "../../../../config/tool-policy.json"].map((p) =>
    fileURLToPath(new URL(p, import.meta.url)),
  );
  return candidates.find((p) => existsSync(p)) ?? (candidates[0] as string);
}

/** Reads and validates a policy file (default: config/tool-policy.json); throws naming the problem. */
export function loadPolicy(path: string = defaultPolicyPath()): CommandPolicy {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new Error(`tool policy ${path}: ${(err as Error).message}`);
  }
  const parsed = policySchema.safeParse(json);
  if (!parsed.success) throw new Error(`tool policy ${path}: ${issues(parsed.error)}`);
  try {
    compileAll(parsed.data.programs);
  } catch (err) {
    throw new Error(`tool policy ${path}: ${(err as Error).message}`);
  }
  return parsed.data;
}

/**
 * The base policy with each override applied in turn (say, the agent's, then the task's): `allow`
 * adds or replaces programs, `remove` drops them, `deny` adds rules to a program still allowed,
 * `undeny` drops rules by id. Overrides are validated: a bad one throws BAD_USER_INPUT.
 */
export function mergePolicy(base: CommandPolicy, ...overrides: unknown[]): CommandPolicy {
  const programs: Record<string, ProgramPolicy> = Object.fromEntries(
    Object.entries(base.programs).map(([k, v]) => [k, { ...v, deny: [...(v.deny ?? [])] }]),
  );
  for (const [i, raw] of overrides.entries()) {
    const parsed = overrideSchema.safeParse(raw);
    if (!parsed.success) {
      throw new DomainError("BAD_USER_INPUT", `policy override ${i + 1}: ${issues(parsed.error)}`, { field: "policy" });
    }
    const o = parsed.data;
    for (const [name, p] of Object.entries(o.allow ?? {})) programs[name] = { ...p, deny: [...(p.deny ?? [])] };
    for (const name of o.remove ?? []) delete programs[name];
    for (const [name, rules] of Object.entries(o.deny ?? {})) {
      const p = Object.hasOwn(programs, name) ? programs[name] : undefined;
      if (p) p.deny = [...(p.deny ?? []), ...rules];
    }
    for (const [name, ids] of Object.entries(o.undeny ?? {})) {
      const p = Object.hasOwn(programs, name) ? programs[name] : undefined;
      if (p) p.deny = (p.deny ?? []).filter((r) => !ids.includes(r.rule));
    }
    try {
      compileAll(programs);
    } catch (err) {
      throw new DomainError("BAD_USER_INPUT", `policy override ${i + 1}: ${(err as Error).message}`, {
        field: "policy",
      });
    }
  }
  return { ...base, programs };
}

const quote = (s: string) => JSON.stringify(s.length > 80 ? `${s.slice(0, 80)}…` : s);

function checkName(program: string): void {
  if (program.startsWith("/")) {
    throw policyDenied("program.absolute", `${quote(program)}: give a bare program name, not a path`);
  }
  if (program.includes("/") || program === "." || program === "..") {
    throw policyDenied("program.relative", `${quote(program)}: give a bare program name, not a path`);
  }
  if (!programName.test(program) || program.length > 100) {
    throw policyDenied("program.name", `${quote(program)} is not a program name`);
  }
}

/** Index of the first argument that is not an option (nor an option's value); -1 if none. */
function firstOperand(args: readonly string[], optionsWithValue: readonly string[]): number {
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === "--") return i + 1 < args.length ? i + 1 : -1;
    if (!a.startsWith("-") || a === "-") return i;
    if (optionsWithValue.includes(a)) i++;
  }
  return -1;
}

/** `--name`, `--name=value` or an abbreviation (`--na`): getopt_long runs unambiguous prefixes. */
function isLongOption(arg: string, option: string, allowPrefixes: readonly string[] = []): boolean {
  if (!arg.startsWith("--") || arg.length < 3) return false;
  const name = arg.split("=", 1)[0] as string;
  if (name === option) return true;
  return option.startsWith(name) && !allowPrefixes.includes(name);
}

/** A short option letter, alone or in a bundle: `-I`, `-Ixz`, `-xIf`. */
const hasShort = (arg: string, letters: string) =>
  /^-[A-Za-z0-9]/.test(arg) && [...letters].some((l) => new RegExp(`^-[A-Za-z0-9]*${l}`).test(arg));

/** The value given to option `opt` by args[i] (`opt v`, `-Cv`, `--opt=v`), if any. */
function valueAt(args: readonly string[], i: number, opt: string): string | undefined {
  const a = args[i] as string;
  if (a === opt) return args[i + 1];
  if (opt.startsWith("--") && a.startsWith(`${opt}=`)) return a.slice(opt.length + 1);
  if (!opt.startsWith("--") && opt.length === 2 && a.startsWith(opt) && a.length > 2) return a.slice(2);
  return undefined;
}

function ruleMatches(rule: DenyRule, args: readonly string[], i: number, oldStyle: boolean): boolean {
  let a = args[i] as string;
  if (oldStyle && i === 0 && !a.startsWith("-")) a = `-${a}`;
  if (rule.args?.includes(a)) return true;
  if (rule.options?.some((o) => isLongOption(a, o, rule.allowPrefixes))) return true;
  if (rule.shorts && hasShort(a, rule.shorts)) return true;
  const re = regexOf(rule);
  if (re) {
    if (rule.optionValues) {
      for (const opt of rule.optionValues) {
        const v = valueAt(args, i, opt);
        if (v !== undefined && re.test(v)) return true;
      }
    } else if (re.test(args[i] as string)) return true;
  }
  return false;
}

function check(policy: CommandPolicy, program: string, args: readonly string[], depth: number): void {
  checkName(program);
  const restricted = policy.restricted.find((r) => r.names.includes(program));
  const entry = Object.hasOwn(policy.programs, program) ? policy.programs[program] : undefined;
  if (restricted && !entry?.allowRestricted) throw policyDenied(restricted.rule, `${program}: ${restricted.reason}`);
  if (!entry) throw policyDenied("program.not-allowed", `${quote(program)} is not an allowed program`);

  const sub = entry.subcommands ? firstOperand(args, entry.subcommands.optionsWithValue) : -1;
  const subName = sub >= 0 ? args[sub] : undefined;
  for (const rule of entry.deny ?? []) {
    if (rule.commands && subName !== undefined && rule.commands.includes(subName)) {
      throw policyDenied(rule.rule, `${program} ${subName}: ${rule.reason}`);
    }
    for (let i = 0; i < args.length; i++) {
      if (rule.global && sub >= 0 && i >= sub) break;
      if (rule.subcommand && (sub < 0 || i <= sub || !rule.subcommand.includes(subName as string))) continue;
      if (ruleMatches(rule, args, i, entry.oldStyleOptions ?? false)) {
        throw policyDenied(rule.rule, `${program} ${quote(args[i] as string)}: ${rule.reason}`, { argument: i });
      }
    }
  }

  if (entry.launcher) {
    const { optionsWithValue, assignments } = entry.launcher;
    let i = 0;
    while (i < args.length) {
      const a = args[i] as string;
      if (a === "--") {
        i++;
        break;
      }
      if (a.startsWith("-")) i += optionsWithValue.includes(a) ? 2 : 1;
      else if (assignments && /^[A-Za-z_][A-Za-z0-9_]*=/.test(a)) i++;
      else break;
    }
    if (i < args.length) {
      if (depth >= MAX_DEPTH) throw policyDenied("program.nesting", `${program}: commands nested too deeply`);
      check(policy, args[i] as string, args.slice(i + 1), depth + 1);
    }
  }
}

/** Throws POLICY_DENIED (details.rule names the rule) unless the policy allows `program args…`. */
export function checkCommand(policy: CommandPolicy, program: string, args: readonly string[]): void {
  if (args.length > policy.limits.maxArgs) {
    throw policyDenied("args.size", `at most ${policy.limits.maxArgs} arguments`);
  }
  let bytes = 0;
  for (const a of args) {
    if (a.includes("\0")) throw policyDenied("args.nul", "arguments cannot contain NUL characters");
    bytes += Buffer.byteLength(a);
  }
  if (bytes > policy.limits.maxArgBytes) {
    throw policyDenied("args.size", `arguments may total at most ${policy.limits.maxArgBytes} bytes`);
  }
  check(policy, program, args, 0);
}
