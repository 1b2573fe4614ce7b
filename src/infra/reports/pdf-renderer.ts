import { existsSync } from "node:fs";
import type { Browser, HTTPRequest, Page, PDFOptions } from "puppeteer-core";
import type { ReportConfig } from "../../config.js";
import { DomainError } from "../../domain/errors.js";
import { launchChromium, removeProfile } from "../browser/launch.js";

/** How long a hung page is given to close before its browser is killed. */
const CLOSE_GRACE_MS = 2_000;
/** Idle pages kept warm for the next render. */
const IDLE_PAGES_MAX = 4;

export interface PdfMetadata {
  title: string;
  author: string;
  subject: string;
  createdAt: Date;
}

export interface PdfPrintOptions {
  format: "A4" | "Letter";
  landscape: boolean;
  /** CSS lengths, e.g. "20mm". */
  margin: { top: string; right: string; bottom: string; left: string };
  /** Chromium's header/footer templates (pageNumber/totalPages classes); none: no header and footer. */
  headerTemplate?: string;
  footerTemplate?: string;
  /** Scripts in the HTML run (off by default: the service's templates need none). */
  javaScript?: boolean;
  signal?: AbortSignal;
}

/** A render over REPORT_TIMEOUT_MS or a PDF over REPORT_MAX_BYTES. */
export const reportLimit = (limit: "time" | "bytes", max: number) =>
  new DomainError(
    "LIMIT_EXCEEDED",
    limit === "time" ? `The report took longer than ${max} ms to render` : `The report is larger than ${max} bytes`,
    { limit: `report.${limit}`, max },
  );

interface Launched {
  browser: Browser;
  profileDir: string;
}

/**
 * Prints HTML to PDF in Chromium (puppeteer-core): one warm browser per process, launched at the
 * first render and launched again after a crash; pages reused from a small pool; at most
 * REPORT_MAX_CONCURRENT renders at once; each render held to REPORT_TIMEOUT_MS and its PDF to
 * REPORT_MAX_BYTES. The page loads nothing from the network: every request but data: URIs is aborted.
 */
export class PdfRenderer {
  private launched: Promise<Launched> | undefined;
  private readonly idle: Page[] = [];
  private running = 0;
  private peak = 0;
  private readonly waiting: Array<() => void> = [];
  private closed = false;
  private barePage: Page | undefined;
  /** Requests the pages tried and were refused (URLs), newest last, for tests and logs. */
  readonly refused: string[] = [];

  constructor(private readonly config: ReportConfig) {}

  /** The most renders that ran at once since the renderer was made. */
  get peakConcurrent(): number {
    return this.peak;
  }

  /** The browser's process id, when one runs. */
  async browserPid(): Promise<number | undefined> {
    const launched = await this.launched?.catch(() => undefined);
    return launched?.browser.process()?.pid;
  }

  /** Prints `html` with `print`; the caller adds metadata (see withMetadata). */
  async render(html: string, print: PdfPrintOptions): Promise<Uint8Array> {
    await this.slot();
    try {
      return await this.printOnce(html, print, true);
    } finally {
      this.running -= 1;
      this.waiting.shift()?.();
    }
  }

  /**
   * The benchmark's baseline: `html` printed with the same options by a bare page.pdf() in the same
   * browser (one page kept for it, no pool, no interception, no cap, no metadata).
   */
  async renderBare(html: string, print: PdfPrintOptions): Promise<Uint8Array> {
    const { browser } = await this.browser();
    if (!this.barePage || this.barePage.isClosed()) this.barePage = await browser.newPage();
    await this.barePage.setContent(html, { waitUntil: "load" });
    return this.barePage.pdf(this.pdfOptions(print));
  }

  async close(): Promise<void> {
    this.closed = true;
    const launched = await this.launched?.catch(() => undefined);
    this.launched = undefined;
    this.idle.length = 0;
    if (!launched) return;
    await launched.browser.close().catch(() => undefined);
    await removeProfile(launched.profileDir);
  }

  private async slot(): Promise<void> {
    while (this.running >= this.config.maxConcurrent) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    this.running += 1;
    this.peak = Math.max(this.peak, this.running);
  }

