/**
 * Splits a stream of text chunks into lines: a watch response is chunked JSON, one event per line, and a chunk may
 * end anywhere, inside an event or between events.
 */
export class LineSplitter {
  private partial = "";

  /**
   * Feeds a chunk; calls `onLine` for every line it completes (without the newline; blank lines are skipped).
   * @param chunk text as it arrived
   * @param onLine receives each complete line
   */
  push(chunk: string, onLine: (line: string) => void): void {
    let start = 0;
    let newline = chunk.indexOf("\n");
    while (newline >= 0) {
      const piece = chunk.slice(start, newline);
      const line = this.partial === "" ? piece : this.partial + piece;
      this.partial = "";
      if (line.trim() !== "") {
        onLine(line);
      }
      start = newline + 1;
      newline = chunk.indexOf("\n", start);
    }
    if (start < chunk.length) {
      this.partial += chunk.slice(start);
    }
  }

  /** What arrived after the last newline (a final event without one counts as complete at the end). */
  rest(): string {
    return this.partial;
  }
}
