import { z } from "zod";
import { MAX_SEARCH_QUERY_LENGTH } from "../../domain/research/search-terms.js";
import { sourceLimits } from "../../domain/research/source.service.js";
import type { CitationRecord, SourceRecord } from "../../domain/records.js";
import { apiType, asId, dateTime, named } from "../api-shape.js";
import { defineTool, workspaceInput, type ToolContext, type ToolPolicy } from "../registry.js";
import { FIX_ROUNDS } from "./citations.js";
import { DOCUMENT_MAX_LINKS, DOCUMENT_TEXT_MAX_CHARS, type ResearchScope } from "./documents.js";
import { RESEARCH_FETCH_CONCURRENCY } from "./research.service.js";

/** The deepest research search: result pages of the question read. */
export const MAX_RESEARCH_DEPTH = 3;
/** The most sources one research run reads. */
export const MAX_RESEARCH_SOURCES = 10;
/** The most earlier sources a research run may name. */
export const MAX_RESEARCH_SOURCE_IDS = 20;

/** People with OPERATOR (or ADMIN) and agents: each call reaches the network and writes research/. */
const webPolicy: ToolPolicy = { roles: ["OPERATOR", "AGENT"], sandbox: false, network: true };

const scopeOf = (ctx: ToolContext): ResearchScope => ({
  workspace: ctx.workspace,
  caller: ctx.caller,
  toolCallId: ctx.toolCallId,
  signal: ctx.signal,
  fileLimits: ctx.deps.fileLimits,
});

const url = z
  .string()
  .min(1)
  .max(sourceLimits.url)
  .describe(
    "An http(s) URL; it is fetched by the service's guarded fetcher (private addresses, robots.txt and size caps refused).",
  );
const render = z
  .boolean()
  .default(false)
  .describe(
    "Load the page in Chromium and read the DOM it builds (pages made by scripts); default false: the HTML as served.",
  );

const maxChars = DOCUMENT_TEXT_MAX_CHARS.toLocaleString("en-US");
const capNote = `text and markdown carry at most ${maxChars} characters and links at most ${DOCUMENT_MAX_LINKS}; the whole text is in the textPath file`;

const link = named(
  "PageLink",
  z
    .object({
      text: z.string().describe("The link's text (its image's alt text or title when it has none)."),
      url: z.string().describe("Where it leads: an absolute http(s) URL."),
    })
    .describe("A link of a document's readable content."),
);

/** The fields every extracted document has in the API. */
const documentFields = {
  contentType: z.string().describe("The media type it was read as (text/html, application/pdf, …)."),
  title: z.string().nullable().describe("Its title; null when it has none."),
  byline: z.string().nullable().describe("Its author(s) as the document names them."),
  siteName: z.string().nullable().describe("The site's name, as the page gives it."),
  publishedAt: dateTime().nullable().describe("When it was published, as the document says; null when it does not."),
  lang: z.string().nullable().describe("Its language as declared (en, en-GB, …)."),
  excerpt: z.string().nullable().describe("A description, or the opening of the text."),
  text: z.string().describe(`The readable text, blocks separated by blank lines (the first ${maxChars} characters).`),
  markdown: z.string().describe(`The readable content as Markdown (the first ${maxChars} characters).`),
  links: z.array(link).describe(`The links of the readable content (at most ${DOCUMENT_MAX_LINKS}).`),
  wordCount: z.number().int().describe("Words of the whole text."),
  textPath: z.string().describe("The workspace file under research/ holding the whole text (as Markdown)."),
  truncated: z.boolean().describe(`Something was cut from this result: ${capNote}.`),
};

