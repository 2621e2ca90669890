/**
 * `Status` objects as the API server sends them (k8s.io/apimachinery/pkg/apis/meta/v1 `Status`, built by
 * k8s.io/apimachinery/pkg/api/errors: NewUnauthorized, NewBadRequest, NewNotFound, NewResourceExpired,
 * NewMethodNotSupported; the codes are the HTTP codes those constructors set).
 */

/** A Status object. */
export interface Status {
  kind: "Status";
  apiVersion: "v1";
  metadata: Record<string, never>;
  status: "Failure";
  message: string;
  reason: string;
  code: number;
  details?: { name?: string; kind?: string };
}

function status(code: number, reason: string, message: string, details?: Status["details"]): Status {
  return {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message,
    reason,
    code,
    details,
  };
}

/** 401, as for a missing or wrong bearer token. */
export const unauthorized = (): Status => status(401, "Unauthorized", "Unauthorized");

/** 400 BadRequest. */
export const badRequest = (message: string): Status => status(400, "BadRequest", message);

/** 404 NotFound for `<resource> "<name>" not found`. */
export const notFound = (resource: string, name: string): Status =>
  status(404, "NotFound", `${resource} "${name}" not found`, { name, kind: resource });

/** 409 AlreadyExists. */
export const alreadyExists = (resource: string, name: string): Status =>
  status(409, "AlreadyExists", `${resource} "${name}" already exists`, { name, kind: resource });

/** 405 MethodNotAllowed. */
export const methodNotSupported = (resource: string, method: string): Status =>
  status(405, "MethodNotAllowed", `${method} is not supported on resources of kind "${resource}"`, {
    kind: resource,
  });

/**
 * 410 Expired for a watch from a resourceVersion the watch cache no longer holds: message format of
 * k8s.io/apiserver/pkg/storage/cacher/watch_cache.go `getAllEventsSinceLocked`:
 * `too old resource version: <requested> (<oldest - 1>)`. The cacher returns it as an error watcher, so the client
 * gets HTTP 200 and one ERROR event carrying this Status.
 */
export const tooOldResourceVersion = (requested: number, oldestMinusOne: number): Status =>
  status(410, "Expired", `too old resource version: ${requested} (${oldestMinusOne})`);

/**
 * 410 Expired for a continue token whose snapshot is gone (k8s.io/apiserver/pkg/storage/etcd3 `continueExpired`,
 * first sentence).
 */
export const continueExpired = (): Status =>
  status(
    410,
    "Expired",
    "The provided continue parameter is too old to display a consistent list result. You can start a new list " +
      "without the continue parameter.",
  );
