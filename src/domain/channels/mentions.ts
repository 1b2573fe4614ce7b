/**
 * `@name` mentions in a message's text: `@` after the start or a character that is not a word
 * character or `@` (so an email address is no mention), then a name of letters, digits, `_`,
 * `-` and `.` (a trailing `.` or `-` is punctuation). Names with spaces are given as `mentions`.
 */
const mentionRe = /(?:^|[^\w@])@([A-Za-z0-9][\w.-]{0,99})/g;

/** The distinct names mentioned in `text`, in order of first appearance. */
export function parseMentions(text: string): string[] {
  const names = new Set<string>();
  for (const m of text.matchAll(mentionRe)) names.add((m[1] as string).replace(/[.-]+$/, ""));
  return [...names].filter((n) => n.length > 0);
}

/** Control characters other than tab, newline and carriage return (refused in a message). */
export const controlCharRe = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;
