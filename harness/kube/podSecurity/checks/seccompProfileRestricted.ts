/**
 * Restricted, from policy v1.19: a seccomp profile must be set, `RuntimeDefault` or `Localhost`, at pod level or
 * on every container (replacing the baseline seccomp check); from v1.25 Windows pods are exempt.
 *
 * Port of `staging/src/k8s.io/pod-security-admission/policy/check_seccompProfile_restricted.go`, kubernetes/kubernetes at
 * dde51bfc48b109a0f311055843d4d81a1966e9da (read from the mirror kubernetes/pod-security-admission at
 * 8f84a87c7f617f64a4ddc1aea24aeeb7a2e07cb8, `policy/check_seccompProfile_restricted.go`). Apache-2.0, The Kubernetes Authors.
 * Reason and detail texts are upstream's, word for word.
 */
import { Version } from "../api/version";
import type { Check } from "../check";
import { ALLOWED, forbidden, type CheckResult } from "../checkResult";
import { present, type Maybe, type ObjectMeta, type PodSpec } from "../podTypes";
import { sortedSet } from "../stringSet";
import { joinQuote, pluralize } from "../text";
import { visitContainers } from "../visitContainers";
import { CHECK_SECCOMP_BASELINE_ID, validSeccomp } from "./seccompProfileBaseline";

/** The check, as registered upstream. */
export function checkSeccompProfileRestricted(): Check {
  return {
    id: "seccompProfile_restricted",
    level: "restricted",
    versions: [
      {
        minimumVersion: Version.majorMinor(1, 19),
        checkPod: seccompProfileRestricted_1_19,
        overrideCheckIDs: [CHECK_SECCOMP_BASELINE_ID],
      },
      {
        minimumVersion: Version.majorMinor(1, 25),
        checkPod: seccompProfileRestricted_1_25,
        overrideCheckIDs: [CHECK_SECCOMP_BASELINE_ID],
      },
    ],
  };
}

/** v1.19+: a valid profile at pod level, or on each container that does not inherit one. */
export function seccompProfileRestricted_1_19(
  _podMetadata: Maybe<ObjectMeta>,
  podSpec: Maybe<PodSpec>,
): CheckResult {
  const spec = podSpec ?? {};
  const badSetters: string[] = [];
  const badValues: string[] = [];
  let podSeccompSet = false;
  const podProfile = spec.securityContext?.seccompProfile;
  if (present(podProfile)) {
    if (!validSeccomp(podProfile.type ?? "")) {
      badSetters.push("pod");
      badValues.push(podProfile.type ?? "");
    } else {
      podSeccompSet = true;
    }
  }
  const explicitlyBadContainers: string[] = [];
  const implicitlyBadContainers: string[] = [];
  visitContainers(spec, (c) => {
    const profile = c.securityContext?.seccompProfile;
    if (present(profile)) {
      if (!validSeccomp(profile.type ?? "")) {
        explicitlyBadContainers.push(c.name ?? "");
        badValues.push(profile.type ?? "");
      }
    } else if (!podSeccompSet) {
      implicitlyBadContainers.push(c.name ?? "");
    }
  });
  if (explicitlyBadContainers.length > 0) {
    badSetters.push(
      `${pluralize("container", "containers", explicitlyBadContainers.length)} ${joinQuote(explicitlyBadContainers)}`,
    );
  }
  if (badSetters.length > 0) {
    return forbidden(
      "seccompProfile",
      `${badSetters.join(" and ")} must not set securityContext.seccompProfile.type to ${joinQuote(sortedSet(badValues))}`,
    );
  }
  if (implicitlyBadContainers.length > 0) {
    return forbidden(
      "seccompProfile",
      `pod or ${pluralize("container", "containers", implicitlyBadContainers.length)} ${joinQuote(implicitlyBadContainers)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"`,
    );
  }
  return ALLOWED;
}

/** v1.25+: as v1.19, Windows pods exempt (API validation refuses the field on them). */
export function seccompProfileRestricted_1_25(
  podMetadata: Maybe<ObjectMeta>,
  podSpec: Maybe<PodSpec>,
): CheckResult {
  if (present(podSpec?.os) && podSpec.os.name === "windows") {
    return ALLOWED;
  }
  return seccompProfileRestricted_1_19(podMetadata, podSpec);
}
