/**
 * Cluster membership for the node agent: which addresses were already reported before they reach this node
 * (covered4, coverednets4), which pods have their own capture sidecar (sidecar4), and every node's InternalIP
 * (nodes4), kept in the kernel sets from a list+watch of pods and nodes. Only changes reach the kernel, batched
 * into one transaction at a time. RBAC: `list` and `watch` on pods and nodes, cluster-wide.
 */
import type { KubeApi } from "../kube/kubeApi";
import { parseLabelSelector } from "../kube/labelSelector";
import type { BackoffOptions } from "./backoff";
import { Informer, InformerHandler } from "./informer";
import { KernelFlusher } from "./kernelFlusher";
import { nodeFacts } from "./nodeFacts";
import { podFacts, PodReading } from "./podFacts";
import type { KernelSets, SetName } from "./sets";
import { MembershipState, SelfNode } from "./state";

export type { KernelSets, SetChanges, SetName } from "./sets";
export { renderSetDeclaration, SET_DECLARATIONS, SET_NAMES } from "./sets";
export type { KubeApi } from "../kube/kubeApi";
export type { SelfNode } from "./state";

/**
 * Finished pods leave the pod selection (and arrive as DELETED when they finish): a Succeeded/Failed pod can keep
 * status.podIP while the address already belongs to someone else.
 */
export const POD_FIELD_SELECTOR = "status.phase!=Succeeded,status.phase!=Failed";

/** Tuning knobs (defaults suit production; tests shorten them). */
export interface MembershipTuning {
  /** List page size (default 500). */
  pageSize?: number;
  /** Longest a change waits to be batched with others, ms (default 100). */
  batchWindowMs?: number;
  /** The watch's timeoutSeconds per request (default random in [300, 600)). */
  watchTimeoutSeconds?: () => number;
  /** Extra silence tolerated after a watch's timeout before the connection is dropped, ms (default 60,000). */
  idleGraceMs?: number;
  /** Backoff between failed API requests (default 0.8 s doubling to 30 s, with jitter). */
  backoff?: BackoffOptions;
  /** Wait before re-applying after a failed kernel update, ms (default 1,000). */
  kernelRetryMs?: number;
}

/** What membership needs. */
export interface MembershipOptions {
  /** The Kubernetes API (agent/src/kube). */
  api: KubeApi;
  /** This node's name (downward API spec.nodeName). */
  nodeName: string;
  /** Namespace of the agent pods. */
  agentNamespace: string;
  /** Label selector of the agent pods, e.g. `component=extrahop-rpcapd`. */
  agentSelector: string;
  /** Name of the capture sidecar container in Fargate pods, e.g. `extrahop-rpcapd`. */
  sidecarContainerName: string;
  /** VPC_MIRRORING: AWS mirrors the ENIs of eligible nodes. */
  vpcMirroring: boolean;
  /** MIRROR_SETTLE: seconds a node must exist before its mirror sessions are trusted. */
  mirrorSettleSeconds: number;
  /** True when AWS Traffic Mirroring accepts this instance type (components/contract/mirrorableInstanceTypes). */
  isMirrorable(instanceType: string): boolean;
  /** The datapath's IPAM hands out node spec.podCIDRs (Flannel and other host-local IPAM). */
  hostLocalPodCidrs: boolean;
  /** Where set changes go (the nft session). */
  sink: KernelSets;
  /** Structured log. */
  log: (event: Record<string, unknown>) => void;
  /** The clock, ms (default Date.now). */
  now?: () => number;
  /** Tuning knobs. */
  tuning?: MembershipTuning;
}

/** Figures for metrics. The first seven fields are what the agent's metrics endpoint reads. */
export interface MembershipStats {
  /** Elements per set. */
  setSizes: Record<SetName, number>;
  /** When the kernel last matched everything the API had said (ms epoch), if ever. */
  lastSyncMs?: number;
  /** API requests by verb (list counts pages). */
  apiRequests: Record<string, number>;
  /** Full lists after the first, pods and nodes together. */
  relists: number;
  /** Watches restarted (server timeout, dropped connection, error). */
  watchRestarts: number;
  /** Kernel transactions applied. */
  kernelBatches: number;
  /** Duration of the last kernel transaction (ms), if any. */
  lastApplyMs?: number;
  /** Complete lists, pods and nodes together. */
  lists: number;
  /** Watch events received (ADDED/MODIFIED/DELETED). */
  watchEvents: number;
  /** Bookmarks received. */
  bookmarks: number;
  /** Failed API requests. */
  apiFailures: number;
  /** Failed kernel updates (retried). */
  kernelFailures: number;
  /** Pods held in memory. */
  pods: number;
  /** Nodes held in memory. */
  nodes: number;
  /** The first full lists are in the kernel. */
  synced: boolean;
}

/** A running membership. */
export interface Membership {
  /** Resolves once the first full lists of pods and nodes are in the kernel. */
  synced: Promise<void>;
  /** This node as membership sees it (for mirrored_uplinks); undefined until its Node object is known. */
  selfNode(): SelfNode | undefined;
  /** Figures for metrics. */
  stats(): MembershipStats;
  /** Stops watching; waits for a kernel transaction in flight. */
  stop(): Promise<void>;
}

