/**
 * Whether a pod runs in its own user namespace (`hostUsers: false`), which relaxes some checks from policy v1.35.
 * Port of `relaxPolicyForUserNamespacePod` (`staging/src/k8s.io/pod-security-admission/policy/helpers.go`),
 * kubernetes/kubernetes at dde51bfc48b109a0f311055843d4d81a1966e9da (read from the mirror
 * kubernetes/pod-security-admission at 8f84a87c7f617f64a4ddc1aea24aeeb7a2e07cb8). Apache-2.0, The Kubernetes Authors.
 */
import { present, type Maybe, type PodSpec } from "./podTypes";

/** True when the pod spec sets `hostUsers: false`. */
export function relaxPolicyForUserNamespacePod(podSpec: Maybe<PodSpec>): boolean {
  return present(podSpec) && present(podSpec.hostUsers) && !podSpec.hostUsers;
}
