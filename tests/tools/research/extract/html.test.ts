import { describe, expect, it } from "vitest";
import { extract } from "../../../../src/tools/research/extract/extract.js";
import type { Extracted } from "../../../../src/tools/research/extract/extracted.js";
import { isoDate } from "../../../../src/tools/research/extract/metadata.js";

const URL_OF_PAGE = "https://news.example.org/2024/story.html";

const html = (markup: string | Buffer, charset: string | null = null, contentType = "text/html"): Promise<Extracted> =>
  extract({
    body: Buffer.isBuffer(markup) ? markup : Buffer.from(markup, "utf8"),
    contentType,
    charset,
    url: URL_OF_PAGE,
  });

/** An article long enough for Readability to take it as one. */
const article = (body: string) =>
  `<article><h1>Heading</h1>${body}<p>${"A sentence of the story that carries on for a while. ".repeat(12)}</p></article>`;

describe("HTML decoding", () => {
  const cafe = (declaration: string) =>
    Buffer.concat([
      Buffer.from(`<html><head>${declaration}<title>Caf`, "latin1"),
      Buffer.from([0xe9]), // é in windows-1252
      Buffer.from("</title></head><body><p>x</p></body></html>", "latin1"),
    ]);

  it("uses <meta charset>", async () => {
    expect((await html(cafe('<meta charset="windows-1252">'))).title).toBe("Café");
  });

  it("uses <meta http-equiv=content-type>", async () => {
    expect((await html(cafe('<meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-1">'))).title).toBe(
      "Café",
    );
  });

  it("lets the header's charset win over the page's declaration", async () => {
    expect((await html(cafe('<meta charset="utf-8">'), "windows-1252")).title).toBe("Café");
  });

  it("lets a byte-order mark win over the header", async () => {
    const body = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from("<title>Café ✓</title><p>x</p>", "utf8")]);
    expect((await html(body, "windows-1252")).title).toBe("Café ✓");
  });

  it("reads Shift_JIS and falls back to UTF-8 for an unknown label", async () => {
    const sjis = Buffer.from([0x93, 0xfa, 0x96, 0x7b]); // 日本
    const page = Buffer.concat([
      Buffer.from('<meta charset="shift_jis"><title>', "latin1"),
      sjis,
      Buffer.from("</title>"),
    ]);
    expect((await html(page)).title).toBe("日本");
    expect((await html("<title>naïve</title><p>x</p>", "no-such-charset")).title).toBe("naïve");
  });

  it("reads XHTML as HTML", async () => {
    const xhtml = `<?xml version="1.0" encoding="utf-8"?>
<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="de"><head><title>Seite</title></head>
<body>${article("<p>Hallo <em>Welt</em>.</p>")}</body></html>`;
    const doc = await html(xhtml, null, "application/xhtml+xml");
    expect(doc.kind).toBe("html");
    expect(doc.lang).toBe("de");
    expect(doc.text).toContain("Hallo Welt.");
  });
});

