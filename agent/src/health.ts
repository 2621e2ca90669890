/**
 * Liveness and readiness state. The supervision loop beats the heartbeat every second; `/healthz` fails once no
 * beat came for {@link STALE_AFTER_MS} (a hung agent, alive but doing nothing, is restarted by its liveness probe).
 * Readiness follows the sensor connections, mirrored in the ready file for exec probes.
 */
import * as fs from "fs";

/** A heartbeat older than this fails the liveness check. */
export const STALE_AFTER_MS = 15_000;

/** The supervision loop's heartbeat. */
export class Heartbeat {
  private last: number;
  constructor(private readonly now: () => number = Date.now) {
    this.last = now();
  }
  /** Records a beat. */
  beat(): void {
    this.last = this.now();
  }
  /** Milliseconds since the last beat. */
  ageMs(): number {
    return this.now() - this.last;
  }
  /** Liveness verdict. */
  verdict(): { ok: boolean; detail: string } {
    const age = this.ageMs();
    return age < STALE_AFTER_MS
      ? { ok: true, detail: `ok: supervision loop ran ${age} ms ago` }
      : { ok: false, detail: `stale: supervision loop last ran ${age} ms ago (limit ${STALE_AFTER_MS} ms)` };
  }
}

/** Ready state, with the ready file kept in step. */
export class Readiness {
  private ready = false;
  private why = "starting";
  constructor(private readonly file: string) {}
  /** Sets the state; writes or removes the file on change. */
  set(ready: boolean, why: string): void {
    this.why = why;
    if (ready === this.ready) {
      return;
    }
    this.ready = ready;
    if (ready) {
      fs.writeFileSync(this.file, "");
    } else {
      fs.rmSync(this.file, { force: true });
    }
  }
  /** Current state. */
  isReady(): boolean {
    return this.ready;
  }
  /** Readiness verdict. */
  verdict(): { ok: boolean; detail: string } {
    return { ok: this.ready, detail: `${this.ready ? "ready" : "not ready"}: ${this.why}` };
  }
  /** Removes the file (on the way out; synchronous). */
  clear(): void {
    this.ready = false;
    fs.rmSync(this.file, { force: true });
  }
}
