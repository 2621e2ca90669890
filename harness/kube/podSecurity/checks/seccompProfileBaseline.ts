/**
 * Baseline: the seccomp profile may not be `Unconfined`. Before policy v1.19 the alpha annotations are checked
 * (`seccomp.security.alpha.kubernetes.io/pod`, `container.seccomp.security.alpha.kubernetes.io/<name>` must be
 * `runtime/default`, `docker/default` or `localhost/*`); from v1.19 the `seccompProfile.type` fields (pod or
 * container) must be `RuntimeDefault` or `Localhost` when set.
 *
 * Port of `staging/src/k8s.io/pod-security-admission/policy/check_seccompProfile_baseline.go`, kubernetes/kubernetes at
 * dde51bfc48b109a0f311055843d4d81a1966e9da (read from the mirror kubernetes/pod-security-admission at
 * 8f84a87c7f617f64a4ddc1aea24aeeb7a2e07cb8, `policy/check_seccompProfile_baseline.go`). Apache-2.0, The Kubernetes Authors.
 * Reason and detail texts are upstream's, word for word.
 */
import { Version } from "../api/version";
import type { Check } from "../check";
import { ALLOWED, forbidden, type CheckResult } from "../checkResult";
import { present, type Maybe, type ObjectMeta, type PodSpec } from "../podTypes";
import { sortedSet } from "../stringSet";
import { goQuote, joinQuote, pluralize } from "../text";
import { visitContainers } from "../visitContainers";

/** Pod-level alpha annotation. */
export const SECCOMP_ANNOTATION_POD = "seccomp.security.alpha.kubernetes.io/pod";
/** Container-level alpha annotation prefix (followed by the container name). */
export const SECCOMP_ANNOTATION_CONTAINER_PREFIX = "container.seccomp.security.alpha.kubernetes.io/";
/** Id of this check (the restricted seccomp check overrides it). */
export const CHECK_SECCOMP_BASELINE_ID = "seccompProfile_baseline";

/** `corev1.SeccompProfileRuntimeDefault`. */
const SECCOMP_PROFILE_RUNTIME_DEFAULT = "runtime/default";
/** `corev1.DeprecatedSeccompProfileDockerDefault`. */
const SECCOMP_PROFILE_DOCKER_DEFAULT = "docker/default";
/** `corev1.SeccompLocalhostProfileNamePrefix`. */
const SECCOMP_LOCALHOST_PREFIX = "localhost/";

/** The check, as registered upstream. */
export function checkSeccompBaseline(): Check {
  return {
    id: CHECK_SECCOMP_BASELINE_ID,
    level: "baseline",
    versions: [
      { minimumVersion: Version.majorMinor(1, 0), checkPod: seccompProfileBaseline_1_0 },
      { minimumVersion: Version.majorMinor(1, 19), checkPod: seccompProfileBaseline_1_19 },
    ],
  };
}

/** True for `RuntimeDefault` and `Localhost` (shared with the restricted check). */
export function validSeccomp(type: string): boolean {
  return type === "Localhost" || type === "RuntimeDefault";
}

function validSeccompAnnotationValue(v: string): boolean {
  return (
    v === SECCOMP_PROFILE_RUNTIME_DEFAULT ||
    v === SECCOMP_PROFILE_DOCKER_DEFAULT ||
    v.startsWith(SECCOMP_LOCALHOST_PREFIX)
  );
}

/** v1.0+: the alpha annotations. */
export function seccompProfileBaseline_1_0(
  podMetadata: Maybe<ObjectMeta>,
  podSpec: Maybe<PodSpec>,
): CheckResult {
  const annotations = podMetadata?.annotations ?? {};
  const has = (key: string) => Object.prototype.hasOwnProperty.call(annotations, key);
  const forbiddenAnnotations: string[] = [];
  if (has(SECCOMP_ANNOTATION_POD) && !validSeccompAnnotationValue(annotations[SECCOMP_ANNOTATION_POD])) {
    forbiddenAnnotations.push(`${SECCOMP_ANNOTATION_POD}=${goQuote(annotations[SECCOMP_ANNOTATION_POD])}`);
  }
  visitContainers(podSpec ?? {}, (c) => {
    const annotation = SECCOMP_ANNOTATION_CONTAINER_PREFIX + (c.name ?? "");
    if (has(annotation) && !validSeccompAnnotationValue(annotations[annotation])) {
      forbiddenAnnotations.push(`${annotation}=${goQuote(annotations[annotation])}`);
    }
  });
  const list = sortedSet(forbiddenAnnotations);
  if (list.length > 0) {
    return forbidden(
      "seccompProfile",
      `forbidden ${pluralize("annotation", "annotations", list.length)} ${list.join(", ")}`,
    );
  }
  return ALLOWED;
}

/** v1.19+: `seccompProfile.type`, where set, is `RuntimeDefault` or `Localhost`. */
export function seccompProfileBaseline_1_19(
  _podMetadata: Maybe<ObjectMeta>,
  podSpec: Maybe<PodSpec>,
): CheckResult {
  const spec = podSpec ?? {};
  const badSetters: string[] = [];
  const badValues: string[] = [];
  const podProfile = spec.securityContext?.seccompProfile;
  if (present(podProfile) && !validSeccomp(podProfile.type ?? "")) {
    badSetters.push("pod");
    badValues.push(podProfile.type ?? "");
  }
  const explicitlyBadContainers: string[] = [];
  visitContainers(spec, (c) => {
    const profile = c.securityContext?.seccompProfile;
    if (present(profile) && !validSeccomp(profile.type ?? "")) {
      explicitlyBadContainers.push(c.name ?? "");
      badValues.push(profile.type ?? "");
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
  return ALLOWED;
}
