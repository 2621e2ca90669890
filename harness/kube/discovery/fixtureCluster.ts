/**
 * A recorded cluster answering the API requests cluster-network discovery makes, the way kube-apiserver answers
 * them: objects and lists by path (lists paginated with `limit`/`continue` as in k8s.io/apiserver's
 * `ListOptions`), `NotFound` Status for a missing object of a served group, the plain-text `404 page not found` for a
 * group the server does not serve, `Forbidden` Status for paths RBAC denies, and a dry-run Service create that
 * allocates from the cluster's service range (201 inside it, 422 `Invalid` outside, worded per
 * `serviceRangeMessages.ts`). Used in-process (`fixtureApi`) and behind HTTPS (`fixtureServer.ts`).
 */
import { cidrContains } from "../../../components/contract/cidr";
import type { KubernetesAnswer, KubernetesReadApi } from "../../../components/network/kubernetesApi";
import { outOfRangeStatus, type ServiceRangeMessageStyle } from "./serviceRangeMessages";

/** A recorded cluster. */
export interface FixtureCluster {
  /** Objects and lists by GET path; a list's path includes its `labelSelector` if any, never `limit`/`continue`. */
  objects: Record<string, unknown>;
  /** Group-version prefixes the server serves besides `/api/v1`, e.g. `/apis/crd.projectcalico.org/v1`. */
  servedGroups: string[];
  /** Paths RBAC denies (exact GET paths, or the POST collection). */
  forbidden?: string[];
  /** The service range the API server allocates from, and how its version words an out-of-range answer. */
  serviceRange?: { cidr: string; style: ServiceRangeMessageStyle };
}

/** A request as the fake saw it. */
export interface FixtureRequest {
  /** HTTP method. */
  method: "GET" | "POST";
  /** Path with query string. */
  path: string;
}

/** An answer plus its content type, for serving over HTTP. */
export interface FixtureAnswer extends KubernetesAnswer {
  /** `application/json` or `text/plain; charset=utf-8`. */
  contentType: string;
}

function status(
  code: number,
  reason: string,
  message: string,
  details?: Record<string, unknown>,
): FixtureAnswer {
  return {
    status: code,
    contentType: "application/json",
    body: {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message,
      reason,
      ...(details ? { details } : {}),
      code,
    },
  };
}

/** `configmaps` and `kubeadm-config` from `/api/v1/namespaces/kube-system/configmaps/kubeadm-config`. */
function resourceAndName(path: string): { resource: string; name?: string; namespace?: string } {
  const parts = path.split("/").filter(Boolean);
  const nsAt = parts.indexOf("namespaces");
  const namespace = nsAt >= 0 && parts.length > nsAt + 2 ? parts[nsAt + 1] : undefined;
  const rest = namespace ? parts.slice(nsAt + 2) : parts.slice(parts[0] === "api" ? 2 : 3);
  return { resource: rest[0] ?? "", name: rest[1], namespace };
}

function paginate(list: Record<string, unknown>, query: URLSearchParams): FixtureAnswer {
  const items = Array.isArray(list.items) ? list.items : [];
  const limit = Number(query.get("limit") ?? "0");
  const start = query.get("continue")
    ? Number(Buffer.from(query.get("continue") ?? "", "base64").toString())
    : 0;
  if (Number.isNaN(start)) {
    return status(400, "BadRequest", "continue key is not valid");
  }
  const end = limit > 0 ? Math.min(items.length, start + limit) : items.length;
  const metadata = { ...((list.metadata as Record<string, unknown>) ?? {}) };
  if (end < items.length) {
    metadata.continue = Buffer.from(String(end)).toString("base64");
    metadata.remainingItemCount = items.length - end;
  }
  return {
    status: 200,
    contentType: "application/json",
    body: { ...list, metadata, items: items.slice(start, end) },
  };
}