describe("HTML metadata", () => {
  it("falls back to JSON-LD, OpenGraph and meta tags, and normalises the date", async () => {
    const doc = await html(`<!DOCTYPE html><html lang="en-GB"><head>
      <title>Story title | The Paper</title>
      <meta property="og:site_name" content="The Paper">
      <meta name="author" content="Jane Doe">
      <meta property="article:published_time" content="2024-03-05T10:20:00+01:00">
      <meta name="description" content="What the story is about.">
      </head><body>${article("<p>Body.</p>")}</body></html>`);
    expect(doc).toMatchObject({
      siteName: "The Paper",
      byline: "Jane Doe",
      publishedAt: "2024-03-05T09:20:00.000Z",
      lang: "en-GB",
      excerpt: "What the story is about.",
    });
    expect(doc.title).toContain("Story title");
  });

  it("reads JSON-LD (a @graph, authors as a list)", async () => {
    const jsonLd = {
      "@context": "https://schema.org",
      "@graph": [
        { "@type": "WebSite", name: "Site" },
        {
          "@type": "NewsArticle",
          headline: "A headline",
          author: [{ "@type": "Person", name: "Ann Author" }, { name: "Bob Writer" }],
          publisher: { "@type": "Organization", name: "Example News" },
          datePublished: "2023-12-31",
        },
      ],
    };
    const doc = await html(
      `<html><head><script type="application/ld+json">${JSON.stringify(jsonLd)}</script>` +
        `<script type="application/ld+json">{ broken</script></head><body>${article("")}</body></html>`,
    );
    expect(doc.byline).toBe("Ann Author, Bob Writer");
    expect(doc.siteName).toBe("Example News");
    expect(doc.publishedAt).toBe("2023-12-31T00:00:00.000Z");
  });

  it("isoDate: ISO-8601 UTC, a date and time without a zone read as UTC, junk as null", () => {
    expect(isoDate("2020-02-03T04:05:06")).toBe("2020-02-03T04:05:06.000Z");
    expect(isoDate("Tue, 05 Mar 2024 10:20:00 GMT")).toBe("2024-03-05T10:20:00.000Z");
    expect(isoDate("not a date")).toBeNull();
    expect(isoDate("")).toBeNull();
    expect(isoDate(null)).toBeNull();
  });

  it("reads the body when Readability finds no article, with the page's metadata", async () => {
    const doc = await html(
      `<html lang="fr"><head><title>Court</title><meta name="description" content="Une page courte."></head>` +
        // Readability finds no article in a page whose only text is in an <aside>.
        `<body><aside><p>Bonjour, <a href="/suite">la suite</a>.</p><script>x()</script></aside></body></html>`,
    );
    expect(doc).toMatchObject({ kind: "html", title: "Court", lang: "fr", text: "Bonjour, la suite." });
    expect(doc.excerpt).toBe("Une page courte.");
    expect(doc.links).toEqual([{ text: "la suite", url: "https://news.example.org/suite" }]);
    expect(doc.html).toBe('<aside><p>Bonjour, <a href="https://news.example.org/suite">la suite</a>.</p></aside>');
  });

  it("reads a fragment without <html>, <head> or <body>", async () => {
    const doc = await html(`<title>Bare</title><h2>Part</h2><p>Some <b>bold</b> words.</p>`);
    expect(doc.title).toBe("Bare");
    expect(doc.text).toBe("Part\n\nSome bold words.");
  });

  it("gives an empty document empty fields", async () => {
    const doc = await html("");
    expect(doc).toMatchObject({ kind: "html", text: "", markdown: "", links: [], tables: [], wordCount: 0 });
  });
});

describe("HTML links", () => {
  it("resolves against <base href>, keeps http(s) only, drops duplicates and in-page anchors, keeps rel", async () => {
    const doc = await html(`<html><head><base href="https://cdn.example.com/docs/"></head><body>${article(`
      <p><a href="guide.html" rel="nofollow">Guide</a> <a href="guide.html">Guide again</a>
      <a href="mailto:x@example.org">mail</a> <a href="ftp://example.org/f">ftp</a>
      <a href="${URL_OF_PAGE}#section">here</a> <a href="https://other.example/"><img src="i.png" alt="Logo"></a></p>`)}
      </body></html>`);
    expect(doc.links).toEqual([
      { text: "Guide", url: "https://cdn.example.com/docs/guide.html", rel: "nofollow" },
      { text: "Logo", url: "https://other.example/" },
    ]);
    expect(doc.html).toContain('href="mailto:x@example.org"');
    expect(doc.html).toContain('src="https://cdn.example.com/docs/i.png"');
  });
});

describe("HTML tables", () => {
  it("gives tables as data (caption, header row, rows), nested tables apart, and GFM tables in Markdown", async () => {
    const doc = await html(
      `<html><body>${article(`
      <table><caption>Prices</caption>
        <thead><tr><th>Item</th><th>Price</th></tr></thead>
        <tbody><tr><td>Tea</td><td>2 | 3 €</td></tr><tr><td>Cake<br>slice</td><td>
          <table><tr><td>inner</td><td>table</td></tr></table></td></tr></tbody>
      </table>`)}</body></html>`,
    );
    expect(doc.tables).toEqual([
      {
        caption: "Prices",
        headers: ["Item", "Price"],
        rows: [
          ["Tea", "2 | 3 €"],
          ["Cake slice", "inner table"],
        ],
      },
      { caption: null, headers: [], rows: [["inner", "table"]] },
    ]);
    expect(doc.markdown).toContain("| Item | Price |\n| --- | --- |\n| Tea | 2 \\| 3 € |");
  });

  it("takes a first row of th cells as the header row", async () => {
    const doc = await html(
      `<html><body>${article("<table><tr><th>A</th><th>B</th></tr><tr><td>1</td><td>2</td></tr></table>")}</body></html>`,
    );
    expect(doc.tables).toEqual([{ caption: null, headers: ["A", "B"], rows: [["1", "2"]] }]);
  });
});
