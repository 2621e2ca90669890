/**
 * Reads a list response (`{"kind":"PodList","metadata":{...},"items":[{...},...]}`) as it streams in and hands out
 * each element of `items` as its own JSON text, so a page is never held (or parsed) whole: each object is parsed
 * on its own and becomes garbage at once, which keeps the memory of a 500-pod page (about 2 MB of JSON, several
 * times that parsed) out of the program's peak. Other top-level members (metadata) are kept and parsed at the end.
 *
 * It follows JSON's grammar only as far as needed to find element boundaries: nesting of objects and arrays,
 * strings and their escapes. Malformed input is reported at the end (the element count or the members do not
 * close).
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COLON = 0x3a;
const COMMA = 0x2c;

/** Splits a streamed list response into items and other members. */
export class ListStreamReader {
  private depth = 0;
  private inString = false;
  private escaped = false;
  // Key parsing at depth 1.
  private expectingKey = false;
  private keyText = "";
  private readingKey = false;
  private currentKey: string | undefined;
  // Capture of the current value: an element of items (depth >= 2) or another member (depth >= 1).
  private capturing: "item" | "member" | undefined;
  private carry = "";
  private inItems = false;
  private readonly members: Record<string, string> = {};
  private items = 0;

  /**
   * Feeds a chunk of the response text; calls `onItem` with the text of each completed element of `items`.
   * @param chunk the next piece of the response body
   * @param onItem receives each item's JSON text, in order
   */
  push(chunk: string, onItem: (json: string) => void): void {
    // Where the text being captured (a value, or a key) starts in this chunk; 0 when it began in an earlier one.
    let start = this.capturing || this.readingKey ? 0 : -1;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i);
      if (this.inString) {
        if (this.escaped) {
          this.escaped = false;
        } else if (c === BACKSLASH) {
          this.escaped = true;
        } else if (c === QUOTE) {
          this.inString = false;
          if (this.readingKey) {
            this.readingKey = false;
            this.keyText += chunk.slice(start, i);
            this.currentKey = JSON.parse(`"${this.keyText}"`) as string;
            start = -1;
          }
        }
        continue;
      }
      if (c === QUOTE) {
        this.inString = true;
        if (this.depth === 1 && this.expectingKey) {
          this.expectingKey = false;
          this.readingKey = true;
          this.keyText = "";
          start = i + 1;
        } else if (this.depth === 1 && !this.capturing) {
          this.beginCapture("member");
          start = i;
        }
        continue;
      }
      switch (c) {
        case OPEN_BRACE:
        case OPEN_BRACKET:
          if (this.depth === 0) {
            if (c !== OPEN_BRACE) {
              throw new Error("a list response must be a JSON object");
            }
            this.expectingKey = true;
          } else if (this.depth === 1 && !this.capturing) {
            if (this.currentKey === "items" && c === OPEN_BRACKET) {
              this.inItems = true;
            } else {
              this.beginCapture("member");
              start = i;
            }
          } else if (this.depth === 2 && this.inItems && !this.capturing) {
            this.beginCapture("item");
            start = i;
          }
          this.depth++;
          break;
        case CLOSE_BRACE:
        case CLOSE_BRACKET:
          this.depth--;
          if (this.depth === 2 && this.capturing === "item") {
            this.items++;
            onItem(this.endCapture(chunk, start, i + 1));
            start = -1;
          } else if (this.depth === 1 && this.inItems && c === CLOSE_BRACKET) {
            this.inItems = false;
          } else if (this.depth === 1 && this.capturing === "member") {
            this.members[this.currentKey ?? ""] = this.endCapture(chunk, start, i + 1);
            start = -1;
          } else if (this.depth === 0 && this.capturing === "member") {
            // A scalar last member ends at the closing brace.
            this.members[this.currentKey ?? ""] = this.endCapture(chunk, start, i).trim();
            start = -1;
          }
          break;
        case COMMA:
          if (this.depth === 1) {
            if (this.capturing === "member") {
              this.members[this.currentKey ?? ""] = this.endCapture(chunk, start, i).trim();
              start = -1;
            }
            this.expectingKey = true;
          }
          break;
        case COLON:
          break;
        default:
          // A scalar member value (number, true, false, null) starts here.
          if (this.depth === 1 && !this.capturing && !this.expectingKey && c > 0x20) {
            this.beginCapture("member");
            start = i;
          }
      }
    }
    if (this.capturing && start >= 0) {
      this.carry += chunk.slice(start);
    } else if (this.readingKey && start >= 0) {
      this.keyText += chunk.slice(start);
    }
  }

  /** The top-level members other than `items`, parsed; throws when the response did not close. */
  end(): { members: Record<string, unknown>; items: number } {
    if (this.depth !== 0 || this.inString || this.capturing) {
      throw new Error("list response ended in the middle of a value");
    }
    const members: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(this.members)) {
      members[k] = JSON.parse(v);
    }
    return { members, items: this.items };
  }

  private beginCapture(kind: "item" | "member"): void {
    this.capturing = kind;
    this.carry = "";
  }

  private endCapture(chunk: string, start: number, end: number): string {
    const text = this.carry + chunk.slice(start, end);
    this.carry = "";
    this.capturing = undefined;
    return text;
  }
}
