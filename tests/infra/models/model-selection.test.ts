import { describe, expect, it } from "vitest";
import {
  ModelConfigError,
  parseComplexityTiers,
  parseModelList,
  selectModelChain,
  tierFor,
} from "../../../src/infra/models/model-selection.js";

const tiers = parseComplexityTiers("1-3:cheap/a,cheap/b;4-7:mid/c;8-10:big/d");

describe("selectModelChain", () => {
  it("puts the task override first, then the agent default, the tier and the global default, without duplicates", () => {
    expect(
      selectModelChain({
        taskOverride: "task/x",
        agentDefault: ["agent/y", "task/x"],
        complexity: 2,
        tiers,
        globalDefault: "cheap/a,global/z",
      }),
    ).toEqual({ chain: ["task/x", "agent/y", "cheap/a", "cheap/b", "global/z"], source: "task" });
  });

  it("uses the agent default when the task has no override", () => {
    expect(selectModelChain({ taskOverride: null, agentDefault: "agent/y", complexity: 9, tiers })).toEqual({
      chain: ["agent/y", "big/d"],
      source: "agent",
    });
  });

  it("picks the tier of the task's complexity", () => {
    expect(selectModelChain({ complexity: 5, tiers, globalDefault: "global/z" })).toEqual({
      chain: ["mid/c", "global/z"],
      source: "tier",
    });
    expect(selectModelChain({ complexity: 10, tiers }).chain).toEqual(["big/d"]);
  });

  it("falls back to the global default outside every tier, and is empty when nothing is configured", () => {
    const gappy = parseComplexityTiers("1-3:cheap/a;8-10:big/d");
    expect(selectModelChain({ complexity: 5, tiers: gappy, globalDefault: "global/z" })).toEqual({
      chain: ["global/z"],
      source: "default",
    });
    expect(selectModelChain({})).toEqual({ chain: [], source: null });
    expect(selectModelChain({ taskOverride: " ", agentDefault: [], globalDefault: "" })).toEqual({
      chain: [],
      source: null,
    });
  });
});

describe("parseComplexityTiers", () => {
  it("parses ranges, single numbers and model lists, sorted by range", () => {
    expect(parseComplexityTiers(" 8-10 : big/d ; 1-3:cheap/a, cheap/b ;5:ollama/llama3.1:8b")).toEqual([
      { min: 1, max: 3, models: ["cheap/a", "cheap/b"] },
      { min: 5, max: 5, models: ["ollama/llama3.1:8b"] },
      { min: 8, max: 10, models: ["big/d"] },
    ]);
    expect(parseComplexityTiers("")).toEqual([]);
    expect(tierFor(tiers, 4)?.models).toEqual(["mid/c"]);
    expect(tierFor(tiers, 11)).toBeUndefined();
  });

  it("accepts OpenRouter ids with variants and aliases", () => {
    expect(
      parseComplexityTiers("1-10:~anthropic/claude-sonnet-latest,google/gemini-2.0-flash-exp:free")[0]?.models,
    ).toEqual(["~anthropic/claude-sonnet-latest", "google/gemini-2.0-flash-exp:free"]);
  });

  it.each([
    ["1-3", /tier 1 \("1-3"\): expected "min-max:model,model"/],
    ["1-3:a/b;;4-5:c/d", /tier 2 is empty/],
    ["one-3:a/b", /"one-3" is not a range like "1-3" or "5"/],
    ["5-3:a/b", /starts above its end \(5 > 3\)/],
    ["0-3:a/b", /complexity runs from 1 to 10/],
    ["8-11:a/b", /complexity runs from 1 to 10/],
    ["1-3:", /tier 1 \("1-3:"\): names no model/],
    ["1-3:a/b,,c/d", /entry 2 is empty/],
    ["1-3:a b", /"a b" is not a model id/],
    ["1-4:a/b;4-7:c/d", /tier 2 \("4-7:c\/d"\): overlaps the tier 1-4/],
  ])("rejects %j with a clear error", (text, message) => {
    expect(() => parseComplexityTiers(text)).toThrow(ModelConfigError);
    expect(() => parseComplexityTiers(text)).toThrow(message);
  });

  it("honours other complexity bounds", () => {
    expect(parseComplexityTiers("0-5:a/b", { min: 0, max: 5 })).toEqual([{ min: 0, max: 5, models: ["a/b"] }]);
  });
});

describe("parseModelList", () => {
  it("splits, trims and de-duplicates", () => {
    expect(parseModelList(" openai/gpt-4o , anthropic/claude-sonnet-4.5,openai/gpt-4o")).toEqual([
      "openai/gpt-4o",
      "anthropic/claude-sonnet-4.5",
    ]);
    expect(parseModelList("")).toEqual([]);
    expect(() => parseModelList("a/b;c/d", "OPENROUTER_DEFAULT_MODEL")).toThrow(
      /^OPENROUTER_DEFAULT_MODEL: "a\/b;c\/d"/,
    );
  });
});
