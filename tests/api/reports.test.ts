import { createHash } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { deflateSync } from "node:zlib";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  CreateAgentDocument,
  CreateApiKeyDocument,
  CreateTaskDocument,
  GenerateReportDocument,
  TaskArtifactsDocument,
  TaskDocument,
} from "../generated/graphql.js";
import { poppler } from "../helpers/poppler.js";
import { describeProfiles } from "../helpers/profiles.js";
import { untilValue } from "../helpers/process.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

/** A valid 2×2 red PNG. */
function tinyPng(): Buffer {
  const crc = (buf: Buffer) => {
    let c = ~0;
    for (const b of buf) {
      c ^= b;
      for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
    }
    return (~c >>> 0) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc(body), 8 + data.length);
    return out;
  };
  const ihdr = Buffer.from([0, 0, 0, 2, 0, 0, 0, 2, 8, 2, 0, 0, 0]);
  const raw = Buffer.from([0, 255, 0, 0, 255, 0, 0, 0, 255, 0, 0, 255, 0, 0]);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(raw)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

/** generateReport over GraphQL on a real workspace, Chromium and poppler; the PDF downloaded from the file route. */
describeProfiles("generateReport", (profile) => {
  let s: TestServer;
  let recorder: Server;
  const requests: string[] = [];
  let base = "";
  let workspaceId = "";
  let agentKey = "";
  let taskId = "";

  const put = (path: string, body: Buffer | string) =>
    fetch(`${s.url}/workspaces/${workspaceId}/files/${path}`, {
      method: "PUT",
      headers: { authorization: `Bearer ${agentKey}` },
      body,
    });
  const download = async (path: string) => {
    const res = await fetch(`${s.url}/workspaces/${workspaceId}/files/${path}`, {
      headers: { authorization: `Bearer ${agentKey}` },
    });
    expect(res.status).toBe(200);
    return new Uint8Array(await res.arrayBuffer());
  };

  beforeAll(async () => {
    recorder = createServer((req, res) => {
      requests.push(req.url ?? "");
      res.end("x");
    });
    await new Promise<void>((resolve) => recorder.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(recorder.address() as AddressInfo).port}`;
    s = await startTestServer(profile, { workers: 1, env: { REPORT_MAX_CONCURRENT: "2" } });
    const agent = (await s.ok(CreateAgentDocument, { input: { name: "reporter", minComplexity: 5, maxComplexity: 5 } }))
      .createAgent;
    agentKey = (await s.ok(CreateApiKeyDocument, { input: { name: "reporter", role: "AGENT", agentId: agent.id } }))
      .createApiKey.key;
    taskId = (await s.ok(CreateTaskDocument, { input: { title: "Quarterly numbers", complexity: 5 } })).createTask.id;
    workspaceId = await untilValue("a READY workspace", async () => {
      const t = (await s.ok(TaskDocument, { id: taskId })).task;
      return t?.workspace?.status === "READY" ? t.workspace.id : null;
    }).catch(() => "");
    expect(workspaceId).not.toBe("");
  });
  afterAll(async () => {
    await s?.stop();
    await new Promise((resolve) => recorder.close(resolve));
  });

  it("renders a task report with a chart: text, page numbers, metadata, the chart as vectors, downloadable", async () => {
    const artifact = (
      await s.ok(
        GenerateReportDocument,
        {
          input: {
            workspaceId,
            template: "TASK_REPORT",
            name: "quarterly",
            data: {
              summary: "Revenue grew to 4711 <b>units</b>.",
              charts: [
                {
                  title: "Revenue by quarter",
                  kind: "BAR",
                  categories: ["Q1", "Q2", "Q3"],
                  series: [{ name: "Revenue", values: [10, 20, 4711] }],
                },
              ],
            },
            options: { cover: true, tableOfContents: true, pageSize: "LETTER" },
          },
        },
        agentKey,
      )
    ).generateReport;
    expect(artifact).toMatchObject({ path: "output/quarterly.pdf", kind: "REPORT" });
    const pdf = await download(artifact.path);
    expect(pdf.length).toBe(artifact.sizeBytes);
    expect(createHash("sha256").update(pdf).digest("hex")).toBe(artifact.sha256);
    const text = await poppler("pdftotext", pdf, ["-layout"]);
    expect(text).toContain("Revenue grew to 4711 <b>units</b>.");
    expect(text).toContain("Phases");
    expect(text).toContain("Revenue by quarter");
    expect(text).toContain(`Page 1 of ${artifact.pages}`);
    const info = await poppler("pdfinfo", pdf, ["-isodates"]);
    expect(info).toMatch(/Title:\s+Quarterly numbers/);
    expect(info).toMatch(/Author:\s+agent-system/);
    expect(info).toMatch(/Subject:\s+Task report of task/);
    expect(info).toMatch(/CreationDate:\s+\d{4}-\d\d-\d\dT/);
    expect(info).toMatch(/Page size:\s+612 x 792/);
    const recorded = (await s.ok(TaskArtifactsDocument, { id: taskId })).task?.artifacts ?? [];
    expect(recorded).toEqual([
      expect.objectContaining({ path: artifact.path, kind: "REPORT", sizeBytes: pdf.length, sha256: artifact.sha256 }),
    ]);
    // No raster image at all: the chart is paths.
    const images = await poppler("pdfimages", pdf, ["-list"]);
    expect(images.trim().split("\n").length).toBe(2);
  });

  it("renders a markdown file: workspace images inlined, remote ones and CSS url() load nothing", async () => {
    expect((await put("docs/img/dot.png", tinyPng())).status).toBe(201);
    const md = [
      "# Field notes",
      "",
      "Observed 31415 birds.",
      "",
      "![dot](img/dot.png)",
      "",
      `![remote](${base}/remote.png)`,
      "",
      `<img src="${base}/raw.png" onerror="fetch('${base}/js')"><script>fetch("${base}/script")</script>`,
    ].join("\n");
    expect((await put("docs/notes.md", md)).status).toBe(201);
    const artifact = (
      await s.ok(
        GenerateReportDocument,
        {
          input: {
            workspaceId,
            template: "CUSTOM",
            name: "notes",
            source: "docs/notes.md",
            options: { theme: `body { background: url(${base}/theme.png); } @import url("${base}/x.css");` },
          },
        },
        agentKey,
      )
    ).generateReport;
    const pdf = await download(artifact.path);
    expect(await poppler("pdftotext", pdf)).toContain("Observed 31415 birds.");
    const images = (await poppler("pdfimages", pdf, ["-list"])).trim().split("\n");
    expect(images.length).toBe(3); // header, rule, the one workspace image
    expect(requests).toEqual([]);
  });

  it("refuses bad input with BAD_USER_INPUT naming the fields", async () => {
    const outside = await s.gql(
      GenerateReportDocument,
      { input: { workspaceId, template: "CUSTOM", name: "x", source: "../../etc/passwd.md" } },
      agentKey,
    );
    expect(outside.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT" });
    expect(JSON.stringify(outside.errors?.[0]?.extensions)).toContain("source");
    const bad = await s.gql(
      GenerateReportDocument,
      { input: { workspaceId, template: "TASK_REPORT", name: "../evil", options: { marginMm: { top: 500 } } } },
      agentKey,
    );
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT" });
    const fields = JSON.stringify(bad.errors?.[0]?.extensions);
    expect(fields).toContain("name");
    expect(fields).toContain("marginMm");
    const missing = await s.gql(
      GenerateReportDocument,
      { input: { workspaceId, template: "CUSTOM", name: "x" } },
      agentKey,
    );
    expect(missing.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT" });
    const unknown = await s.gql(
      GenerateReportDocument,
      { input: { workspaceId, template: "NOPE" as never, name: "x" } },
      agentKey,
    );
    expect(unknown.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
  });
});
