/**
 * The fields of Kubernetes Nodes and Pods the coverage report reads (core/v1 as the API serves them), so the report
 * runs the same over objects listed live, recorded in tests, or read at deploy time.
 */

/** Object metadata. */
export interface ObjectMeta {
  /** Name. */
  name: string;
  /** Namespace (pods). */
  namespace?: string;
  /** Labels. */
  labels?: Record<string, string>;
  /** Annotations. */
  annotations?: Record<string, string>;
  /** RFC 3339 creation time. */
  creationTimestamp?: string;
  /** Set while the object is being deleted. */
  deletionTimestamp?: string;
  /** Owners; the one with `controller: true` manages the object. */
  ownerReferences?: { kind: string; name: string; controller?: boolean }[];
}

/** A node taint. */
export interface Taint {
  /** Key. */
  key: string;
  /** Value. */
  value?: string;
  /** `NoSchedule`, `PreferNoSchedule` or `NoExecute`. */
  effect: string;
}

/** A toleration (core/v1 Toleration). */
export interface Toleration {
  /** Key; empty with `Exists` matches every key. */
  key?: string;
  /** `Exists` or `Equal` (default). */
  operator?: string;
  /** Value for `Equal`. */
  value?: string;
  /** Effect; empty matches every effect. */
  effect?: string;
}

/** A Node. */
export interface NodeObject {
  /** Metadata. */
  metadata: ObjectMeta;
  /** Spec. */
  spec?: { providerID?: string; taints?: Taint[]; unschedulable?: boolean };
  /** Status. */
  status?: {
    addresses?: { type: string; address: string }[];
    nodeInfo?: { architecture?: string; operatingSystem?: string };
  };
}

/** A container's status. */
export interface ContainerStatus {
  /** Container name. */
  name: string;
  /** Passed its readiness probe (or has none and is running). */
  ready: boolean;
}

/** A Pod. */
export interface PodObject {
  /** Metadata. */
  metadata: ObjectMeta;
  /** Spec. */
  spec?: {
    nodeName?: string;
    hostNetwork?: boolean;
    schedulerName?: string;
    containers?: { name: string }[];
    initContainers?: { name: string; restartPolicy?: string }[];
  };
  /** Status. */
  status?: {
    phase?: string;
    podIP?: string;
    conditions?: { type: string; status: string }[];
    containerStatuses?: ContainerStatus[];
    initContainerStatuses?: ContainerStatus[];
  };
}
