import { describe, expect, it } from "vitest";
import { DomainError } from "../../../../src/domain/errors.js";
import { extract, kindOf } from "../../../../src/tools/research/extract/extract.js";

const URL_OF_DOC = "https://data.example.org/files/doc";
const read = (body: string | Buffer, contentType: string, charset: string | null = null) =>
  extract({ body: Buffer.isBuffer(body) ? body : Buffer.from(body, "utf8"), contentType, charset, url: URL_OF_DOC });

describe("kinds", () => {
  it.each([
    ["text/html", "html"],
    ["application/xhtml+xml", "html"],
    ["application/pdf", "pdf"],
    ["application/json", "json"],
    ["application/ld+json", "json"],
    ["text/xml", "xml"],
    ["application/rss+xml", "xml"],
    ["application/atom+xml", "xml"],
    ["text/plain", "text"],
    ["text/markdown", "text"],
    ["Text/HTML; charset=UTF-8", "html"],
  ])("%s is read as %s", (contentType, kind) => {
    expect(kindOf(contentType, Buffer.alloc(0))).toBe(kind);
  });

  it("reads other types by their first bytes", () => {
    expect(kindOf("application/octet-stream", Buffer.from("%PDF-1.7\n"))).toBe("pdf");
    expect(kindOf("application/octet-stream", Buffer.from("\ufeff  <!DOCTYPE html><p>x"))).toBe("html");
    expect(kindOf("image/png", Buffer.from([0x89, 0x50, 0x4e, 0x47]))).toBeNull();
  });

  it("refuses what it cannot read with FETCH_FAILED (unsupported)", async () => {
    const error = await read(Buffer.from([0x89, 0x50, 0x4e, 0x47]), "image/png").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ code: "FETCH_FAILED", details: { reason: "unsupported", contentType: "image/png" } });
  });
});

describe("plain text", () => {
  it("keeps the text, normalises line breaks, lists the URLs written in it", async () => {
    const doc = await read(
      "Notes\r\nSee https://a.example/x, and (https://b.example/y).\r\nAgain https://a.example/x.\r\n",
      "text/plain",
    );
    expect(doc).toMatchObject({
      kind: "text",
      text: "Notes\nSee https://a.example/x, and (https://b.example/y).\nAgain https://a.example/x.\n",
      links: [
        { text: "", url: "https://a.example/x" },
        { text: "", url: "https://b.example/y" },
      ],
      wordCount: 7,
      tables: [],
    });
    expect(doc.html).toBe(
      "<pre>Notes\nSee https://a.example/x, and (https://b.example/y).\nAgain https://a.example/x.\n</pre>",
    );
  });

  it("decodes the header's charset", async () => {
    const doc = await read(Buffer.from([0x63, 0x61, 0x66, 0xe9]), "text/plain", "iso-8859-1");
    expect(doc.text).toBe("café");
  });

  it("escapes markup in its HTML", async () => {
    const doc = await read("<script>alert(1)</script> & more", "text/plain");
    expect(doc.html).toBe("<pre>&lt;script&gt;alert(1)&lt;/script&gt; &amp; more</pre>");
  });
});

describe("JSON", () => {
  it("pretty-prints the value", async () => {
    const doc = await read('{"name":"x","items":[1,2],"home":"https://x.example/"}', "application/json");
    expect(doc.kind).toBe("json");
    expect(doc.text).toBe('{\n  "name": "x",\n  "items": [\n    1,\n    2\n  ],\n  "home": "https://x.example/"\n}');
    expect(doc.markdown).toBe("```json\n" + doc.text + "\n```");
    expect(doc.links).toEqual([{ text: "", url: "https://x.example/" }]);
  });

  it("keeps a body that is not JSON as sent", async () => {
    const doc = await read("{not json", "application/json");
    expect(doc.text).toBe("{not json");
  });
});

describe("XML", () => {
  const feed = `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel>
  <title>Example feed</title><language>en-us</language><link>https://feed.example/</link>
  <item><title>First &amp; best</title><link>https://feed.example/1</link><description><![CDATA[<p>One</p>]]></description></item>
  <item><title>Second</title><link>javascript:alert(1)</link></item>
</channel></rss>`;

  it("reads a feed's text, title, language and links", async () => {
    const doc = await read(feed, "application/rss+xml");
    expect(doc).toMatchObject({
      kind: "xml",
      title: "Example feed",
      lang: "en-us",
      links: [
        { text: "Example feed", url: "https://feed.example/" },
        { text: "First & best", url: "https://feed.example/1" },
      ],
    });
    expect(doc.text).toBe(
      "Example feed\nen-us\nhttps://feed.example/\nFirst & best\nhttps://feed.example/1\n<p>One</p>\nSecond\njavascript:alert(1)",
    );
    expect(doc.html.startsWith("<pre>Example feed")).toBe(true);
    expect(doc.html).not.toContain("<p>");
  });

  it("reads an Atom feed's link hrefs and the root's xml:lang", async () => {
    const doc = await read(
      `<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="nl"><title>Atom</title>
        <entry><title>Entry</title><link href="/entries/1"/></entry></feed>`,
      "application/atom+xml",
    );
    expect(doc).toMatchObject({
      title: "Atom",
      lang: "nl",
      links: [{ text: "Entry", url: "https://data.example.org/entries/1" }],
    });
  });

  it("does not expand entities a DTD declares", async () => {
    const bomb = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><r>&lol2;</r>`;
    const doc = await read(bomb, "application/xml");
    expect(doc.text.length).toBeLessThan(100);
  });
});
