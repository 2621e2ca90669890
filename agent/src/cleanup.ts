/**
 * What the agent installed and must remove on any exit: steps registered as they are taken, run once, in reverse,
 * synchronously (they also run from the process's `exit` event, where nothing asynchronous completes).
 */

/** Registered clean-up steps. */
export class Cleanup {
  private readonly steps: { what: string; run: () => void }[] = [];
  private done = false;

  constructor(private readonly onError: (what: string, e: unknown) => void) {}

  /** Adds a step. */
  add(what: string, run: () => void): void {
    this.steps.push({ what, run });
  }

  /** Runs every step once, newest first. */
  runAll(): void {
    if (this.done) {
      return;
    }
    this.done = true;
    for (const s of [...this.steps].reverse()) {
      try {
        s.run();
      } catch (e) {
        this.onError(s.what, e);
      }
    }
  }
}
