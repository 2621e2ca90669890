/**
 * A level at a policy version, and a namespace's three modes. Port of `LevelVersion`, `Policy` and their
 * `String`/`Equivalent`/`FullyPrivileged` methods from `staging/src/k8s.io/pod-security-admission/api/helpers.go`,
 * kubernetes/kubernetes at dde51bfc48b109a0f311055843d4d81a1966e9da (read from the mirror
 * kubernetes/pod-security-admission at 8f84a87c7f617f64a4ddc1aea24aeeb7a2e07cb8). Apache-2.0, The Kubernetes Authors.
 */
import type { Level } from "./level";
import type { Version } from "./version";

/** A level evaluated at a policy version. */
export interface LevelVersion {
  /** The level. */
  level: Level;
  /** The policy version (`latest` or `v1.x`). */
  version: Version;
}

/** `<level>:<version>`, e.g. `baseline:latest`, as admission messages print it. */
export function levelVersionString(lv: LevelVersion): string {
  return `${lv.level}:${lv.version.toString()}`;
}

/** Both privileged (any versions), or same level and version. */
export function levelVersionEquivalent(a: LevelVersion, b: LevelVersion): boolean {
  return (
    (a.level === "privileged" && b.level === "privileged") ||
    (a.level === b.level && a.version.equals(b.version))
  );
}

/** The policy a namespace applies: what is enforced, audited and warned about. */
export interface Policy {
  /** Rejects pods that fail it. */
  enforce: LevelVersion;
  /** Records violations in audit annotations. */
  audit: LevelVersion;
  /** Returns violations to the client as warnings. */
  warn: LevelVersion;
}

/** All three modes equivalent. */
export function policyEquivalent(a: Policy, b: Policy): boolean {
  return (
    levelVersionEquivalent(a.enforce, b.enforce) &&
    levelVersionEquivalent(a.audit, b.audit) &&
    levelVersionEquivalent(a.warn, b.warn)
  );
}

/** All three modes privileged. */
export function fullyPrivileged(p: Policy): boolean {
  return p.enforce.level === "privileged" && p.audit.level === "privileged" && p.warn.level === "privileged";
}
