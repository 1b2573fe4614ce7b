import { createHash } from "node:crypto";
import { posix } from "node:path";
import { z } from "zod";
import { invalidFields, type FieldProblem } from "../../domain/errors.js";
import { dateTime, named } from "../api-shape.js";
import { listFiles, writeFile } from "../files/files.js";
import { defineTool, workspaceInput } from "../registry.js";
import { chartInput } from "./chart.js";
import { documentHtml, headerFooter, type ReportSection } from "./html.js";
import { workspaceDocumentHtml } from "./markdown.js";
import { customSections, researchBriefSections, taskReportSections, type TaskFacts } from "./templates.js";

/** Where reports land in the workspace. */
export const REPORT_DIR = "output";
const THEME_MAX_CHARS = 50_000;

const templates = ["TASK_REPORT", "RESEARCH_BRIEF", "CUSTOM"] as const;
const margin = z.number().min(0).max(100);

const reportOptions = named(
  "ReportOptionsInput",
  z
    .object({
      pageSize: named("ReportPageSize", z.enum(["A4", "LETTER"]).describe("The paper size."), {
        A4: "ISO A4 (210 × 297 mm).",
        LETTER: "US Letter (8.5 × 11 in).",
      }).default("A4"),
      orientation: named("ReportOrientation", z.enum(["PORTRAIT", "LANDSCAPE"]).describe("The page's orientation."), {
        PORTRAIT: "Taller than wide.",
        LANDSCAPE: "Wider than tall.",
      }).default("PORTRAIT"),
      marginMm: named(
        "ReportMarginsInput",
        z
          .object({
            top: margin.default(20).describe("Top margin in mm (0 to 100; default 20)."),
            right: margin.default(15).describe("Right margin in mm (0 to 100; default 15)."),
            bottom: margin.default(20).describe("Bottom margin in mm (0 to 100; default 20)."),
            left: margin.default(15).describe("Left margin in mm (0 to 100; default 15)."),
          })
          .describe("Page margins in millimetres."),
      )
        .default({ top: 20, right: 15, bottom: 20, left: 15 })
        .describe("Page margins in mm."),
      headerFooter: z
        .boolean()
        .default(true)
        .describe("A header with the title and a footer with page numbers (default true)."),
      headerText: z.string().max(200).optional().describe("The header's text (default: the title)."),
      cover: z.boolean().default(false).describe("Start with a cover page."),
      tableOfContents: z.boolean().default(false).describe("A table of contents after the cover."),
      theme: z
        .string()
        .max(THEME_MAX_CHARS)
        .optional()
        .describe("CSS added after the base styles; url(), @import and escapes are removed (nothing is loaded)."),
    })
    .describe("How the report is laid out."),
);

const reportData = named(
  "ReportDataInput",
  z
    .object({
      summary: z
        .string()
        .max(100_000)
        .optional()
        .describe(
          "The summary (task report) or the synthesis with [n] citation markers (research brief); default: the task's summary.",
        ),
      sections: z
        .array(
          named(
            "ReportSectionInput",
            z
              .object({
                heading: z.string().min(1).max(200).describe("The section's heading."),
                text: z.string().max(100_000).describe("Plain text; blank lines separate paragraphs."),
              })
              .describe("A section of text added to the report."),
          ),
        )
        .max(100)
        .default([])
        .describe("Sections added after the template's own."),
      charts: z.array(chartInput).max(20).default([]).describe("Charts drawn from data series, as vectors."),
    })
    .describe("What the caller adds to the template."),
);

export const reportInput = named(
  "GenerateReportInput",
  workspaceInput
    .extend({
      template: named("ReportTemplate", z.enum(templates).describe("What the report is made from."), {
        TASK_REPORT: "The task: summary, phases with timestamps, files in output/, usage and cost, links, sources.",
        RESEARCH_BRIEF: "The synthesis with numbered citations, the claims and the bibliography of the task's sources.",
        CUSTOM: "A markdown or HTML file of the workspace (source), sanitized; its images inlined from the workspace.",
      }),
      name: z
        .string()
        .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, "must be 1 to 100 letters, digits, '.', '_' or '-'")
        .describe("The file's name: the report is written to output/<name>.pdf."),
      title: z.string().min(1).max(300).optional().describe("The title (default: the task's)."),
      source: z
        .string()
        .max(4096)
        .optional()
        .describe("CUSTOM: the markdown (.md) or HTML (.html) file, relative to the workspace."),
      data: reportData.default({ sections: [], charts: [] }).describe("Summary, sections and charts."),
      options: reportOptions
        .default({
          pageSize: "A4",
          orientation: "PORTRAIT",
          marginMm: { top: 20, right: 15, bottom: 20, left: 15 },
          headerFooter: true,
          cover: false,
          tableOfContents: false,
        })
        .describe("Page size, orientation, margins, header and footer, cover, contents, theme."),
    })
    .describe("A PDF report to render into the workspace's output/ folder."),
);

