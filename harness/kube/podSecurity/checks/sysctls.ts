/**
 * Baseline: only the "safe" namespaced sysctls in `spec.securityContext.sysctls`; the allowed set grows with the
 * policy version (v1.0, v1.27, v1.29, v1.32, v1.37).
 *
 * Port of `staging/src/k8s.io/pod-security-admission/policy/check_sysctls.go`, kubernetes/kubernetes at
 * dde51bfc48b109a0f311055843d4d81a1966e9da (read from the mirror kubernetes/pod-security-admission at
 * 8f84a87c7f617f64a4ddc1aea24aeeb7a2e07cb8, `policy/check_sysctls.go`). Apache-2.0, The Kubernetes Authors.
 * Reason and detail texts are upstream's, word for word.
 */
import { Version } from "../api/version";
import type { Check } from "../check";
import { ALLOWED, forbidden, type CheckResult } from "../checkResult";
import type { Maybe, ObjectMeta, PodSpec } from "../podTypes";

/** Safe sysctls from v1.0. */
export const SYSCTLS_ALLOWED_V1_DOT_0: ReadonlySet<string> = new Set([
  "kernel.shm_rmid_forced",
  "net.ipv4.ip_local_port_range",
  "net.ipv4.tcp_syncookies",
  "net.ipv4.ping_group_range",
  "net.ipv4.ip_unprivileged_port_start",
]);
/** Safe sysctls from v1.27. */
export const SYSCTLS_ALLOWED_V1_DOT_27: ReadonlySet<string> = new Set([
  ...SYSCTLS_ALLOWED_V1_DOT_0,
  "net.ipv4.ip_local_reserved_ports",
]);
/** Safe sysctls from v1.29. */
export const SYSCTLS_ALLOWED_V1_DOT_29: ReadonlySet<string> = new Set([
  ...SYSCTLS_ALLOWED_V1_DOT_27,
  "net.ipv4.tcp_keepalive_time",
  "net.ipv4.tcp_fin_timeout",
  "net.ipv4.tcp_keepalive_intvl",
  "net.ipv4.tcp_keepalive_probes",
]);
/** Safe sysctls from v1.32. */
export const SYSCTLS_ALLOWED_V1_DOT_32: ReadonlySet<string> = new Set([
  ...SYSCTLS_ALLOWED_V1_DOT_29,
  "net.ipv4.tcp_rmem",
  "net.ipv4.tcp_wmem",
]);
/** Safe sysctls from v1.37. */
export const SYSCTLS_ALLOWED_V1_DOT_37: ReadonlySet<string> = new Set([
  ...SYSCTLS_ALLOWED_V1_DOT_32,
  "net.ipv4.tcp_slow_start_after_idle",
  "net.ipv4.tcp_notsent_lowat",
]);

/** The check, as registered upstream. */
export function checkSysctls(): Check {
  return {
    id: "sysctls",
    level: "baseline",
    versions: [
      { minimumVersion: Version.majorMinor(1, 0), checkPod: sysctlsV1Dot0 },
      { minimumVersion: Version.majorMinor(1, 27), checkPod: sysctlsV1Dot27 },
      { minimumVersion: Version.majorMinor(1, 29), checkPod: sysctlsV1Dot29 },
      { minimumVersion: Version.majorMinor(1, 32), checkPod: sysctlsV1Dot32 },
      { minimumVersion: Version.majorMinor(1, 37), checkPod: sysctlsV1Dot37 },
    ],
  };
}

/** v1.0+. */
export function sysctlsV1Dot0(podMetadata: Maybe<ObjectMeta>, podSpec: Maybe<PodSpec>): CheckResult {
  return sysctls(podMetadata, podSpec, SYSCTLS_ALLOWED_V1_DOT_0);
}

/** v1.27+. */
export function sysctlsV1Dot27(podMetadata: Maybe<ObjectMeta>, podSpec: Maybe<PodSpec>): CheckResult {
  return sysctls(podMetadata, podSpec, SYSCTLS_ALLOWED_V1_DOT_27);
}

/** v1.29+. */
export function sysctlsV1Dot29(podMetadata: Maybe<ObjectMeta>, podSpec: Maybe<PodSpec>): CheckResult {
  return sysctls(podMetadata, podSpec, SYSCTLS_ALLOWED_V1_DOT_29);
}

/** v1.32+. */
export function sysctlsV1Dot32(podMetadata: Maybe<ObjectMeta>, podSpec: Maybe<PodSpec>): CheckResult {
  return sysctls(podMetadata, podSpec, SYSCTLS_ALLOWED_V1_DOT_32);
}

/** v1.37+. */
export function sysctlsV1Dot37(podMetadata: Maybe<ObjectMeta>, podSpec: Maybe<PodSpec>): CheckResult {
  return sysctls(podMetadata, podSpec, SYSCTLS_ALLOWED_V1_DOT_37);
}

function sysctls(
  _podMetadata: Maybe<ObjectMeta>,
  podSpec: Maybe<PodSpec>,
  allowed: ReadonlySet<string>,
): CheckResult {
  const forbiddenSysctls: string[] = [];
  for (const sysctl of podSpec?.securityContext?.sysctls ?? []) {
    const name = sysctl?.name ?? "";
    if (!allowed.has(name)) {
      forbiddenSysctls.push(name);
    }
  }
  if (forbiddenSysctls.length > 0) {
    return forbidden("forbidden sysctls", forbiddenSysctls.join(", "));
  }
  return ALLOWED;
}
