import { describe, expect, it } from "vitest";
import { cslName } from "../../../src/tools/research/bibliography.js";
import {
  checkCitations,
  fixRequest,
  normalizeForMatch,
  parseCitations,
  quoteIn,
} from "../../../src/tools/research/citations.js";
import { authorsOf } from "../../../src/tools/research/page.js";

const source = {
  number: 1,
  text: "The pools recover quickly once the tide returns — bringing “cold water”\n\n and food from the open ocean.",
};

describe("research citations", () => {
  it('parses [n: "quote"] citations with the claim before each, side-by-side citations sharing it', () => {
    const parsed = parseCitations(
      'Pools recover fast [1: "recover quickly once the tide returns"] [2: “cold water and food”]. ' +
        'Urchins dig in, as one survey found [3: "digs deeper into the rock"].\nNo citation here.',
    );
    expect(parsed.map((c) => [c.number, c.quote, c.claim])).toEqual([
      [1, "recover quickly once the tide returns", "Pools recover fast"],
      [2, "cold water and food", "Pools recover fast"],
      [3, "digs deeper into the rock", "Urchins dig in, as one survey found"],
    ]);
  });

  it("finds a quote whatever its case, whitespace, quote marks and dashes, and across an ellipsis in order", () => {
    const text = normalizeForMatch(source.text);
    expect(quoteIn('THE TIDE RETURNS - bringing "cold water" and food', text)).toBe(true);
    expect(quoteIn("pools recover quickly ... from the open ocean", text)).toBe(true);
    expect(quoteIn("from the open ocean … pools recover quickly", text)).toBe(false);
    expect(quoteIn("the tide never returns", text)).toBe(false);
  });

  it("names the problem of each unverified citation, and asks for a fix only when one fails", () => {
    const checks = checkCitations(
      parseCitations(
        'A [1: "recover quickly once the tide"]. B [1: "the tide never returns"]. C [4: "cold water and food"]. D [1: "tide"].',
      ),
      [source],
    );
    expect(checks.map((c) => c.problem)).toEqual([
      null,
      "the quote is not in the text of source 1",
      "source 4 does not exist: the sources are numbered 1",
      "the quote is too short to check: quote at least 3 words of source 1",
    ]);
    const fix = fixRequest(checks)!;
    expect(fix).toContain("3 of your 4 citations could not be verified");
    expect(fix).toContain('[4: "cold water and food"] (after "C"): source 4 does not exist');
    expect(fixRequest(checks.slice(0, 1))).toBeNull();
    expect(fixRequest([])).toContain("cites no source");
  });

  it("reads authors from a byline and names them as CSL does", () => {
    expect(authorsOf("By Ada Lovelace and Grace Hopper")).toEqual(["Ada Lovelace", "Grace Hopper"]);
    expect(authorsOf("Lovelace, Ada")).toEqual(["Lovelace, Ada"]);
    expect(authorsOf(null)).toEqual([]);
    expect(cslName("Lovelace, Ada")).toEqual({ family: "Lovelace", given: "Ada" });
    expect(cslName("Ada King Lovelace")).toEqual({ family: "Lovelace", given: "Ada King" });
    expect(cslName("the Editors of Example Weekly")).toEqual({ literal: "the Editors of Example Weekly" });
  });
});
