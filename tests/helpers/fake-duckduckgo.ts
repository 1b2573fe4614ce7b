/**
 * A local DuckDuckGo for tests: speaks the html and lite endpoints' form protocol and answers with
 * the recorded pages in tests/fixtures/ddg. POST (or GET) /html/ with q, kl, kp gives the eino
 * results page (whatever the query; a query containing "testtesttest" gives the no-results page);
 * posting that page's paging form back (its vqd, s=10) gives the recorded page past the end.
 * /lite/ gives the lite results page. Switches make every answer the anomaly page (HTTP 202),
 * or the html or lite page a changed layout (its result classes renamed). Every request is
 * recorded with its form fields and when it arrived.
 */
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";

const fixturesDir = join(import.meta.dirname, "..", "fixtures", "ddg");
export const ddgFixture = (name: string): string => readFileSync(join(fixturesDir, name), "utf8");

const pages = {
  results: ddgFixture("ddg_html_results_eino.html"),
  noResults: ddgFixture("ddg_html_no_results.html"),
  pastTheEnd: ddgFixture("ddg_html_no_more_results_page2.html"),
  lite: ddgFixture("ddg_lite_results_weather_sf.html"),
  challenge: ddgFixture("clele_challenge-202.html"),
};

/** The vqd of the recorded results page's paging form. */
export const RECORDED_VQD = "4-167208798460794982980732831674372650598";

/** A page whose layout changed: the recorded page with its result nodes renamed. */
export const changedHtmlLayout = pages.results.replace(/class="result results_links/g, 'class="item results_links');
export const changedLiteLayout = pages.lite.replace(/class='result-link'/g, "class='link'");

export interface DdgRequest {
  endpoint: "html" | "lite" | "other";
  method: string;
  path: string;
  form: Record<string, string>;
  userAgent: string | undefined;
  /** Date.now() when it arrived. */
  at: number;
}

export interface FakeDuckDuckGo {
  /** The html endpoint (SEARCH_DDG_URL). */
  url: string;
  /** The lite endpoint (SEARCH_DDG_LITE_URL). */
  liteUrl: string;
  requests: DdgRequest[];
  /** Every answer is the anomaly page with HTTP 202. */
  throttle: boolean;
  /** The html endpoint answers with a changed layout. */
  changeHtmlLayout: boolean;
  /** The lite endpoint answers with a changed layout. */
  changeLiteLayout: boolean;
  /** Requests to the search endpoints (not robots.txt or anything else). */
  searches(): DdgRequest[];
  close(): Promise<void>;
}

async function formOf(req: IncomingMessage, url: URL): Promise<Record<string, string>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks).toString("utf8");
  const params = req.method === "POST" ? new URLSearchParams(body) : url.searchParams;
  return Object.fromEntries(params.entries());
}

export async function startFakeDuckDuckGo(): Promise<FakeDuckDuckGo> {
  const fake = {
    requests: [] as DdgRequest[],
    throttle: false,
    changeHtmlLayout: false,
    changeLiteLayout: false,
  };
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const form = await formOf(req, url);
    const endpoint = url.pathname === "/html/" ? "html" : url.pathname === "/lite/" ? "lite" : "other";
    fake.requests.push({
      endpoint,
      method: req.method ?? "GET",
      path: url.pathname,
      form,
      userAgent: req.headers["user-agent"],
      at: Date.now(),
    });
    const send = (status: number, body: string) => {
      res.writeHead(status, { "content-type": "text/html; charset=UTF-8" });
      res.end(body);
    };
    if (endpoint === "other") return send(404, "<html><body>not found</body></html>");
    if (fake.throttle) return send(202, pages.challenge);
    if (!form.q) return send(400, "<html><body>no query</body></html>");
    if (endpoint === "lite") return send(200, fake.changeLiteLayout ? changedLiteLayout : pages.lite);
    if (form.vqd !== undefined) {
      // The paging form: only the one the results page handed out is known.
      if (form.vqd !== RECORDED_VQD || form.s !== "10") return send(400, "<html><body>bad paging form</body></html>");
      return send(200, pages.pastTheEnd);
    }
    if (form.q.includes("testtesttest")) return send(200, pages.noResults);
    return send(200, fake.changeHtmlLayout ? changedHtmlLayout : pages.results);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(fake, {
    url: `http://127.0.0.1:${port}/html/`,
    liteUrl: `http://127.0.0.1:${port}/lite/`,
    searches: () => fake.requests.filter((r) => r.endpoint !== "other"),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}
