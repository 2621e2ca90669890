/**
 * Baseline: `capabilities.add` may hold only the container runtimes' default set (not NET_RAW, not NET_ADMIN,
 * nothing else), compared exactly (case and the `CAP_` prefix matter).
 *
 * Port of `staging/src/k8s.io/pod-security-admission/policy/check_capabilities_baseline.go`, kubernetes/kubernetes at
 * dde51bfc48b109a0f311055843d4d81a1966e9da (read from the mirror kubernetes/pod-security-admission at
 * 8f84a87c7f617f64a4ddc1aea24aeeb7a2e07cb8, `policy/check_capabilities_baseline.go`). Apache-2.0, The Kubernetes Authors.
 * Reason and detail texts are upstream's, word for word.
 */
import { Version } from "../api/version";
import type { Check } from "../check";
import { ALLOWED, forbidden, type CheckResult } from "../checkResult";
import { present, type Maybe, type ObjectMeta, type PodSpec } from "../podTypes";
import { sortedSet } from "../stringSet";
import { joinQuote, pluralize } from "../text";
import { visitContainers } from "../visitContainers";

/** Id of this check (the restricted capabilities check overrides it). */
export const CHECK_CAPABILITIES_BASELINE_ID = "capabilities_baseline";

/** Capabilities a baseline container may add. */
export const CAPABILITIES_ALLOWED_1_0: ReadonlySet<string> = new Set([
  "AUDIT_WRITE",
  "CHOWN",
  "DAC_OVERRIDE",
  "FOWNER",
  "FSETID",
  "KILL",
  "MKNOD",
  "NET_BIND_SERVICE",
  "SETFCAP",
  "SETGID",
  "SETPCAP",
  "SETUID",
  "SYS_CHROOT",
]);

/** The check, as registered upstream. */
export function checkCapabilitiesBaseline(): Check {
  return {
    id: CHECK_CAPABILITIES_BASELINE_ID,
    level: "baseline",
    versions: [{ minimumVersion: Version.majorMinor(1, 0), checkPod: capabilitiesBaseline_1_0 }],
  };
}

/** v1.0+: nothing outside {@link CAPABILITIES_ALLOWED_1_0} in `capabilities.add`. */
export function capabilitiesBaseline_1_0(
  _podMetadata: Maybe<ObjectMeta>,
  podSpec: Maybe<PodSpec>,
): CheckResult {
  const badContainers: string[] = [];
  const nonDefaultCapabilities: string[] = [];
  visitContainers(podSpec ?? {}, (container) => {
    const capabilities = container.securityContext?.capabilities;
    if (present(capabilities)) {
      let valid = true;
      for (const c of capabilities.add ?? []) {
        if (!CAPABILITIES_ALLOWED_1_0.has(c)) {
          valid = false;
          nonDefaultCapabilities.push(c);
        }
      }
      if (!valid) {
        badContainers.push(container.name ?? "");
      }
    }
  });
  if (badContainers.length > 0) {
    return forbidden(
      "non-default capabilities",
      `${pluralize("container", "containers", badContainers.length)} ${joinQuote(badContainers)} must not include ${joinQuote(sortedSet(nonDefaultCapabilities))} in securityContext.capabilities.add`,
    );
  }
  return ALLOWED;
}
