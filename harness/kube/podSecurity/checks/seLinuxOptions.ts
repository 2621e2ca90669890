/**
 * Baseline: SELinux `type` only from the container types (`container_engine_t` added in policy v1.31), and no
 * custom `user` or `role`, on the pod or any container.
 *
 * Port of `staging/src/k8s.io/pod-security-admission/policy/check_seLinuxOptions.go`, kubernetes/kubernetes at
 * dde51bfc48b109a0f311055843d4d81a1966e9da (read from the mirror kubernetes/pod-security-admission at
 * 8f84a87c7f617f64a4ddc1aea24aeeb7a2e07cb8, `policy/check_seLinuxOptions.go`). Apache-2.0, The Kubernetes Authors.
 * Reason and detail texts are upstream's, word for word.
 */
import { Version } from "../api/version";
import type { Check } from "../check";
import { ALLOWED, forbidden, type CheckResult } from "../checkResult";
import { present, type Maybe, type ObjectMeta, type PodSpec, type SELinuxOptions } from "../podTypes";
import { sortedSet } from "../stringSet";
import { joinQuote, pluralize } from "../text";
import { visitContainers } from "../visitContainers";

/** SELinux types allowed from v1.0. */
export const SELINUX_ALLOWED_TYPES_1_0: ReadonlySet<string> = new Set([
  "",
  "container_t",
  "container_init_t",
  "container_kvm_t",
]);
/** SELinux types allowed from v1.31. */
export const SELINUX_ALLOWED_TYPES_1_31: ReadonlySet<string> = new Set([
  ...SELINUX_ALLOWED_TYPES_1_0,
  "container_engine_t",
]);

/** The check, as registered upstream. */
export function checkSELinuxOptions(): Check {
  return {
    id: "seLinuxOptions",
    level: "baseline",
    versions: [
      { minimumVersion: Version.majorMinor(1, 0), checkPod: seLinuxOptions1_0 },
      { minimumVersion: Version.majorMinor(1, 31), checkPod: seLinuxOptions1_31 },
    ],
  };
}

/** v1.0+. */
export function seLinuxOptions1_0(podMetadata: Maybe<ObjectMeta>, podSpec: Maybe<PodSpec>): CheckResult {
  return seLinuxOptions(podMetadata, podSpec, SELINUX_ALLOWED_TYPES_1_0);
}

/** v1.31+: `container_engine_t` allowed too. */
export function seLinuxOptions1_31(podMetadata: Maybe<ObjectMeta>, podSpec: Maybe<PodSpec>): CheckResult {
  return seLinuxOptions(podMetadata, podSpec, SELINUX_ALLOWED_TYPES_1_31);
}

function seLinuxOptions(
  _podMetadata: Maybe<ObjectMeta>,
  podSpec: Maybe<PodSpec>,
  allowedTypes: ReadonlySet<string>,
): CheckResult {
  const spec = podSpec ?? {};
  const badSetters: string[] = [];
  const badTypes: string[] = [];
  let setUser = false;
  let setRole = false;
  const valid = (opts: SELinuxOptions): boolean => {
    let ok = true;
    const type = opts.type ?? "";
    if (!allowedTypes.has(type)) {
      ok = false;
      badTypes.push(type);
    }
    if ((opts.user ?? "").length > 0) {
      ok = false;
      setUser = true;
    }
    if ((opts.role ?? "").length > 0) {
      ok = false;
      setRole = true;
    }
    return ok;
  };
  const podOptions = spec.securityContext?.seLinuxOptions;
  if (present(podOptions) && !valid(podOptions)) {
    badSetters.push("pod");
  }
  const badContainers: string[] = [];
  visitContainers(spec, (container) => {
    const options = container.securityContext?.seLinuxOptions;
    if (present(options) && !valid(options)) {
      badContainers.push(container.name ?? "");
    }
  });
  if (badContainers.length > 0) {
    badSetters.push(
      `${pluralize("container", "containers", badContainers.length)} ${joinQuote(badContainers)}`,
    );
  }
  if (badSetters.length > 0) {
    const badData: string[] = [];
    const types = sortedSet(badTypes);
    if (types.length > 0) {
      badData.push(`${pluralize("type", "types", types.length)} ${joinQuote(types)}`);
    }
    if (setUser) {
      badData.push("user may not be set");
    }
    if (setRole) {
      badData.push("role may not be set");
    }
    return forbidden(
      "seLinuxOptions",
      `${badSetters.join(" and ")} set forbidden securityContext.seLinuxOptions: ${badData.join("; ")}`,
    );
  }
  return ALLOWED;
}
