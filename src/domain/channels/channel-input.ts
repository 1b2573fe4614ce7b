import { badInput, invalidFields, type FieldProblem } from "../errors.js";
import { text } from "../shared/validate.js";
import { channelLimits } from "./channel-terms.js";
import { controlCharRe } from "./mentions.js";

/** Text without control characters (tab and newlines allowed), trimmed, within bounds. */
export function clean(field: string, value: unknown, min: number, max: number): string {
  const v = text(field, value, { min, max });
  if (controlCharRe.test(v)) throw badInput(field, "must not contain control characters (other than tab and newline)");
  return v;
}

export function seqArg(field: string, value: number | null | undefined): number {
  const v = value ?? 0;
  if (!Number.isInteger(v) || v < 0) throw badInput(field, "must be a whole number of at least 0");
  return v;
}

export function mentionArgs(given: readonly string[]): string[] {
  if (given.length > channelLimits.mentions) {
    throw badInput("mentions", `at most ${channelLimits.mentions} mentions`);
  }
  const problems: FieldProblem[] = [];
  given.forEach((g, i) => {
    if (typeof g !== "string" || g.trim().length === 0 || g.length > 100 || controlCharRe.test(g)) {
      problems.push({
        path: `mentions.${i}`,
        message: "must be an agent's or a person's name or id (1 to 100 characters)",
      });
    }
  });
  if (problems.length > 0) throw invalidFields(problems);
  return given.map((g) => g.trim().replace(/^@/, ""));
}
