/**
 * List-then-watch of one collection, the way client-go's reflector does it (k8s.io/client-go/tools/cache/
 * reflector.go): a paginated list (limit, continue) whose resourceVersion starts a watch with bookmarks and a
 * randomised server timeout; a watch that ends (timeout, dropped connection) is resumed from the last
 * resourceVersion seen, without listing again; only "410 Gone"/Expired (the server no longer has that history)
 * leads to a new list, which the handler diffs against what it has. Failures back off exponentially with jitter.
 */
import { isApiStatus, resourceVersionOf, WatchEvent } from "../kube/apiTypes";
import { KubeApi, KubeApiError } from "../kube/kubeApi";
import { Backoff, BackoffOptions } from "./backoff";

/** Receives what the informer learns, synchronously and in order. */
export interface InformerHandler {
  /** A full list starts (the first, or after the watch expired). */
  listStarted(): void;
  /** One listed object. */
  listItem(object: unknown): void;
  /** The list is complete: whatever it did not mention is gone. */
  listEnded(): void;
  /** The list failed part-way: what it delivered so far stays, nothing is removed. */
  listAbandoned(): void;
  /** A watch event about an object. */
  event(type: "ADDED" | "MODIFIED" | "DELETED", object: unknown): void;
  /** The informer is in step with the server (a list ended, an event or a bookmark arrived). */
  progressed(): void;
}

/** Counters of one informer. */
export interface InformerCounters {
  /** Complete lists. */
  lists: number;
  /** Complete lists after the first. */
  relists: number;
  /** Watches started again after one ended or failed. */
  watchRestarts: number;
  /** ADDED/MODIFIED/DELETED events received. */
  events: number;
  /** BOOKMARK events received. */
  bookmarks: number;
  /** Failed requests (list pages and watches). */
  failures: number;
}

/** What to list and watch, and how. */
export interface InformerOptions {
  /** The API. */
  api: KubeApi;
  /** Collection path, e.g. `/api/v1/pods`. */
  path: string;
  /** Field selector for the list and the watch. */
  fieldSelector?: string;
  /** Label selector for the list and the watch. */
  labelSelector?: string;
  /** Page size of lists (default 500, client-go's pager default). */
  pageSize?: number;
  /** The watch's `timeoutSeconds` for each request (default: random in [300, 600), as client-go). */
  watchTimeoutSeconds?: () => number;
  /** A watch silent for its timeout plus this long (ms) is dropped as dead (default 60 s). */
  idleGraceMs?: number;
  /** Backoff between failures. */
  backoff?: BackoffOptions;
  /** Receives objects and events. */
  handler: InformerHandler;
  /** Structured log. */
  log: (event: Record<string, unknown>) => void;
}

const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });

/** A running list+watch loop. */
export class Informer {
  /** Counters since start. */
  readonly counters: InformerCounters = {
    lists: 0,
    relists: 0,
    watchRestarts: 0,
    events: 0,
    bookmarks: 0,
    failures: 0,
  };
  private readonly stopper = new AbortController();
  private readonly backoff: Backoff;
  private resourceVersion = "";
  private loop: Promise<void> | undefined;

  /** @param options what to watch and who to tell */
  constructor(private readonly options: InformerOptions) {
    this.backoff = new Backoff(options.backoff);
  }

  /** The last resourceVersion seen (list, event or bookmark). */
  get lastResourceVersion(): string {
    return this.resourceVersion;
  }

  /** Starts the loop (once). */
  start(): void {
    this.loop ??= this.run();
  }

  /** Stops the loop and waits for it to end. */
  async stop(): Promise<void> {
    this.stopper.abort();
    await this.loop;
  }

