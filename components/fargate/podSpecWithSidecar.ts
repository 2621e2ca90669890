/**
 * Adds the capture sidecar to a pod spec (plain values): idempotent (a pod that already has an `extrahop-rpcapd`
 * container is left as it is), and refusing what would break the pod (the metrics port or the volume name already
 * taken). List items may be Pulumi Inputs: items that are not plain objects are kept and only checked when plain.
 */
import * as pulumi from "@pulumi/pulumi";
import { SIDECAR_CONTAINER_NAME, SIDECAR_VOLUME_NAME } from "./sidecarContainer";

/** The sidecar cannot be added without breaking the pod. */
export class SidecarConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SidecarConflictError";
  }
}

function plain(value: unknown): Record<string, unknown> | undefined {
  const isObject = value !== null && typeof value === "object" && !Array.isArray(value);
  return isObject && !pulumi.Output.isInstance(value) && !(value instanceof Promise)
    ? (value as Record<string, unknown>)
    : undefined;
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** The sidecar to add: its container and volume (plain or Pulumi Inputs) and the metrics port it listens on. */
export interface SidecarAddition {
  /** The `extrahop-rpcapd` container. */
  container: unknown;
  /** Its scratch volume. */
  volume: unknown;
  /** Its metrics port (checked against the workload's declared ports). */
  metricsPort: number;
}

/** True when the pod spec already runs a container named like the sidecar (regular or init). */
export function hasSidecar(spec: Record<string, unknown>): boolean {
  return [...list(spec.containers), ...list(spec.initContainers)].some(
    (c) => plain(c)?.name === SIDECAR_CONTAINER_NAME,
  );
}

/**
 * The pod spec with the sidecar added.
 * @param spec the workload's pod spec
 * @param sidecar the sidecar's container, volume and metrics port
 * @param where `containers` (appended) or `initContainers` (first, so it also captures the other init containers)
 * @throws SidecarConflictError when a container already uses the metrics port or a volume has the sidecar's name
 */
export function podSpecWithSidecar(
  spec: Record<string, unknown>,
  sidecar: SidecarAddition,
  where: "containers" | "initContainers",
): Record<string, unknown> {
  if (hasSidecar(spec)) {
    return spec;
  }
  const metricsPort = sidecar.metricsPort;
  for (const c of [...list(spec.containers), ...list(spec.initContainers)]) {
    const container = plain(c);
    const clash = list(container?.ports).some((p) => plain(p)?.containerPort === metricsPort);
    if (container && clash) {
      throw new SidecarConflictError(
        `container ${JSON.stringify(container.name)} already uses port ${metricsPort}, the sidecar's metrics port: ` +
          "choose another metricsPort",
      );
    }
  }
  if (list(spec.volumes).some((v) => plain(v)?.name === SIDECAR_VOLUME_NAME)) {
    throw new SidecarConflictError(`a volume is already named ${JSON.stringify(SIDECAR_VOLUME_NAME)}`);
  }
  const added =
    where === "containers"
      ? { containers: [...list(spec.containers), sidecar.container] }
      : { initContainers: [sidecar.container, ...list(spec.initContainers)] };
  return { ...spec, ...added, volumes: [...list(spec.volumes), sidecar.volume] };
}
