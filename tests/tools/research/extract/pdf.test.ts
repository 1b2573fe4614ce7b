import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import puppeteer from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DomainError } from "../../../../src/domain/errors.js";
import { extract } from "../../../../src/tools/research/extract/extract.js";
import { extractLimits } from "../../../../src/tools/research/extract/extracted.js";
import { buildHeavyPdf, buildPdf } from "./pdf-builder.js";

const URL_OF_PDF = "https://papers.example.org/report.pdf";
/** Debian's chromium binary; /usr/bin/chromium is a wrapper script that adds flags of its own. */
const chromium = "/usr/lib/chromium/chromium";

const readPdf = (body: Buffer, signal?: AbortSignal, pdfTimeoutMs?: number) =>
  extract({ body, contentType: "application/pdf", url: URL_OF_PDF }, { signal, pdfTimeoutMs });

/** Helvetica's advance widths (per 1,000 em) of the letters used below. */
const HELVETICA: Record<string, number> = { S: 667, p: 556, l: 222, i: 222, t: 278, j: 222, o: 556, n: 556 };
const widthAt12 = (text: string) => ([...text].reduce((sum, c) => sum + HELVETICA[c]!, 0) * 12) / 1000;

const sample = buildPdf({
  pages: [
    [
      { text: "Hello PDF world.", x: 72, y: 720 },
      { text: "Second line here.", x: 72, y: 706 }, // 14 pt lower: the next line
      { text: "A new paragraph.", x: 72, y: 670 }, // 36 pt lower: a new paragraph
      { text: "Split", x: 72, y: 656 },
      { text: "words", x: 72 + widthAt12("Split") + 4, y: 656 }, // a gap: a space
      { text: "join", x: 72, y: 642 },
      { text: "ed (in one word)", x: 72 + widthAt12("join"), y: 642 }, // no gap: one word
      { text: "# not a heading", x: 72, y: 600 },
    ],
    [{ text: "Page two text.", x: 72, y: 720 }],
  ],
  info: {
    Title: "A Test Document",
    Author: "Ada Lovelace",
    Subject: "About testing",
    CreationDate: "D:20240102030405+01'00'",
  },
  lang: "en-GB",
  links: [
    { page: 0, rect: [70, 715, 170, 732], uri: "https://example.org/hello" },
    { page: 0, rect: [70, 700, 170, 716], uri: "javascript:alert(1)" },
  ],
});

