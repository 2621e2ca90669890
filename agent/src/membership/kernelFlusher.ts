/**
 * Carries the state's changes to the kernel: the first change after a quiet moment opens a batch window (100 ms by
 * default), then everything that changed meanwhile goes out as one transaction. One transaction at a time; while
 * a list is being read the window stays shut, so a (re)list lands as one diff.
 */
import type { KernelSets } from "./sets";
import type { MembershipState } from "./state";

/** Flusher settings. */
export interface KernelFlusherOptions {
  /** The state whose changes are flushed. */
  state: MembershipState;
  /** Where they go. */
  sink: KernelSets;
  /** Longest a change waits for companions (ms). */
  batchWindowMs: number;
  /** Wait after a failed apply before the changes are tried again (ms). */
  retryMs: number;
  /** Structured log. */
  log: (event: Record<string, unknown>) => void;
  /** The clock (ms). */
  now: () => number;
}

/** Batches and applies state changes. */
export class KernelFlusher {
  /** Transactions applied. */
  batches = 0;
  /** Failed applies (their changes were retried). */
  failures = 0;
  /** Duration of the last apply (ms). */
  lastApplyMs: number | undefined;
  /** When the kernel last matched everything the informers had delivered (ms). */
  lastSyncMs: number | undefined;
  private holds = 0;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private stopped = false;

  /** @param options state, sink and timing */
  constructor(private readonly options: KernelFlusherOptions) {}

  /** Keeps changes back (a list is being read). */
  hold(): void {
    this.holds++;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Ends one hold; the changes go out when the last hold ends. */
  release(): void {
    this.holds = Math.max(0, this.holds - 1);
    this.schedule();
  }

  /** Something changed: make sure a flush follows within the batch window. */
  schedule(): void {
    if (this.stopped || this.holds > 0 || this.timer || this.inFlight) {
      return;
    }
    if (!this.options.state.pending) {
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.options.batchWindowMs);
  }

  /** The informers are in step with the server: if nothing waits for the kernel, the kernel is in step too. */
  progressed(): void {
    if (!this.options.state.pending && !this.inFlight && this.holds === 0) {
      this.lastSyncMs = this.options.now();
    }
  }

  /** Applies everything pending now and resolves once the kernel holds it (retrying failed applies). */
  async flushNow(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    while (!this.stopped && this.holds === 0 && (this.inFlight || this.options.state.pending)) {
      if (this.inFlight) {
        await this.inFlight;
      } else {
        await this.flush();
      }
    }
  }

  /** Stops flushing; waits for a transaction in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.inFlight;
  }

  private async flush(): Promise<void> {
    if (this.stopped || this.inFlight || this.holds > 0) {
      return;
    }
    const o = this.options;
    const changes = o.state.takeChanges();
    if (Object.keys(changes).length === 0) {
      this.lastSyncMs = o.now();
      return;
    }
    const started = o.now();
    let failed = false;
    this.inFlight = (async () => {
      try {
        await o.sink.apply(changes);
        this.batches++;
        this.lastApplyMs = o.now() - started;
        this.lastSyncMs = started;
      } catch (e) {
        failed = true;
        o.state.untakeChanges(changes);
        this.failures++;
        o.log({ msg: "kernel update failed, retrying", error: e instanceof Error ? e.message : String(e) });
        await new Promise((r) => setTimeout(r, o.retryMs));
      }
    })();
    await this.inFlight;
    this.inFlight = undefined;
    if (failed || o.state.pending) {
      this.schedule();
    }
  }
}
