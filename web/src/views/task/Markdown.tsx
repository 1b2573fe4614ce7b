import { useMemo } from "react";
import type { DOMPurify } from "dompurify";
import { makeSanitizer, renderMarkdown } from "./markdown";

let purify: DOMPurify | null = null;
function sanitizer(): DOMPurify {
  purify ??= makeSanitizer(window, location.origin);
  return purify;
}

/** Markdown rendered and sanitized (markdown.ts). */
export function Markdown({ source, className }: { source: string; className?: string }) {
  const html = useMemo(() => renderMarkdown(source, sanitizer()), [source]);
  return (
    <div className={className ? `markdown ${className}` : "markdown"} dangerouslySetInnerHTML={{ __html: html }} />
  );
}
