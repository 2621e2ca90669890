/**
 * Baseline: no container port with a `hostPort` (unset or 0 only).
 *
 * Port of `staging/src/k8s.io/pod-security-admission/policy/check_hostPorts.go`, kubernetes/kubernetes at
 * dde51bfc48b109a0f311055843d4d81a1966e9da (read from the mirror kubernetes/pod-security-admission at
 * 8f84a87c7f617f64a4ddc1aea24aeeb7a2e07cb8, `policy/check_hostPorts.go`). Apache-2.0, The Kubernetes Authors.
 * Reason and detail texts are upstream's, word for word.
 */
import { Version } from "../api/version";
import type { Check } from "../check";
import { ALLOWED, forbidden, type CheckResult } from "../checkResult";
import type { Maybe, ObjectMeta, PodSpec } from "../podTypes";
import { sortedSet } from "../stringSet";
import { joinQuote, pluralize } from "../text";
import { visitContainers } from "../visitContainers";

/** The check, as registered upstream. */
export function checkHostPorts(): Check {
  return {
    id: "hostPorts",
    level: "baseline",
    versions: [{ minimumVersion: Version.majorMinor(1, 0), checkPod: hostPorts_1_0 }],
  };
}

/** v1.0+: every `hostPort` is 0. Ports are listed as strings sorted as strings (`10, 100, 20`), as upstream does. */
export function hostPorts_1_0(_podMetadata: Maybe<ObjectMeta>, podSpec: Maybe<PodSpec>): CheckResult {
  const badContainers: string[] = [];
  const forbiddenHostPorts: string[] = [];
  visitContainers(podSpec ?? {}, (container) => {
    let valid = true;
    for (const port of container.ports ?? []) {
      const hostPort = port?.hostPort ?? 0;
      if (hostPort !== 0) {
        valid = false;
        forbiddenHostPorts.push(String(hostPort));
      }
    }
    if (!valid) {
      badContainers.push(container.name ?? "");
    }
  });
  if (badContainers.length > 0) {
    const ports = sortedSet(forbiddenHostPorts);
    return forbidden(
      "hostPort",
      `${pluralize("container", "containers", badContainers.length)} ${joinQuote(badContainers)} ${pluralize("uses", "use", badContainers.length)} ${pluralize("hostPort", "hostPorts", ports.length)} ${ports.join(", ")}`,
    );
  }
  return ALLOWED;
}
