/**
 * TERM and INT as the agent reads them: the first asks for a graceful stop (keep capturing SHUTDOWN_DELAY seconds
 * while the other agents take this node over), a second one for an immediate stop.
 */

/** Counts stop signals. */
export class StopSignals {
  private count = 0;
  private firstSig: NodeJS.Signals | undefined;
  private readonly waiters: { n: number; resolve: () => void }[] = [];

  /** Installs the handlers. */
  install(): void {
    for (const sig of ["SIGTERM", "SIGINT"] as const) {
      process.on(sig, () => this.receive(sig));
    }
  }

  /** Records a signal (also what the handlers call). */
  receive(sig: NodeJS.Signals): void {
    this.count++;
    this.firstSig ??= sig;
    for (const w of this.waiters.filter((x) => x.n <= this.count)) {
      w.resolve();
    }
  }

  /** Signals received so far. */
  received(): number {
    return this.count;
  }

  /** The first signal received. */
  first(): NodeJS.Signals | undefined {
    return this.firstSig;
  }

  /** Resolves once `n` signals have arrived. */
  atLeast(n: number): Promise<void> {
    if (this.count >= n) {
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiters.push({ n, resolve }));
  }
}
