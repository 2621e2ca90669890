/**
 * Baseline: the default AppArmor profile may not be overridden or disabled: `appArmorProfile.type` (pod or
 * container) must be `RuntimeDefault` or `Localhost`, and the beta annotations
 * `container.apparmor.security.beta.kubernetes.io/*` must be empty, `runtime/default` or `localhost/*`.
 *
 * Port of `staging/src/k8s.io/pod-security-admission/policy/check_appArmorProfile.go`, kubernetes/kubernetes at
 * dde51bfc48b109a0f311055843d4d81a1966e9da (read from the mirror kubernetes/pod-security-admission at
 * 8f84a87c7f617f64a4ddc1aea24aeeb7a2e07cb8, `policy/check_appArmorProfile.go`). Apache-2.0, The Kubernetes Authors.
 * Reason and detail texts are upstream's, word for word.
 */
import { Version } from "../api/version";
import type { Check } from "../check";
import { ALLOWED, forbidden, type CheckResult } from "../checkResult";
import { present, type Maybe, type ObjectMeta, type PodSpec } from "../podTypes";
import { compareGoStrings, sortedSet } from "../stringSet";
import { goQuote, joinQuote, pluralize } from "../text";
import { visitContainers } from "../visitContainers";

/** `corev1.DeprecatedAppArmorBetaContainerAnnotationKeyPrefix`. */
export const APPARMOR_BETA_CONTAINER_ANNOTATION_PREFIX = "container.apparmor.security.beta.kubernetes.io/";
/** `corev1.DeprecatedAppArmorBetaProfileRuntimeDefault`. */
const APPARMOR_BETA_RUNTIME_DEFAULT = "runtime/default";
/** `corev1.DeprecatedAppArmorBetaProfileNamePrefix`. */
const APPARMOR_BETA_LOCALHOST_PREFIX = "localhost/";

/** The check, as registered upstream. */
export function checkAppArmorProfile(): Check {
  return {
    id: "appArmorProfile",
    level: "baseline",
    versions: [{ minimumVersion: Version.majorMinor(1, 0), checkPod: appArmorProfile_1_0 }],
  };
}

function allowedAnnotationValue(profile: string): boolean {
  return (
    profile.length === 0 ||
    profile === APPARMOR_BETA_RUNTIME_DEFAULT ||
    profile.startsWith(APPARMOR_BETA_LOCALHOST_PREFIX)
  );
}

function allowedProfileType(profile: string): boolean {
  return profile === "RuntimeDefault" || profile === "Localhost";
}

/** v1.0+: no profile type other than RuntimeDefault/Localhost, no beta annotation other than the allowed values. */
export function appArmorProfile_1_0(podMetadata: Maybe<ObjectMeta>, podSpec: Maybe<PodSpec>): CheckResult {
  const spec = podSpec ?? {};
  const badSetters: string[] = [];
  const badValues = new Set<string>();
  const podProfile = spec.securityContext?.appArmorProfile;
  if (present(podProfile) && !allowedProfileType(podProfile.type ?? "")) {
    badSetters.push("pod");
    badValues.add(podProfile.type ?? "");
  }
  const badContainers: string[] = [];
  visitContainers(spec, (c) => {
    const profile = c.securityContext?.appArmorProfile;
    if (present(profile) && !allowedProfileType(profile.type ?? "")) {
      badContainers.push(c.name ?? "");
      badValues.add(profile.type ?? "");
    }
  });
  if (badContainers.length > 0) {
    badSetters.push(
      `${pluralize("container", "containers", badContainers.length)} ${joinQuote(badContainers)}`,
    );
  }
  const forbiddenAnnotations: string[] = [];
  for (const [k, v] of Object.entries(podMetadata?.annotations ?? {})) {
    if (k.startsWith(APPARMOR_BETA_CONTAINER_ANNOTATION_PREFIX) && !allowedAnnotationValue(v)) {
      forbiddenAnnotations.push(`${k}=${goQuote(v)}`);
    }
  }
  const badValueList = sortedSet(badValues);
  if (forbiddenAnnotations.length > 0) {
    badValueList.push(...[...forbiddenAnnotations].sort(compareGoStrings));
    badSetters.push(pluralize("annotation", "annotations", forbiddenAnnotations.length));
  }
  if (badSetters.length > 0) {
    return forbidden(
      pluralize("forbidden AppArmor profile", "forbidden AppArmor profiles", badValueList.length),
      `${badSetters.join(" and ")} must not set AppArmor profile type to ${joinQuote(badValueList)}`,
    );
  }
  return ALLOWED;
}
