/**
 * The API server's defaults that change what the Pod Security checks see. Admission evaluates the object after it
 * was decoded and defaulted, so an object as written can read differently from the one the checks get:
 *
 * - `SetDefaults_Volume`: a volume with no source becomes an `emptyDir` (so it passes `restrictedVolumes`);
 *   applies to every pod spec, templates included.
 * - `SetDefaults_Pod` → `defaultHostNetworkPorts`: in a Pod (not a template) with `hostNetwork: true`, every
 *   container and init container port without a `hostPort` gets `hostPort = containerPort` (so it meets
 *   `hostPorts`). The pods a DaemonSet or Deployment creates are Pods, so they get it even though the template
 *   did not.
 *
 * Port of those two functions of `pkg/apis/core/v1/defaults.go`, kubernetes/kubernetes at
 * 023f88a32c95647b94e47df54948a0af9517dd0c. Apache-2.0, The Kubernetes Authors. No other default touches a field
 * the checks read.
 */
import { assertPlainData } from "./podSpecExtractor";
import { VOLUME_SOURCE_FIELDS } from "./podTypes";

type Json = Record<string, unknown>;

function asObject(value: unknown): Json | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Json) : undefined;
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function defaultVolumes(spec: Json): void {
  for (const volume of asArray(spec.volumes).map(asObject)) {
    if (
      volume &&
      VOLUME_SOURCE_FIELDS.every((source) => volume[source] === undefined || volume[source] === null)
    ) {
      volume.emptyDir = {};
    }
  }
}

function defaultHostNetworkPorts(containers: unknown): void {
  for (const container of asArray(containers).map(asObject)) {
    for (const port of asArray(container?.ports).map(asObject)) {
      if (port && (port.hostPort === undefined || port.hostPort === null || port.hostPort === 0)) {
        port.hostPort = port.containerPort;
      }
    }
  }
}

/** Every pod spec in `object`: a Pod's own, a PodTemplate's, a workload's template, a CronJob's job template. */
function podSpecsOf(object: Json): Json[] {
  const specs: Json[] = [];
  const template = asObject(object.template) ?? asObject(asObject(object.spec)?.template);
  const jobTemplate = asObject(asObject(asObject(asObject(object.spec)?.jobTemplate)?.spec)?.template);
  for (const candidate of [template, jobTemplate]) {
    const spec = asObject(candidate?.spec);
    if (spec) {
      specs.push(spec);
    }
  }
  if (object.kind === "Pod") {
    const spec = asObject(object.spec);
    if (spec) {
      specs.push(spec);
    }
  }
  return specs;
}

/**
 * A copy of `object` with the defaults above applied, as the API server would store it.
 * @param object a Pod or a pod-template-bearing object, as plain JSON data
 */
export function withApiDefaults<T>(object: T): T {
  assertPlainData(object);
  const copy = structuredClone(object);
  const o = asObject(copy);
  if (!o) {
    return copy;
  }
  for (const spec of podSpecsOf(o)) {
    defaultVolumes(spec);
  }
  const podSpec = o.kind === "Pod" ? asObject(o.spec) : undefined;
  if (podSpec && podSpec.hostNetwork === true) {
    defaultHostNetworkPorts(podSpec.containers);
    defaultHostNetworkPorts(podSpec.initContainers);
  }
  return copy;
}

/**
 * The Pod a controller creates from a workload's pod template (metadata and spec copied, then defaulted as a Pod):
 * what Pod Security admission enforces, where the workload itself only draws warnings and audit entries.
 * @param template the workload's `spec.template`, as plain JSON data
 */
export function podFromTemplate(template: unknown): Json {
  const t = asObject(template) ?? {};
  return withApiDefaults({ apiVersion: "v1", kind: "Pod", metadata: t.metadata ?? {}, spec: t.spec ?? {} });
}
