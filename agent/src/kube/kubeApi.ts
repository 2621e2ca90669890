/**
 * What membership needs from the Kubernetes API: paged lists, watches and counted requests. The HTTP client
 * implements it for a real (or fake) API server; tests may implement it in memory.
 */
import type { ApiStatus, ListMeta, ListPage, WatchEvent } from "./apiTypes";

/** Query parameters; undefined values are left out. */
export type QueryParams = Record<string, string | number | boolean | undefined>;

/** A failed API request: the HTTP status and, when the server sent one, its Status object. */
export class KubeApiError extends Error {
  /** HTTP status code (0 when no response arrived). */
  readonly status: number;
  /** The server's Status object, if any. */
  readonly apiStatus?: ApiStatus;

  /**
   * @param message what failed
   * @param status HTTP status code, 0 without a response
   * @param apiStatus the Status object the server answered with
   */
  constructor(message: string, status: number, apiStatus?: ApiStatus) {
    super(message);
    this.name = "KubeApiError";
    this.status = status;
    this.apiStatus = apiStatus;
  }

  /** 410 Gone / reason Expired: the resource version or continue token is too old; list again. */
  get expired(): boolean {
    return this.status === 410 || this.apiStatus?.code === 410 || this.apiStatus?.reason === "Expired";
  }
}

/** Options of one watch request. */
export interface WatchRequest {
  /** Collection path, e.g. `/api/v1/pods`. */
  path: string;
  /** Query besides `watch=1` (resourceVersion, allowWatchBookmarks, timeoutSeconds, selectors). */
  query: QueryParams;
  /** Called for every event, in order, synchronously as each line arrives. */
  onEvent: (event: WatchEvent) => void;
  /** Aborts the watch (the promise then resolves). */
  signal: AbortSignal;
  /** The connection is dropped when nothing (not even a bookmark) arrives for this long. */
  idleTimeoutMs: number;
}

/** Requests made, by verb (list, watch, get, create, update, patch, delete). */
export type RequestCounts = Record<string, number>;

/** A Kubernetes API connection. */
export interface KubeApi {
  /** One page of a collection (`GET path?limit=...&continue=...`). Rejects with KubeApiError. */
  listPage(path: string, query: QueryParams, signal?: AbortSignal): Promise<ListPage>;
  /**
   * One page of a collection, its objects handed to `onItem` one at a time as the response streams in (the page
   * is never held whole). Resolves with the page's metadata; rejects with KubeApiError, or with what `onItem` threw.
   */
  streamPage(
    path: string,
    query: QueryParams,
    onItem: (item: unknown) => void,
    signal?: AbortSignal,
  ): Promise<ListMeta>;
  /**
   * Streams a watch until the server ends it (resolves), the signal aborts it (resolves) or it fails (rejects with
   * KubeApiError; a 410 before the stream starts is also a rejection).
   */
  watch(request: WatchRequest): Promise<void>;
  /** Any other request with a JSON body; resolves with the status and the parsed body, whatever the status. */
  request(
    method: string,
    path: string,
    query?: QueryParams,
    body?: unknown,
  ): Promise<{ status: number; body: unknown }>;
  /** Requests made so far, by verb. */
  requestCounts(): RequestCounts;
}
