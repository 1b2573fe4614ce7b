/**
 * A small web for the research tools' tests and benchmark, on 127.0.0.1: article pages, a PDF, a
 * broken PDF, an image, a 404, and DuckDuckGo's html endpoint answering with the recorded results
 * page (tests/fixtures/ddg) whose ten result links are rewritten to pages of this server, so a
 * research run searches, follows and reads them all locally. Every request is recorded.
 */
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { ddgFixture } from "./fake-duckduckgo.js";
import { readJsonFixture, type Turn } from "./fake-openrouter.js";

export interface ArticleSpec {
  title: string;
  author: string;
  site: string;
  published: string;
  paragraphs: string[];
  links?: Array<[text: string, href: string]>;
  table?: { caption: string; headers: string[]; rows: string[][] };
}

/** An article page with the metadata Readability reads (title, byline, site name, published time, lang). */
export function articleHtml(a: ArticleSpec): string {
  const links = (a.links ?? []).map(([text, href]) => `<a href="${href}">${text}</a>`).join(", ");
  const table = a.table
    ? `<table><caption>${a.table.caption}</caption><thead><tr>${a.table.headers.map((h) => `<th>${h}</th>`).join("")}</tr></thead><tbody>${a.table.rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join("")}</tr>`).join("")}</tbody></table>`
    : "";
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${a.title}</title>
<meta property="og:site_name" content="${a.site}">
<meta name="author" content="${a.author}">
<meta property="article:published_time" content="${a.published}">
</head><body>
<nav><a href="/">Home</a> <a href="/about">About</a></nav>
<article><h1>${a.title}</h1><p class="byline">By ${a.author}</p>
${a.paragraphs.map((p) => `<p>${p}</p>`).join("\n")}
${links ? `<p>Further reading: ${links}.</p>` : ""}
${table}
</article>
<footer>Copyright the authors.</footer>
</body></html>`;
}

/** A minimal, valid PDF: each page's lines as Helvetica text, the Info dictionary as given. */
export function buildPdf(pages: string[][], info: Record<string, string>): Buffer {
  const objects: string[] = [];
  const add = (body: string) => objects.push(body);
  add("<< /Type /Catalog /Pages 2 0 R >>");
  add(""); // the page tree, filled in below
  add("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>");
  const kids: number[] = [];
  for (const lines of pages) {
    const text = lines.map((l) => `(${l.replace(/[\\()]/g, (c) => `\\${c}`)}) Tj T*`).join("\n");
    const content = `BT /F1 12 Tf 72 720 Td 14 TL\n${text}\nET`;
    add(`<< /Length ${Buffer.byteLength(content, "latin1")} >>\nstream\n${content}\nendstream`);
    const contentId = objects.length;
    add(
      `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents ${contentId} 0 R >>`,
    );
    kids.push(objects.length);
  }
  objects[1] = `<< /Type /Pages /Kids [${kids.map((k) => `${k} 0 R`).join(" ")}] /Count ${kids.length} >>`;
  add(
    `<< ${Object.entries(info)
      .map(([k, v]) => `/${k} (${v})`)
      .join(" ")} >>`,
  );
  const infoId = objects.length;
  let out = "%PDF-1.4\n";
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(Buffer.byteLength(out, "latin1"));
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = Buffer.byteLength(out, "latin1");
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  out += offsets.map((o) => `${String(o).padStart(10, "0")} 00000 n \n`).join("");
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R /Info ${infoId} 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, "latin1");
}

/** The article at /article. */
export const mainArticle: ArticleSpec = {
  title: "How tide pools survive the summer",
  author: "Marina Costa",
  site: "Coastal Notes",
  published: "2024-03-02T10:00:00Z",
  paragraphs: [
    "Tide pools are small worlds left behind by the retreating sea, and every summer they face heat that would kill most of their residents within hours.",
    "Researchers found that the purple sea urchin digs deeper into the rock each year, which keeps it out of the afternoon sun while the water warms.",
    "Anemones close their tentacles and hold water inside their bodies, a trick that lets them wait out low tide without drying out.",
    "The pools recover quickly once the tide returns, bringing cold water and food from the open ocean to every creature that held on.",
  ],
  links: [
    ["the survey", "/survey"],
    ["Monterey Bay data", "https://example.org/monterey"],
  ],
  table: {
    caption: "Pool temperatures",
    headers: ["Hour", "Temperature"],
    rows: [
      ["10:00", "14 C"],
      ["15:00", "27 C"],
    ],
  },
};

