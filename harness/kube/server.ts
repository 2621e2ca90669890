/**
 * A fake Kubernetes API server over HTTP for tests and benchmarks, following the real server's wire behaviour:
 * - list: `limit` + `continue` pagination over a consistent snapshot (the continue token names it, as etcd lists
 *   at the first page's revision), `metadata.resourceVersion`, `remainingItemCount`, `fieldSelector`,
 *   `labelSelector`; an expired continue token is 410 Expired;
 * - watch (`?watch=1`): chunked JSON lines `{"type","object"}`; without resourceVersion (or "0") it first sends
 *   the current objects as ADDED; from a resourceVersion it replays later changes, and one older than the kept
 *   history gets HTTP 200 with a single ERROR event carrying a 410 Expired Status, then the end of the stream
 *   (the cacher's error watcher); objects moving in or out of a field/label selection arrive as ADDED/DELETED
 *   (apiserver cacher `cache_watcher.go` convertToWatchEvent); `allowWatchBookmarks` gets BOOKMARK events
 *   periodically and shortly before the deadline (cacher `nextBookmarkTime`); `timeoutSeconds` ends the stream;
 * - a bearer-token check (401 Status), request counters by verb (list, watch, get, create, update, patch, delete,
 *   deletecollection: the apiserver's RequestInfo verbs) and by resource;
 * - extra routes for other tests (`addRoute`), tried before the built-in ones.
 * Not modelled: resourceVersionMatch, watch-list streaming (sendInitialEvents), server-side apply, admission.
 */
import * as http from "http";
import type { AddressInfo } from "net";
import { parseLabelSelector } from "../../agent/src/kube/labelSelector";
import { FieldMatcher, parseFieldSelector } from "./fieldSelector";
import type { KubeObject, ResourceType } from "./resources";
import {
  alreadyExists,
  badRequest,
  continueExpired,
  methodNotSupported,
  notFound,
  Status,
  tooOldResourceVersion,
  unauthorized,
} from "./status";
import { ChangeEvent, ObjectStore, StoredObject } from "./store";

/**
 * A route another test adds (e.g. a dry-run Service POST). Returning `false` (without answering) hands the request
 * on to the built-in routes, so a test can observe or disturb requests without re-implementing them.
 */
export type RouteHandler = (
  req: http.IncomingMessage,
  res: http.ServerResponse,
  match: RegExpExecArray,
  body: string,
) => void | boolean | Promise<void | boolean>;

/** Server settings. */
export interface FakeKubeApiOptions {
  /** The objects (default an empty store with the core resources). */
  store?: ObjectStore;
  /** Accepted bearer tokens; none = no authentication. */
  tokens?: readonly string[];
  /** Period of BOOKMARK events on watches that allow them (default 60 s, as the cacher's bookmark frequency). */
  bookmarkIntervalMs?: number;
  /** Watch timeout when the client gives none (default 1800 s, the server's minimum request timeout). */
  defaultWatchTimeoutSeconds?: number;
  /** How long a list snapshot (continue token) stays valid (default 5 min, etcd's default compaction period). */
  snapshotTtlMs?: number;
}

interface Snapshot {
  rv: number;
  items: StoredObject[];
  created: number;
}

interface Watcher {
  resource: ResourceType;
  namespace: string | undefined;
  matches: (o: StoredObject) => boolean;
  res: http.ServerResponse;
  bookmarks: boolean;
  close: () => void;
}

interface ParsedPath {
  resource: ResourceType;
  namespace?: string;
  name?: string;
}

const json = (res: http.ServerResponse, code: number, body: unknown): void => {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  res.writeHead(code, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) });
  res.end(text);
};
const fail = (res: http.ServerResponse, s: Status): void => json(res, s.code, s);

/** The fake API server. */
export class FakeKubeApi {
  /** The objects. */
  readonly store: ObjectStore;
  /** Requests by verb. */
  readonly requests: Record<string, number> = {};
  /** Requests by resource and verb, e.g. `pods` -> `list` -> 3. */
  readonly requestsByResource: Record<string, Record<string, number>> = {};
  /** The last 1,000 requests (verb, path, query), oldest first. */
  readonly requestLog: { verb: string; path: string; query: Record<string, string> }[] = [];
  private tokens: Set<string>;
  private readonly routes: { method: string; pattern: RegExp; handler: RouteHandler }[] = [];
  private readonly watchers = new Set<Watcher>();
  private readonly snapshots = new Map<string, Snapshot>();
  private snapshotSeq = 0;
  private server: http.Server | undefined;
  private readonly options: FakeKubeApiOptions;