describe("PDF extraction", () => {
  it("reads the text of every page in reading order, lines and paragraphs by position", async () => {
    const doc = await readPdf(sample);
    expect(doc.kind).toBe("pdf");
    expect(doc.text).toBe(
      "Hello PDF world.\nSecond line here.\n\nA new paragraph.\nSplit words\njoined (in one word)\n\n# not a heading" +
        "\n\nPage two text.",
    );
    expect(doc.wordCount).toBe(22);
    expect(doc.markdown).toBe(
      "Hello PDF world.\nSecond line here.\n\nA new paragraph.\nSplit words\njoined (in one word)\n\n\\# not a heading" +
        "\n\n---\n\nPage two text.",
    );
    expect(doc.html).toBe(
      "<section><p>Hello PDF world.<br>Second line here.</p><p>A new paragraph.<br>Split words<br>joined (in one word)</p>" +
        "<p># not a heading</p></section>\n<section><p>Page two text.</p></section>",
    );
    expect(doc.limitsHit).toEqual([]);
  });

  it("reads the metadata: Title, Author, CreationDate as ISO-8601 UTC, the catalog's language, Subject", async () => {
    const doc = await readPdf(sample);
    expect(doc).toMatchObject({
      title: "A Test Document",
      byline: "Ada Lovelace",
      siteName: null,
      publishedAt: "2024-01-02T02:04:05.000Z",
      lang: "en-GB",
      excerpt: "About testing",
      tables: [],
    });
  });

  it("lists its URI links with the text inside them, http(s) only", async () => {
    const doc = await readPdf(sample);
    expect(doc.links).toEqual([{ text: "Hello PDF world.", url: "https://example.org/hello" }]);
    expect(doc.pageLinks).toEqual(doc.links);
  });

  it("reads only the first pages of a long document", async () => {
    const pages = Array.from({ length: extractLimits.pdfPages + 1 }, (_, i) => [
      { text: `Page ${i + 1}`, x: 72, y: 720 },
    ]);
    const doc = await readPdf(buildPdf({ pages }));
    expect(doc.limitsHit).toEqual(["pdfPages"]);
    expect(doc.text).toContain(`Page ${extractLimits.pdfPages}`);
    expect(doc.text).not.toContain(`Page ${extractLimits.pdfPages + 1}`);
    expect(doc.title).toBeNull();
    expect(doc.excerpt).toBe("Page 1");
  });

  it.each([
    ["a truncated file", sample.subarray(0, 40)],
    ["garbage after a PDF header", Buffer.from("%PDF-1.7\nthis is not a PDF at all\n%%EOF\n")],
    ["bytes that are no PDF", Buffer.from("<html><body>not a pdf</body></html>")],
    ["an empty body", Buffer.alloc(0)],
  ])("rejects %s with FETCH_FAILED (malformed)", async (_name, body) => {
    const error = await readPdf(body).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ code: "FETCH_FAILED", details: { reason: "malformed", url: URL_OF_PDF } });
  });

  it("stops a PDF that takes too long with LIMIT_EXCEEDED (time)", async () => {
    // 200 pages of 100,000 operators each, in about 30 KB: many seconds of work on any machine.
    const heavy = buildHeavyPdf(100_000, extractLimits.pdfPages);
    expect(heavy.length).toBeLessThan(50_000);
    const error = await readPdf(heavy, undefined, 200).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({
      code: "LIMIT_EXCEEDED",
      details: { limit: "time", timeoutMs: 200, url: URL_OF_PDF },
    });
  });

  it("stops when its signal aborts", async () => {
    const controller = new AbortController();
    controller.abort(new Error("cancelled by the caller"));
    await expect(readPdf(sample, controller.signal)).rejects.toThrow("cancelled by the caller");
  });
});

describe.skipIf(!existsSync(chromium))("PDF printed by Chromium", () => {
  let pdf: Buffer;
  let profileDir: string;

  beforeAll(async () => {
    profileDir = mkdtempSync(join(tmpdir(), "chromium-profile-"));
    const browser = await puppeteer.launch({
      executablePath: chromium,
      // A loaded machine has been seen to take over 25 s to start Chromium.
      timeout: 90_000,
      args: ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", `--user-data-dir=${profileDir}`],
    });
    try {
      const page = await browser.newPage();
      await page.setContent(`<!DOCTYPE html><html lang="fr"><head><title>Rapport annuel</title></head><body>
        <h1>Premier chapitre</h1>
        <p>Le radium est un élément chimique. Il a été découvert en 1898.</p>
        <p>Second paragraphe avec un <a href="https://example.org/radium">lien externe</a>.</p>
        <h2 style="break-before: page">Deuxième page</h2><p>Texte de la deuxième page.</p></body></html>`);
      pdf = Buffer.from(await page.pdf({ format: "A4", tagged: true }));
    } finally {
      await browser.close();
    }
  }, 120_000);

  afterAll(() => rmSync(profileDir, { recursive: true, force: true }));

  it("reads its pages, title, language, creation date and link", async () => {
    const doc = await readPdf(pdf);
    expect(doc.text).toBe(
      "Premier chapitre\n\nLe radium est un élément chimique. Il a été découvert en 1898.\n\n" +
        "Second paragraphe avec un lien externe.\n\nDeuxième page\n\nTexte de la deuxième page.",
    );
    expect(doc.markdown.split("\n\n---\n\n")).toHaveLength(2);
    expect(doc).toMatchObject({ title: "Rapport annuel", lang: "fr" });
    expect(Date.parse(doc.publishedAt!)).toBeGreaterThan(Date.parse("2020-01-01"));
    expect(doc.links).toEqual([{ text: "lien externe", url: "https://example.org/radium" }]);
  });
});
