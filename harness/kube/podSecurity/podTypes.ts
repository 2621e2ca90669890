/**
 * The parts of a Pod's metadata and spec that the Pod Security checks read, as they arrive in JSON: a field may be
 * absent or `null`, which Go decodes to the zero value (nil pointer, empty string, false, 0). The checks compare the
 * way the Go code does, through {@link present} for pointers and `=== true` for plain booleans.
 *
 * Field names are the Kubernetes JSON names of `k8s.io/api/core/v1` (`types.go`); only the fields the checks of
 * `staging/src/k8s.io/pod-security-admission/policy` read are typed, everything else passes through untouched.
 */

/** A JSON field that may be absent or null (Go: a nil pointer, or the zero value of a non-pointer field). */
export type Maybe<T> = T | null | undefined;

/** True when a pointer field is set (Go: `!= nil`). */
export function present<T>(value: Maybe<T>): value is T {
  return value !== undefined && value !== null;
}

/** `metav1.ObjectMeta`: only annotations matter to the checks. */
export interface ObjectMeta {
  /** Object name. */
  name?: Maybe<string>;
  /** Labels. */
  labels?: Maybe<Record<string, string>>;
  /** Annotations (AppArmor and seccomp beta/alpha annotations are checked). */
  annotations?: Maybe<Record<string, string>>;
}

/** `corev1.SeccompProfile`. */
export interface SeccompProfile {
  /** `RuntimeDefault`, `Localhost` or `Unconfined`. */
  type?: Maybe<string>;
  /** Profile path for `Localhost`. */
  localhostProfile?: Maybe<string>;
}

/** `corev1.AppArmorProfile`. */
export interface AppArmorProfile {
  /** `RuntimeDefault`, `Localhost` or `Unconfined`. */
  type?: Maybe<string>;
  /** Profile name for `Localhost`. */
  localhostProfile?: Maybe<string>;
}

/** `corev1.SELinuxOptions`. */
export interface SELinuxOptions {
  /** SELinux user. */
  user?: Maybe<string>;
  /** SELinux role. */
  role?: Maybe<string>;
  /** SELinux type. */
  type?: Maybe<string>;
  /** SELinux level. */
  level?: Maybe<string>;
}

/** `corev1.WindowsSecurityContextOptions`. */
export interface WindowsSecurityContextOptions {
  /** Run as a Windows host process. */
  hostProcess?: Maybe<boolean>;
}

/** `corev1.SecurityContext` (container level). */
export interface SecurityContext {
  /** Added and dropped capabilities. */
  capabilities?: Maybe<{ add?: Maybe<string[]>; drop?: Maybe<string[]> }>;
  /** Privileged container. */
  privileged?: Maybe<boolean>;
  /** SELinux options. */
  seLinuxOptions?: Maybe<SELinuxOptions>;
  /** Windows options. */
  windowsOptions?: Maybe<WindowsSecurityContextOptions>;
  /** UID. */
  runAsUser?: Maybe<number>;
  /** Require a non-root UID. */
  runAsNonRoot?: Maybe<boolean>;
  /** `no_new_privs` off. */
  allowPrivilegeEscalation?: Maybe<boolean>;
  /** `Default` or `Unmasked`. */
  procMount?: Maybe<string>;
  /** Seccomp profile. */
  seccompProfile?: Maybe<SeccompProfile>;
  /** AppArmor profile. */
  appArmorProfile?: Maybe<AppArmorProfile>;
}

/** `corev1.PodSecurityContext` (pod level). */
export interface PodSecurityContext {
  /** SELinux options. */
  seLinuxOptions?: Maybe<SELinuxOptions>;
  /** Windows options. */
  windowsOptions?: Maybe<WindowsSecurityContextOptions>;
  /** UID. */
  runAsUser?: Maybe<number>;
  /** Require a non-root UID. */
  runAsNonRoot?: Maybe<boolean>;
  /** Namespaced sysctls. */
  sysctls?: Maybe<{ name?: Maybe<string>; value?: Maybe<string> }[]>;
  /** Seccomp profile. */
  seccompProfile?: Maybe<SeccompProfile>;
  /** AppArmor profile. */
  appArmorProfile?: Maybe<AppArmorProfile>;
}

/** `corev1.HTTPGetAction` / `corev1.TCPSocketAction`: the host is what the checks read. */
export interface HostAction {
  /** Host to connect to (empty: the pod IP). */
  host?: Maybe<string>;
}

/** `corev1.Probe` / `corev1.LifecycleHandler`. */
export interface Handler {
  /** HTTP GET. */
  httpGet?: Maybe<HostAction>;
  /** TCP connect. */
  tcpSocket?: Maybe<HostAction>;
}

/** `corev1.Container` (also the common part of `corev1.EphemeralContainer`). */
export interface Container {
  /** Container name. */
  name?: Maybe<string>;
  /** Ports (host ports are checked). */
  ports?: Maybe<{ hostPort?: Maybe<number>; containerPort?: Maybe<number> }[]>;
  /** Liveness probe. */
  livenessProbe?: Maybe<Handler>;
  /** Readiness probe. */
  readinessProbe?: Maybe<Handler>;
  /** Startup probe. */
  startupProbe?: Maybe<Handler>;
  /** Lifecycle hooks. */
  lifecycle?: Maybe<{ postStart?: Maybe<Handler>; preStop?: Maybe<Handler> }>;
  /** Security context. */
  securityContext?: Maybe<SecurityContext>;
}

/** JSON names of the `corev1.VolumeSource` members (one is set per volume). */
export const VOLUME_SOURCE_FIELDS = [
  "hostPath",
  "emptyDir",
  "gcePersistentDisk",
  "awsElasticBlockStore",
  "gitRepo",
  "secret",
  "nfs",
  "iscsi",
  "glusterfs",
  "persistentVolumeClaim",
  "rbd",
  "flexVolume",
  "cinder",
  "cephfs",
  "flocker",
  "downwardAPI",
  "fc",
  "azureFile",
  "configMap",
  "vsphereVolume",
  "quobyte",
  "azureDisk",
  "photonPersistentDisk",
  "projected",
  "portworxVolume",
  "scaleIO",
  "storageos",
  "csi",
  "ephemeral",
  "image",
] as const;

/** One member name of `corev1.VolumeSource`. */
export type VolumeSourceField = (typeof VOLUME_SOURCE_FIELDS)[number];

/** `corev1.Volume`: a name and its source. */
export type Volume = { name?: Maybe<string> } & { [K in VolumeSourceField]?: Maybe<object> };

/** `corev1.PodSpec`. */
export interface PodSpec {
  /** Init containers. */
  initContainers?: Maybe<Container[]>;
  /** Containers. */
  containers?: Maybe<Container[]>;
  /** Ephemeral containers (visited like the others). */
  ephemeralContainers?: Maybe<Container[]>;
  /** Volumes. */
  volumes?: Maybe<Volume[]>;
  /** Share the host's network namespace. */
  hostNetwork?: Maybe<boolean>;
  /** Share the host's PID namespace. */
  hostPID?: Maybe<boolean>;
  /** Share the host's IPC namespace. */
  hostIPC?: Maybe<boolean>;
  /** `false`: the pod runs in a user namespace. */
  hostUsers?: Maybe<boolean>;
  /** The pod's OS (`linux`, `windows`). */
  os?: Maybe<{ name?: Maybe<string> }>;
  /** Pod security context. */
  securityContext?: Maybe<PodSecurityContext>;
  /** Runtime class (admission may exempt some). */
  runtimeClassName?: Maybe<string>;
}
