/**
 * Restricted: containers must run as non-root: `runAsNonRoot: true` on the pod (containers may leave it unset) or
 * on every container, and never `false`; from policy v1.35 a pod with its own user namespace (`hostUsers: false`)
 * passes whatever it sets.
 *
 * Port of `staging/src/k8s.io/pod-security-admission/policy/check_runAsNonRoot.go`, kubernetes/kubernetes at
 * dde51bfc48b109a0f311055843d4d81a1966e9da (read from the mirror kubernetes/pod-security-admission at
 * 8f84a87c7f617f64a4ddc1aea24aeeb7a2e07cb8, `policy/check_runAsNonRoot.go`). Apache-2.0, The Kubernetes Authors.
 * Reason and detail texts are upstream's, word for word.
 */
import { Version } from "../api/version";
import type { Check } from "../check";
import { ALLOWED, forbidden, type CheckResult } from "../checkResult";
import { present, type Maybe, type ObjectMeta, type PodSpec } from "../podTypes";
import { joinQuote, pluralize } from "../text";
import { relaxPolicyForUserNamespacePod } from "../userNamespace";
import { visitContainers } from "../visitContainers";

/** The check, as registered upstream. */
export function checkRunAsNonRoot(): Check {
  return {
    id: "runAsNonRoot",
    level: "restricted",
    versions: [
      { minimumVersion: Version.majorMinor(1, 0), checkPod: runAsNonRoot1_0 },
      { minimumVersion: Version.majorMinor(1, 35), checkPod: runAsNonRoot1_35 },
    ],
  };
}

/** v1.35+: as v1.0 unless the pod has its own user namespace (KEP-127). */
export function runAsNonRoot1_35(podMetadata: Maybe<ObjectMeta>, podSpec: Maybe<PodSpec>): CheckResult {
  if (relaxPolicyForUserNamespacePod(podSpec)) {
    return ALLOWED;
  }
  return runAsNonRoot1_0(podMetadata, podSpec);
}

/** v1.0+: `runAsNonRoot: true` at pod level or on every container, `false` nowhere. */
export function runAsNonRoot1_0(_podMetadata: Maybe<ObjectMeta>, podSpec: Maybe<PodSpec>): CheckResult {
  const spec = podSpec ?? {};
  const badSetters: string[] = [];
  let podRunAsNonRoot = false;
  const podValue = spec.securityContext?.runAsNonRoot;
  if (present(spec.securityContext) && present(podValue)) {
    if (!podValue) {
      badSetters.push("pod");
    } else {
      podRunAsNonRoot = true;
    }
  }
  const explicitlyBadContainers: string[] = [];
  const implicitlyBadContainers: string[] = [];
  visitContainers(spec, (container) => {
    const value = container.securityContext?.runAsNonRoot;
    if (present(container.securityContext) && present(value)) {
      if (!value) {
        explicitlyBadContainers.push(container.name ?? "");
      }
    } else if (!podRunAsNonRoot) {
      implicitlyBadContainers.push(container.name ?? "");
    }
  });
  if (explicitlyBadContainers.length > 0) {
    badSetters.push(
      `${pluralize("container", "containers", explicitlyBadContainers.length)} ${joinQuote(explicitlyBadContainers)}`,
    );
  }
  if (badSetters.length > 0) {
    return forbidden(
      "runAsNonRoot != true",
      `${badSetters.join(" and ")} must not set securityContext.runAsNonRoot=false`,
    );
  }
  if (implicitlyBadContainers.length > 0) {
    return forbidden(
      "runAsNonRoot != true",
      `pod or ${pluralize("container", "containers", implicitlyBadContainers.length)} ${joinQuote(implicitlyBadContainers)} must set securityContext.runAsNonRoot=true`,
    );
  }
  return ALLOWED;
}
