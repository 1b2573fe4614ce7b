/**
 * fetchPage, extract, addSource and research through the GraphQL API, on the real server: its
 * guarded fetcher reads pages of a local web (tests/helpers/research-web.ts), web search asks a
 * local DuckDuckGo endpoint serving the recorded results page (its links pointed at that web),
 * and the task's model is the fake OpenRouter with scripted answers.
 */
import { createHash } from "node:crypto";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import {
  AddSourceDocument,
  ExtractDocument,
  FetchPageDocument,
  ListFilesDocument,
  ReadFileDocument,
  ResearchDocument,
  ResearchNodesDocument,
  TaskResearchDocument,
  WriteFileDocument,
} from "../generated/graphql.js";
import { startFakeOpenRouter, type FakeOpenRouter } from "../helpers/fake-openrouter.js";
import { TURN_COST } from "../helpers/model-turns.js";
import { describeProfiles } from "../helpers/profiles.js";
import {
  mainArticle,
  MISSING_RESULT,
  pdfBody,
  resultPages,
  startResearchWeb,
  textTurn,
  type ResearchWeb,
} from "../helpers/research-web.js";
import { searchSetup, type SearchSetup } from "../helpers/search-setup.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

type Extensions = Record<string, unknown> | undefined;
const extensionsOf = (r: { errors?: readonly { extensions?: Record<string, unknown> }[] }): Extensions =>
  r.errors?.[0]?.extensions;

