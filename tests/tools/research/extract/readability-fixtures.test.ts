/**
 * Extraction against Mozilla Readability's own test pages (fixtures/readability/, copies of
 * ../shared/fixtures/readability/): for every case, the metadata must equal expected-metadata.json
 * and the article must be the article of expected.html, which Readability produced under jsdom.
 *
 * Normalisation: metadata fields are compared as they are (publishedAt is expected-metadata's
 * publishedTime as ISO-8601 UTC, and null stays null); texts are compared with every run of
 * whitespace made one space, since our HTML keeps the source's indentation where jsdom's
 * serialisation re-indented. No similarity threshold is needed: every case matches exactly.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseHtmlFragment } from "../../../../src/tools/research/extract/dom.js";
import { extract } from "../../../../src/tools/research/extract/extract.js";
import { isoDate } from "../../../../src/tools/research/extract/metadata.js";
import { readableText } from "../../../../src/tools/research/extract/text.js";

const fixturesDir = join(import.meta.dirname, "fixtures", "readability");
/** The URL Readability's test harness gives every page; expected.html's links are resolved against it. */
const PAGE_URL = "http://fakehost/test/page.html";

interface ExpectedMetadata {
  title: string | null;
  byline: string | null;
  siteName: string | null;
  publishedTime: string | null;
  lang: string | null;
  excerpt: string | null;
}

const cases = readdirSync(fixturesDir, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

const read = (name: string, file: string) => readFileSync(join(fixturesDir, name, file));
const collapse = (text: string) => text.replace(/\s+/g, " ").trim();

async function extractCase(name: string) {
  return extract({ body: read(name, "source.html"), contentType: "text/html", charset: null, url: PAGE_URL });
}

describe("extraction against Readability's fixtures", () => {
  it("finds the fixtures", () => {
    expect(cases).toEqual(["daringfireball-1", "v8-blog"]);
  });

  describe.each(cases)("%s", (name) => {
    const expectedMetadata = JSON.parse(read(name, "expected-metadata.json").toString("utf8")) as ExpectedMetadata;
    const expectedRoot = parseHtmlFragment(read(name, "expected.html").toString("utf8")).body!;

    it("gives the expected metadata", async () => {
      const doc = await extractCase(name);
      expect({
        title: doc.title,
        byline: doc.byline,
        siteName: doc.siteName,
        publishedAt: doc.publishedAt,
        lang: doc.lang,
        excerpt: doc.excerpt,
      }).toEqual({
        title: expectedMetadata.title,
        byline: expectedMetadata.byline,
        siteName: expectedMetadata.siteName,
        publishedAt: isoDate(expectedMetadata.publishedTime),
        lang: expectedMetadata.lang,
        excerpt: expectedMetadata.excerpt,
      });
      expect(doc.kind).toBe("html");
      expect(doc.limitsHit).toEqual([]);
    });

    it("extracts the article's text exactly", async () => {
      const doc = await extractCase(name);
      const ourRoot = parseHtmlFragment(doc.html).body!;
      // Text content of our sanitized article HTML against expected.html's.
      expect(collapse(ourRoot.textContent ?? "")).toBe(collapse(expectedRoot.textContent ?? ""));
      // The plain text: the same words as expected.html's text content, only whitespace differs…
      expect(doc.text.replace(/\s+/g, "")).toBe((expectedRoot.textContent ?? "").replace(/\s+/g, ""));
      // …and exactly the text expected.html reads as.
      expect(doc.text).toBe(readableText(expectedRoot));
      expect(doc.wordCount).toBe(collapse(doc.text).split(" ").length);
    });

    it("lists the article's links, absolute, as expected.html has them", async () => {
      const doc = await extractCase(name);
      const expectedUrls = [
        ...new Set(
          Array.from(expectedRoot.querySelectorAll("a[href]"))
            .map((a) => new URL(a.getAttribute("href")!, PAGE_URL))
            .filter((url) => url.protocol === "http:" || url.protocol === "https:")
            .filter((url) => url.href.replace(/#.*$/, "") !== PAGE_URL)
            .map((url) => url.href),
        ),
      ];
      expect(doc.links.map((link) => link.url)).toEqual(expectedUrls);
      expect(doc.links.length).toBeGreaterThan(10);
      expect(doc.pageLinks.length).toBeGreaterThan(doc.links.length);
      // Every Markdown link and image target is absolute.
      const targets = [...doc.markdown.matchAll(/\]\(([^)\s]+)/g)].map((match) => match[1]!);
      expect(targets.length).toBeGreaterThan(0);
      for (const target of targets) expect(target).toMatch(/^https?:\/\//);
    });
  });

  it("keeps code blocks and their line breaks in Markdown (v8-blog)", async () => {
    const doc = await extractCase("v8-blog");
    expect(doc.markdown).toContain(
      "```\n// add.c\n#include <emscripten.h>\n\nEMSCRIPTEN_KEEPALIVE\nint add(int x, int y) {",
    );
    expect(doc.markdown).toContain(
      "[**standalone Wasm**](https://github.com/emscripten-core/emscripten/wiki/WebAssembly-Standalone)",
    );
    expect(doc.markdown).toMatch(/^## Using standalone mode in Emscripten/m);
  });

  it("reads the Daring Fireball page's links with their text", async () => {
    const doc = await extractCase("daringfireball-1");
    expect(doc.links).toContainEqual({ text: "BBEdit", url: "http://www.barebones.com/products/bbedit/" });
    // A link around an image takes the image's alt text.
    expect(doc.links[0]).toEqual({
      text: "Photograph of the author.",
      url: "http://fakehost/graphics/author/addison-bw.jpg",
    });
    // The page's navigation is in pageLinks, not in the article's links.
    expect(doc.pageLinks).toContainEqual({ text: "Archive", url: "http://fakehost/archive/" });
    expect(doc.links.map((link) => link.url)).not.toContain("http://fakehost/archive/");
  });
});
