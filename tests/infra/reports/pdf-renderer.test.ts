import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_CHROMIUM_PATH } from "../../../src/config.js";
import { PdfRenderer, withMetadata, type PdfPrintOptions } from "../../../src/infra/reports/pdf-renderer.js";
import { poppler } from "../../helpers/poppler.js";

const print: PdfPrintOptions = {
  format: "A4",
  landscape: false,
  margin: { top: "20mm", right: "15mm", bottom: "20mm", left: "15mm" },
  headerTemplate: "<span></span>",
  footerTemplate: `<div style="font-size:8pt;width:100%;text-align:right">Page <span class="pageNumber"></span> of <span class="totalPages"></span></div>`,
};

describe("PdfRenderer (real Chromium, poppler)", () => {
  let server: Server;
  let port = 0;
  const requests: string[] = [];
  const renderer = new PdfRenderer({
    chromiumPath: DEFAULT_CHROMIUM_PATH,
    maxConcurrent: 2,
    timeoutMs: 4_000,
    maxBytes: 5 * 1024 * 1024,
  });

  beforeAll(async () => {
    server = createServer((req, res) => {
      requests.push(req.url ?? "");
      res.end("x");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await renderer.close();
    await new Promise((resolve) => server.close(resolve));
  });

  it("prints the text and the page numbers, and sets the metadata", async () => {
    const pages = Array.from(
      { length: 3 },
      (_, i) => `<h1 style="page-break-before:always">Chapter ${i + 1}</h1><p>Quarterly total 4711</p>`,
    );
    const pdf = await renderer.render(`<!doctype html><html><body>${pages.join("")}</body></html>`, print);
    const created = new Date("2026-03-04T05:06:07Z");
    const { bytes } = await withMetadata(pdf, {
      title: "My Title",
      author: "Ann Author",
      subject: "The subject",
      createdAt: created,
    });
    const text = await poppler("pdftotext", bytes, ["-layout"]);
    expect(text).toContain("Quarterly total 4711");
    expect(text).toContain("Page 1 of 3");
    expect(text).toContain("Page 3 of 3");
    const info = await poppler("pdfinfo", bytes, ["-isodates"]);
    expect(info).toMatch(/Title:\s+My Title/);
    expect(info).toMatch(/Author:\s+Ann Author/);
    expect(info).toMatch(/Subject:\s+The subject/);
    expect(info).toMatch(/CreationDate:\s+2026-03-04T05:06:07/);
  });

  it("loads nothing from the network: images, CSS url(), links and fetches are aborted", async () => {
    const base = `http://127.0.0.1:${port}`;
    const html = `<html><head><link rel="stylesheet" href="${base}/style.css"><style>body{background:url(${base}/bg.png)}</style></head>
      <body><img src="${base}/x.png"><iframe src="${base}/frame"></iframe><p>offline</p></body></html>`;
    const pdf = await renderer.render(html, print);
    expect(await poppler("pdftotext", pdf)).toContain("offline");
    expect(requests).toEqual([]);
    expect(renderer.refused.some((u) => u.startsWith(base))).toBe(true);
  });

  it("holds renders to REPORT_MAX_CONCURRENT", async () => {
    const html = `<p>${"row ".repeat(2000)}</p>`;
    const all = await Promise.all(Array.from({ length: 6 }, () => renderer.render(html, print)));
    expect(all).toHaveLength(6);
    expect(renderer.peakConcurrent).toBe(2);
  });

  it("stops a hung render with LIMIT_EXCEEDED (report.time), and renders again after", async () => {
    const hung = renderer.render(`<script>for(;;){}</script><p>never</p>`, { ...print, javaScript: true });
    await expect(hung).rejects.toMatchObject({ code: "LIMIT_EXCEEDED", details: { limit: "report.time" } });
    const pdf = await renderer.render("<p>after the hang</p>", print);
    expect(await poppler("pdftotext", pdf)).toContain("after the hang");
  });

  it("replaces a killed browser at the next render", async () => {
    await renderer.render("<p>warm</p>", print);
    const pid = await renderer.browserPid();
    expect(pid).toBeGreaterThan(0);
    process.kill(pid!, "SIGKILL");
    const pdf = await renderer.render("<p>after the kill</p>", print);
    expect(await poppler("pdftotext", pdf)).toContain("after the kill");
    const next = await renderer.browserPid();
    expect(next).toBeGreaterThan(0);
    expect(next).not.toBe(pid);
  });

  it("refuses a PDF over the size cap", async () => {
    const small = new PdfRenderer({
      chromiumPath: DEFAULT_CHROMIUM_PATH,
      maxConcurrent: 1,
      timeoutMs: 10_000,
      maxBytes: 1024,
    });
    try {
      await expect(small.render(`<p>${"big ".repeat(5000)}</p>`, print)).rejects.toMatchObject({
        code: "LIMIT_EXCEEDED",
        details: { limit: "report.bytes" },
      });
    } finally {
      await small.close();
    }
  });
});
