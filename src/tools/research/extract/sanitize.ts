/**
 * Makes readable HTML safe to store and show: an allowlist of elements and attributes, applied in
 * place to a DOM subtree.
 * - Removed with their content: scripts, styles, frames, embedded objects, media, SVG, form controls
 *   and anything of the document head (DROPPED below).
 * - Unwrapped (the element goes, its content stays): every element not allowed (KEPT below), among
 *   them `form`, `fieldset`, `label`, `font`, custom elements and MathML.
 * - Attributes: only those listed (no `style`, no `on…` handler, no `srcset`, no `class` but a code
 *   block's `language-…`); URLs made absolute against the document's base. A link keeps an http,
 *   https or mailto target, an image or a citation an http or https one; any other target
 *   (javascript:, data:, vbscript:…) is removed: an image without a usable source goes entirely, a
 *   link without one is unwrapped.
 * - Comments and processing instructions are removed.
 */
import { type DomDocument, type DomElement, type DomNode, elementsOf, isElement } from "./dom.js";

const KEPT = new Set(
  (
    "a abbr address article aside b bdi bdo blockquote br caption cite code col colgroup data dd del details dfn " +
    "div dl dt em figcaption figure footer h1 h2 h3 h4 h5 h6 header hr i img ins kbd li main mark nav ol p pre q " +
    "rp rt ruby s samp section small span strong sub summary sup table tbody td tfoot th thead time tr u ul var wbr"
  ).split(" "),
);
const DROPPED = new Set(
  (
    "script style noscript template iframe frame frameset object embed applet param input button select option " +
    "optgroup textarea datalist output keygen link meta base title head svg canvas audio video source track map " +
    "area dialog portal slot noembed noframes"
  ).split(" "),
);

const GLOBAL_ATTRIBUTES = new Set(["id", "title", "lang", "dir"]);
const ELEMENT_ATTRIBUTES: ReadonlyMap<string, ReadonlySet<string>> = new Map(
  (
    [
      ["a", ["href", "rel", "hreflang"]],
      ["img", ["src", "alt", "width", "height"]],
      ["td", ["colspan", "rowspan", "headers", "abbr"]],
      ["th", ["colspan", "rowspan", "headers", "scope", "abbr"]],
      ["col", ["span"]],
      ["colgroup", ["span"]],
      ["ol", ["start", "reversed", "type"]],
      ["li", ["value"]],
      ["time", ["datetime"]],
      ["data", ["value"]],
      ["blockquote", ["cite"]],
      ["q", ["cite"]],
      ["del", ["cite", "datetime"]],
      ["ins", ["cite", "datetime"]],
    ] as Array<[string, string[]]>
  ).map(([name, attributes]) => [name, new Set(attributes)]),
);

const WEB = new Set(["http:", "https:"]);
const WEB_AND_MAIL = new Set(["http:", "https:", "mailto:"]);
/** Attributes holding a URL, and the schemes each may keep. */
const URL_ATTRIBUTES: ReadonlyMap<string, ReadonlySet<string>> = new Map([
  ["href", WEB_AND_MAIL],
  ["src", WEB],
  ["cite", WEB],
]);

/** `raw` resolved against `base`; null when it is not a URL or its scheme is not in `schemes`. */
export function resolveUrl(raw: string, base: string, schemes: ReadonlySet<string> = WEB): string | null {
  const url = URL.parse(raw.trim(), base);
  return url !== null && schemes.has(url.protocol) ? url.href : null;
}

/** The URL relative links of `doc` resolve against: its `<base href>` when that is http(s), else `url`. */
export function documentBase(doc: DomDocument, url: string): string {
  const href = doc.querySelector("base[href]")?.getAttribute("href");
  return (href && resolveUrl(href, url)) || url;
}

function cleanAttributes(element: DomElement, name: string, base: string): void {
  const allowed = ELEMENT_ATTRIBUTES.get(name);
  for (const { name: attribute, value } of Array.from(element.attributes)) {
    const key = attribute.toLowerCase();
    if (key === "class" && (name === "code" || name === "pre")) {
      const language = value.split(/\s+/).filter((token) => /^lang(uage)?-[\w+#.-]+$/.test(token));
      if (language.length > 0) element.setAttribute(attribute, language.join(" "));
      else element.removeAttribute(attribute);
      continue;
    }
    if (!GLOBAL_ATTRIBUTES.has(key) && !allowed?.has(key)) {
      element.removeAttribute(attribute);
      continue;
    }
    const schemes = URL_ATTRIBUTES.get(key);
    if (schemes === undefined) continue;
    const url = resolveUrl(value, base, schemes);
    if (url === null) element.removeAttribute(attribute);
    else if (url !== value) element.setAttribute(attribute, url);
  }
}

/** Removes comments and processing instructions under `root` (iteratively). */
function removeNonContentNodes(root: DomElement): void {
  const doomed: DomNode[] = [];
  let node: DomNode | null = root.firstChild;
  while (node !== null) {
    if (isElement(node) && node.firstChild !== null) {
      node = node.firstChild;
      continue;
    }
    if (node.nodeType === 7 /* processing instruction */ || node.nodeType === 8 /* comment */) doomed.push(node);
    while (node !== root && node.nextSibling === null) node = node.parentNode!;
    if (node === root) break;
    node = node.nextSibling;
  }
  for (const each of doomed) each.remove();
}

/** Applies the allowlist to `root`'s content in place (see the module comment); URLs resolve against `base`. */
export function sanitizeContent(root: DomElement, base: string): void {
  removeNonContentNodes(root);
  for (const element of elementsOf(root)) {
    if (element.parentNode === null) continue; // inside something already removed
    const name = element.localName.toLowerCase();
    if (DROPPED.has(name)) element.remove();
    else if (!KEPT.has(name)) element.replaceWith(...Array.from(element.childNodes));
    else {
      cleanAttributes(element, name, base);
      if (name === "img" && element.getAttribute("src") === null) element.remove();
      else if (name === "a" && element.getAttribute("href") === null)
        element.replaceWith(...Array.from(element.childNodes));
    }
  }
  for (const { name } of Array.from(root.attributes)) root.removeAttribute(name);
}
