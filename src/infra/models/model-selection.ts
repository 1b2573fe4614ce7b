/**
 * Which models a call tries, in order. Pure functions: the runtime passes in the task's override,
 * the agent's default, the complexity tiers and the global default from configuration.
 */
import { isModelId } from "../../domain/model-ids.js";

export interface ComplexityTier {
  /** Inclusive bounds. */
  min: number;
  max: number;
  models: string[];
}

export type ModelSource = "task" | "agent" | "tier" | "default";

export interface ModelSelectionInput {
  /** The task's own model (or list), which wins over everything else. */
  taskOverride?: string | readonly string[] | null;
  /** The agent's default model (or list). */
  agentDefault?: string | readonly string[] | null;
  /** The task's complexity, matched against `tiers`. */
  complexity?: number | null;
  tiers?: readonly ComplexityTier[];
  /** The service-wide default model (or list). */
  globalDefault?: string | readonly string[] | null;
}

export interface ModelSelection {
  /** Every model to try, in order, without duplicates; empty when nothing is configured. */
  chain: string[];
  /** Where the first model came from; null when the chain is empty. */
  source: ModelSource | null;
}

const asList = (v: string | readonly string[] | null | undefined): string[] =>
  v === null || v === undefined
    ? []
    : (typeof v === "string" ? v.split(",") : [...v]).map((m) => m.trim()).filter((m) => m.length > 0);

/** The tier whose range holds `complexity`, if any. */
export function tierFor(tiers: readonly ComplexityTier[], complexity: number): ComplexityTier | undefined {
  return tiers.find((t) => complexity >= t.min && complexity <= t.max);
}

/**
 * The chain is the first configured source followed by the others as fallbacks, most specific
 * first: task override, agent default, the complexity tier, the global default. A model named
 * twice is tried once, at its first place.
 */
export function selectModelChain(input: ModelSelectionInput): ModelSelection {
  const sources: Array<[ModelSource, string[]]> = [
    ["task", asList(input.taskOverride)],
    ["agent", asList(input.agentDefault)],
    [
      "tier",
      input.complexity === null || input.complexity === undefined
        ? []
        : (tierFor(input.tiers ?? [], input.complexity)?.models ?? []),
    ],
    ["default", asList(input.globalDefault)],
  ];
  const chain: string[] = [];
  let source: ModelSource | null = null;
  for (const [name, models] of sources) {
    for (const model of models) {
      if (chain.includes(model)) continue;
      source ??= name;
      chain.push(model);
    }
  }
  return { chain, source };
}

export class ModelConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ModelConfigError";
  }
}

export { isModelId };

/** A comma-separated model list such as `openai/gpt-4o,anthropic/claude-sonnet-4.5`. */
export function parseModelList(text: string, what = "model list"): string[] {
  const models = text.split(",").map((m) => m.trim());
  if (models.length === 1 && models[0] === "") return [];
  for (const [i, m] of models.entries()) {
    if (m === "") throw new ModelConfigError(`${what}: entry ${i + 1} is empty (a stray comma?)`);
    if (!isModelId(m)) {
      throw new ModelConfigError(`${what}: "${m.slice(0, 60)}" is not a model id (like "openai/gpt-4o")`);
    }
  }
  return [...new Set(models)];
}

/**
 * Complexity tiers from configuration text: `1-3:modelA,modelB;4-7:modelC;8-10:modelD`. A range
 * may be one number (`5:modelE`). Ranges must lie within `bounds` and must not overlap; a gap
 * is allowed (those tasks use the other sources). Errors name the tier at fault.
 */
export function parseComplexityTiers(
  text: string,
  bounds: { min: number; max: number } = { min: 1, max: 10 },
): ComplexityTier[] {
  const tiers: ComplexityTier[] = [];
  const parts = text.split(";").map((p) => p.trim());
  if (parts.length === 1 && parts[0] === "") return [];
  for (const [i, part] of parts.entries()) {
    const label = `complexity tier ${i + 1} ("${part.slice(0, 80)}")`;
    if (part === "") throw new ModelConfigError(`complexity tier ${i + 1} is empty (a stray ";"?)`);
    const colon = part.indexOf(":");
    if (colon < 0)
      throw new ModelConfigError(`${label}: expected "min-max:model,model", e.g. "1-3:openai/gpt-4o-mini"`);
    const range = part.slice(0, colon).trim();
    const match = /^(\d+)\s*(?:-\s*(\d+))?$/.exec(range);
    if (!match) throw new ModelConfigError(`${label}: "${range}" is not a range like "1-3" or "5"`);
    const min = Number(match[1]);
    const max = match[2] === undefined ? min : Number(match[2]);
    if (min > max) throw new ModelConfigError(`${label}: the range starts above its end (${min} > ${max})`);
    if (min < bounds.min || max > bounds.max) {
      throw new ModelConfigError(`${label}: complexity runs from ${bounds.min} to ${bounds.max}`);
    }
    const models = parseModelList(part.slice(colon + 1), label);
    if (models.length === 0) throw new ModelConfigError(`${label}: names no model`);
    const clash = tiers.find((t) => min <= t.max && max >= t.min);
    if (clash) throw new ModelConfigError(`${label}: overlaps the tier ${clash.min}-${clash.max}`);
    tiers.push({ min, max, models });
  }
  return tiers.sort((a, b) => a.min - b.min);
}