  private async run(): Promise<void> {
    const signal = this.stopper.signal;
    while (!signal.aborted) {
      if (!(await this.list(signal))) {
        await sleep(this.backoff.fail(), signal);
        continue;
      }
      // Watch, and resume the watch, until the server says our resourceVersion is gone.
      let first = true;
      while (!signal.aborted) {
        if (!first) {
          this.counters.watchRestarts++;
        }
        first = false;
        const outcome = await this.watch(signal);
        if (outcome === "expired") {
          this.options.log({ msg: "watch expired, listing again", path: this.options.path });
          break;
        }
        if (outcome !== "ok") {
          await sleep(this.backoff.fail(), signal);
        }
      }
    }
  }

  private async list(signal: AbortSignal): Promise<boolean> {
    const o = this.options;
    const h = o.handler;
    h.listStarted();
    let continueToken: string | undefined;
    let resourceVersion = "";
    try {
      do {
        // Objects go to the handler as they arrive: a page is never held whole.
        const page = await o.api.streamPage(
          o.path,
          {
            limit: o.pageSize ?? 500,
            continue: continueToken,
            fieldSelector: o.fieldSelector,
            labelSelector: o.labelSelector,
          },
          (item) => h.listItem(item),
          signal,
        );
        if (signal.aborted) {
          h.listAbandoned();
          return false;
        }
        resourceVersion = page.resourceVersion;
        continueToken = page.continueToken;
      } while (continueToken);
    } catch (e) {
      h.listAbandoned();
      if (!signal.aborted) {
        this.counters.failures++;
        o.log({ msg: "list failed", path: o.path, error: e instanceof Error ? e.message : String(e) });
      }
      return false;
    }
    this.resourceVersion = resourceVersion;
    h.listEnded();
    if (this.counters.lists > 0) {
      this.counters.relists++;
    }
    this.counters.lists++;
    this.backoff.succeed();
    h.progressed();
    return true;
  }

  private async watch(signal: AbortSignal): Promise<"ok" | "expired" | "failed"> {
    const o = this.options;
    const timeoutSeconds = o.watchTimeoutSeconds?.() ?? Math.floor(300 * (1 + Math.random()));
    const started = Date.now();
    let received = 0;
    const onEvent = (e: WatchEvent): void => {
      received++;
      switch (e.type) {
        case "ADDED":
        case "MODIFIED":
        case "DELETED":
          this.counters.events++;
          o.handler.event(e.type, e.object);
          this.resourceVersion = resourceVersionOf(e.object) ?? this.resourceVersion;
          o.handler.progressed();
          break;
        case "BOOKMARK":
          this.counters.bookmarks++;
          this.resourceVersion = resourceVersionOf(e.object) ?? this.resourceVersion;
          o.handler.progressed();
          break;
        case "ERROR": {
          const status = isApiStatus(e.object) ? e.object : undefined;
          throw new KubeApiError(
            `watch error event: ${status?.message ?? "unknown"}`,
            status?.code ?? 0,
            status,
          );
        }
        default:
          throw new Error(`unknown watch event type ${String((e as { type?: unknown }).type)}`);
      }
    };
    try {
      await o.api.watch({
        path: o.path,
        query: {
          resourceVersion: this.resourceVersion,
          allowWatchBookmarks: true,
          timeoutSeconds,
          fieldSelector: o.fieldSelector,
          labelSelector: o.labelSelector,
        },
        onEvent,
        signal,
        idleTimeoutMs: timeoutSeconds * 1000 + (o.idleGraceMs ?? 60_000),
      });
    } catch (e) {
      if (signal.aborted) {
        return "ok";
      }
      if (e instanceof KubeApiError && e.expired) {
        return "expired";
      }
      this.counters.failures++;
      o.log({ msg: "watch failed", path: o.path, error: e instanceof Error ? e.message : String(e) });
      return "failed";
    }
    // A watch the server closes at once without a single event is a server in trouble, not a timeout (client-go
    // treats it the same way): back off instead of reconnecting in a tight loop.
    if (received === 0 && Date.now() - started < 1000 && !signal.aborted) {
      this.counters.failures++;
      return "failed";
    }
    this.backoff.succeed();
    return "ok";
  }
}