/**
 * The answer of the recorded cluster to one request.
 * @param cluster the recording
 * @param method GET or POST
 * @param pathWithQuery path and query string
 * @param body the decoded request body (POST)
 */
export function fixtureAnswer(
  cluster: FixtureCluster,
  method: "GET" | "POST",
  pathWithQuery: string,
  body?: unknown,
): FixtureAnswer {
  const url = new URL(pathWithQuery, "https://fixture.invalid");
  const query = url.searchParams;
  const selector = query.get("labelSelector");
  const key = `${url.pathname}${selector ? `?labelSelector=${encodeURIComponent(selector)}` : ""}`;
  const { resource, name, namespace } = resourceAndName(url.pathname);
  const group = url.pathname.startsWith("/apis/") ? url.pathname.split("/")[2] : "";
  if ((cluster.forbidden ?? []).includes(key)) {
    const verb = method === "POST" ? "create" : name ? "get" : "list";
    return status(
      403,
      "Forbidden",
      `${resource}${name ? ` "${name}"` : ""} is forbidden: User "discovery" cannot ${verb} resource "${resource}" ` +
        `in API group "${group}" ${namespace ? `in the namespace "${namespace}"` : "at the cluster scope"}`,
      { ...(name ? { name } : {}), kind: resource },
    );
  }
  const served =
    url.pathname.startsWith("/api/v1/") || cluster.servedGroups.some((g) => url.pathname.startsWith(`${g}/`));
  if (!served) {
    return { status: 404, contentType: "text/plain; charset=utf-8", body: "404 page not found\n" };
  }
  if (method === "POST") {
    return createService(cluster, url.pathname, query, body);
  }
  const object = cluster.objects[key];
  if (object === undefined && !name) {
    // A resource the served group does not have (e.g. servicecidrs before Kubernetes 1.31).
    return status(404, "NotFound", "the server could not find the requested resource", {});
  }
  if (object === undefined) {
    return status(404, "NotFound", `${resource} "${name}" not found`, { name, kind: resource });
  }
  const record = object as Record<string, unknown>;
  return Array.isArray(record.items)
    ? paginate(record, query)
    : { status: 200, contentType: "application/json", body: object };
}

function createService(
  cluster: FixtureCluster,
  path: string,
  query: URLSearchParams,
  body: unknown,
): FixtureAnswer {
  if (!/^\/api\/v1\/namespaces\/[^/]+\/services$/.test(path) || query.get("dryRun") !== "All") {
    return status(405, "MethodNotAllowed", "the fixture only accepts dry-run Service creates");
  }
  const service = body as { metadata?: { name?: string }; spec?: { clusterIP?: string } };
  const name = service.metadata?.name ?? "";
  const ip = service.spec?.clusterIP ?? "";
  const range = cluster.serviceRange;
  if (!range) {
    return status(
      500,
      "InternalError",
      "Internal error occurred: failed to allocate a serviceIP: allocator not ready",
    );
  }
  if (cidrContains(range.cidr, ip)) {
    return {
      status: 201,
      contentType: "application/json",
      body: { ...service, spec: { ...service.spec, clusterIPs: [ip] } },
    };
  }
  return {
    contentType: "application/json",
    status: 422,
    body: outOfRangeStatus(range.style, name, ip, range.cidr),
  };
}

/** An in-process API over a recording, which logs every request. */
export function fixtureApi(cluster: FixtureCluster): KubernetesReadApi & { requests: FixtureRequest[] } {
  const requests: FixtureRequest[] = [];
  return {
    requests,
    get: async (path) => {
      requests.push({ method: "GET", path });
      const { status: code, body } = fixtureAnswer(cluster, "GET", path);
      return { status: code, body };
    },
    createDryRun: async (path, object) => {
      requests.push({ method: "POST", path: `${path}?dryRun=All` });
      const { status: code, body } = fixtureAnswer(cluster, "POST", `${path}?dryRun=All`, object);
      return { status: code, body };
    },
  };
}
