/**
 * Pod Security levels and the namespace labels that select them. Port of `Level`, the label constants
 * (`staging/src/k8s.io/pod-security-admission/api/constants.go`), `ParseLevel` and `CompareLevels`
 * (`api/helpers.go`), kubernetes/kubernetes at dde51bfc48b109a0f311055843d4d81a1966e9da (read from the mirror
 * kubernetes/pod-security-admission at 8f84a87c7f617f64a4ddc1aea24aeeb7a2e07cb8). Apache-2.0, The Kubernetes Authors.
 */

/** A Pod Security Standards profile. */
export type Level = "privileged" | "baseline" | "restricted";

/** The levels, least strict first. */
export const LEVELS: readonly Level[] = ["privileged", "baseline", "restricted"];

const LABEL_PREFIX = "pod-security.kubernetes.io/";

/** Namespace label choosing the level that rejects pods. */
export const ENFORCE_LEVEL_LABEL = `${LABEL_PREFIX}enforce`;
/** Namespace label choosing the policy version of `enforce`. */
export const ENFORCE_VERSION_LABEL = `${LABEL_PREFIX}enforce-version`;
/** Namespace label choosing the level recorded in audit annotations. */
export const AUDIT_LEVEL_LABEL = `${LABEL_PREFIX}audit`;
/** Namespace label choosing the policy version of `audit`. */
export const AUDIT_VERSION_LABEL = `${LABEL_PREFIX}audit-version`;
/** Namespace label choosing the level that warns the client. */
export const WARN_LEVEL_LABEL = `${LABEL_PREFIX}warn`;
/** Namespace label choosing the policy version of `warn`. */
export const WARN_VERSION_LABEL = `${LABEL_PREFIX}warn-version`;

/** True for a valid level. */
export function isLevel(value: string): value is Level {
  return (LEVELS as readonly string[]).includes(value);
}

/**
 * Upstream's `ParseLevel`: the level, or `restricted` with the error `must be one of privileged, baseline,
 * restricted`.
 */
export function parseLevel(level: string): { level: Level; error?: string } {
  return isLevel(level) ? { level } : { level: "restricted", error: `must be one of ${LEVELS.join(", ")}` };
}

/** -1 when `a` is less strict than `b`, 0 when equal, +1 when stricter (upstream `CompareLevels`). */
export function compareLevels(a: Level, b: Level): number {
  if (a === b) {
    return 0;
  }
  switch (a) {
    case "privileged":
      return -1;
    case "restricted":
      return 1;
    default:
      return b === "privileged" ? 1 : -1;
  }
}
