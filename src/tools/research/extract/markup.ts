/**
 * Markup made safe and whole for the DOM parser, in one linear pass before parsing.
 *
 * Nesting: linkedom parses with htmlparser2, whose stack of open elements costs time in proportion
 * to its depth on every tag: 100,000 nested `<div>`s (1 MB) take seconds, and Readability and
 * turndown then recurse that deep and overflow the stack. So this pass reads the markup the way
 * htmlparser2 does (its tokenizer's tag, comment, CDATA and raw-text rules; its parser's void
 * elements, implied end tags and foreign-content self-closing) and removes every start tag that
 * would open deeper than the cap, with its matching end tag. The text inside stays, attached to the
 * deepest element kept.
 *
 * Shape (HTML): htmlparser2 builds the tree as written, without the HTML standard's implied
 * `<html>`, `<head>` and `<body>`, and linkedom then sees no body (or puts one before the content).
 * So the missing ones are inserted (`<body>` before the first text or element that does not belong
 * in a head), and `</body>` and `</html>` end tags are removed so that content after them stays in
 * the body, as in a browser. Comments, CDATA sections, doctypes and processing instructions are
 * removed from HTML (see `dropInHtml`).
 */

export type MarkupSyntax = "html" | "xml";

export interface PreparedMarkup {
  markup: string;
  /** Tags removed for being nested deeper than the cap (start and end tags). */
  droppedTags: number;
}

/** A change to the markup: [start, end) replaced by `text`. */
interface Edit {
  start: number;
  end: number;
  text: string;
}

const VOID_ELEMENTS = new Set(
  "area base basefont br col command embed frame hr img input isindex keygen link meta param source track wbr".split(
    " ",
  ),
);
/** Elements whose content is raw text in HTML: only their own end tag ends them. */
const RAW_TEXT_END: ReadonlyMap<string, RegExp> = new Map(
  ["script", "style", "title", "textarea", "xmp"].map((name) => [name, new RegExp(`</${name}[\\t\\n\\f\\r >]`, "gi")]),
);
const FOREIGN_CONTEXT = new Set(["math", "svg"]);
const HTML_INTEGRATION = new Set(["mi", "mo", "mn", "ms", "mtext", "annotation-xml", "foreignobject", "desc", "title"]);

const P_TAG = ["p"];
const FORM_TAGS = ["input", "option", "optgroup", "select", "button", "datalist", "textarea"];
/** htmlparser2's implied end tags: opening the key closes these while they are the innermost element. */
const OPEN_IMPLIES_CLOSE: ReadonlyMap<string, ReadonlySet<string>> = new Map(
  (
    [
      ["tr", ["tr", "th", "td"]],
      ["th", ["th"]],
      ["td", ["thead", "th", "td"]],
      ["body", ["head", "link", "script"]],
      ["li", ["li"]],
      ["option", ["option"]],
      ["optgroup", ["optgroup", "option"]],
      ["dd", ["dd", "dt"]],
      ["dt", ["dd", "dt"]],
      ["rt", ["rt", "rp"]],
      ["rp", ["rt", "rp"]],
      ["tbody", ["thead", "tbody"]],
      ["tfoot", ["thead", "tbody"]],
      ...["select", "input", "output", "button", "datalist", "textarea"].map((name) => [name, FORM_TAGS]),
      ...(
        "h1 h2 h3 h4 h5 h6 p address article aside blockquote details div dl fieldset figcaption figure footer " +
        "form header hr main nav ol pre section table ul"
      )
        .split(" ")
        .map((name) => [name, P_TAG]),
    ] as Array<[string, string[]]>
  ).map(([name, closes]) => [name, new Set(closes)]),
);

const isWhitespace = (code: number) => code === 32 || code === 10 || code === 9 || code === 12 || code === 13;
/** `/`, `>` or whitespace: what ends a tag name. */
const endsName = (code: number) => code === 47 || code === 62 || isWhitespace(code);
const isAsciiLetter = (code: number) => (code >= 97 && code <= 122) || (code >= 65 && code <= 90);

/** Elements that may come before the body without starting it. */
const HEAD_CONTENT = new Set(
  "html head title meta link style script base noscript template basefont bgsound".split(" "),
);

/** `markup` with no element nested deeper than `maxDepth`, and with `<html>`, `<head>` and `<body>` (see the module comment). */
export function prepareHtml(markup: string, maxDepth: number): PreparedMarkup {
  const scan = new MarkupScan(markup, maxDepth, "html");
  scan.run();
  const { shape } = scan;
  const edits = [...scan.edits];
  const bodyAt = shape.bodyStart ?? markup.length;
  if (!shape.hasHtml) edits.push({ start: 0, end: 0, text: "<html>" });
  const headAt = Math.min(shape.afterHtmlTag, bodyAt);
  if (!shape.hasHead) edits.push({ start: headAt, end: headAt, text: "<head>" });
  if (!shape.hasBody) edits.push({ start: bodyAt, end: bodyAt, text: `${shape.hasHead ? "" : "</head>"}<body>` });
  return { markup: applyEdits(markup, edits), droppedTags: scan.droppedTags };
}