export const artifactShape = named(
  "ReportArtifact",
  z
    .object({
      path: z
        .string()
        .describe("The PDF's path in the workspace (output/<name>.pdf); download it from the file route."),
      kind: z.string().describe("What the file is: REPORT."),
      sizeBytes: z.number().int().describe("The PDF's size in bytes."),
      sha256: z.string().describe("SHA-256 of the PDF's bytes (hex)."),
      pages: z.number().int().describe("Pages in the PDF."),
      createdAt: dateTime().describe("When it was rendered."),
    })
    .describe("A PDF report written to the workspace."),
);

function checkInput(i: z.infer<typeof reportInput>): void {
  const problems: FieldProblem[] = [];
  if (i.template === "CUSTOM") {
    if (!i.source) problems.push({ path: "source", message: "is required for the CUSTOM template" });
    else if (posix.isAbsolute(i.source) || i.source.split("/").includes("..")) {
      problems.push({ path: "source", message: "must be a path inside the workspace (no leading / or ..)" });
    } else if (!/\.(md|markdown|html?)$/i.test(i.source)) {
      problems.push({ path: "source", message: "must be a .md, .markdown, .html or .htm file" });
    }
  } else if (i.source !== undefined) {
    problems.push({ path: "source", message: "is only for the CUSTOM template" });
  }
  if (i.data.charts.some((c) => c.kind !== "SCATTER" && c.series.some((s) => s.values.length === 0))) {
    problems.push({ path: "data.charts", message: "LINE, BAR and PIE series need values" });
  }
  if (problems.length > 0) throw invalidFields(problems);
}

export const generateReport = defineTool({
  id: "generateReport",
  description:
    "Render a PDF report (task report, research brief, or a markdown/HTML file of the workspace) with charts, into output/<name>.pdf; it is recorded as an artifact of the task.",
  input: reportInput,
  inputType: "GenerateReportInput",
  output: artifactShape,
  policy: { roles: ["OPERATOR", "AGENT"], sandbox: false, network: false },
  recordInput: ({ data, options, ...rest }) => ({
    ...rest,
    charts: data.charts.length,
    sections: data.sections.length,
    pageSize: options.pageSize,
  }),
  async execute(ctx, i) {
    checkInput(i);
    const { reports, fileLimits } = ctx.deps;
    const root = ctx.workspace.root;
    const facts = await reports.facts(ctx.workspace.taskId);
    const files = await outputFiles(root);
    const all: TaskFacts = { ...facts, files };
    let sections: ReportSection[];
    if (i.template === "TASK_REPORT") sections = await taskReportSections(all, i.data);
    else if (i.template === "RESEARCH_BRIEF") sections = await researchBriefSections(all, i.data);
    else sections = await customSections(await workspaceDocumentHtml(root, i.source!, { limits: fileLimits }), i.data);
    const title = i.title ?? facts.task.title;
    const createdAt = new Date();
    const html = documentHtml({
      title,
      subtitle: i.template === "RESEARCH_BRIEF" ? "Research brief" : undefined,
      author: reports.author,
      date: createdAt,
      cover: i.options.cover,
      toc: i.options.tableOfContents,
      themeCss: i.options.theme,
      sections,
    });
    const m = i.options.marginMm;
    const pdf = await reports.render(
      html,
      {
        format: i.options.pageSize === "LETTER" ? "Letter" : "A4",
        landscape: i.options.orientation === "LANDSCAPE",
        margin: { top: `${m.top}mm`, right: `${m.right}mm`, bottom: `${m.bottom}mm`, left: `${m.left}mm` },
        ...(i.options.headerFooter ? headerFooter(title, i.options.headerText) : {}),
        signal: ctx.signal,
      },
      { title, author: reports.author, subject: subjectOf(i.template, facts.task.id), createdAt },
    );
    const path = `${REPORT_DIR}/${i.name}.pdf`;
    await writeFile(root, path, pdf.bytes, { limits: fileLimits, createParents: true });
    const artifact = {
      path,
      kind: "REPORT",
      sizeBytes: pdf.bytes.length,
      sha256: createHash("sha256").update(pdf.bytes).digest("hex"),
      pages: pdf.pages,
      createdAt,
    };
    await reports.recordArtifact?.(ctx.workspace.taskId, artifact);
    return artifact;
  },
});

const subjectOf = (template: (typeof templates)[number], taskId: string) =>
  `${template === "TASK_REPORT" ? "Task report" : template === "RESEARCH_BRIEF" ? "Research brief" : "Document"} of task ${taskId}`;

/** The files under output/ (none when it does not exist yet). */
async function outputFiles(root: string): Promise<Array<{ path: string; size: number }>> {
  const listed = await listFiles(root, REPORT_DIR, { recursive: true, maxEntries: 500 }).catch(() => ({ entries: [] }));
  return listed.entries.filter((e) => e.type === "FILE").map((e) => ({ path: e.path, size: e.size }));
}
