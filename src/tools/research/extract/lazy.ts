import type { extract as Extract } from "./extract.js";

/**
 * `extract()`, its libraries (linkedom, Readability, turndown, pdfjs-dist) loaded at the first
 * use rather than when the service starts.
 */
export const extract: typeof Extract = async (...args) => (await import("./extract.js")).extract(...args);