describeProfiles("research tools through the API", (profile) => {
  let web: ResearchWeb;
  let fake: FakeOpenRouter;
  let s: TestServer;
  let who: SearchSetup;

  beforeAll(async () => {
    web = await startResearchWeb();
    fake = await startFakeOpenRouter();
    s = await startTestServer(profile, {
      workers: 1,
      modelRuntime: { backoffBaseMs: 5 },
      env: {
        SEARCH_DDG_URL: web.ddgUrl,
        SEARCH_DDG_LITE_URL: "none",
        FETCH_ALLOW: "127.0.0.1",
        FETCH_HOST_DELAY_MS: "0",
        OPENROUTER_BASE_URL: fake.url,
        OPENROUTER_API_KEY: "sk-or-test-key-0123456789",
        MODEL_DEFAULT: "m1",
        MODEL_RETRIES: "0",
      },
    });
    who = await searchSetup(s, `researcher-${profile}`, 4);
  });
  afterAll(async () => {
    await s?.stop();
    await fake?.close();
    await web?.close();
  });
  afterEach(() => {
    expect(fake.pending(), "every scripted turn was used").toBe(0);
  });

  const files = async (path: string) => {
    const r = await s.gql(ListFilesDocument, { workspaceId: who.workspaceId, path, recursive: true }, who.key);
    return r.errors ? [] : (r.data?.listFiles.entries ?? []).filter((e) => e.type === "FILE").map((e) => e.path);
  };
  const read = async (path: string) =>
    (await s.ok(ReadFileDocument, { workspaceId: who.workspaceId, path }, who.key)).readFile.content;
  const taskResearch = async (researchId?: string) =>
    (await s.ok(TaskResearchDocument, { id: who.taskId, researchId }, who.key)).task!;

  it("fetchPage reads an HTML article: metadata, text, markdown and links, its Markdown written to research/pages/", async () => {
    const page = (
      await s.ok(FetchPageDocument, { workspaceId: who.workspaceId, url: `${web.origin}/article` }, who.key)
    ).fetchPage;
    expect(page).toMatchObject({
      url: `${web.origin}/article`,
      finalUrl: `${web.origin}/article`,
      status: 200,
      contentType: "text/html",
      title: mainArticle.title,
      siteName: mainArticle.site,
      publishedAt: "2024-03-02T10:00:00.000Z",
      lang: "en",
      truncated: false,
    });
    expect(page.byline).toContain(mainArticle.author);
    expect(page.text).toContain(mainArticle.paragraphs[1]);
    expect(page.text).not.toContain("Copyright the authors");
    expect(page.markdown).toContain("digs deeper into the rock");
    expect(page.links).toContainEqual({ text: "the survey", url: `${web.origin}/survey` });
    expect(page.wordCount).toBeGreaterThan(60);
    expect(page.textPath).toMatch(/^research\/pages\/how-tide-pools-survive-the-summer-[0-9a-f]{8}\.md$/);
    const file = await read(page.textPath);
    expect(file).toContain(`- URL: ${web.origin}/article`);
    expect(file).toContain("digs deeper into the rock");
  });

  it("fetchPage reads a PDF's text and metadata", async () => {
    const page = (
      await s.ok(FetchPageDocument, { workspaceId: who.workspaceId, url: `${web.origin}/paper.pdf` }, who.key)
    ).fetchPage;
    expect(page).toMatchObject({ status: 200, contentType: "application/pdf", title: "Glacier Report 2023" });
    expect(page.byline).toBe("Lena Berg");
    expect(page.text).toContain("Alpine glaciers lost a tenth of their volume in two summers.");
    expect(page.text).toContain("Meltwater feeds the rivers");
    expect(await read(page.textPath)).toContain("Alpine glaciers lost a tenth");
  });

  it("fetchPage: a 404 is FETCH_FAILED with the status, a private address POLICY_DENIED, a bad URL BAD_USER_INPUT", async () => {
    const missing = await s.gql(
      FetchPageDocument,
      { workspaceId: who.workspaceId, url: `${web.origin}/missing` },
      who.key,
    );
    expect(extensionsOf(missing)).toMatchObject({ code: "FETCH_FAILED", reason: "status", status: 404 });

    const hitsBefore = web.hits.length;
    const metadata = await s.gql(
      FetchPageDocument,
      { workspaceId: who.workspaceId, url: "http://169.254.169.254/latest/meta-data/" },
      who.key,
    );
    expect(extensionsOf(metadata)).toMatchObject({ code: "POLICY_DENIED", rule: "address" });
    const ten = await s.gql(FetchPageDocument, { workspaceId: who.workspaceId, url: "http://10.0.0.1/" }, who.key);
    expect(extensionsOf(ten)).toMatchObject({ code: "POLICY_DENIED", rule: "address" });
    expect(web.hits.length).toBe(hitsBefore);

    const image = await s.gql(
      FetchPageDocument,
      { workspaceId: who.workspaceId, url: `${web.origin}/image.png` },
      who.key,
    );
    expect(extensionsOf(image)).toMatchObject({ code: "POLICY_DENIED", rule: "content-type" });
    const bad = await s.gql(FetchPageDocument, { workspaceId: who.workspaceId, url: "not a url" }, who.key);
    expect(extensionsOf(bad)).toMatchObject({ code: "BAD_USER_INPUT", field: "url" });
  });

  it("extract reads a PDF the agent saved in the workspace and the tables of a page; it wants exactly one of path and url", async () => {
    await s.ok(
      WriteFileDocument,
      {
        input: {
          workspaceId: who.workspaceId,
          path: "output/report.pdf",
          content: pdfBody.toString("base64"),
          encoding: "BASE64",
        },
      },
      who.key,
    );
    const fromFile = (await s.ok(ExtractDocument, { workspaceId: who.workspaceId, path: "output/report.pdf" }, who.key))
      .extract;
    expect(fromFile).toMatchObject({
      source: "output/report.pdf",
      kind: "PDF",
      contentType: "application/pdf",
      title: "Glacier Report 2023",
      tables: [],
    });
    expect(fromFile.text).toContain("Alpine glaciers lost a tenth");
    expect(fromFile.textPath).toMatch(/^research\/extracts\/output-report-pdf-[0-9a-f]{8}\.md$/);
    expect(await read(fromFile.textPath)).toContain("Meltwater feeds the rivers");

    const fromUrl = (
      await s.ok(ExtractDocument, { workspaceId: who.workspaceId, url: `${web.origin}/article` }, who.key)
    ).extract;
    expect(fromUrl.kind).toBe("HTML");
    expect(fromUrl.tables).toEqual([
      {
        caption: "Pool temperatures",
        headers: ["Hour", "Temperature"],
        rows: [
          ["10:00", "14 C"],
          ["15:00", "27 C"],
        ],
      },
    ]);

    const both = await s.gql(
      ExtractDocument,
      { workspaceId: who.workspaceId, path: "output/report.pdf", url: `${web.origin}/article` },
      who.key,
    );
    expect(extensionsOf(both)).toMatchObject({ code: "BAD_USER_INPUT" });
    expect((extensionsOf(both)?.fields as { path: string }[]).map((f) => f.path)).toEqual(["path", "url"]);
    const neither = await s.gql(ExtractDocument, { workspaceId: who.workspaceId }, who.key);
    expect(extensionsOf(neither)).toMatchObject({ code: "BAD_USER_INPUT" });
  });

  it("addSource stores a source with its text file; a page that fails leaves no Source row and no file", async () => {
    const before = await files("research/sources");
    const source = (
      await s.ok(
        AddSourceDocument,
        {
          workspaceId: who.workspaceId,
          url: `${web.origin}/article`,
          authors: ["Costa, Marina"],
          siteName: "Coastal Notes Weekly",
        },
        who.key,
      )
    ).addSource;
    expect(source).toMatchObject({
      taskId: who.taskId,
      workspaceId: who.workspaceId,
      url: `${web.origin}/article`,
      finalUrl: `${web.origin}/article`,
      title: mainArticle.title,
      authors: ["Costa, Marina"],
      siteName: "Coastal Notes Weekly",
      publishedAt: "2024-03-02T10:00:00.000Z",
      contentType: "text/html",
    });
    expect(source.toolCallId).toBeTruthy();
    expect(source.textPath).toMatch(/^research\/sources\/\d{2}-how-tide-pools-survive-the-summer\.md$/);
    const file = await read(source.textPath);
    const text = file.slice(file.indexOf("-->\n") + 4);
    expect(text).toContain(mainArticle.paragraphs[0]);
    expect(createHash("sha256").update(text).digest("hex")).toBe(source.contentHash);

    const failing = [
      [`${web.origin}/missing`, { code: "FETCH_FAILED", reason: "status", status: 404 }],
      [`${web.origin}/bad.pdf`, { code: "FETCH_FAILED", reason: "malformed" }],
      [`${web.origin}/image.png`, { code: "POLICY_DENIED", rule: "content-type" }],
    ] as const;
    for (const [url, expected] of failing) {
      const r = await s.gql(AddSourceDocument, { workspaceId: who.workspaceId, url }, who.key);
      expect(extensionsOf(r), url).toMatchObject(expected);
    }
    const sources = (await taskResearch()).sources;
    expect(sources.map((x) => x.url)).toEqual([`${web.origin}/article`]);
    expect(await files("research/sources")).toEqual([...before, source.textPath]);

    const nodes = (await s.ok(ResearchNodesDocument, { ids: [source.id] }, who.key)).nodes;
    expect(nodes).toEqual([{ __typename: "Source", id: source.id, title: mainArticle.title }]);
  });

  it("research: reads the search results, sends a wrong quote back to the model, stores verified citations and writes the bibliography", async () => {
    const usageBefore = (await taskResearch()).usage.calls;
    const sourcesBefore = (await taskResearch()).sources.length;
    fake.script(
      textTurn(
        'Eino is a Go framework for LLM applications [1: "Eino is a framework for building LLM applications in Golang"]. ' +
          'It was first published in 2025 [2: "it was released to everyone in the year 2025"].',
      ),
      textTurn(
        'Eino is a Go framework for LLM applications [1: "Eino is a framework for building LLM applications in Golang"]. ' +
          "It was first published in 2025 [2: “first released to the PUBLIC in   January 2025”].",
      ),
    );
    const requestsBefore = fake.requests.length;
    const r = (
      await s.ok(
        ResearchDocument,
        { workspaceId: who.workspaceId, question: "What is the Eino framework?", maxSources: 2 },
        who.key,
      )
    ).research;

    // The best results that could be read, best first; the 404 among them is not a source.
    expect(r.sources.map((x) => x.url)).toEqual([`${web.origin}/web/0`, `${web.origin}/web/2`]);
    expect(r.sources[0]).toMatchObject({
      title: resultPages[0]!.title,
      authors: ["Ada Lovelace"],
      siteName: "Framework Journal",
    });
    expect(r.failures).toContainEqual(
      expect.objectContaining({ url: `${web.origin}/web/${MISSING_RESULT}`, code: "FETCH_FAILED" }),
    );

    // The first synthesis' wrong quote went back to the model, which fixed it.
    const asked = fake.requests.slice(requestsBefore);
    expect(asked).toHaveLength(2);
    const sentBack = JSON.stringify(asked[1]!.body.messages);
    expect(sentBack).toContain("the quote is not in the text of source 2");
    expect(sentBack).toContain("it was released to everyone in the year 2025");
    expect(JSON.stringify(asked[0]!.body.messages)).toContain("first released to the public in January 2025");

    expect(r.synthesis).toContain("first released to the PUBLIC");
    expect(r.citations.map((c) => [c.number, c.verified, c.problem, c.source?.url])).toEqual([
      [1, true, null, `${web.origin}/web/0`],
      [2, true, null, `${web.origin}/web/2`],
    ]);
    expect(r.citations[1]).toMatchObject({ researchId: r.researchId, claim: "It was first published in 2025" });

    // On the task, and its model usage counted.
    const task = await taskResearch(r.researchId);
    expect(task.sources).toHaveLength(sourcesBefore + 2);
    expect(task.citations.map((c) => c.id)).toEqual(r.citations.map((c) => c.id));
    expect(task.citations.every((c) => c.verified && c.sourceId !== null)).toBe(true);
    expect(task.usage.calls).toBe(usageBefore + 2);
    expect(task.usage.costUsd).toBeGreaterThanOrEqual(2 * TURN_COST - 1e-12);
    expect(task.sources.some((x) => x.url.endsWith(`/web/${MISSING_RESULT}`))).toBe(false);

    // The files: one per source, notes, synthesis and the bibliography in APA, MLA and BibTeX.
    const sourceFiles = await files("research/sources");
    expect(sourceFiles).toEqual(expect.arrayContaining(r.sources.map((x) => x.textPath)));
    expect(sourceFiles).toHaveLength(task.sources.length);
    expect(r.files).toEqual(
      expect.arrayContaining([
        "research/notes.md",
        "research/synthesis.md",
        "research/bibliography.md",
        "research/references.bib",
      ]),
    );
    expect(r.bibliography.apa).toContain(
      "Lovelace, A. (2025, January 15). Eino, an LLM application framework for Go. Framework Journal.",
    );
    expect(r.bibliography.mla).toContain(
      "Lovelace, Ada. “Eino, an LLM Application Framework for Go.” Framework Journal",
    );
    expect(r.bibliography.bibtex).toMatch(/^@misc\{Lovelace2025Eino,$/m);
    expect(r.bibliography.bibtex).toContain("author = {Lovelace, Ada}");
    expect(r.bibliography.bibtex).toContain("title = {Eino, an {LLM} application framework for {Go}}");
    expect(r.bibliography.bibtex).toContain(`url = {${web.origin}/web/2}`);
    const bibliography = await read("research/bibliography.md");
    expect(bibliography).toContain("## APA (7th edition)");
    expect(bibliography).toContain(r.bibliography.apa.split("\n")[0]!);
    expect(bibliography).toContain("## MLA (7th edition)");
    expect(await read("research/references.bib")).toContain(r.bibliography.bibtex);
    expect(await read("research/synthesis.md")).toContain("None: every quote was found");
    const notes = await read("research/notes.md");
    expect(notes).toContain("the quote is not in the text of source 2");
    expect(notes).toContain(`${web.origin}/web/${MISSING_RESULT}`);
  });

  it("research: a citation the model does not fix in two rounds is stored unverified with its problem; earlier sources can be cited", async () => {
    const added = (await taskResearch()).sources[0]!;
    const wrong =
      'Tide pools heat up in summer [1: "every summer they face heat"]. Urchins hide [9: "the purple sea urchin digs deeper"].';
    fake.script(textTurn(wrong), textTurn(wrong), textTurn(wrong));
    const requestsBefore = fake.requests.length;
    const r = (
      await s.ok(
        ResearchDocument,
        {
          workspaceId: who.workspaceId,
          question: "How do tide pool animals survive summer?",
          maxSources: 1,
          sourceIds: [added.id],
        },
        who.key,
      )
    ).research;
    expect(fake.requests.length - requestsBefore).toBe(3);
    expect(r.sources.map((x) => x.id)).toHaveLength(2);
    expect(r.sources[1]!.id).toBe(added.id);
    expect(r.citations.map((c) => [c.number, c.verified, c.problem])).toEqual([
      [1, false, "the quote is not in the text of source 1"],
      [9, false, "source 9 does not exist: the sources are numbered 1, 2"],
    ]);
    expect(r.citations[1]!.source).toBeNull();
    expect(await read("research/synthesis.md")).toContain("source 9 does not exist");
  });
});
