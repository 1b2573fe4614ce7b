/**
 * The research tools' service: fetchPage, extract and addSource (documents.ts), and `research`:
 * search the question, fetch the best results in parallel (at most RESEARCH_FETCH_CONCURRENCY at
 * once), extract them, store each as a Source, ask the task's model for a synthesis whose every
 * claim cites a numbered source with a quoted passage (citations.ts), send unverified citations
 * back to the model (up to FIX_ROUNDS rounds), store the citations and write research/ (notes,
 * synthesis, bibliography in APA and MLA, references.bib).
 */
import { DomainError, invalidFields, type FieldProblem } from "../../domain/errors.js";
import { newId } from "../../domain/ids.js";
import type { CitationRecord, SourceRecord } from "../../domain/records.js";
import { DEFAULT_SEARCH_REGION, MAX_SEARCH_RESULTS } from "../../domain/research/search-terms.js";
import type { SourceService } from "../../domain/research/source.service.js";
import type { Logger } from "../../domain/shared/deps.js";
import type { ChatMessage } from "../../infra/models/model-client.js";
import { renderBibliography, type Bibliography } from "./bibliography.js";
import {
  checkCitations,
  CITATION_FORMAT,
  FIX_ROUNDS,
  fixRequest,
  parseCitations,
  type CitationCheck,
} from "./citations.js";
import {
  documentView,
  extractFile,
  storeSources,
  writePage,
  type DocumentView,
  type ResearchScope,
  type SourceOverrides,
  type StoredSource,
} from "./documents.js";
import type { ExtractedKind, ExtractedTable } from "./extract/extracted.js";
import type { GuardedFetcher } from "./fetcher.js";
import { readDocument, type ReadDocument } from "./page.js";
import { readSourceText, RESEARCH_DIR, putFile } from "./research-files.js";
import {
  bibliographyFile,
  researchNotes,
  synthesisFile,
  type FetchFailure,
  type ResearchRun,
} from "./research-notes.js";
import type { SearchService } from "./search/search.service.js";
import type { ResearchModel } from "./task-model.js";

/** Pages fetched at once by one research run. */
export const RESEARCH_FETCH_CONCURRENCY = 4;
/** Characters of one source's text shown to the model, and of all of them together. */
const PROMPT_SOURCE_CHARS = 8_000;
const PROMPT_TOTAL_CHARS = 64_000;

export interface ResearchDeps {
  fetcher: GuardedFetcher;
  search: Pick<SearchService, "search">;
  sources: SourceService;
  model: ResearchModel;
  logger: Logger;
  /** The most bytes extract reads of a workspace file (FETCH_MAX_BYTES, as for a fetched body). */
  maxDocumentBytes: number;
  clock?: () => Date;
}

export interface PageResult extends DocumentView {
  url: string;
  finalUrl: string;
  status: number;
}

export interface ExtractionResult extends DocumentView {
  /** The workspace path or the URL extracted. */
  source: string;
  kind: ExtractedKind;
  tables: ExtractedTable[];
}

export interface ResearchRequest {
  question: string;
  depth: number;
  maxSources: number;
  sourceIds: readonly string[];
}

export interface ResearchResult {
  researchId: string;
  question: string;
  synthesis: string;
  citations: CitationRecord[];
  sources: SourceRecord[];
  bibliography: Bibliography;
  failures: FetchFailure[];
  files: string[];
}

interface Candidate {
  url: string;
  rank: number;
}

export class ResearchService {
  constructor(private readonly d: ResearchDeps) {}

  private now(): Date {
    return this.d.clock?.() ?? new Date();
  }

  async fetchPage(scope: ResearchScope, input: { url: string; render: boolean }): Promise<PageResult> {
    const read = await readDocument(this.d.fetcher, input.url, { render: input.render, signal: scope.signal });
    const textPath = await writePage(scope, read, this.now());
    const { fetched } = read;
    return {
      url: fetched.url,
      finalUrl: fetched.finalUrl,
      status: fetched.status,
      ...documentView(fetched.contentType, read.doc, textPath),
    };
  }

