/**
 * Baseline: no sharing of the host's network, PID or IPC namespace (`hostNetwork`, `hostPID`, `hostIPC` unset
 * or false).
 *
 * Port of `staging/src/k8s.io/pod-security-admission/policy/check_hostNamespaces.go`, kubernetes/kubernetes at
 * dde51bfc48b109a0f311055843d4d81a1966e9da (read from the mirror kubernetes/pod-security-admission at
 * 8f84a87c7f617f64a4ddc1aea24aeeb7a2e07cb8, `policy/check_hostNamespaces.go`). Apache-2.0, The Kubernetes Authors.
 * Reason and detail texts are upstream's, word for word.
 */
import { Version } from "../api/version";
import type { Check } from "../check";
import { ALLOWED, forbidden, type CheckResult } from "../checkResult";
import type { Maybe, ObjectMeta, PodSpec } from "../podTypes";

/** The check, as registered upstream. */
export function checkHostNamespaces(): Check {
  return {
    id: "hostNamespaces",
    level: "baseline",
    versions: [{ minimumVersion: Version.majorMinor(1, 0), checkPod: hostNamespaces_1_0 }],
  };
}

/** v1.0+: none of the host namespaces. */
export function hostNamespaces_1_0(_podMetadata: Maybe<ObjectMeta>, podSpec: Maybe<PodSpec>): CheckResult {
  const hostNamespaces: string[] = [];
  if (podSpec?.hostNetwork === true) {
    hostNamespaces.push("hostNetwork=true");
  }
  if (podSpec?.hostPID === true) {
    hostNamespaces.push("hostPID=true");
  }
  if (podSpec?.hostIPC === true) {
    hostNamespaces.push("hostIPC=true");
  }
  if (hostNamespaces.length > 0) {
    return forbidden("host namespaces", hostNamespaces.join(", "));
  }
  return ALLOWED;
}
