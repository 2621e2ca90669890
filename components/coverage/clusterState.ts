/**
 * Reads the cluster's Nodes and Pods through the Kubernetes API for the coverage report: paginated lists
 * (`limit`/`continue`, as kubectl pages), read-only. Needs `list` on nodes and pods cluster-wide.
 */
import { describeFailure, type KubernetesReadApi } from "../network/kubernetesApi";
import type { NodeObject, PodObject } from "./clusterObjects";

/** A list could not be read (forbidden, not found, bad answer). */
export class ClusterStateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ClusterStateError";
  }
}

/** Page size of the lists. */
export const LIST_PAGE_SIZE = 500;

async function listAll<T>(api: KubernetesReadApi, path: string, what: string): Promise<T[]> {
  const items: T[] = [];
  let token: string | undefined;
  do {
    const query = new URLSearchParams({ limit: String(LIST_PAGE_SIZE) });
    if (token) {
      query.set("continue", token);
    }
    const answer = await api.get(`${path}?${query}`);
    const body = answer.body as { items?: T[]; metadata?: { continue?: string } } | undefined;
    if (answer.status !== 200 || !body || !Array.isArray(body.items)) {
      throw new ClusterStateError(`cannot list ${what} (GET ${path}): ${describeFailure(answer)}`);
    }
    items.push(...body.items);
    token = body.metadata?.continue || undefined;
  } while (token);
  return items;
}

/** The cluster's Nodes and Pods. */
export interface ClusterState {
  /** Every Node. */
  nodes: NodeObject[];
  /** Every Pod of every namespace. */
  pods: PodObject[];
}

/**
 * Lists every Node and Pod.
 * @param api the Kubernetes API
 * @throws ClusterStateError naming the list that failed
 */
export async function readClusterState(api: KubernetesReadApi): Promise<ClusterState> {
  const [nodes, pods] = await Promise.all([
    listAll<NodeObject>(api, "/api/v1/nodes", "nodes"),
    listAll<PodObject>(api, "/api/v1/pods", "pods"),
  ]);
  return { nodes, pods };
}
