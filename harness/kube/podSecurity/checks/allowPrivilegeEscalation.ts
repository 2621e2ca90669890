/**
 * Restricted: privilege escalation (set-user-ID, set-group-ID) must be off:
 * `securityContext.allowPrivilegeEscalation` must be `false` on every container, from policy v1.8; from v1.25 a pod
 * with `spec.os.name: windows` is exempt (the field does not exist on Windows).
 *
 * Port of `staging/src/k8s.io/pod-security-admission/policy/check_allowPrivilegeEscalation.go`, kubernetes/kubernetes at
 * dde51bfc48b109a0f311055843d4d81a1966e9da (read from the mirror kubernetes/pod-security-admission at
 * 8f84a87c7f617f64a4ddc1aea24aeeb7a2e07cb8, `policy/check_allowPrivilegeEscalation.go`). Apache-2.0, The Kubernetes Authors.
 * Reason and detail texts are upstream's, word for word.
 */
import { Version } from "../api/version";
import type { Check } from "../check";
import { ALLOWED, forbidden, type CheckResult } from "../checkResult";
import { present, type Maybe, type ObjectMeta, type PodSpec } from "../podTypes";
import { joinQuote, pluralize } from "../text";
import { visitContainers } from "../visitContainers";

/** The check, as registered upstream. */
export function checkAllowPrivilegeEscalation(): Check {
  return {
    id: "allowPrivilegeEscalation",
    level: "restricted",
    versions: [
      // The field was added in Kubernetes 1.8.
      { minimumVersion: Version.majorMinor(1, 8), checkPod: allowPrivilegeEscalation_1_8 },
      { minimumVersion: Version.majorMinor(1, 25), checkPod: allowPrivilegeEscalation_1_25 },
    ],
  };
}

/** v1.8+: every container sets `allowPrivilegeEscalation: false`. */
export function allowPrivilegeEscalation_1_8(
  _podMetadata: Maybe<ObjectMeta>,
  podSpec: Maybe<PodSpec>,
): CheckResult {
  const badContainers: string[] = [];
  visitContainers(podSpec ?? {}, (container) => {
    const sc = container.securityContext;
    if (!present(sc) || !present(sc.allowPrivilegeEscalation) || sc.allowPrivilegeEscalation) {
      badContainers.push(container.name ?? "");
    }
  });
  if (badContainers.length > 0) {
    return forbidden(
      "allowPrivilegeEscalation != false",
      `${pluralize("container", "containers", badContainers.length)} ${joinQuote(badContainers)} must set securityContext.allowPrivilegeEscalation=false`,
    );
  }
  return ALLOWED;
}

/** v1.25+: as v1.8, Windows pods exempt (API validation refuses the field on them). */
export function allowPrivilegeEscalation_1_25(
  podMetadata: Maybe<ObjectMeta>,
  podSpec: Maybe<PodSpec>,
): CheckResult {
  if (present(podSpec?.os) && podSpec.os.name === "windows") {
    return ALLOWED;
  }
  return allowPrivilegeEscalation_1_8(podMetadata, podSpec);
}
