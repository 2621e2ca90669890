/**
 * The few Kubernetes API shapes the agent reads, as in k8s.io/apimachinery `pkg/apis/meta/v1/types.go` (ListMeta,
 * Status) and `pkg/apis/meta/v1/watch.go` / `pkg/watch/watch.go` (WatchEvent and its types). Objects stay `unknown`
 * until a reader that knows what it needs looks at them.
 */

/** A watch event type (`k8s.io/apimachinery/pkg/watch.EventType`). */
export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";

/** One line of a watch stream. */
export interface WatchEvent {
  /** What happened. */
  type: WatchEventType;
  /** The object (a Status for ERROR, an object carrying only `metadata.resourceVersion` for BOOKMARK). */
  object: unknown;
}

/** The metadata of one page of a list. */
export interface ListMeta {
  /** The list's `metadata.resourceVersion`: where a watch that follows the list starts. */
  resourceVersion: string;
  /** `metadata.continue`: present while more pages follow. */
  continueToken?: string;
}

/** One page of a list. */
export interface ListPage {
  /** The list's `metadata.resourceVersion`: where a watch that follows the list starts. */
  resourceVersion: string;
  /** `metadata.continue`: present while more pages follow. */
  continueToken?: string;
  /** The page's objects. */
  items: unknown[];
}

/** A `Status` object, as the API server sends on failures (and in ERROR watch events). */
export interface ApiStatus {
  /** Always "Status". */
  kind: "Status";
  /** "Failure" on errors. */
  status?: string;
  /** Human-readable description. */
  message?: string;
  /** Machine-readable reason, e.g. "Expired", "Gone", "Unauthorized". */
  reason?: string;
  /** HTTP status code the failure corresponds to, e.g. 410. */
  code?: number;
}

/** True for a `Status` object. */
export function isApiStatus(value: unknown): value is ApiStatus {
  return typeof value === "object" && value !== null && (value as { kind?: unknown }).kind === "Status";
}

/** `metadata.resourceVersion` of an object, if it has one. */
export function resourceVersionOf(object: unknown): string | undefined {
  const meta = (object as { metadata?: { resourceVersion?: unknown } } | null)?.metadata;
  return typeof meta?.resourceVersion === "string" ? meta.resourceVersion : undefined;
}
