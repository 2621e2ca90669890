/**
 * The read-only view of the Kubernetes API that cluster-network discovery needs: GETs, and one dry-run create (the
 * API server validates and admits it but never stores it). An interface, so discovery runs the same over recorded
 * API answers in tests and over HTTPS in the program.
 */

/** One API answer: the HTTP status and the decoded JSON body. */
export interface KubernetesAnswer {
  /** HTTP status code (200, 404, 403, 422, ...). */
  status: number;
  /**
   * The decoded JSON body: the object or list on success, usually a `Status` object on failure. `undefined` when the
   * body was empty; a string when it was not JSON (the API server answers `404 page not found` in plain text for an
   * API group it does not serve).
   */
  body: unknown;
}

/** What discovery may do with the Kubernetes API. Transport failures (refused, TLS, timeout) reject the promise. */
export interface KubernetesReadApi {
  /**
   * GET an API path.
   * @param path absolute API path with its query string, e.g. `/api/v1/nodes?limit=500`
   */
  get(path: string): Promise<KubernetesAnswer>;
  /**
   * POST an object with `dryRun=All`: the API server runs validation, allocation checks and admission, then discards
   * the object.
   * @param path collection path without query string, e.g. `/api/v1/namespaces/default/services`
   * @param body the object to submit
   */
  createDryRun(path: string, body: unknown): Promise<KubernetesAnswer>;
}

/** The message of a `Status` body (`{"kind":"Status","message":...}`), or the text of a plain-text body. */
export function answerMessage(answer: KubernetesAnswer): string {
  const body = answer.body;
  if (typeof body === "string") {
    return body.trim();
  }
  if (body && typeof body === "object" && typeof (body as { message?: unknown }).message === "string") {
    return (body as { message: string }).message;
  }
  return "";
}

/** A short description of a failed answer for "what was tried" lists, e.g. `forbidden (403): ...`. */
export function describeFailure(answer: KubernetesAnswer): string {
  const label =
    answer.status === 404
      ? "not found"
      : answer.status === 403
        ? "forbidden"
        : answer.status === 401
          ? "unauthorized"
          : "failed";
  const message = answerMessage(answer);
  return `${label} (${answer.status})${message ? `: ${message}` : ""}`;
}