  private async printOnce(html: string, print: PdfPrintOptions, retryOnCrash: boolean): Promise<Uint8Array> {
    const launched = await this.browser();
    let page: Page;
    try {
      page = await this.takePage(launched.browser);
    } catch (err) {
      // The browser died between renders: launch a new one once.
      if (retryOnCrash && !launched.browser.connected) return this.printOnce(html, print, false);
      throw err;
    }
    let timedOut = false;
    let reusable = true;
    const timer = setTimeout(() => {
      timedOut = true;
      reusable = false;
      void this.dispose(page, launched);
    }, this.config.timeoutMs);
    const onAbort = () => {
      reusable = false;
      void this.dispose(page, launched);
    };
    print.signal?.addEventListener("abort", onAbort, { once: true });
    try {
      await page.setJavaScriptEnabled(print.javaScript === true);
      await page.setContent(html, { waitUntil: "load", timeout: 0 });
      const pdf = await page.pdf(this.pdfOptions(print));
      if (pdf.length > this.config.maxBytes) throw reportLimit("bytes", this.config.maxBytes);
      return pdf;
    } catch (err) {
      reusable = false;
      if (timedOut) throw reportLimit("time", this.config.timeoutMs);
      if (print.signal?.aborted) throw print.signal.reason;
      if (retryOnCrash && !launched.browser.connected) return this.printOnce(html, print, false);
      throw err;
    } finally {
      clearTimeout(timer);
      print.signal?.removeEventListener("abort", onAbort);
      if (reusable && this.idle.length < IDLE_PAGES_MAX && !page.isClosed()) this.idle.push(page);
      else if (!timedOut) void page.close().catch(() => undefined);
    }
  }

  private pdfOptions(print: PdfPrintOptions): PDFOptions {
    return {
      format: print.format,
      landscape: print.landscape,
      margin: print.margin,
      printBackground: true,
      displayHeaderFooter: print.headerTemplate !== undefined || print.footerTemplate !== undefined,
      headerTemplate: print.headerTemplate ?? "<span></span>",
      footerTemplate: print.footerTemplate ?? "<span></span>",
      timeout: 0,
    };
  }

  /** Closes a hung page; a browser that does not close it in CLOSE_GRACE_MS is killed (and relaunched next time). */
  private async dispose(page: Page, launched: Launched): Promise<void> {
    const closing = page.close().then(
      () => true,
      () => false,
    );
    const grace = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), CLOSE_GRACE_MS).unref());
    if (await Promise.race([closing, grace])) return;
    if (this.launched && (await this.launched.catch(() => undefined)) === launched) this.launched = undefined;
    launched.browser.process()?.kill("SIGKILL");
  }

  private async takePage(browser: Browser): Promise<Page> {
    while (this.idle.length > 0) {
      const page = this.idle.pop()!;
      if (!page.isClosed() && page.browser() === browser) return page;
    }
    const page = await browser.newPage();
    await page.setRequestInterception(true);
    page.on("request", (request: HTTPRequest) => {
      if (request.url().startsWith("data:")) void request.continue().catch(() => undefined);
      else {
        this.refused.push(request.url());
        if (this.refused.length > 100) this.refused.shift();
        void request.abort("blockedbyclient").catch(() => undefined);
      }
    });
    return page;
  }

  private browser(): Promise<Launched> {
    if (this.closed) return Promise.reject(new DomainError("CONFLICT", "The report renderer was closed"));
    this.launched ??= this.launch().catch((err: unknown) => {
      this.launched = undefined;
      throw err;
    });
    return this.launched;
  }

  private async launch(): Promise<Launched> {
    const { chromiumPath } = this.config;
    if (!existsSync(chromiumPath)) {
      throw new DomainError("NOT_CONFIGURED", `Reports cannot be rendered: there is no Chromium at ${chromiumPath}`, {
        setting: "CHROMIUM_PATH",
      });
    }
    const launched = await launchChromium({
      chromiumPath,
      profilePrefix: "report-profile-",
      // Besides the request interception: no name resolves and no proxy-less connection is made.
      network: [
        "--host-resolver-rules=MAP * ~NOTFOUND",
        "--proxy-server=http://0.0.0.0:1",
        "--proxy-bypass-list=<-loopback>",
      ],
    });
    launched.browser.once("disconnected", () => {
      void removeProfile(launched.profileDir);
      this.idle.length = 0;
      void this.launched?.then((current) => {
        if (current === launched) this.launched = undefined;
      });
    });
    return launched;
  }
}

/** Sets the PDF's title, author, subject and creation date (pdf-lib). */
export async function withMetadata(pdf: Uint8Array, meta: PdfMetadata): Promise<{ bytes: Uint8Array; pages: number }> {
  const { PDFDocument } = await import("pdf-lib");
  const doc = await PDFDocument.load(pdf, { updateMetadata: false });
  doc.setTitle(meta.title, { showInWindowTitleBar: true });
  doc.setAuthor(meta.author);
  doc.setSubject(meta.subject);
  doc.setCreationDate(meta.createdAt);
  doc.setModificationDate(meta.createdAt);
  doc.setProducer("agent-system reports (Chromium, pdf-lib)");
  doc.setCreator("agent-system");
  return { bytes: await doc.save(), pages: doc.getPageCount() };
}
