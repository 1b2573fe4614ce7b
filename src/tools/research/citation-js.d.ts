/** The part of citation-js 0.8 and style-mla the bibliography uses (the packages ship no types). */
declare module "@citation-js/core" {
  /** A list of CSL-JSON items, rendered by the registered output formats. */
  export class Cite {
    constructor(data: unknown);
    /** `bibliography` (with `template`: a CSL style's name, `format`: text or html) or `bibtex`. */
    format(format: string, options?: Record<string, unknown>): string;
  }
  export const plugins: {
    config: {
      get(plugin: "@csl"): { styles: { add(name: string, xml: string): void; has(name: string): boolean } };
    };
  };
}

declare module "@citation-js/plugin-csl";
declare module "@citation-js/plugin-bibtex";

/** A CSL style as a tree of XML elements. */
declare module "style-mla" {
  interface CslNode {
    name: string;
    attrs?: Record<string, string | number>;
    children?: Array<CslNode | string>;
  }
  const style: CslNode;
  export = style;
}