  /** @param options store, tokens, timing */
  constructor(options: FakeKubeApiOptions = {}) {
    this.options = options;
    this.store = options.store ?? new ObjectStore();
    this.tokens = new Set(options.tokens ?? []);
    this.store.subscribe((e) => this.dispatch(e));
  }

  /** Starts listening; resolves with the base URL. */
  async listen(port = 0, host = "127.0.0.1"): Promise<string> {
    const server = http.createServer((req, res) => void this.handle(req, res));
    server.keepAliveTimeout = 60_000;
    this.server = server;
    await new Promise<void>((resolve) => server.listen(port, host, resolve));
    const a = server.address() as AddressInfo;
    return `http://${host}:${a.port}`;
  }

  /** Ends every watch and stops listening. */
  async close(): Promise<void> {
    this.endWatches();
    const server = this.server;
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }

  /** Replaces the accepted tokens (rotation). */
  setTokens(tokens: readonly string[]): void {
    this.tokens = new Set(tokens);
  }

  /** Adds a route for paths matching `pattern`, tried before the built-in ones (in the order added). */
  addRoute(method: string, pattern: RegExp, handler: RouteHandler): void {
    this.routes.push({ method: method.toUpperCase(), pattern, handler });
  }

  /** Open watch streams. */
  get openWatches(): number {
    return this.watchers.size;
  }

  /** Ends every open watch stream cleanly (as at a server-side timeout). */
  endWatches(): void {
    for (const w of [...this.watchers]) {
      w.close();
    }
  }

  /** Cuts every open watch connection without ending the stream (a lost connection). */
  dropWatches(): void {
    for (const w of [...this.watchers]) {
      this.watchers.delete(w);
      w.res.socket?.destroy();
    }
  }

  /** Forgets list snapshots: continue tokens handed out so far expire. */
  expireSnapshots(): void {
    this.snapshots.clear();
  }

  private count(verb: string, resource: string): void {
    this.requests[verb] = (this.requests[verb] ?? 0) + 1;
    const byVerb = (this.requestsByResource[resource] ??= {});
    byVerb[verb] = (byVerb[verb] ?? 0) + 1;
  }

  private parsePath(pathname: string): ParsedPath | undefined {
    const m = /^(\/api\/v1|\/apis\/[^/]+\/[^/]+)(?:\/namespaces\/([^/]+))?\/([^/]+)(?:\/([^/]+))?$/.exec(
      pathname,
    );
    if (!m) {
      return undefined;
    }
    const resource = this.store.resource(m[3]);
    if (!resource || resource.groupVersionPath !== m[1] || (m[2] !== undefined && !resource.namespaced)) {
      return undefined;
    }
    return { resource, namespace: m[2], name: m[4] };
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://fake");
    const method = (req.method ?? "GET").toUpperCase();
    const body = await new Promise<string>((resolve) => {
      const parts: Buffer[] = [];
      req.on("data", (c: Buffer) => parts.push(c));
      req.on("end", () => resolve(Buffer.concat(parts).toString("utf8")));
    });
    const parsed = this.parsePath(url.pathname);
    const watching = url.searchParams.get("watch") === "1" || url.searchParams.get("watch") === "true";
    const verb =
      method === "GET"
        ? parsed?.name
          ? "get"
          : watching
            ? "watch"
            : "list"
        : method === "DELETE" && parsed && !parsed.name
          ? "deletecollection"
          : ({ POST: "create", PUT: "update", PATCH: "patch", DELETE: "delete" }[method] ??
            method.toLowerCase());
    this.count(verb, parsed?.resource.plural ?? url.pathname);
    this.requestLog.push({ verb, path: url.pathname, query: Object.fromEntries(url.searchParams) });
    if (this.requestLog.length > 1000) {
      this.requestLog.shift();
    }

    if (this.tokens.size > 0) {
      const auth = req.headers.authorization ?? "";
      const token = auth.startsWith("Bearer ") ? auth.slice(7).trim() : "";
      if (!this.tokens.has(token)) {
        fail(res, unauthorized());
        return;
      }
    }
    for (const r of this.routes) {
      const m = r.method === method ? r.pattern.exec(url.pathname) : null;
      if (m && (await r.handler(req, res, m, body)) !== false) {
        return;
      }
    }
    if (!parsed) {
      fail(res, notFound("resource", url.pathname));
      return;
    }
    try {
      if (method === "GET" && parsed.name) {
        this.getOne(res, parsed);
      } else if (method === "GET" && watching) {
        this.watch(res, parsed, url.searchParams);
      } else if (method === "GET") {
        this.list(res, parsed, url.searchParams);
      } else if (method === "POST" && !parsed.name) {
        this.createOne(res, parsed, body);
      } else if (method === "DELETE" && parsed.name) {
        const key = parsed.resource.namespaced ? `${parsed.namespace}/${parsed.name}` : parsed.name;
        const gone = this.store.delete(parsed.resource.plural, key);
        if (gone) {
          json(res, 200, gone);
        } else {
          fail(res, notFound(parsed.resource.plural, parsed.name));
        }
      } else {
        fail(res, methodNotSupported(parsed.resource.plural, method));
      }
    } catch (e) {
      fail(res, badRequest(e instanceof Error ? e.message : String(e)));
    }
  }