/** `markup` with no element nested deeper than `maxDepth`. */
export function prepareXml(markup: string, maxDepth: number): PreparedMarkup {
  const scan = new MarkupScan(markup, maxDepth, "xml");
  scan.run();
  return { markup: applyEdits(markup, scan.edits), droppedTags: scan.droppedTags };
}

function applyEdits(markup: string, edits: Edit[]): string {
  if (edits.length === 0) return markup;
  // Stable: an insertion stays before a removal at the same place.
  edits.sort((a, b) => a.start - b.start);
  const pieces: string[] = [];
  let from = 0;
  for (const edit of edits) {
    pieces.push(markup.slice(from, edit.start), edit.text);
    from = edit.end;
  }
  pieces.push(markup.slice(from));
  return pieces.join("");
}

/** One pass over the markup: `edits` removes the tags nested too deep (and `</body>`, `</html>`); `shape` says what HTML has. */
class MarkupScan {
  readonly edits: Edit[] = [];
  droppedTags = 0;
  readonly shape = {
    hasHtml: false,
    hasHead: false,
    hasBody: false,
    /** Where the first `<html>` start tag ends (0 when there is none). */
    afterHtmlTag: 0,
    /** Where the body's content starts when there is no `<body>` tag: the first text or element not of the head. */
    bodyStart: null as number | null,
  };
  /** Open elements, innermost last, as htmlparser2's parser holds them. */
  private readonly open: string[] = [];
  /** htmlparser2's foreign-content flags (self-closing tags count inside svg and math), innermost last. */
  private readonly foreign: boolean[];
  /** Start tags removed and not yet matched by an end tag, by name. */
  private readonly unmatchedDrops = new Map<string, number>();
  private readonly html: boolean;

  constructor(
    private readonly markup: string,
    private readonly maxDepth: number,
    syntax: MarkupSyntax,
  ) {
    this.html = syntax === "html";
    this.foreign = [!this.html];
  }

  run(): void {
    const { markup } = this;
    let index = 0;
    while (index < markup.length) {
      const lt = markup.indexOf("<", index);
      this.noteText(index, lt === -1 ? markup.length : lt);
      if (lt === -1) return;
      const next = markup.charCodeAt(lt + 1);
      if (next === 33 /* ! */) index = this.dropInHtml(lt, this.skipDeclaration(lt + 2));
      else if (next === 63 /* ? */) index = this.dropInHtml(lt, this.skipTo(">", lt + 2));
      else if (next === 47 /* / */) index = this.endTag(lt);
      else if (this.startsName(next)) index = this.startTag(lt);
      else index = lt + 1;
    }
  }

  /** Text between tags: the body starts at the first that is not whitespace. */
  private noteText(start: number, end: number): void {
    if (!this.html || this.shape.bodyStart !== null || start >= end) return;
    const visible = /\S/.exec(this.markup.slice(start, end));
    if (visible !== null) this.shape.bodyStart = start;
  }

  private startsName(code: number): boolean {
    return this.html ? isAsciiLetter(code) : !Number.isNaN(code) && !endsName(code);
  }

  /** The index after the next `token` from `from`, or the end of the markup. */
  private skipTo(token: string, from: number): number {
    const at = this.markup.indexOf(token, from);
    return at === -1 ? this.markup.length : at + token.length;
  }

  /**
   * HTML: removes a comment, CDATA section, doctype or processing instruction [start, end). The
   * service has no use for them, and linkedom does not serialise them back as it parsed them (a
   * CDATA section becomes a comment that may hold "-->"; a doctype inside the body breaks its tree),
   * which Readability, re-parsing the HTML it serialised, has been seen to loop forever on.
   */
  private dropInHtml(start: number, end: number): number {
    if (this.html) this.cut(start, end);
    return end;
  }

  /** `<!` seen: a comment, a CDATA section or a declaration such as a doctype. */
  private skipDeclaration(from: number): number {
    const { markup } = this;
    // The opening dashes count towards the closing "-->", so "<!-->" is a whole comment.
    if (markup.startsWith("--", from)) return this.skipTo("-->", from);
    if (markup.startsWith("[CDATA[", from)) return this.skipTo("]]>", from + 7);
    return this.skipTo(">", from);
  }

  private readName(from: number): { name: string; end: number } {
    let end = from;
    while (end < this.markup.length && !endsName(this.markup.charCodeAt(end))) end++;
    const name = this.markup.slice(from, end);
    return { name: this.html ? name.toLowerCase() : name, end };
  }

