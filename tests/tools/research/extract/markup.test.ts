/**
 * The markup pass before parsing: the depth it allows must be the depth linkedom (htmlparser2)
 * then builds, however the markup tries to hide its nesting, and it must give every HTML document
 * its <html>, <head> and <body>.
 */
import { describe, expect, it } from "vitest";
import {
  type DomDocument,
  type DomNode,
  isElement,
  parseHtmlDocument,
  parseXmlDocument,
} from "../../../../src/tools/research/extract/dom.js";
import { prepareHtml, prepareXml } from "../../../../src/tools/research/extract/markup.js";

const CAP = 64;
const N = 5_000;

/** The deepest element nesting of a parsed document (iterative). */
function depthOf(doc: DomDocument): number {
  let deepest = 0;
  const stack: Array<[DomNode, number]> = [[doc.documentElement, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    deepest = Math.max(deepest, depth);
    for (const child of Array.from(node.childNodes)) if (isElement(child)) stack.push([child, depth + 1]);
  }
  return deepest;
}

const htmlDepth = (markup: string) => depthOf(parseHtmlDocument(prepareHtml(markup, CAP).markup));

describe("prepareHtml: nesting", () => {
  it.each([
    ["nested divs", `${"<div>".repeat(N)}x`],
    ["self-closing divs (not self-closing in HTML)", `${"<div/>".repeat(N)}x`],
    ["unclosed inline tags", `<p>${"<b><i>".repeat(N)}x`],
    ["tags in quoted attributes", `${"<div title=\"a>b\" data-x='<p>'>".repeat(N)}x`],
    ["unquoted attributes ending in a slash", `${"<a href=/x/>".repeat(N)}x`],
    ["svg's foreignObject, whose content is HTML again", `<svg><foreignObject>${"<div/>".repeat(N)}x`],
    ["upper-case tags", `${"<DIV>".repeat(N)}x${"</div>".repeat(N)}`],
    ["nested tables", `${"<table><tr><td>".repeat(N)}x`],
  ])("caps %s at the cap", (_name, body) => {
    const depth = htmlDepth(`<html><body>${body}</body></html>`);
    expect(depth).toBeGreaterThanOrEqual(CAP);
    expect(depth).toBeLessThanOrEqual(CAP + 2);
  });

  it.each([
    ["sibling paragraphs (each <p> closes the last)", `${"<p>x".repeat(N)}`],
    ["sibling list items", `<ul>${"<li>x".repeat(N)}</ul>`],
    ["self-closing tags inside svg", `<svg>${"<path/>".repeat(N)}</svg>`],
    ["tags inside comments", `<!--${"<div>".repeat(N)}-->`],
    ["tags inside CDATA", `<![CDATA[${"<div>".repeat(N)}]]>`],
    ["tags inside a script", `<script>${"<div>".repeat(N)}</script>`],
    [
      "tags inside a textarea and a title",
      `<textarea>${"<div>".repeat(N)}</textarea><title>${"<b>".repeat(N)}</title>`,
    ],
    ["void elements", `${"<br><img src=x><input>".repeat(N)}`],
  ])("leaves %s alone", (_name, body) => {
    const prepared = prepareHtml(`<html><body>${body}</body></html>`, CAP);
    expect(prepared.droppedTags).toBe(0);
    expect(depthOf(parseHtmlDocument(prepared.markup))).toBeLessThan(CAP);
  });

  it("keeps the text of the tags it drops, and their end tags go with them", () => {
    const prepared = prepareHtml(`<body>${"<div>".repeat(10)}deep${"</div>".repeat(10)}<p>after</p></body>`, 4);
    expect(prepared.droppedTags).toBe(14); // 7 start tags past depth 4 (html, body and two divs are kept) and their ends
    const doc = parseHtmlDocument(prepared.markup);
    expect(doc.body!.textContent).toBe("deepafter");
    expect(doc.querySelector("p")!.parentNode).toBe(doc.body);
  });

  it("caps XML too", () => {
    const prepared = prepareXml(`<?xml version="1.0"?><r>${"<a><b/>".repeat(N)}x${"</a>".repeat(N)}</r>`, CAP);
    const depth = depthOf(parseXmlDocument(prepared.markup));
    expect(depth).toBeGreaterThanOrEqual(CAP);
    expect(depth).toBeLessThanOrEqual(CAP + 1);
  });
});

describe("prepareHtml: what linkedom would not serialise back", () => {
  it("removes comments, CDATA sections, doctypes, processing instructions and bogus comments", () => {
    const prepared = prepareHtml(
      `<!DOCTYPE html><?xml version="1.0"?><html><body><!-- c --><p>a<![CDATA[ b ]]>c</ 1>d</p><!x></body></html>`,
      CAP,
    );
    expect(prepared.markup).toBe("<html><head><body><p>acd</p>");
  });

  it("keeps them in XML", () => {
    const xml = `<?xml version="1.0"?><!DOCTYPE r><r><!-- c --><![CDATA[ b ]]></r>`;
    expect(prepareXml(xml, CAP).markup).toBe(xml);
  });
});

describe("prepareHtml: shape", () => {
  const shape = (markup: string) => {
    const doc = parseHtmlDocument(prepareHtml(markup, CAP).markup);
    return { title: doc.querySelector("title")?.textContent, head: doc.head !== null, body: doc.body!.innerHTML };
  };

  it.each([
    ["a bare fragment", "<p>x</p>"],
    ["plain text", "x"],
    ["a head without <html>", "<title>T</title><p>x</p>"],
    ["<html> without head or body", "<!DOCTYPE html><html lang=en><title>T</title><p>x</p></html>"],
    ["a head without a body", "<html><head><title>T</title></head><p>x</p></html>"],
    ["a body without a head", "<html><title>T</title><body><p>x</p></body></html>"],
    ["content after </body> and </html>", "<html><head><title>T</title></head><body></body></html><p>x</p>"],
  ])("puts the content of %s in the body", (_name, markup) => {
    const result = shape(markup);
    expect(result.body).toMatch(/^(<p>x<\/p>|x)$/);
    if (markup.includes("<title>")) expect(result.title).toBe("T");
  });
});
