/**
 * Restricted, from policy v1.23: no `runAsUser: 0` on the pod or a container; from v1.35 a pod with its own user
 * namespace (`hostUsers: false`) passes.
 *
 * Port of `staging/src/k8s.io/pod-security-admission/policy/check_runAsUser.go`, kubernetes/kubernetes at
 * dde51bfc48b109a0f311055843d4d81a1966e9da (read from the mirror kubernetes/pod-security-admission at
 * 8f84a87c7f617f64a4ddc1aea24aeeb7a2e07cb8, `policy/check_runAsUser.go`). Apache-2.0, The Kubernetes Authors.
 * Reason and detail texts are upstream's, word for word.
 */
import { Version } from "../api/version";
import type { Check } from "../check";
import { ALLOWED, forbidden, type CheckResult } from "../checkResult";
import { type Maybe, type ObjectMeta, type PodSpec } from "../podTypes";
import { joinQuote, pluralize } from "../text";
import { relaxPolicyForUserNamespacePod } from "../userNamespace";
import { visitContainers } from "../visitContainers";

/** The check, as registered upstream. */
export function checkRunAsUser(): Check {
  return {
    id: "runAsUser",
    level: "restricted",
    versions: [
      { minimumVersion: Version.majorMinor(1, 23), checkPod: runAsUser1_23 },
      { minimumVersion: Version.majorMinor(1, 35), checkPod: runAsUser1_35 },
    ],
  };
}

/** v1.35+: as v1.23 unless the pod has its own user namespace (KEP-127). */
export function runAsUser1_35(podMetadata: Maybe<ObjectMeta>, podSpec: Maybe<PodSpec>): CheckResult {
  if (relaxPolicyForUserNamespacePod(podSpec)) {
    return ALLOWED;
  }
  return runAsUser1_23(podMetadata, podSpec);
}

/** v1.23+: nothing sets `runAsUser: 0`. */
export function runAsUser1_23(_podMetadata: Maybe<ObjectMeta>, podSpec: Maybe<PodSpec>): CheckResult {
  const spec = podSpec ?? {};
  const badSetters: string[] = [];
  if (spec.securityContext?.runAsUser === 0) {
    badSetters.push("pod");
  }
  const explicitlyBadContainers: string[] = [];
  visitContainers(spec, (container) => {
    if (container.securityContext?.runAsUser === 0) {
      explicitlyBadContainers.push(container.name ?? "");
    }
  });
  if (explicitlyBadContainers.length > 0) {
    badSetters.push(
      `${pluralize("container", "containers", explicitlyBadContainers.length)} ${joinQuote(explicitlyBadContainers)}`,
    );
  }
  if (badSetters.length > 0) {
    return forbidden("runAsUser=0", `${badSetters.join(" and ")} must not set runAsUser=0`);
  }
  return ALLOWED;
}
