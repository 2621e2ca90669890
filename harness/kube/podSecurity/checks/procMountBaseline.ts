/**
 * Baseline: the default /proc masks stay (`securityContext.procMount` unset or `Default`); from policy v1.35 any
 * value is allowed in a pod with its own user namespace (`hostUsers: false`).
 *
 * Port of `staging/src/k8s.io/pod-security-admission/policy/check_procMount_baseline.go`, kubernetes/kubernetes at
 * dde51bfc48b109a0f311055843d4d81a1966e9da (read from the mirror kubernetes/pod-security-admission at
 * 8f84a87c7f617f64a4ddc1aea24aeeb7a2e07cb8, `policy/check_procMount_baseline.go`). Apache-2.0, The Kubernetes Authors.
 * Reason and detail texts are upstream's, word for word.
 */
import { Version } from "../api/version";
import type { Check } from "../check";
import { ALLOWED, forbidden, type CheckResult } from "../checkResult";
import { present, type Maybe, type ObjectMeta, type PodSpec } from "../podTypes";
import { sortedSet } from "../stringSet";
import { joinQuote, pluralize } from "../text";
import { relaxPolicyForUserNamespacePod } from "../userNamespace";
import { visitContainers } from "../visitContainers";

/** Id of this check (the restricted procMount check overrides it from v1.35). */
export const CHECK_PROC_MOUNT_BASELINE_ID = "procMount";

/** The check, as registered upstream. */
export function checkProcMountBaseline(): Check {
  return {
    id: CHECK_PROC_MOUNT_BASELINE_ID,
    level: "baseline",
    versions: [
      { minimumVersion: Version.majorMinor(1, 0), checkPod: procMount_1_0 },
      { minimumVersion: Version.majorMinor(1, 35), checkPod: procMount1_35baseline },
    ],
  };
}

/** v1.0+ (and restricted from v1.35): no `procMount` other than `Default`, whatever the user namespace. */
export function procMount_1_0(_podMetadata: Maybe<ObjectMeta>, podSpec: Maybe<PodSpec>): CheckResult {
  const badContainers: string[] = [];
  const forbiddenProcMountTypes: string[] = [];
  visitContainers(podSpec ?? {}, (container) => {
    const sc = container.securityContext;
    if (!present(sc) || !present(sc.procMount)) {
      return;
    }
    if (sc.procMount !== "Default") {
      badContainers.push(container.name ?? "");
      forbiddenProcMountTypes.push(sc.procMount);
    }
  });
  if (badContainers.length > 0) {
    return forbidden(
      "procMount",
      `${pluralize("container", "containers", badContainers.length)} ${joinQuote(badContainers)} must not set securityContext.procMount to ${joinQuote(sortedSet(forbiddenProcMountTypes))}`,
    );
  }
  return ALLOWED;
}

/** v1.35+ baseline: as v1.0 unless the pod has its own user namespace. */
export function procMount1_35baseline(podMetadata: Maybe<ObjectMeta>, podSpec: Maybe<PodSpec>): CheckResult {
  if (relaxPolicyForUserNamespacePod(podSpec)) {
    return ALLOWED;
  }
  return procMount_1_0(podMetadata, podSpec);
}
