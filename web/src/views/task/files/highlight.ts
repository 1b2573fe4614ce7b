/**
 * A small, safe syntax highlighter: a tokenizer for common languages (keywords, strings,
 * comments, numbers) and a renderer that escapes every character of the text. The output is
 * HTML made only of <span class="tok-…"> and escaped text, one string per line.
 */

export type TokenType = "keyword" | "string" | "comment" | "number" | "text";

export interface Token {
  type: TokenType;
  text: string;
}

interface Lang {
  keywords: Set<string>;
  line: string[];
  block: Array<[string, string]>;
  strings: string[];
  triple?: boolean;
}

const words = (s: string) => new Set(s.split(/\s+/).filter(Boolean));

const js: Lang = {
  keywords: words(`break case catch class const continue debugger default delete do else enum export extends false
    finally for function if import in instanceof let new null return super switch this throw true try typeof var void
    while with yield async await of from as interface type implements private protected public readonly static
    undefined keyof declare namespace abstract satisfies`),
  line: ["//"],
  block: [["/*", "*/"]],
  strings: ["'", '"', "`"],
};
const python: Lang = {
  keywords: words(`False None True and as assert async await break class continue def del elif else except finally
    for from global if import in is lambda nonlocal not or pass raise return try while with yield self print`),
  line: ["#"],
  block: [],
  strings: ["'", '"'],
  triple: true,
};
const shell: Lang = {
  keywords: words(`if then else elif fi for while until do done case esac in function return export local echo exit
    set unset readonly shift source`),
  line: ["#"],
  block: [],
  strings: ["'", '"'],
};
const cLike: Lang = {
  keywords: words(`auto break case char const continue default do double else enum extern float for goto if int long
    register return short signed sizeof static struct switch typedef union unsigned void volatile while class public
    private protected new delete true false null nullptr namespace using template typename package import func go
    var type map chan defer select range interface fn let mut impl trait pub use mod match self Self struct enum
    crate where loop move ref async await dyn final abstract extends implements throws throw try catch finally`),
  line: ["//"],
  block: [["/*", "*/"]],
  strings: ["'", '"', "`"],
};
const css: Lang = {
  keywords: words(`important media import supports keyframes font-face root not hover focus before after`),
  line: [],
  block: [["/*", "*/"]],
  strings: ["'", '"'],
};
const sql: Lang = {
  keywords: words(`select from where and or not insert into values update set delete create table drop alter index
    primary key foreign references join left right inner outer on group by order having limit offset as distinct
    null is in like between case when then else end union all exists SELECT FROM WHERE AND OR NOT INSERT INTO VALUES
    UPDATE SET DELETE CREATE TABLE DROP ALTER INDEX PRIMARY KEY FOREIGN REFERENCES JOIN LEFT RIGHT INNER OUTER ON
    GROUP BY ORDER HAVING LIMIT OFFSET AS DISTINCT NULL IS IN LIKE BETWEEN CASE WHEN THEN ELSE END UNION ALL EXISTS`),
  line: ["--"],
  block: [["/*", "*/"]],
  strings: ["'", '"'],
};
const data: Lang = { keywords: words("true false null yes no on off"), line: ["#"], block: [], strings: ["'", '"'] };
const json: Lang = { keywords: words("true false null"), line: [], block: [], strings: ['"'] };
const markup: Lang = { keywords: new Set(), line: [], block: [["<!--", "-->"]], strings: ['"', "'"] };

const byExt: Record<string, Lang> = {
  js,
  mjs: js,
  cjs: js,
  jsx: js,
  ts: js,
  tsx: js,
  mts: js,
  cts: js,
  py: python,
  pyi: python,
  sh: shell,
  bash: shell,
  zsh: shell,
  c: cLike,
  h: cLike,
  cc: cLike,
  cpp: cLike,
  hpp: cLike,
  java: cLike,
  go: cLike,
  rs: cLike,
  cs: cLike,
  kt: cLike,
  swift: cLike,
  scala: cLike,
  css,
  scss: css,
  sql,
  yml: data,
  yaml: data,
  toml: data,
  ini: data,
  cfg: data,
  conf: data,
  env: data,
  json,
  jsonl: json,
  ipynb: json,
  html: markup,
  htm: markup,
  xml: markup,
  svg: markup,
  vue: markup,
};

