/**
 * Restricted, from policy v1.35: the default /proc masks stay even in a user namespace (the unconditional v1.0
 * logic, replacing the relaxed baseline check).
 *
 * Port of `staging/src/k8s.io/pod-security-admission/policy/check_procMount_restricted.go`, kubernetes/kubernetes at
 * dde51bfc48b109a0f311055843d4d81a1966e9da (read from the mirror kubernetes/pod-security-admission at
 * 8f84a87c7f617f64a4ddc1aea24aeeb7a2e07cb8, `policy/check_procMount_restricted.go`). Apache-2.0, The Kubernetes Authors.
 * Reason and detail texts are upstream's, word for word.
 */
import { Version } from "../api/version";
import type { Check } from "../check";
import { CHECK_PROC_MOUNT_BASELINE_ID, procMount_1_0 } from "./procMountBaseline";

/** The check, as registered upstream. */
export function checkProcMountRestricted(): Check {
  return {
    id: "procMount_restricted",
    level: "restricted",
    versions: [
      {
        minimumVersion: Version.majorMinor(1, 35),
        checkPod: procMount_1_0,
        overrideCheckIDs: [CHECK_PROC_MOUNT_BASELINE_ID],
      },
    ],
  };
}
