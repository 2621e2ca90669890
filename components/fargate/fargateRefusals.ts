/**
 * What EKS on Fargate refuses in a pod spec, so the sidecar can be checked never to use it and a workload's own
 * problems can be named before `pulumi up` waits for pods that never schedule. The Fargate scheduler leaves such pods
 * `Pending` with a `FailedScheduling` event `Pod not supported on Fargate: ...`.
 *
 * Sources (what each rule cites):
 * - EKS user guide, "AWS Fargate considerations" (https://docs.aws.amazon.com/eks/latest/userguide/fargate.html):
 *   "Privileged containers aren't supported on Fargate", "Pods running on Fargate can't specify HostPort or
 *   HostNetwork in the Pod manifest", "Daemonsets aren't supported on Fargate".
 * - The Fargate scheduler's own messages as users reported them: `invalid SecurityContext fields: Capabilities added:
 *   CAP_CHOWN` (frappe/helm#182: even a capability of the default set is refused when listed under `add`),
 *   `invalid SecurityContext fields: AllowPrivilegeEscalation` (kubernetes/ingress-nginx#4888, for `true`),
 *   `fields not supported: HostNetwork, invalid SecurityContext fields: Privileged, port contains HostIP or HostPort`
 *   (kubernetes-sigs/aws-efs-csi-driver#589).
 * Whether the scheduler also refuses an explicit `privileged: false` or `allowPrivilegeEscalation: false` is not
 * documented; the sidecar leaves both fields out, and this check reports only the values known to be refused.
 */

/** One refused field. */
export interface FargateRefusal {
  /** Path of the field, e.g. `containers[1].securityContext.capabilities.add`. */
  field: string;
  /** Why Fargate refuses it. */
  reason: string;
}

/** The parts of a container this check reads. */
export interface ContainerLike {
  name?: unknown;
  ports?: unknown;
  securityContext?: unknown;
}

/** The parts of a pod spec this check reads. */
export interface PodSpecLike {
  hostNetwork?: unknown;
  containers?: unknown;
  initContainers?: unknown;
  securityContext?: unknown;
}

const HOST_NETWORK = "Fargate pods can't specify HostNetwork (EKS user guide, AWS Fargate considerations)";
const HOST_PORT = "Fargate pods can't specify HostPort (EKS user guide, AWS Fargate considerations)";
const PRIVILEGED =
  "privileged containers aren't supported on Fargate (EKS user guide, AWS Fargate considerations)";
const CAPABILITIES =
  "the Fargate scheduler refuses any added capability, even one of the default set " +
  '("invalid SecurityContext fields: Capabilities added")';
const ESCALATION =
  'the Fargate scheduler refuses allowPrivilegeEscalation: true ("invalid SecurityContext fields: AllowPrivilegeEscalation")';

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function asRecord(value: unknown): Record<string, unknown> {
  return value && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function containerRefusals(container: unknown, path: string): FargateRefusal[] {
  const c = asRecord(container);
  const found: FargateRefusal[] = [];
  asArray(c.ports).forEach((port, i) => {
    const p = asRecord(port);
    if (p.hostPort !== undefined || p.hostIP !== undefined) {
      found.push({
        field: `${path}.ports[${i}].${p.hostPort !== undefined ? "hostPort" : "hostIP"}`,
        reason: HOST_PORT,
      });
    }
  });
  const sc = asRecord(c.securityContext);
  if (sc.privileged === true) {
    found.push({ field: `${path}.securityContext.privileged`, reason: PRIVILEGED });
  }
  if (sc.allowPrivilegeEscalation === true) {
    found.push({ field: `${path}.securityContext.allowPrivilegeEscalation`, reason: ESCALATION });
  }
  if (asArray(asRecord(sc.capabilities).add).length > 0) {
    found.push({ field: `${path}.securityContext.capabilities.add`, reason: CAPABILITIES });
  }
  return found;
}

/**
 * Every field of a pod spec that Fargate is known to refuse (empty: nothing known to be refused).
 * @param spec a pod spec (plain values)
 */
export function fargateRefusals(spec: PodSpecLike): FargateRefusal[] {
  const found: FargateRefusal[] = [];
  if (spec.hostNetwork === true) {
    found.push({ field: "hostNetwork", reason: HOST_NETWORK });
  }
  asArray(spec.initContainers).forEach((c, i) => found.push(...containerRefusals(c, `initContainers[${i}]`)));
  asArray(spec.containers).forEach((c, i) => found.push(...containerRefusals(c, `containers[${i}]`)));
  return found;
}