  async extract(
    scope: ResearchScope,
    input: { path?: string; url?: string; contentType?: string; render: boolean },
  ): Promise<ExtractionResult> {
    const given = [input.path, input.url].filter((v) => v !== undefined).length;
    if (given !== 1) {
      const message = given === 0 ? "give a workspace path or a URL" : "give a path or a URL, not both";
      throw invalidFields([
        { path: "path", message },
        { path: "url", message },
      ]);
    }
    if (input.path !== undefined) {
      const { contentType, doc, textPath } = await extractFile(
        scope,
        { path: input.path, contentType: input.contentType },
        this.d.maxDocumentBytes,
      );
      return { source: input.path, kind: doc.kind, tables: doc.tables, ...documentView(contentType, doc, textPath) };
    }
    const read = await readDocument(this.d.fetcher, input.url!, { render: input.render, signal: scope.signal });
    const textPath = await writePage(scope, read, this.now());
    return {
      source: read.fetched.finalUrl,
      kind: read.doc.kind,
      tables: read.doc.tables,
      ...documentView(read.fetched.contentType, read.doc, textPath),
    };
  }

  async addSource(
    scope: ResearchScope,
    input: { url: string; render: boolean } & SourceOverrides,
  ): Promise<SourceRecord> {
    const read = await readDocument(this.d.fetcher, input.url, { render: input.render, signal: scope.signal });
    const [stored] = await storeSources(scope, this.d.sources, [read], this.now(), input);
    return stored!.source;
  }

  async research(scope: ResearchScope, req: ResearchRequest): Promise<ResearchResult> {
    const researchId = newId();
    const started = this.now();
    const earlier = await this.earlierSources(scope, req.sourceIds);
    const candidates = await this.candidates(scope, req);
    const { reads, failures } = await this.fetchBest(scope, candidates, req.maxSources);
    if (reads.length === 0 && earlier.length === 0) {
      throw new DomainError(
        "FETCH_FAILED",
        candidates.length === 0
          ? "The search found no page to read for this question"
          : `None of the ${candidates.length} pages found could be read`,
        { reason: "no-sources", failures: failures.slice(0, 20) },
      );
    }
    const fresh = await storeSources(scope, this.d.sources, reads, this.now());
    const numbered = [...fresh, ...earlier];
    const { synthesis, checks, sentBack } = await this.synthesize(scope, req.question, numbered);
    const at = this.now();
    const citations = await this.d.sources.addCitations(
      checks.map((c) => ({
        id: newId(),
        taskId: scope.workspace.taskId,
        researchId,
        number: c.number,
        sourceId: numbered[c.number - 1]?.source.id ?? null,
        claim: c.claim,
        quote: c.quote,
        verified: c.verified,
        problem: c.problem,
        createdAt: at,
      })),
    );
    const sources = numbered.map((s) => s.source);
    const bibliography = await renderBibliography(sources);
    const files = await this.writeResults(scope, {
      researchId,
      question: req.question,
      started,
      candidates: candidates.length,
      sources,
      failures,
      sentBack,
      synthesis,
      checks,
      bibliography,
    });
    return { researchId, question: req.question, synthesis, citations, sources, bibliography, failures, files };
  }

  /** Sources stored earlier that the caller names, with their text read back from their files. */
  private async earlierSources(scope: ResearchScope, ids: readonly string[]): Promise<StoredSource[]> {
    if (ids.length === 0) return [];
    const found = new Map((await this.d.sources.byIds(ids)).map((s) => [s.id, s]));
    const problems: FieldProblem[] = [];
    const out: StoredSource[] = [];
    for (const [i, id] of ids.entries()) {
      const source = found.get(id);
      if (!source || source.taskId !== scope.workspace.taskId) {
        problems.push({ path: `sourceIds.${i}`, message: "is not a source of this task" });
        continue;
      }
      const text = await readSourceText(scope.workspace.root, source, scope.fileLimits);
      if (text === null) {
        problems.push({
          path: `sourceIds.${i}`,
          message: `its text file ${source.textPath} is missing or was changed`,
        });
        continue;
      }
      out.push({ source, text });
    }
    if (problems.length > 0) throw invalidFields(problems);
    return out;
  }

