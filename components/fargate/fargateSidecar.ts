/**
 * Adds the capture sidecar to the workloads of a Pulumi program that will run on Fargate, as a resource transform:
 * every Deployment, StatefulSet, ReplicaSet, ReplicationController, Job, CronJob or Pod whose pod template matches a
 * Fargate profile (namespace + labels, `fargateProfiles.ts`) gets the `extrahop-rpcapd` container; every other
 * resource is left exactly as it is.
 *
 * Two forms of the same transform:
 * - {@link fargateSidecarTransform}: a `ResourceTransform`, for `pulumi.runtime.registerResourceTransform(...)` (the
 *   whole stack, including resources inside components and packaged components) or the `transforms` resource option
 *   of one resource or component. The engine calls it, so it needs a Pulumi CLI that supports transforms (the SDK
 *   refuses otherwise: "The Pulumi CLI does not support transforms").
 * - {@link fargateSidecarTransformation}: the older in-process `ResourceTransformation`, for the `transformations`
 *   resource option and `pulumi.runtime.registerStackTransformation(...)`. It works where the engine cannot call
 *   back (unit tests under `pulumi.runtime.setMocks`), but does not reach into packaged (remote) components.
 *
 * Namespaces and labels known when the resource is declared are matched right away, so a workload that stays off
 * Fargate is never touched. When either is an Output (known only once another resource exists), the decision is made
 * when it resolves; in a preview where it stays unknown, the pod spec shows as unknown for that workload.
 */
import * as pulumi from "@pulumi/pulumi";
import { DEFAULT_METRICS_PORT } from "../contract/agentEnv";
import { fargatePlacement, type FargateProfile } from "./fargateProfiles";
import { podSpecWithSidecar } from "./podSpecWithSidecar";
import {
  DEFAULT_SIDECAR_RESOURCES,
  sidecarParts,
  sidecarStyleFor,
  type SidecarResources,
  type SidecarSettings,
  type SidecarStyle,
} from "./sidecarContainer";
import { workloadKindOfType, type WorkloadKind } from "./workloadKinds";

/** Arguments of the Fargate sidecar transform. */
export interface FargateSidecarArgs {
  /** The cluster's Fargate profiles (name and selectors): they decide which workloads run on Fargate. */
  fargateProfiles: FargateProfile[];
  /** The agent image pinned by digest (`PodPacketForwarding.agentImage`). */
  image: pulumi.Input<string>;
  /** Sensor addresses, 1-10 (`EXTRAHOP_SENSOR_IP`). */
  sensorIps: pulumi.Input<pulumi.Input<string>[]>;
  /** Sensor RPCAP port (`RPCAPD_TARGET_PORT`). Default 2003. */
  sensorPort?: pulumi.Input<number>;
  /**
   * Subnets only Fargate pods use (`FARGATE_CIDRS`): a sidecar leaves what another Fargate pod sent it to that
   * pod's sidecar. Absent: packets between two Fargate pods are reported by both sidecars.
   */
  fargateCidrs?: pulumi.Input<pulumi.Input<string>[]>;
  /** Port of the sidecar's `/metrics`, `/healthz` and `/readyz` inside the pod. Default 9477. */
  metricsPort?: number;
  /** How the sidecar joins the pod (see {@link SidecarStyle}). Default `auto`. */
  style?: SidecarStyle;
  /** Requests and limits of the sidecar. Default requests 50m / 64Mi, memory limit 128Mi. */
  resources?: SidecarResources;
  /**
   * Give the sidecar a readiness probe (ready = a sensor is connected). Default true. Node agents stop reporting a
   * Fargate pod's packets only while its sidecar is ready; the price is that the pod is not Ready (and leaves its
   * Services' endpoints) while its sidecar has no sensor.
   */
  readinessProbe?: boolean;
  /**
   * Namespace of resources that do not set `metadata.namespace` (the Kubernetes provider's default namespace).
   * Default `default`.
   */
  defaultNamespace?: string;
}

type Props = Record<string, pulumi.Input<unknown>>;

function isPending(value: unknown): boolean {
  return pulumi.Output.isInstance(value) || value instanceof Promise;
}

/** True when `value` holds no Output or Promise at any depth. */
function isPlain(value: unknown): boolean {
  if (isPending(value)) {
    return false;
  }
  if (Array.isArray(value)) {
    return value.every(isPlain);
  }
  if (value && typeof value === "object") {
    return Object.values(value).every(isPlain);
  }
  return true;
}