/** The language of a file by its extension; null: unknown (shown plain, with line numbers). */
export function languageOf(ext: string): string | null {
  return ext.toLowerCase() in byExt ? ext.toLowerCase() : null;
}

const isDigit = (c: string | undefined) => c !== undefined && c >= "0" && c <= "9";
const isWord = (c: string | undefined) => c !== undefined && /[\p{L}\p{N}_$]/u.test(c);
const wordRe = /[\p{L}\p{N}_$]+/uy;
/** Characters that never start a token in any language here (no quote, comment start, word or digit). */
const plainRe = /[^\p{L}\p{N}_$'"`#/*<\-]+/uy;

/** Splits `text` into tokens; their texts joined give `text` back exactly. */
export function tokenize(text: string, ext: string): Token[] {
  const lang = byExt[ext.toLowerCase()];
  if (!lang) return text ? [{ type: "text", text }] : [];
  const out: Token[] = [];
  const push = (type: TokenType, t: string) => {
    if (!t) return;
    const last = out[out.length - 1];
    if (last && last.type === type && type === "text") last.text += t;
    else out.push({ type, text: t });
  };
  let i = 0;
  const n = text.length;
  outer: while (i < n) {
    for (const start of lang.line) {
      if (text.startsWith(start, i)) {
        const end = text.indexOf("\n", i);
        const stop = end === -1 ? n : end;
        push("comment", text.slice(i, stop));
        i = stop;
        continue outer;
      }
    }
    for (const [open, close] of lang.block) {
      if (text.startsWith(open, i)) {
        const end = text.indexOf(close, i + open.length);
        const stop = end === -1 ? n : end + close.length;
        push("comment", text.slice(i, stop));
        i = stop;
        continue outer;
      }
    }
    const c = text[i]!;
    if (lang.strings.includes(c)) {
      const triple = lang.triple && text.startsWith(c.repeat(3), i) ? c.repeat(3) : null;
      let j = i + (triple ? 3 : 1);
      while (j < n) {
        if (triple) {
          if (text.startsWith(triple, j)) {
            j += 3;
            break;
          }
          j += text[j] === "\\" ? 2 : 1;
          continue;
        }
        const d = text[j];
        if (d === "\\") {
          j += 2;
          continue;
        }
        if (d === c) {
          j++;
          break;
        }
        // Plain quotes end at the line's end (an unclosed string does not eat the file).
        if (d === "\n" && c !== "`") break;
        j++;
      }
      push("string", text.slice(i, Math.min(j, n)));
      i = Math.min(j, n);
      continue;
    }
    if (isDigit(c) && !isWord(text[i - 1])) {
      const m = /^(0[xX][\da-fA-F_]+|0[bB][01_]+|\d[\d_]*(\.\d[\d_]*)?([eE][+-]?\d+)?)[a-zA-Z]*/.exec(
        text.slice(i, i + 64),
      );
      const t = m ? m[0] : c;
      push("number", t);
      i += t.length;
      continue;
    }
    wordRe.lastIndex = i;
    const word = wordRe.exec(text);
    if (word) {
      const w = word[0];
      push(lang.keywords.has(w) ? "keyword" : "text", w);
      i += w.length;
      continue;
    }
    // Punctuation and spaces up to the next character that may start a token.
    plainRe.lastIndex = i + 1;
    const plain = plainRe.exec(text);
    const stop = plain ? i + 1 + plain[0].length : i + 1;
    push("text", text.slice(i, stop));
    i = stop;
  }
  return out;
}

const entities: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => entities[c]!);
}

/** The tokens as HTML, one string per line (a token across lines is split, its span reopened). */
export function toHtmlLines(tokens: readonly Token[]): string[] {
  const lines: string[] = [""];
  for (const tok of tokens) {
    const parts = tok.text.split("\n");
    parts.forEach((part, k) => {
      if (k > 0) lines.push("");
      if (!part) return;
      const html = escapeHtml(part);
      lines[lines.length - 1] += tok.type === "text" ? html : `<span class="tok-${tok.type}">${html}</span>`;
    });
  }
  return lines;
}

/** Highlighted HTML lines of a file's text (unknown languages: escaped plain lines). */
export function highlightLines(text: string, ext: string): string[] {
  const lines = toHtmlLines(tokenize(text, ext));
  if (lines.length > 1 && lines[lines.length - 1] === "") lines.pop();
  return lines;
}
