/**
 * Text from outside the system (a model's answer, a program's output, a tool's result) as it
 * is stored: NUL characters become U+FFFD. PostgreSQL's text and jsonb cannot hold NUL at all,
 * and SQLite's statement text ends at one; text a person or program sends through the API is
 * refused with an error instead (validate.ts), so only outside text is changed, and only there.
 */
export function storableText(s: string): string {
  return s.includes("\u0000") ? s.replaceAll("\u0000", "\ufffd") : s;
}

/**
 * A JSON text (as JSON.stringify writes it) with every escaped NUL (`\u0000` inside a string)
 * made U+FFFD's escape; an escaped backslash followed by "u0000" is left as it is.
 */
export function storableJson(json: string): string {
  return json.includes("\\u0000") ? json.replace(/(?<=(?:^|[^\\])(?:\\\\)*)\\u0000/g, "\\ufffd") : json;
}
