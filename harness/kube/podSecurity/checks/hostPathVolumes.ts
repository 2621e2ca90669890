/**
 * Baseline: no `hostPath` volume.
 *
 * Port of `staging/src/k8s.io/pod-security-admission/policy/check_hostPathVolumes.go`, kubernetes/kubernetes at
 * dde51bfc48b109a0f311055843d4d81a1966e9da (read from the mirror kubernetes/pod-security-admission at
 * 8f84a87c7f617f64a4ddc1aea24aeeb7a2e07cb8, `policy/check_hostPathVolumes.go`). Apache-2.0, The Kubernetes Authors.
 * Reason and detail texts are upstream's, word for word.
 */
import { Version } from "../api/version";
import type { Check } from "../check";
import { ALLOWED, forbidden, type CheckResult } from "../checkResult";
import { present, type Maybe, type ObjectMeta, type PodSpec } from "../podTypes";
import { joinQuote, pluralize } from "../text";

/** Id of this check (the restricted volumes check overrides it). */
export const CHECK_HOST_PATH_VOLUMES_ID = "hostPathVolumes";

/** The check, as registered upstream. */
export function checkHostPathVolumes(): Check {
  return {
    id: CHECK_HOST_PATH_VOLUMES_ID,
    level: "baseline",
    versions: [{ minimumVersion: Version.majorMinor(1, 0), checkPod: hostPathVolumes_1_0 }],
  };
}

/** v1.0+: no volume with a `hostPath` source. */
export function hostPathVolumes_1_0(_podMetadata: Maybe<ObjectMeta>, podSpec: Maybe<PodSpec>): CheckResult {
  const hostVolumes: string[] = [];
  for (const volume of podSpec?.volumes ?? []) {
    if (present(volume?.hostPath)) {
      hostVolumes.push(volume.name ?? "");
    }
  }
  if (hostVolumes.length > 0) {
    return forbidden(
      "hostPath volumes",
      `${pluralize("volume", "volumes", hostVolumes.length)} ${joinQuote(hostVolumes)}`,
    );
  }
  return ALLOWED;
}
