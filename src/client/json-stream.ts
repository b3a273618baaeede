// Splits a byte stream of concatenated JSON objects (the watch wire format: one object per line,
// though a conforming server may split or join lines anywhere) into complete object texts.
// Tracks brace depth outside strings, so it needs neither newlines nor whole chunks.

export class JsonObjectSplitter {
  private buf = '';
  private depth = 0;
  private inString = false;
  private escaped = false;
  private start = -1;
  private scanned = 0;

  /** Feeds decoded text; returns the objects it completed, in order. */
  push(text: string): string[] {
    this.buf += text;
    const out: string[] = [];
    let i = this.scanned;
    for (; i < this.buf.length; i++) {
      const c = this.buf.charCodeAt(i);
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === 0x5c /* \ */) this.escaped = true;
        else if (c === 0x22 /* " */) this.inString = false;
        continue;
      }
      if (c === 0x22) this.inString = true;
      else if (c === 0x7b /* { */) {
        if (this.depth++ === 0) this.start = i;
      } else if (c === 0x7d /* } */ && this.depth > 0) {
        if (--this.depth === 0) {
          out.push(this.buf.slice(this.start, i + 1));
          this.buf = this.buf.slice(i + 1);
          i = -1;
          this.start = -1;
        }
      }
    }
    if (this.depth === 0) {
      // Only whitespace (or garbage outside objects) remains; drop it.
      this.buf = '';
      this.scanned = 0;
      this.inString = false;
      this.escaped = false;
    } else {
      this.scanned = this.buf.length;
    }
    return out;
  }

  /** True when a partial object is buffered (the stream ended mid-object). */
  get partial(): boolean {
    return this.depth > 0;
  }
}