export const fetchPage = defineTool({
  id: "fetchPage",
  description: `Fetch a web page or document (HTML, PDF, text, JSON, XML) through the guarded fetcher and extract its readable text, Markdown, metadata and links; the Markdown is written to research/pages/. In the result ${capNote}. Fails with FETCH_FAILED (reason "status" and the status for an HTTP error), POLICY_DENIED (a private address, robots.txt, a content type not read) or LIMIT_EXCEEDED (size or time).`,
  input: workspaceInput.extend({ url, render }),
  output: named(
    "Page",
    z
      .object({
        url: z.string().describe("The URL asked for."),
        finalUrl: z.string().describe("The URL that answered, after redirects."),
        status: z.number().int().describe("The HTTP status of the answer (2xx: anything else is FETCH_FAILED)."),
        ...documentFields,
      })
      .describe("A fetched web page or document, extracted."),
  ),
  policy: webPolicy,
  execute: (ctx, i) => ctx.deps.research.fetchPage(scopeOf(ctx), i),
});

const kind = named(
  "DocumentKind",
  z.enum(["html", "pdf", "text", "json", "xml"]).describe("Which extractor read a document."),
  {
    html: "An HTML or XHTML page: Mozilla's Readability over its DOM.",
    pdf: "A PDF document: its text layer and metadata.",
    text: "Plain text, as is.",
    json: "JSON, pretty-printed.",
    xml: "XML, its text content.",
  },
);

const table = named(
  "DocumentTable",
  z
    .object({
      caption: z.string().nullable().describe("The table's caption; null when it has none."),
      headers: z.array(z.string()).describe("The header row's cells; empty when the table has none."),
      rows: z.array(z.array(z.string())).describe("The other rows, each its cells' text in order."),
    })
    .describe("A table of a document's readable content, as data."),
);

export const extract = defineTool({
  id: "extract",
  description: `Extract the readable text, Markdown, metadata, links and tables of a document: a file of the workspace (path: a PDF, HTML, XML, JSON or text file you downloaded or wrote) or a URL (fetched like fetchPage). Give exactly one of path and url. The text is written to research/extracts/ (a file) or research/pages/ (a URL). In the result ${capNote}.`,
  input: workspaceInput.extend({
    path: z
      .string()
      .min(1)
      .max(4096)
      .optional()
      .describe(
        "A file of the workspace, relative to its root (read through the file tools' rules; at most FETCH_MAX_BYTES).",
      ),
    url: url.optional(),
    contentType: z
      .string()
      .regex(/^[a-z]+\/[a-z0-9.+-]+$/, "must be a media type such as application/pdf")
      .optional()
      .describe(
        "For a path: read the file as this media type; default: a PDF by its first bytes, else by its extension, else text.",
      ),
    render: render.describe("For a url: load it in Chromium first (as fetchPage); default false."),
  }),
  output: named(
    "Extraction",
    z
      .object({
        source: z.string().describe("What was read: the workspace path, or the URL that answered."),
        kind,
        ...documentFields,
        tables: z.array(table).describe("The tables of the readable content (HTML)."),
      })
      .describe("The readable content of a document, extracted."),
  ),
  policy: webPolicy,
  execute: (ctx, i) => ctx.deps.research.extract(scopeOf(ctx), i),
});

const isoDate = z
  .string()
  .regex(
    /^\d{4}-\d{2}-\d{2}([T ][0-9:.]+(Z|[+-]\d{2}:?\d{2})?)?$/,
    "must be a date such as 2024-03-01 or 2024-03-01T12:00:00Z",
  )
  .refine((v) => !Number.isNaN(new Date(v).getTime()), "is not a real date");

export const addSource = defineTool({
  id: "addSource",
  description:
    "Cite a page you read yourself: fetch and extract it through the guarded fetcher and store it as a source of the task (its text written to research/sources/NN-<slug>.md, so quotes can be checked against it; pass its id in research's sourceIds to cite it in a synthesis). What you give (title, authors, site, publication date) wins over what the page says. Nothing is stored unless the fetch, the extraction and the file all succeed.",
  input: workspaceInput.extend({
    url,
    render,
    title: z
      .string()
      .min(1)
      .max(sourceLimits.title)
      .optional()
      .describe("The title to cite it by; default: the page's."),
    authors: z
      .array(z.string().min(1).max(sourceLimits.author))
      .max(sourceLimits.authors)
      .optional()
      .describe(
        `Its authors ("Given Family" or "Family, Given"; an organisation as written), at most ${sourceLimits.authors}; default: the page's byline.`,
      ),
    siteName: z
      .string()
      .min(1)
      .max(sourceLimits.siteName)
      .optional()
      .describe("The site or publisher; default: the page's."),
    publishedAt: isoDate
      .optional()
      .describe("When it was published (2024-03-01 or an ISO-8601 time); default: the page's."),
  }),
  output: apiType<SourceRecord>("Source"),
  policy: webPolicy,
  execute: (ctx, i) =>
    ctx.deps.research.addSource(scopeOf(ctx), {
      ...i,
      publishedAt: i.publishedAt === undefined ? undefined : new Date(i.publishedAt),
    }),
});