  /** The question's search results, best first, without ads and repeats: `depth` pages of them. */
  private async candidates(scope: ResearchScope, req: ResearchRequest): Promise<Candidate[]> {
    const seen = new Set<string>();
    const out: Candidate[] = [];
    for (let page = 1; page <= req.depth; page++) {
      const results = await this.d.search.search(
        {
          query: req.question,
          region: DEFAULT_SEARCH_REGION,
          safeSearch: "MODERATE",
          page,
          maxResults: MAX_SEARCH_RESULTS,
          includeAds: false,
        },
        scope,
      );
      for (const r of results.results) {
        const key = r.url.replace(/#.*$/, "");
        if (r.ad || seen.has(key) || !/^https?:\/\//i.test(r.url)) continue;
        seen.add(key);
        out.push({ url: r.url, rank: out.length });
      }
      if (results.nextPage === null) break;
    }
    return out;
  }

  /**
   * Fetches candidates best first, RESEARCH_FETCH_CONCURRENCY at a time, until `max` have been read;
   * the `max` best of those read are kept, every failure noted.
   */
  private async fetchBest(
    scope: ResearchScope,
    candidates: readonly Candidate[],
    max: number,
  ): Promise<{ reads: ReadDocument[]; failures: FetchFailure[] }> {
    const read: Array<{ rank: number; doc: ReadDocument }> = [];
    const failures: FetchFailure[] = [];
    let next = 0;
    const worker = async () => {
      while (read.length < max && next < candidates.length) {
        const c = candidates[next++]!;
        try {
          const doc = await readDocument(this.d.fetcher, c.url, { signal: scope.signal });
          if (doc.doc.text.trim() === "")
            failures.push({ url: c.url, code: "FETCH_FAILED", message: "no readable text" });
          else read.push({ rank: c.rank, doc });
        } catch (err) {
          if (scope.signal.aborted) throw err;
          if (!(err instanceof DomainError))
            this.d.logger.error({ err, url: c.url }, "a research fetch failed unexpectedly");
          failures.push({
            url: c.url,
            code: err instanceof DomainError ? err.code : "INTERNAL",
            message: err instanceof DomainError ? err.message : "an unexpected failure (logged)",
          });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(RESEARCH_FETCH_CONCURRENCY, candidates.length) }, worker));
    read.sort((a, b) => a.rank - b.rank);
    return { reads: read.slice(0, max).map((r) => r.doc), failures };
  }

  /** The model's synthesis, its citations checked and sent back to fix up to FIX_ROUNDS times. */
  private async synthesize(
    scope: ResearchScope,
    question: string,
    numbered: readonly StoredSource[],
  ): Promise<{ synthesis: string; checks: CitationCheck[]; sentBack: string[] }> {
    const modelScope = { taskId: scope.workspace.taskId, agentId: scope.workspace.agentId };
    const checked = numbered.map((s, i) => ({ number: i + 1, text: s.text }));
    const messages: ChatMessage[] = [
      { role: "system", content: synthesisInstructions() },
      { role: "user", content: sourcesPrompt(question, numbered) },
    ];
    const sentBack: string[] = [];
    let synthesis = (await this.d.model.complete(modelScope, messages, scope.signal)).trim();
    let checks = checkCitations(parseCitations(synthesis), checked);
    for (let round = 1; round <= FIX_ROUNDS; round++) {
      const fix = fixRequest(checks);
      if (fix === null) break;
      sentBack.push(fix);
      messages.push({ role: "assistant", content: synthesis }, { role: "user", content: fix });
      synthesis = (await this.d.model.complete(modelScope, messages, scope.signal)).trim();
      checks = checkCitations(parseCitations(synthesis), checked);
    }
    return { synthesis, checks, sentBack };
  }

  private async writeResults(scope: ResearchScope, run: ResearchRun): Promise<string[]> {
    const files: Array<[string, string]> = [
      [`${RESEARCH_DIR}/notes.md`, researchNotes(run)],
      [`${RESEARCH_DIR}/synthesis.md`, synthesisFile(run)],
      [`${RESEARCH_DIR}/bibliography.md`, bibliographyFile(run)],
      [`${RESEARCH_DIR}/references.bib`, `${run.bibliography.bibtex}\n`],
    ];
    for (const [path, content] of files) await putFile(scope.workspace.root, path, content, scope.fileLimits);
    return [...files.map(([path]) => path), ...run.sources.map((s) => s.textPath)];
  }
}

function synthesisInstructions(): string {
  return [
    "You answer a research question from the numbered sources the user gives, and from nothing else.",
    "Every claim must cite the source it comes from with a passage quoted from it. " + CITATION_FORMAT,
    "The quotes are checked against the sources' text: a quote that is not word for word in the source you cite is sent back to you.",
    "Write Markdown: a short answer first, then the details. Do not add a list of references: the bibliography is made from the sources.",
  ].join("\n\n");
}

function sourcesPrompt(question: string, numbered: readonly StoredSource[]): string {
  const each = Math.min(PROMPT_SOURCE_CHARS, Math.floor(PROMPT_TOTAL_CHARS / Math.max(1, numbered.length)));
  const blocks = numbered.map(({ source, text }, i) => {
    const shown = text.length > each ? `${text.slice(0, each)}\n[… the rest of source ${i + 1} is left out]` : text;
    return `[${i + 1}] ${source.title} (${source.finalUrl})\n${shown}`;
  });
  return `Question: ${question}\n\nSources:\n\n${blocks.join("\n\n")}`;
}
