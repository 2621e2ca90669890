/**
 * The pod metadata and spec admission evaluates for an object: a Pod's own, or the pod template of a workload.
 * Port of `DefaultPodSpecExtractor.ExtractPodSpec` and `extractPodSpecFromTemplate`
 * (`staging/src/k8s.io/pod-security-admission/admission/admission.go`), kubernetes/kubernetes at dde51bfc48b109a0f311055843d4d81a1966e9da (read from the mirror
 * kubernetes/pod-security-admission at 8f84a87c7f617f64a4ddc1aea24aeeb7a2e07cb8). Apache-2.0, The Kubernetes Authors.
 * Upstream switches on the decoded Go type; here the object's `kind` and API group decide.
 *
 * The objects must be plain JSON data: a Pulumi `Output` or a `Promise` anywhere in them is refused, since the
 * checks would read it as an empty object (or as the warning string an Output serializes to) and pass it silently.
 */
import type { ObjectMeta, PodSpec } from "./podTypes";

/** A pod template's metadata and spec, as admission evaluates them. */
export interface ExtractedPod {
  /** Pod (template) metadata; empty when absent. */
  metadata: ObjectMeta;
  /** Pod spec; empty when absent. */
  spec: PodSpec;
}

type Json = Record<string, unknown>;

/** Group of a Kubernetes `apiVersion` (`apps/v1` → `apps`, `v1` → the core group `""`). */
function groupOf(apiVersion: unknown): string {
  const text = typeof apiVersion === "string" ? apiVersion : "";
  return text.includes("/") ? text.slice(0, text.indexOf("/")) : "";
}

/** Where the pod template sits, by group and kind (upstream's type switch). */
const TEMPLATE_PATHS: Record<string, readonly string[]> = {
  "/Pod": [],
  "/PodTemplate": ["template"],
  "/ReplicationController": ["spec", "template"],
  "apps/ReplicaSet": ["spec", "template"],
  "apps/Deployment": ["spec", "template"],
  "apps/DaemonSet": ["spec", "template"],
  "apps/StatefulSet": ["spec", "template"],
  "batch/Job": ["spec", "template"],
  "batch/CronJob": ["spec", "jobTemplate", "spec", "template"],
};

function asObject(value: unknown): Json | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Json) : undefined;
}

/** Throws when `value` holds anything but JSON data (objects, arrays, strings, numbers, booleans, null). */
export function assertPlainData(value: unknown, path = "object"): void {
  if (value === null || ["string", "number", "boolean", "undefined"].includes(typeof value)) {
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((item, i) => assertPlainData(item, `${path}[${i}]`));
    return;
  }
  const proto: unknown = typeof value === "object" ? Object.getPrototypeOf(value) : undefined;
  if (typeof value !== "object" || (proto !== Object.prototype && proto !== null)) {
    throw new Error(
      `${path} is not plain JSON data (an Output, Promise or class instance?): resolve it first`,
    );
  }
  for (const [key, item] of Object.entries(value as Json)) {
    assertPlainData(item, `${path}.${key}`);
  }
}

/**
 * The pod metadata and spec admission evaluates for `object`, or undefined for a ReplicationController without a
 * template (upstream returns nil there: nothing is evaluated). Throws for kinds admission does not evaluate.
 * @param object a Pod, PodTemplate, ReplicationController, ReplicaSet, Deployment, DaemonSet, StatefulSet, Job or
 *   CronJob, as plain JSON data
 */
export function extractPodSpec(object: unknown): ExtractedPod | undefined {
  assertPlainData(object);
  const o = asObject(object) ?? {};
  const key = `${groupOf(o.apiVersion)}/${String(o.kind)}`;
  const path = TEMPLATE_PATHS[key];
  if (!path) {
    throw new Error(`unexpected object type: ${String(o.apiVersion)}, Kind=${String(o.kind)}`);
  }
  let template: Json | undefined = o;
  for (const step of path) {
    template = asObject(template?.[step]);
  }
  if (!template && key === "/ReplicationController") {
    return undefined;
  }
  return {
    metadata: (asObject(template?.metadata) ?? {}) as ObjectMeta,
    spec: (asObject(template?.spec) ?? {}) as PodSpec,
  };
}
