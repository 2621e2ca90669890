/**
 * Restricted: every container drops `ALL` and adds nothing but `NET_BIND_SERVICE`, from policy v1.22 (replacing
 * the baseline capabilities check); from v1.25 Windows pods are exempt.
 *
 * Port of `staging/src/k8s.io/pod-security-admission/policy/check_capabilities_restricted.go`, kubernetes/kubernetes at
 * dde51bfc48b109a0f311055843d4d81a1966e9da (read from the mirror kubernetes/pod-security-admission at
 * 8f84a87c7f617f64a4ddc1aea24aeeb7a2e07cb8, `policy/check_capabilities_restricted.go`). Apache-2.0, The Kubernetes Authors.
 * Reason and detail texts are upstream's, word for word.
 */
import { Version } from "../api/version";
import type { Check } from "../check";
import { ALLOWED, forbidden, type CheckResult } from "../checkResult";
import { present, type Maybe, type ObjectMeta, type PodSpec } from "../podTypes";
import { sortedSet } from "../stringSet";
import { joinQuote, pluralize } from "../text";
import { visitContainers } from "../visitContainers";
import { CHECK_CAPABILITIES_BASELINE_ID } from "./capabilitiesBaseline";

const CAPABILITY_ALL = "ALL";
const CAPABILITY_NET_BIND_SERVICE = "NET_BIND_SERVICE";

/** The check, as registered upstream. */
export function checkCapabilitiesRestricted(): Check {
  return {
    id: "capabilities_restricted",
    level: "restricted",
    versions: [
      {
        minimumVersion: Version.majorMinor(1, 22),
        checkPod: capabilitiesRestricted_1_22,
        overrideCheckIDs: [CHECK_CAPABILITIES_BASELINE_ID],
      },
      {
        minimumVersion: Version.majorMinor(1, 25),
        checkPod: capabilitiesRestricted_1_25,
        overrideCheckIDs: [CHECK_CAPABILITIES_BASELINE_ID],
      },
    ],
  };
}

/** v1.22+: `drop` includes `ALL`, `add` holds at most `NET_BIND_SERVICE`. */
export function capabilitiesRestricted_1_22(
  _podMetadata: Maybe<ObjectMeta>,
  podSpec: Maybe<PodSpec>,
): CheckResult {
  const containersMissingDropAll: string[] = [];
  const containersAddingForbidden: string[] = [];
  const forbiddenCapabilities: string[] = [];
  visitContainers(podSpec ?? {}, (container) => {
    const name = container.name ?? "";
    const capabilities = container.securityContext?.capabilities;
    if (!present(container.securityContext) || !present(capabilities)) {
      containersMissingDropAll.push(name);
      return;
    }
    if (!(capabilities.drop ?? []).includes(CAPABILITY_ALL)) {
      containersMissingDropAll.push(name);
    }
    let addedForbidden = false;
    for (const c of capabilities.add ?? []) {
      if (c !== CAPABILITY_NET_BIND_SERVICE) {
        addedForbidden = true;
        forbiddenCapabilities.push(c);
      }
    }
    if (addedForbidden) {
      containersAddingForbidden.push(name);
    }
  });
  const forbiddenDetails: string[] = [];
  if (containersMissingDropAll.length > 0) {
    forbiddenDetails.push(
      `${pluralize("container", "containers", containersMissingDropAll.length)} ${joinQuote(containersMissingDropAll)} must set securityContext.capabilities.drop=["ALL"]`,
    );
  }
  if (containersAddingForbidden.length > 0) {
    forbiddenDetails.push(
      `${pluralize("container", "containers", containersAddingForbidden.length)} ${joinQuote(containersAddingForbidden)} must not include ${joinQuote(sortedSet(forbiddenCapabilities))} in securityContext.capabilities.add`,
    );
  }
  if (forbiddenDetails.length > 0) {
    return forbidden("unrestricted capabilities", forbiddenDetails.join("; "));
  }
  return ALLOWED;
}

/** v1.25+: as v1.22, Windows pods exempt (API validation refuses capabilities on them). */
export function capabilitiesRestricted_1_25(
  podMetadata: Maybe<ObjectMeta>,
  podSpec: Maybe<PodSpec>,
): CheckResult {
  if (present(podSpec?.os) && podSpec.os.name === "windows") {
    return ALLOWED;
  }
  return capabilitiesRestricted_1_22(podMetadata, podSpec);
}