  private endTag(lt: number): number {
    const { markup } = this;
    let at = lt + 2;
    while (isWhitespace(markup.charCodeAt(at))) at++;
    if (markup.charCodeAt(at) === 62 /* > */) return at + 1;
    if (!this.startsName(markup.charCodeAt(at))) return this.dropInHtml(lt, this.skipTo(">", at)); // a bogus comment
    const { name } = this.readName(at);
    const end = this.skipTo(">", at);
    this.closeElement(name, lt, end);
    return end;
  }

  private cut(start: number, end: number): void {
    this.edits.push({ start, end, text: "" });
  }

  private closeElement(name: string, start: number, end: number): void {
    const drops = this.unmatchedDrops.get(name) ?? 0;
    if (drops > 0) {
      this.unmatchedDrops.set(name, drops - 1);
      this.cut(start, end);
      this.droppedTags++;
      return;
    }
    if (this.html && (name === "body" || name === "html")) {
      this.cut(start, end);
      return;
    }
    if (this.html && (FOREIGN_CONTEXT.has(name) || HTML_INTEGRATION.has(name))) this.foreign.pop();
    if (this.html && VOID_ELEMENTS.has(name)) return;
    const at = this.open.lastIndexOf(name);
    if (at !== -1) this.open.length = at;
  }

  private startTag(lt: number): number {
    const { name, end: nameEnd } = this.readName(lt + 1);
    const { end, selfClosing } = this.tagEnd(nameEnd);
    if (this.html) this.noteShape(name, lt, end);
    const closes = this.html ? OPEN_IMPLIES_CLOSE.get(name) : undefined;
    if (closes) while (this.open.length > 0 && closes.has(this.open.at(-1)!)) this.open.pop();
    if (this.html && VOID_ELEMENTS.has(name)) return end;
    const rawTextEnd = this.html && !selfClosing ? RAW_TEXT_END.get(name) : undefined;
    const closedAtOnce = selfClosing && this.foreign.at(-1) === true;
    if (this.open.length >= this.maxDepth && rawTextEnd === undefined && !closedAtOnce) {
      this.unmatchedDrops.set(name, (this.unmatchedDrops.get(name) ?? 0) + 1);
      this.cut(lt, end);
      this.droppedTags++;
      return end;
    }
    if (this.html && FOREIGN_CONTEXT.has(name)) this.foreign.push(true);
    else if (this.html && HTML_INTEGRATION.has(name)) this.foreign.push(false);
    if (!closedAtOnce) this.open.push(name);
    if (rawTextEnd === undefined) return end;
    rawTextEnd.lastIndex = end;
    const close = rawTextEnd.exec(this.markup);
    return close === null ? this.markup.length : close.index;
  }

  private noteShape(name: string, start: number, end: number): void {
    const { shape } = this;
    if (name === "html" && !shape.hasHtml) {
      shape.hasHtml = true;
      shape.afterHtmlTag = end;
    } else if (name === "head") shape.hasHead = true;
    else if (name === "body") shape.hasBody = true;
    if (shape.bodyStart === null && (name === "body" || !HEAD_CONTENT.has(name))) shape.bodyStart = start;
  }

  /** Reads a start tag's attributes as htmlparser2's tokenizer does: the index after its `>`, and whether it ends in `/>`. */
  private tagEnd(from: number): { end: number; selfClosing: boolean } {
    const { markup } = this;
    let state: "beforeName" | "name" | "afterName" | "beforeValue" | "unquoted" | "slash" = "beforeName";
    for (let at = from; at < markup.length; at++) {
      const code = markup.charCodeAt(at);
      switch (state) {
        case "beforeName":
          if (code === 62) return { end: at + 1, selfClosing: false };
          if (code === 47) state = "slash";
          else if (!isWhitespace(code)) state = "name";
          break;
        case "slash":
          if (code === 62) return { end: at + 1, selfClosing: true };
          if (!isWhitespace(code)) {
            state = "beforeName";
            at--; // read it again
          }
          break;
        case "name":
          if (code === 61 /* = */ || endsName(code)) {
            state = "afterName";
            at--;
          }
          break;
        case "afterName":
          if (code === 61) state = "beforeValue";
          else if (code === 47 || code === 62) {
            state = "beforeName";
            at--;
          } else if (!isWhitespace(code)) state = "name";
          break;
        case "beforeValue":
          if (code === 34 || code === 39 /* " ' */) {
            const close = markup.indexOf(String.fromCharCode(code), at + 1);
            if (close === -1) return { end: markup.length, selfClosing: false };
            at = close;
            state = "beforeName";
          } else if (!isWhitespace(code)) {
            state = "unquoted";
            at--;
          }
          break;
        case "unquoted":
          if (isWhitespace(code) || code === 62) {
            state = "beforeName";
            at--;
          }
          break;
      }
    }
    return { end: markup.length, selfClosing: false };
  }
}
