/**
 * Coalesces streamed text into pieces written at most every `flushMs` (or when a piece grows
 * past `maxChars`), one write at a time and in order, so a live view follows the model's
 * answer without an event per token.
 */
export class TextStreamer {
  private buffer = "";
  private part = 0;
  private timer: NodeJS.Timeout | null = null;
  private chain: Promise<void> = Promise.resolve();
  private failed: unknown = null;

  constructor(
    private readonly write: (text: string, part: number) => Promise<void>,
    private readonly flushMs: number,
    private readonly maxChars = 4_000,
  ) {}

  push(text: string): void {
    if (text === "") return;
    this.buffer += text;
    if (this.buffer.length >= this.maxChars) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.flushMs);
  }

  /** Writes the buffer in pieces of at most `maxChars` (a whole answer may come as one delta). */
  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    while (this.buffer !== "") {
      let end = Math.min(this.maxChars, this.buffer.length);
      // Not between the two halves of a surrogate pair (an emoji split in two reads as two U+FFFD).
      const last = this.buffer.charCodeAt(end - 1);
      if (end < this.buffer.length && end > 1 && last >= 0xd800 && last <= 0xdbff) end--;
      const text = this.buffer.slice(0, end);
      const part = ++this.part;
      this.buffer = this.buffer.slice(text.length);
      this.chain = this.chain
        .then(() => this.write(text, part))
        .catch((err: unknown) => {
          this.failed ??= err;
        });
    }
  }

  /**
   * Waits for the writes under way and hands back what is left unwritten, for the caller to write
   * with the rest of the turn (one transaction instead of two); rethrows the first write's failure.
   */
  async drain(): Promise<{ text: string; part: number } | null> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.chain;
    if (this.failed) throw this.failed;
    if (this.buffer === "") return null;
    const text = this.buffer;
    this.buffer = "";
    return { text, part: ++this.part };
  }

  /** Writes what is left and waits for every write; rethrows the first write's failure. */
  async close(): Promise<void> {
    this.flush();
    await this.chain;
    if (this.failed) throw this.failed;
  }
}