function asObject(value: unknown): Record<string, unknown> {
  return value && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

/** Applies `fn` to the value now when it is plain, else when it resolves. */
function mapInput(value: unknown, fn: (plain: Record<string, unknown>) => unknown): unknown {
  return isPending(value)
    ? pulumi.output(value as pulumi.Input<object>).apply((v) => fn(asObject(v)))
    : fn(asObject(value));
}

/** `obj` with the value at `path` replaced by `fn(old)`, going through Outputs where they sit. */
function updateAt(obj: unknown, path: readonly string[], fn: (old: unknown) => unknown): unknown {
  if (path.length === 0) {
    return fn(obj);
  }
  return mapInput(obj, (o) => ({ ...o, [path[0]]: updateAt(o[path[0]], path.slice(1), fn) }));
}

/** The plain value at `path`, or undefined when an Output sits on the way. */
function plainAt(obj: unknown, path: readonly string[]): { known: boolean; value: unknown } {
  let v: unknown = obj;
  for (const key of path) {
    if (isPending(v)) {
      return { known: false, value: undefined };
    }
    v = asObject(v)[key];
  }
  return { known: !isPending(v), value: v };
}

/** The sidecar settings as an Output (image and sensors may be Outputs of other resources). */
function settingsOf(args: FargateSidecarArgs, kind: WorkloadKind): pulumi.Output<SidecarSettings> {
  return pulumi
    .all([args.image, args.sensorIps, args.sensorPort ?? 2003, args.fargateCidrs ?? []])
    .apply(([image, sensorIps, sensorPort, fargateCidrs]) => ({
      image,
      sensorIps,
      sensorPort,
      fargateCidrs,
      metricsPort: args.metricsPort ?? DEFAULT_METRICS_PORT,
      style: sidecarStyleFor(args.style ?? "auto", kind.kind),
      resources: args.resources ?? DEFAULT_SIDECAR_RESOURCES,
      readinessProbe: args.readinessProbe ?? true,
    }));
}

/** The pod spec with the sidecar, whatever of it is an Output. */
function specWithSidecar(spec: unknown, args: FargateSidecarArgs, kind: WorkloadKind): unknown {
  const settings = settingsOf(args, kind);
  const parts = settings.apply(sidecarParts);
  const where =
    sidecarStyleFor(args.style ?? "auto", kind.kind) === "native" ? "initContainers" : "containers";
  const sidecar = {
    container: parts.apply((p) => p.container),
    volume: parts.apply((p) => p.volume),
    metricsPort: args.metricsPort ?? DEFAULT_METRICS_PORT,
  };
  const s = asObject(spec);
  const listsArePlain =
    !isPending(spec) && [s.containers, s.initContainers, s.volumes].every((l) => !isPending(l));
  return listsArePlain
    ? podSpecWithSidecar(s, sidecar, where)
    : pulumi
        .output(spec as pulumi.Input<object>)
        .apply((resolved) => podSpecWithSidecar(asObject(resolved), sidecar, where));
}

/**
 * The props of a resource with the sidecar added, or undefined when the resource is not a workload that runs on
 * Fargate (then it must be left untouched).
 * @param type the resource's type token
 * @param props the resource's input properties
 * @param args the sidecar's arguments
 */
export function withFargateSidecar(type: string, props: Props, args: FargateSidecarArgs): Props | undefined {
  const kind = workloadKindOfType(type);
  if (!kind) {
    return undefined;
  }
  const namespace = plainAt(props, ["metadata", "namespace"]);
  const templateMeta = plainAt(props, [...kind.templatePath, "metadata"]);
  const decide = (ns: unknown, meta: unknown) =>
    fargatePlacement(
      args.fargateProfiles,
      typeof ns === "string" && ns !== "" ? ns : (args.defaultNamespace ?? "default"),
      asObject(asObject(meta).labels) as Record<string, string>,
      asObject(asObject(meta).annotations) as Record<string, string>,
    ) !== undefined;
  const specPath = [...kind.templatePath, "spec"];
  if (namespace.known && templateMeta.known && isPlain(templateMeta.value)) {
    if (!decide(namespace.value, templateMeta.value)) {
      return undefined;
    }
    return updateAt(props, specPath, (spec) => specWithSidecar(spec, args, kind)) as Props;
  }
  // Namespace, labels or annotations known only later: decide then, and keep the spec as it is when the workload
  // stays off Fargate.
  const nsInput = pulumi.output(props).apply((p) => asObject(asObject(p).metadata).namespace);
  const metaInput = pulumi.output(props).apply((p) => plainAt(p, [...kind.templatePath, "metadata"]).value);
  return updateAt(props, specPath, (spec) =>
    pulumi
      .all([nsInput, metaInput])
      .apply(([ns, meta]) => (decide(ns, meta) ? specWithSidecar(spec, args, kind) : spec)),
  ) as Props;
}

/**
 * The sidecar transform for `pulumi.runtime.registerResourceTransform` or the `transforms` resource option.
 * @example pulumi.runtime.registerResourceTransform(fargateSidecarTransform({ fargateProfiles, image: ppf.agentImage, sensorIps }))
 */
export function fargateSidecarTransform(args: FargateSidecarArgs): pulumi.ResourceTransform {
  return (t) => {
    const props = withFargateSidecar(t.type, t.props as Props, args);
    return props ? { props, opts: t.opts } : undefined;
  };
}

/**
 * The same transform as an in-process `ResourceTransformation` (the `transformations` resource option,
 * `pulumi.runtime.registerStackTransformation`), which also runs under `pulumi.runtime.setMocks`.
 */
export function fargateSidecarTransformation(args: FargateSidecarArgs): pulumi.ResourceTransformation {
  return (t) => {
    const props = withFargateSidecar(t.type, t.props as Props, args);
    return props ? { props, opts: t.opts } : undefined;
  };
}
