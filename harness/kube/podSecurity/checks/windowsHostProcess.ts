/**
 * Baseline: no Windows host process (`windowsOptions.hostProcess: true` on the pod or a container).
 *
 * Port of `staging/src/k8s.io/pod-security-admission/policy/check_windowsHostProcess.go`, kubernetes/kubernetes at
 * dde51bfc48b109a0f311055843d4d81a1966e9da (read from the mirror kubernetes/pod-security-admission at
 * 8f84a87c7f617f64a4ddc1aea24aeeb7a2e07cb8, `policy/check_windowsHostProcess.go`). Apache-2.0, The Kubernetes Authors.
 * Reason and detail texts are upstream's, word for word.
 */
import { Version } from "../api/version";
import type { Check } from "../check";
import { ALLOWED, forbidden, type CheckResult } from "../checkResult";
import type { Maybe, ObjectMeta, PodSpec } from "../podTypes";
import { joinQuote, pluralize } from "../text";
import { visitContainers } from "../visitContainers";

/** The check, as registered upstream. */
export function checkWindowsHostProcess(): Check {
  return {
    id: "windowsHostProcess",
    level: "baseline",
    versions: [{ minimumVersion: Version.majorMinor(1, 0), checkPod: windowsHostProcess_1_0 }],
  };
}

/** v1.0+: `hostProcess` true nowhere. */
export function windowsHostProcess_1_0(
  _podMetadata: Maybe<ObjectMeta>,
  podSpec: Maybe<PodSpec>,
): CheckResult {
  const spec = podSpec ?? {};
  const badContainers: string[] = [];
  visitContainers(spec, (container) => {
    if (container.securityContext?.windowsOptions?.hostProcess === true) {
      badContainers.push(container.name ?? "");
    }
  });
  const forbiddenSetters: string[] = [];
  if (spec.securityContext?.windowsOptions?.hostProcess === true) {
    forbiddenSetters.push("pod");
  }
  if (badContainers.length > 0) {
    forbiddenSetters.push(
      `${pluralize("container", "containers", badContainers.length)} ${joinQuote(badContainers)}`,
    );
  }
  if (forbiddenSetters.length > 0) {
    return forbidden(
      "hostProcess",
      `${forbiddenSetters.join(" and ")} must not set securityContext.windowsOptions.hostProcess=true`,
    );
  }
  return ALLOWED;
}