/** The research run's pages (the search results' targets), by result number. */
export const resultPages: ArticleSpec[] = Array.from({ length: 10 }, (_, i) => ({
  title: i === 0 ? "Eino, an LLM application framework for Go" : `Eino notes, part ${i}`,
  author: i === 0 ? "Ada Lovelace" : "Grace Hopper",
  site: "Framework Journal",
  published: `2025-0${(i % 9) + 1}-15T08:00:00Z`,
  paragraphs:
    i === 0
      ? [
          "Eino is a framework for building LLM applications in Golang, inspired by LangChain and LlamaIndex.",
          "It provides component abstractions, orchestration APIs and best practices for developers who write services in Go.",
          "Its graphs of components are checked for type errors when they are compiled, long before a request reaches them.",
        ]
      : [
          `The framework was first released to the public in January 2025 by the CloudWeGo team, as note ${i} recalls.`,
          "Since then the project has gained streaming support, callbacks for tracing and a growing set of extensions.",
          "Teams at several companies run it in production for chat assistants and retrieval pipelines of their own.",
        ],
}));

/** Result number whose page answers 404 (a source that cannot be fetched). */
export const MISSING_RESULT = 1;

export interface ResearchWeb {
  origin: string;
  /** The html endpoint for SEARCH_DDG_URL. */
  ddgUrl: string;
  /** Paths asked for, in order. */
  hits: string[];
  close(): Promise<void>;
}

/** The recorded results page's result links, in order. */
const recordedTargets = [...ddgFixture("ddg_html_results_eino.html").matchAll(/result__a" href="([^"]+)"/g)].map(
  (m) => m[1]!,
);

export const pdfBody = buildPdf(
  [
    ["Glacier retreat in the Alps", "Alpine glaciers lost a tenth of their volume in two summers."],
    ["Meltwater feeds the rivers of the valleys below."],
  ],
  { Title: "Glacier Report 2023", Author: "Lena Berg", CreationDate: "D:20230904120000Z" },
);

export async function startResearchWeb(): Promise<ResearchWeb> {
  const hits: string[] = [];
  let origin = "";
  const send = (res: ServerResponse, status: number, type: string, body: string | Buffer) => {
    res.writeHead(status, { "content-type": type, "content-length": Buffer.byteLength(body) });
    res.end(body);
  };
  const server = createServer((req, res) => {
    req.resume();
    const path = new URL(req.url ?? "/", "http://127.0.0.1").pathname;
    hits.push(path);
    if (path === "/html/") {
      let page = ddgFixture("ddg_html_results_eino.html");
      recordedTargets.forEach((target, i) => {
        page = page.split(`"${target}"`).join(`"${origin}/web/${i}"`);
      });
      return send(res, 200, "text/html; charset=utf-8", page);
    }
    const result = /^\/web\/(\d+)$/.exec(path);
    if (result) {
      const n = Number(result[1]);
      const spec = resultPages[n];
      if (!spec || n === MISSING_RESULT) return send(res, 404, "text/html", "<h1>Not found</h1>");
      return send(res, 200, "text/html; charset=utf-8", articleHtml(spec));
    }
    switch (path) {
      case "/article":
        return send(res, 200, "text/html; charset=utf-8", articleHtml(mainArticle));
      case "/paper.pdf":
        return send(res, 200, "application/pdf", pdfBody);
      case "/bad.pdf":
        return send(res, 200, "application/pdf", "%PDF-1.4 this is not really a PDF at all");
      case "/image.png":
        return send(res, 200, "image/png", Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
      default:
        return send(res, 404, "text/html", "<h1>Not found</h1>");
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    ddgUrl: `${origin}/html/`,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A recorded model answer (its ids, model and usage with cost) carrying `text` and no tool call. */
export function textTurn(text: string): Turn {
  const recorded = readJsonFixture<{ choices: Array<Record<string, unknown>> } & Record<string, unknown>>(
    "nonstream_tool_call_usage_cost.response.json",
  );
  const choice = recorded.choices[0]!;
  return {
    type: "json",
    body: {
      ...recorded,
      choices: [
        {
          ...choice,
          finish_reason: "stop",
          native_finish_reason: "stop",
          message: { role: "assistant", content: text, refusal: null, reasoning: null },
        },
      ],
    },
  };
}
