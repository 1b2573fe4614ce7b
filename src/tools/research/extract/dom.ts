/**
 * The part of the DOM extraction uses, typed here because the project compiles without the DOM
 * library (this is Node): linkedom implements it. Documents come only from these parse functions;
 * linkedom runs no script and loads nothing.
 */
import { DOMParser, parseHTML } from "linkedom";

export const ELEMENT_NODE = 1;
export const TEXT_NODE = 3;
export const CDATA_SECTION_NODE = 4;

export interface DomNode {
  readonly nodeType: number;
  /** Upper-case for HTML elements ("DIV"), "#text" for text. */
  readonly nodeName: string;
  readonly parentNode: DomNode | null;
  readonly firstChild: DomNode | null;
  readonly nextSibling: DomNode | null;
  readonly childNodes: ArrayLike<DomNode>;
  textContent: string | null;
  remove(): void;
}

export interface DomAttribute {
  readonly name: string;
  readonly value: string;
}

export interface DomElement extends DomNode {
  /** Lower-case for HTML elements parsed from markup. */
  readonly localName: string;
  readonly attributes: ArrayLike<DomAttribute>;
  readonly children: ArrayLike<DomElement>;
  readonly parentElement: DomElement | null;
  innerHTML: string;
  getAttribute(name: string): string | null;
  setAttribute(name: string, value: string): void;
  removeAttribute(name: string): void;
  querySelector(selectors: string): DomElement | null;
  querySelectorAll(selectors: string): ArrayLike<DomElement>;
  closest(selectors: string): DomElement | null;
  replaceWith(...nodes: DomNode[]): void;
}

export interface DomDocument {
  readonly documentElement: DomElement;
  readonly head: DomElement | null;
  readonly body: DomElement | null;
  querySelector(selectors: string): DomElement | null;
  querySelectorAll(selectors: string): ArrayLike<DomElement>;
}

export const isElement = (node: DomNode): node is DomElement => node.nodeType === ELEMENT_NODE;

/** An HTML document (XHTML too: it is read as HTML, as browsers read XHTML served as text/html). */
export function parseHtmlDocument(markup: string): DomDocument {
  return (parseHTML(markup) as unknown as { document: DomDocument }).document;
}

/** An HTML document whose body holds `fragment`. */
export function parseHtmlFragment(fragment: string): DomDocument {
  return parseHtmlDocument(`<!DOCTYPE html><html><head></head><body>${fragment}</body></html>`);
}

/** An XML document (htmlparser2's XML mode: no validation, no external entities). */
export function parseXmlDocument(markup: string): DomDocument {
  return new DOMParser().parseFromString(markup, "text/xml") as unknown as DomDocument;
}

/** Text with every run of whitespace (including no-break spaces) made one space, trimmed. */
export const collapseWhitespace = (text: string): string => text.replace(/\s+/g, " ").trim();

/** `text` cut to `max` characters, the cut marked with "…" (surrogate pairs are not split). */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max - 1;
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end--;
  return `${text.slice(0, end)}…`;
}

/** The elements of `root` (itself excluded) in document order, as a static list. */
export const elementsOf = (root: DomElement | DomDocument): DomElement[] => Array.from(root.querySelectorAll("*"));
