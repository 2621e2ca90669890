/**
 * Keeps an up-to-date list of the node's devices: `ip -o monitor link` prints a line for every link change, each
 * line triggers a re-read (debounced), and a periodic re-read covers anything the monitor missed (and its restart
 * if it dies). Subscribers get the full list each time.
 */
import type { Logger } from "../log";
import { startChild, SupervisedChild } from "../process/child";
import type { Link } from "./links";
import { readLinks } from "./links";

/** Receives the device list after each change. */
export type LinkListener = (links: Link[]) => void | Promise<void>;

/** Options of {@link LinkWatcher}. */
export interface LinkWatcherOptions {
  /** Logger. */
  log: Logger;
  /** Re-read at least this often (ms). Default 30 000. */
  resyncMs?: number;
  /** Wait this long after a change for more (ms). Default 50. */
  debounceMs?: number;
}

/** Watches the devices of the current network namespace. */
export class LinkWatcher {
  private readonly listeners: LinkListener[] = [];
  private monitor: SupervisedChild | undefined;
  private timer: NodeJS.Timeout | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private pending = false;
  private stopped = false;
  private latest: Link[] = [];
  private readonly resyncMs: number;
  private readonly debounceMs: number;

  constructor(private readonly o: LinkWatcherOptions) {
    this.resyncMs = o.resyncMs ?? 30_000;
    this.debounceMs = o.debounceMs ?? 50;
  }

  /** The last list read. */
  links(): Link[] {
    return this.latest;
  }

  /** Adds a listener (called after every re-read, in order). */
  subscribe(l: LinkListener): void {
    this.listeners.push(l);
  }

  /** Reads once, notifies, then watches. */
  async start(): Promise<void> {
    await this.refresh();
    this.startMonitor();
    this.timer = setInterval(() => this.trigger(), this.resyncMs);
  }

  /** Re-reads now (serialized with other re-reads) and notifies. */
  refresh(): Promise<void> {
    this.running = this.running.then(async () => {
      if (this.stopped) {
        return;
      }
      try {
        this.latest = await readLinks();
      } catch (e) {
        this.o.log.warn("could not read the network devices", { error: e });
        return;
      }
      for (const l of this.listeners) {
        try {
          await l(this.latest);
        } catch (e) {
          this.o.log.warn("a device change could not be applied", { error: e });
        }
      }
    });
    return this.running;
  }

  /** Stops watching. */
  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
    clearTimeout(this.debounce);
    this.monitor?.signal("SIGTERM");
  }

  private trigger(): void {
    if (this.pending || this.stopped) {
      return;
    }
    this.pending = true;
    this.debounce = setTimeout(() => {
      this.pending = false;
      void this.refresh();
    }, this.debounceMs);
  }

  private startMonitor(): void {
    if (this.stopped) {
      return;
    }
    const m = startChild(
      "ip",
      ["-o", "monitor", "link"],
      () => this.trigger(),
      (e) =>
        this.o.log.warn("ip monitor could not start; devices are re-read periodically only", { error: e }),
    );
    this.monitor = m;
    void m.exited.then((x) => {
      if (!this.stopped) {
        this.o.log.warn("ip monitor exited; restarting it", { code: x.code, signal: x.signal });
        setTimeout(() => this.startMonitor(), 1000);
      }
    });
  }
}
