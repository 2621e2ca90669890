/**
 * Baseline: no privileged container (`securityContext.privileged` unset or false).
 *
 * Port of `staging/src/k8s.io/pod-security-admission/policy/check_privileged.go`, kubernetes/kubernetes at
 * dde51bfc48b109a0f311055843d4d81a1966e9da (read from the mirror kubernetes/pod-security-admission at
 * 8f84a87c7f617f64a4ddc1aea24aeeb7a2e07cb8, `policy/check_privileged.go`). Apache-2.0, The Kubernetes Authors.
 * Reason and detail texts are upstream's, word for word.
 */
import { Version } from "../api/version";
import type { Check } from "../check";
import { ALLOWED, forbidden, type CheckResult } from "../checkResult";
import type { Maybe, ObjectMeta, PodSpec } from "../podTypes";
import { joinQuote, pluralize } from "../text";
import { visitContainers } from "../visitContainers";

/** The check, as registered upstream. */
export function checkPrivileged(): Check {
  return {
    id: "privileged",
    level: "baseline",
    versions: [{ minimumVersion: Version.majorMinor(1, 0), checkPod: privileged_1_0 }],
  };
}

/** v1.0+: no container sets `privileged: true`. */
export function privileged_1_0(_podMetadata: Maybe<ObjectMeta>, podSpec: Maybe<PodSpec>): CheckResult {
  const badContainers: string[] = [];
  visitContainers(podSpec ?? {}, (container) => {
    if (container.securityContext?.privileged === true) {
      badContainers.push(container.name ?? "");
    }
  });
  if (badContainers.length > 0) {
    return forbidden(
      "privileged",
      `${pluralize("container", "containers", badContainers.length)} ${joinQuote(badContainers)} must not set securityContext.privileged=true`,
    );
  }
  return ALLOWED;
}