  private matcher(parsed: ParsedPath, q: URLSearchParams): (o: StoredObject) => boolean {
    const r = parsed.resource;
    const allowed = new Set(Object.keys(r.fields({ metadata: { name: "", namespace: "" } } as KubeObject)));
    const fieldSelector = q.get("fieldSelector");
    const labelSelector = q.get("labelSelector");
    const fields: FieldMatcher | undefined = fieldSelector
      ? parseFieldSelector(fieldSelector, allowed)
      : undefined;
    const labels = labelSelector ? parseLabelSelector(labelSelector) : undefined;
    const ns = parsed.namespace;
    return (o) =>
      (ns === undefined || o.namespace === ns) &&
      (!fields || fields(o.fields)) &&
      (!labels || labels(o.labels));
  }

  private getOne(res: http.ServerResponse, parsed: ParsedPath): void {
    const key = parsed.resource.namespaced ? `${parsed.namespace}/${parsed.name}` : (parsed.name as string);
    const o = this.store.get(parsed.resource.plural, key);
    if (o) {
      json(res, 200, o);
    } else {
      fail(res, notFound(parsed.resource.plural, parsed.name as string));
    }
  }

  private createOne(res: http.ServerResponse, parsed: ParsedPath, body: string): void {
    const o = JSON.parse(body) as KubeObject;
    if (parsed.namespace) {
      o.metadata.namespace = parsed.namespace;
    }
    const key = parsed.resource.namespaced ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata.name;
    if (this.store.get(parsed.resource.plural, key)) {
      fail(res, alreadyExists(parsed.resource.plural, o.metadata.name));
      return;
    }
    json(res, 201, this.store.create(parsed.resource.plural, o));
  }

  private list(res: http.ServerResponse, parsed: ParsedPath, q: URLSearchParams): void {
    const r = parsed.resource;
    const limit = Number(q.get("limit") ?? "0");
    const token = q.get("continue");
    let snapshot: Snapshot;
    let start = 0;
    let id: string;
    if (token) {
      let decoded: { snap?: string; start?: number };
      try {
        decoded = JSON.parse(Buffer.from(token, "base64").toString("utf8")) as {
          snap?: string;
          start?: number;
        };
      } catch {
        fail(
          res,
          badRequest(
            "continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)",
          ),
        );
        return;
      }
      const found = decoded.snap ? this.snapshots.get(decoded.snap) : undefined;
      if (!found || Date.now() - found.created > (this.options.snapshotTtlMs ?? 300_000)) {
        fail(res, continueExpired());
        return;
      }
      snapshot = found;
      start = decoded.start ?? 0;
      id = decoded.snap as string;
    } else {
      const matches = this.matcher(parsed, q);
      snapshot = {
        rv: this.store.currentRv,
        items: this.store.list(r.plural).filter(matches),
        created: Date.now(),
      };
      id = String(++this.snapshotSeq);
    }
    const end = limit > 0 ? Math.min(snapshot.items.length, start + limit) : snapshot.items.length;
    const meta: Record<string, unknown> = { resourceVersion: String(snapshot.rv) };
    if (end < snapshot.items.length) {
      this.snapshots.set(id, snapshot);
      // Like the real token: base64 JSON naming the version and where to resume.
      meta.continue = Buffer.from(
        JSON.stringify({ v: "meta.k8s.io/v1", rv: snapshot.rv, snap: id, start: end }),
      ).toString("base64");
      meta.remainingItemCount = snapshot.items.length - end;
    } else {
      this.snapshots.delete(id);
    }
    const parts: string[] = [];
    for (let i = start; i < end; i++) {
      parts.push(snapshot.items[i].json);
    }
    const text = `{"kind":"${r.kind}List","apiVersion":"${r.apiVersion}","metadata":${JSON.stringify(meta)},"items":[${parts.join(",")}]}`;
    json(res, 200, text);
  }