export const research = defineTool({
  id: "research",
  description: `Research a question: search the web, read the best results (${RESEARCH_FETCH_CONCURRENCY} at a time), store each as a source of the task, and have the task's model write a synthesis in which every claim cites a numbered source with a quoted passage. Each quote is checked against its source's text; citations that fail are sent back to the model (up to ${FIX_ROUNDS} rounds) and what still fails is marked unverified with the problem. Writes research/sources/NN-<slug>.md per source, research/notes.md, research/synthesis.md, research/bibliography.md (APA and MLA) and research/references.bib (BibTeX). The model's tokens count as the task's usage.`,
  input: workspaceInput.extend({
    question: z
      .string()
      .max(MAX_SEARCH_QUERY_LENGTH)
      .refine((q) => q.trim() !== "", "must not be empty")
      .describe(`The question, 1 to ${MAX_SEARCH_QUERY_LENGTH} characters; it is also what is searched for.`),
    depth: z
      .number()
      .int()
      .min(1)
      .max(MAX_RESEARCH_DEPTH)
      .default(1)
      .describe(`Result pages of the search to draw sources from, 1 to ${MAX_RESEARCH_DEPTH} (default 1).`),
    maxSources: z
      .number()
      .int()
      .min(1)
      .max(MAX_RESEARCH_SOURCES)
      .default(5)
      .describe(`Read at most this many pages, best results first, 1 to ${MAX_RESEARCH_SOURCES} (default 5).`),
    sourceIds: z
      .array(asId(z.string()))
      .max(MAX_RESEARCH_SOURCE_IDS)
      .default([])
      .describe(
        `Sources of this task stored earlier (addSource) to cite as well, at most ${MAX_RESEARCH_SOURCE_IDS}; numbered after the new ones.`,
      ),
  }),
  output: named(
    "ResearchResult",
    z
      .object({
        researchId: asId(z.string()).describe("The run: its citations carry this researchId."),
        question: z.string().describe("The question researched."),
        synthesis: z
          .string()
          .describe('The model\'s answer in Markdown, each claim followed by citations [n: "quote"].'),
        citations: z
          .array(apiType<CitationRecord>("Citation"))
          .describe("The synthesis' citations in order, each checked."),
        sources: z
          .array(apiType<SourceRecord>("Source"))
          .describe("The run's sources: number n of the synthesis is the n-th."),
        bibliography: named(
          "Bibliography",
          z
            .object({
              apa: z.string().describe("APA 7th edition, one entry per line (citation-js)."),
              mla: z.string().describe("MLA 7th edition, one entry per line (citation-js, style-mla)."),
              bibtex: z.string().describe("BibTeX entries, as in research/references.bib."),
            })
            .describe("The sources' bibliography, rendered from CSL-JSON."),
        ),
        failures: z
          .array(
            named(
              "ResearchFailure",
              z
                .object({
                  url: z.string().describe("The page that could not be read."),
                  code: z
                    .string()
                    .describe("The error code it failed with (FETCH_FAILED, POLICY_DENIED, LIMIT_EXCEEDED…)."),
                  message: z.string().describe("What went wrong."),
                })
                .describe("A search result the run could not read (it is not a source)."),
            ),
          )
          .describe("Search results that could not be read, in the order tried."),
        files: z.array(z.string()).describe("The workspace files the run wrote."),
      })
      .describe("A research run: its synthesis, citations, sources and bibliography."),
  ),
  policy: webPolicy,
  execute: (ctx, i) => ctx.deps.research.research(scopeOf(ctx), i),
});
