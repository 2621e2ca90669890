/**
 * The resources the fake API serves and the fields each one lets a field selector use. The selectable fields are
 * those the real registries declare: Pods in kubernetes/pkg/registry/core/pod/strategy.go `ToSelectableFields`
 * (metadata.name, metadata.namespace, spec.nodeName, spec.restartPolicy, spec.schedulerName,
 * spec.serviceAccountName, spec.hostNetwork, status.phase, status.podIP, status.nominatedNodeName), Nodes in
 * pkg/registry/core/node/strategy.go `NodeToSelectableFields` (metadata.name, spec.unschedulable); other resources
 * only the generic metadata.name and metadata.namespace (apiserver `DefaultClusterScopedAttr`/`DefaultNamespaceScopedAttr`).
 */

/** A Kubernetes object as the fake stores it (anything with metadata). */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    creationTimestamp?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [k: string]: unknown;
  };
  [k: string]: unknown;
}

/** How the fake serves one resource. */
export interface ResourceType {
  /** Plural path segment, e.g. `pods`. */
  plural: string;
  /** Object kind, e.g. `Pod`. */
  kind: string;
  /** Group/version prefix of its paths, e.g. `/api/v1`. */
  groupVersionPath: string;
  /** apiVersion of its objects. */
  apiVersion: string;
  /** Lives in namespaces. */
  namespaced: boolean;
  /** The selectable fields of an object. */
  fields(o: KubeObject): Record<string, string>;
}

type Loose = Record<string, unknown> | undefined;
const str = (v: unknown): string => (v === undefined || v === null ? "" : String(v));

function metaFields(o: KubeObject, namespaced: boolean): Record<string, string> {
  return namespaced
    ? { "metadata.name": o.metadata.name, "metadata.namespace": str(o.metadata.namespace) }
    : { "metadata.name": o.metadata.name };
}

/** Core resources with their field sets; more can be registered by tests. */
export const CORE_RESOURCES: readonly ResourceType[] = [
  {
    plural: "pods",
    kind: "Pod",
    groupVersionPath: "/api/v1",
    apiVersion: "v1",
    namespaced: true,
    fields: (o) => {
      const spec = o.spec as Loose;
      const st = o.status as Loose;
      return {
        ...metaFields(o, true),
        "spec.nodeName": str(spec?.nodeName),
        "spec.restartPolicy": str(spec?.restartPolicy),
        "spec.schedulerName": str(spec?.schedulerName),
        "spec.serviceAccountName": str(spec?.serviceAccountName),
        "spec.hostNetwork": spec?.hostNetwork === true ? "true" : "false",
        "status.phase": str(st?.phase),
        "status.podIP": str(st?.podIP),
        "status.nominatedNodeName": str(st?.nominatedNodeName),
      };
    },
  },
  {
    plural: "nodes",
    kind: "Node",
    groupVersionPath: "/api/v1",
    apiVersion: "v1",
    namespaced: false,
    fields: (o) => ({
      ...metaFields(o, false),
      "spec.unschedulable": (o.spec as Loose)?.unschedulable === true ? "true" : "false",
    }),
  },
  ...["services", "configmaps", "endpoints"].map((plural): ResourceType => ({
    plural,
    kind: { services: "Service", configmaps: "ConfigMap", endpoints: "Endpoints" }[plural] as string,
    groupVersionPath: "/api/v1",
    apiVersion: "v1",
    namespaced: true,
    fields: (o) => metaFields(o, true),
  })),
];
