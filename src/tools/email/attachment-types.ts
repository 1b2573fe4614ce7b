/**
 * The files an email may carry, by extension, each checked against its content: a file named
 * .pdf must start like a PDF, an image like that image, a text file must be UTF-8 without NUL.
 * Anything else (executables, archives, HTML that a mail client might render) is refused.
 */
const binary: Record<string, { contentType: string; magic: readonly number[][] }> = {
  pdf: { contentType: "application/pdf", magic: [[0x25, 0x50, 0x44, 0x46, 0x2d]] },
  png: { contentType: "image/png", magic: [[0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]] },
  jpg: { contentType: "image/jpeg", magic: [[0xff, 0xd8, 0xff]] },
  jpeg: { contentType: "image/jpeg", magic: [[0xff, 0xd8, 0xff]] },
  gif: { contentType: "image/gif", magic: [[0x47, 0x49, 0x46, 0x38]] },
};

const text: Record<string, string> = {
  txt: "text/plain; charset=utf-8",
  md: "text/markdown; charset=utf-8",
  csv: "text/csv; charset=utf-8",
  json: "application/json",
};

export const attachmentExtensions = [...Object.keys(binary), ...Object.keys(text)];

export function attachmentType(filename: string, content: Buffer): { contentType: string } | { problem: string } {
  const dot = filename.lastIndexOf(".");
  const ext = dot > 0 ? filename.slice(dot + 1).toLowerCase() : "";
  const b = binary[ext];
  if (b) {
    const ok = b.magic.some((m) => m.every((byte, i) => content[i] === byte));
    return ok
      ? { contentType: b.contentType }
      : { problem: `is not a ${ext.toUpperCase()} file (its content says otherwise)` };
  }
  const t = text[ext];
  if (t) {
    const valid = !content.includes(0) && Buffer.from(content.toString("utf8"), "utf8").equals(content);
    return valid ? { contentType: t } : { problem: "is not UTF-8 text" };
  }
  return { problem: `only ${attachmentExtensions.join(", ")} files may be attached` };
}