/** Starts listing and watching; the kernel sets follow. */
export function startMembership(opts: MembershipOptions): Membership {
  const now = opts.now ?? Date.now;
  const tuning = opts.tuning ?? {};
  const state = new MembershipState(
    {
      nodeName: opts.nodeName,
      vpcMirroring: opts.vpcMirroring,
      mirrorSettleMs: opts.mirrorSettleSeconds * 1000,
      hostLocalPodCidrs: opts.hostLocalPodCidrs,
    },
    now,
  );
  const flusher = new KernelFlusher({
    state,
    sink: opts.sink,
    batchWindowMs: tuning.batchWindowMs ?? 100,
    retryMs: tuning.kernelRetryMs ?? 1000,
    log: opts.log,
    now,
  });
  const podReading: PodReading = {
    agentNamespace: opts.agentNamespace,
    isAgent: parseLabelSelector(opts.agentSelector),
    sidecarContainerName: opts.sidecarContainerName,
  };
  // Node updates arrive every few minutes per node (status reports) and a cluster has few instance types: the
  // answer per type is kept rather than matched against the pattern list again each time.
  const mirrorable = new Map<string, boolean>();
  const nodeReading = {
    isMirrorable: (t: string): boolean => {
      let answer = mirrorable.get(t);
      if (answer === undefined) {
        answer = opts.isMirrorable(t);
        mirrorable.set(t, answer);
      }
      return answer;
    },
  };

  // Mirror coverage depends on node age: wake up when the next node settles.
  let settleTimer: NodeJS.Timeout | undefined;
  let stopped = false;
  const scheduleSettle = (): void => {
    clearTimeout(settleTimer);
    settleTimer = undefined;
    const next = state.settle();
    flusher.schedule();
    if (next !== undefined && !stopped) {
      settleTimer = setTimeout(scheduleSettle, Math.min(Math.max(next - now(), 0) + 10, 2 ** 31 - 1));
    }
  };

  // The first lists of both kinds go to the kernel together, in one transaction.
  flusher.hold();
  const initial = { pods: false, nodes: false };
  let resolveSynced: () => void = () => undefined;
  const synced = new Promise<void>((r) => (resolveSynced = r));
  let isSynced = false;
  const initialListDone = (kind: "pods" | "nodes"): void => {
    if (initial[kind]) {
      return;
    }
    initial[kind] = true;
    if (initial.pods && initial.nodes) {
      flusher.release();
      void flusher.flushNow().then(() => {
        if (!stopped) {
          isSynced = true;
          opts.log({ msg: "membership synced", ...state.sizes() });
          resolveSynced();
        }
      });
    }
  };

  const uidOf = (o: unknown): string | undefined => {
    const uid = (o as { metadata?: { uid?: unknown } } | null)?.metadata?.uid;
    return typeof uid === "string" ? uid : undefined;
  };
  const nameOf = (o: unknown): string | undefined => {
    const name = (o as { metadata?: { name?: unknown } } | null)?.metadata?.name;
    return typeof name === "string" ? name : undefined;
  };

  const podHandler: InformerHandler = {
    listStarted: () => {
      state.beginList("pods");
      flusher.hold();
    },
    listItem: (o) => {
      const f = podFacts(o, podReading);
      if (f) {
        state.upsertPod(f);
      }
    },
    listEnded: () => {
      state.endList("pods");
      flusher.release();
      initialListDone("pods");
    },
    listAbandoned: () => flusher.release(),
    event: (type, o) => {
      if (type === "DELETED") {
        const uid = uidOf(o);
        if (uid) {
          state.deletePod(uid);
        }
      } else {
        const f = podFacts(o, podReading);
        if (f) {
          state.upsertPod(f);
        }
      }
      flusher.schedule();
    },
    progressed: () => flusher.progressed(),
  };
  const nodeHandler: InformerHandler = {
    listStarted: () => {
      state.beginList("nodes");
      flusher.hold();
    },
    listItem: (o) => {
      const f = nodeFacts(o, nodeReading);
      if (f) {
        state.upsertNode(f);
      }
    },
    listEnded: () => {
      state.endList("nodes");
      scheduleSettle();
      flusher.release();
      initialListDone("nodes");
    },
    listAbandoned: () => flusher.release(),
    event: (type, o) => {
      if (type === "DELETED") {
        const name = nameOf(o);
        if (name) {
          state.deleteNode(name);
        }
      } else {
        const f = nodeFacts(o, nodeReading);
        if (f) {
          state.upsertNode(f);
        }
      }
      scheduleSettle();
    },
    progressed: () => flusher.progressed(),
  };

  const common = {
    api: opts.api,
    pageSize: tuning.pageSize,
    watchTimeoutSeconds: tuning.watchTimeoutSeconds,
    idleGraceMs: tuning.idleGraceMs,
    backoff: tuning.backoff,
    log: opts.log,
  };
  const pods = new Informer({
    ...common,
    path: "/api/v1/pods",
    fieldSelector: POD_FIELD_SELECTOR,
    handler: podHandler,
  });
  const nodes = new Informer({ ...common, path: "/api/v1/nodes", handler: nodeHandler });
  pods.start();
  nodes.start();

  return {
    synced,
    selfNode: () => state.selfNode(),
    stats: () => {
      const p = pods.counters;
      const n = nodes.counters;
      return {
        setSizes: state.sizes(),
        lastSyncMs: flusher.lastSyncMs,
        apiRequests: opts.api.requestCounts(),
        relists: p.relists + n.relists,
        watchRestarts: p.watchRestarts + n.watchRestarts,
        kernelBatches: flusher.batches,
        lastApplyMs: flusher.lastApplyMs,
        lists: p.lists + n.lists,
        watchEvents: p.events + n.events,
        bookmarks: p.bookmarks + n.bookmarks,
        apiFailures: p.failures + n.failures,
        kernelFailures: flusher.failures,
        pods: state.podCount,
        nodes: state.nodeCount,
        synced: isSynced,
      };
    },
    stop: async () => {
      stopped = true;
      clearTimeout(settleTimer);
      await Promise.all([pods.stop(), nodes.stop()]);
      await flusher.stop();
    },
  };
}
