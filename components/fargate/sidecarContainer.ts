/**
 * The capture sidecar of a Fargate pod as plain Kubernetes data: the `extrahop-rpcapd` container (the agent image
 * with `AGENT_ROLE=sidecar`, env from the agent's contract, `POD_IP` from the downward API) and its scratch volume.
 *
 * What Fargate allows decides the security context (see `fargateRefusals.ts`): no `privileged`, no added
 * capability, no host network or port, and no `allowPrivilegeEscalation` field at all. The sidecar needs NET_RAW to
 * open its packet socket; it is part of the container runtime's default capability set (moby/moby
 * `oci/caps/defaults.go`), which Fargate containers keep (aws/containers-roadmap#409 lists the Fargate set:
 * chown, dac_override, fowner, fsetid, kill, setgid, setuid, setpcap, net_bind_service, net_raw, sys_chroot, mknod,
 * audit_write, setfcap). That EKS Fargate keeps NET_RAW is verified here only in the kernel simulation, which runs
 * the sidecar with exactly that set; the agent exits with a clear message when it is missing.
 *
 * Root is required: capabilities of a non-root process are not effective without file capabilities, so a pod-level
 * `runAsNonRoot: true` is overridden for this container only. The pod's namespace must therefore admit the Pod
 * Security `baseline` level (root and the default capabilities are allowed there, not under `restricted`).
 */
import {
  DEFAULT_METRICS_PORT,
  DEFAULT_SIDECAR_CONTAINER_NAME,
  SIDECAR_FIELD_REFS,
  sidecarEnvironment,
} from "../contract/agentEnv";

/** Name of the sidecar container (what node agents look for in a pod's container statuses). */
export const SIDECAR_CONTAINER_NAME = DEFAULT_SIDECAR_CONTAINER_NAME;
/** Name of the sidecar's scratch volume (rpcapd.ini, the ready file). */
export const SIDECAR_VOLUME_NAME = "extrahop-rpcapd-tmp";

/**
 * How the sidecar joins the pod:
 * - `container`: one more entry of `containers`. Works on every Kubernetes version; a Job's pod never completes
 *   while it runs, because the sidecar does not exit with the job's main container.
 * - `native`: an init container with `restartPolicy: Always` (Kubernetes sidecar containers, on by default since
 *   1.29): it starts before and stops after the workload's containers, so it also captures their first and last
 *   packets, and a Job completes when its main containers do.
 * - `auto`: `native` for Jobs and CronJobs, `container` otherwise.
 */
export type SidecarStyle = "auto" | "container" | "native";

/** CPU and memory of the sidecar (Fargate sizes the pod from the sum of its containers' requests). */
export interface SidecarResources {
  /** Requests, e.g. `{ cpu: "50m", memory: "64Mi" }`. */
  requests?: Record<string, string>;
  /** Limits, e.g. `{ memory: "128Mi" }`. */
  limits?: Record<string, string>;
}

/** Default requests and limits: small, since one pod's traffic is captured. */
export const DEFAULT_SIDECAR_RESOURCES: SidecarResources = {
  requests: { cpu: "50m", memory: "64Mi" },
  limits: { memory: "128Mi" },
};

/** Settings of the sidecar once every value is known. */
export interface SidecarSettings {
  /** Agent image, pinned by digest (`repo@sha256:...`). */
  image: string;
  /** Sensor addresses (`EXTRAHOP_SENSOR_IP`). */
  sensorIps: string[];
  /** Sensor RPCAP port (`RPCAPD_TARGET_PORT`). */
  sensorPort: number;
  /** Subnets only Fargate pods use (`FARGATE_CIDRS`); empty: sidecar-to-sidecar packets are reported twice. */
  fargateCidrs: string[];
  /** Port of `/metrics`, `/healthz`, `/readyz` inside the pod; must not collide with the workload's ports. */
  metricsPort: number;
  /** How the sidecar joins the pod (after `auto` is decided). */
  style: "container" | "native";
  /** Requests and limits. */
  resources: SidecarResources;
  /**
   * Give the sidecar a readiness probe (ready = rpcapd holds a sensor connection). Node agents count the pod's
   * packets as reported only while the sidecar is ready, so without the probe a sidecar that lost its sensor still
   * counts and those packets are lost; with it, the pod's Ready condition also waits for the sensor connection.
   */
  readinessProbe: boolean;
}

/** The container and volume to add. */
export interface SidecarParts {
  /** The `extrahop-rpcapd` container (for `initContainers` when `native`). */
  container: Record<string, unknown>;
  /** Its scratch volume. */
  volume: Record<string, unknown>;
}

/**
 * The sidecar's container and volume. Throws the contract's `AgentEnvError` when the agent would refuse a value.
 * @param settings the sidecar settings
 */
export function sidecarParts(settings: SidecarSettings): SidecarParts {
  const values = sidecarEnvironment({
    sensorIps: settings.sensorIps,
    sensorPort: settings.sensorPort,
    fargateCidrs: settings.fargateCidrs,
    metricsPort: settings.metricsPort === DEFAULT_METRICS_PORT ? undefined : settings.metricsPort,
  });
  const env = [
    ...Object.entries(values).map(([name, value]) => ({ name, value })),
    ...Object.entries(SIDECAR_FIELD_REFS).map(([name, fieldPath]) => ({
      name,
      valueFrom: { fieldRef: { fieldPath } },
    })),
  ];
  const probe = (path: string) => ({ httpGet: { path, port: settings.metricsPort } });
  const container: Record<string, unknown> = {
    name: SIDECAR_CONTAINER_NAME,
    image: settings.image,
    env,
    // Only fields Fargate accepts: see the module comment.
    securityContext: { runAsUser: 0, runAsNonRoot: false, readOnlyRootFilesystem: true },
    resources: settings.resources,
    ports: [{ name: "ehr-metrics", containerPort: settings.metricsPort, protocol: "TCP" }],
    livenessProbe: { ...probe("/healthz"), initialDelaySeconds: 10, periodSeconds: 10, failureThreshold: 3 },
    volumeMounts: [{ name: SIDECAR_VOLUME_NAME, mountPath: "/tmp" }],
  };
  if (settings.readinessProbe) {
    container.readinessProbe = { ...probe("/readyz"), periodSeconds: 5 };
  }
  if (settings.style === "native") {
    container.restartPolicy = "Always";
  }
  return {
    container,
    volume: { name: SIDECAR_VOLUME_NAME, emptyDir: { medium: "Memory", sizeLimit: "16Mi" } },
  };
}

/** `auto` decided for a workload kind (Jobs and CronJobs get `native` so they can complete). */
export function sidecarStyleFor(style: SidecarStyle, kind: string): "container" | "native" {
  if (style !== "auto") {
    return style;
  }
  return kind === "Job" || kind === "CronJob" ? "native" : "container";
}