  private watch(res: http.ServerResponse, parsed: ParsedPath, q: URLSearchParams): void {
    const r = parsed.resource;
    const matches = this.matcher(parsed, q);
    const rvText = q.get("resourceVersion") ?? "";
    const timeoutSeconds = Number(q.get("timeoutSeconds") ?? this.options.defaultWatchTimeoutSeconds ?? 1800);
    const bookmarks = q.get("allowWatchBookmarks") === "true" || q.get("allowWatchBookmarks") === "1";
    res.writeHead(200, { "Content-Type": "application/json", "Transfer-Encoding": "chunked" });
    const write = (type: string, objectJson: string): void => {
      res.write(`{"type":"${type}","object":${objectJson}}\n`);
    };
    if (rvText === "" || rvText === "0") {
      for (const o of this.store.list(r.plural)) {
        if (matches(o)) {
          write("ADDED", o.json);
        }
      }
    } else {
      const changes = this.store.changesSince(r.plural, Number(rvText));
      if (!Array.isArray(changes)) {
        write("ERROR", JSON.stringify(tooOldResourceVersion(Number(rvText), changes.oldestMinusOne)));
        res.end();
        return;
      }
      for (const e of changes) {
        const converted = this.convert(e, matches);
        if (converted) {
          write(converted.type, converted.json);
        }
      }
    }
    const timers: NodeJS.Timeout[] = [];
    const watcher: Watcher = {
      resource: r,
      namespace: parsed.namespace,
      matches,
      res,
      bookmarks,
      close: () => {
        for (const t of timers) {
          clearTimeout(t);
        }
        if (this.watchers.delete(watcher)) {
          res.end();
        }
      },
    };
    this.watchers.add(watcher);
    const bookmark = (): void => {
      if (this.watchers.has(watcher)) {
        write(
          "BOOKMARK",
          `{"kind":"${r.kind}","apiVersion":"${r.apiVersion}","metadata":{"resourceVersion":"${this.store.currentRv}","creationTimestamp":null}}`,
        );
      }
    };
    if (bookmarks) {
      timers.push(setInterval(bookmark, this.options.bookmarkIntervalMs ?? 60_000));
      if (timeoutSeconds > 2) {
        timers.push(setTimeout(bookmark, (timeoutSeconds - 2) * 1000));
      }
    }
    timers.push(setTimeout(() => watcher.close(), timeoutSeconds * 1000));
    // The response closes when the stream ends or the client goes away.
    res.on("close", () => {
      for (const t of timers) {
        clearTimeout(t);
      }
      this.watchers.delete(watcher);
    });
  }

  /** The event a watcher with this selection sees for a change (cache_watcher convertToWatchEvent). */
  private convert(
    e: ChangeEvent,
    matches: (o: StoredObject) => boolean,
  ): { type: string; json: string } | undefined {
    const cur = e.type !== "DELETED" && matches(e.object);
    const old = e.previous !== undefined && matches(e.previous);
    if (cur && !old) {
      return { type: "ADDED", json: e.object.json };
    }
    if (cur && old) {
      return { type: "MODIFIED", json: e.object.json };
    }
    if (!cur && old) {
      // The previous content, stamped with the change's resourceVersion.
      const o = JSON.parse((e.previous as StoredObject).json) as KubeObject;
      o.metadata.resourceVersion = String(e.rv);
      return { type: "DELETED", json: JSON.stringify(o) };
    }
    return undefined;
  }

  private dispatch(e: ChangeEvent): void {
    for (const w of this.watchers) {
      if (w.resource.plural !== e.resource) {
        continue;
      }
      const converted = this.convert(e, w.matches);
      if (converted) {
        w.res.write(`{"type":"${converted.type}","object":${converted.json}}\n`);
      }
    }
  }
}
