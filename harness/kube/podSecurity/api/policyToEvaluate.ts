/**
 * A namespace's Pod Security labels resolved to the policy admission applies. Port of `PolicyToEvaluate` and
 * `appendErr` from `staging/src/k8s.io/pod-security-admission/api/helpers.go`,
 * kubernetes/kubernetes at dde51bfc48b109a0f311055843d4d81a1966e9da (read from the mirror
 * kubernetes/pod-security-admission at 8f84a87c7f617f64a4ddc1aea24aeeb7a2e07cb8). Apache-2.0, The Kubernetes Authors.
 */
import {
  AUDIT_LEVEL_LABEL,
  AUDIT_VERSION_LABEL,
  compareLevels,
  ENFORCE_LEVEL_LABEL,
  ENFORCE_VERSION_LABEL,
  parseLevel,
  WARN_LEVEL_LABEL,
  WARN_VERSION_LABEL,
} from "./level";
import type { Policy } from "./levelVersion";
import { parseVersionOrLatest } from "./version";

/**
 * The policy for a namespace's labels, falling back to `defaults` for unset labels, and one message per invalid
 * label in the `field.Invalid` form (`metadata.labels[<key>]: Invalid value: "<value>": <why>`). A valid policy is
 * always returned: an invalid enforce level means `restricted`, invalid audit and warn levels mean `privileged`
 * (fail open), an invalid version means `latest`. Without a warn label, warn follows an enforce level stricter than
 * the default warn level.
 */
export function policyToEvaluate(
  labels: Record<string, string> | undefined,
  defaults: Policy,
): { policy: Policy; errors: string[] } {
  const p: Policy = {
    enforce: { ...defaults.enforce },
    audit: { ...defaults.audit },
    warn: { ...defaults.warn },
  };
  const errors: string[] = [];
  if (!labels || Object.keys(labels).length === 0) {
    return { policy: p, errors };
  }
  const invalid = (label: string, value: string, error: string | undefined) => {
    if (error !== undefined) {
      errors.push(`metadata.labels[${label}]: Invalid value: ${JSON.stringify(value)}: ${error}`);
    }
  };
  const has = (label: string) => Object.prototype.hasOwnProperty.call(labels, label);
  let hasEnforceLevel = false;
  let hasWarnLevel = false;
  let hasWarnVersion = false;
  if (has(ENFORCE_LEVEL_LABEL)) {
    const parsed = parseLevel(labels[ENFORCE_LEVEL_LABEL]);
    p.enforce.level = parsed.level;
    hasEnforceLevel = parsed.error === undefined; // an invalid enforce level does not set warn
    invalid(ENFORCE_LEVEL_LABEL, labels[ENFORCE_LEVEL_LABEL], parsed.error);
  }
  if (has(ENFORCE_VERSION_LABEL)) {
    const parsed = parseVersionOrLatest(labels[ENFORCE_VERSION_LABEL]);
    p.enforce.version = parsed.version;
    invalid(ENFORCE_VERSION_LABEL, labels[ENFORCE_VERSION_LABEL], parsed.error);
  }
  if (has(AUDIT_LEVEL_LABEL)) {
    const parsed = parseLevel(labels[AUDIT_LEVEL_LABEL]);
    p.audit.level = parsed.error === undefined ? parsed.level : "privileged";
    invalid(AUDIT_LEVEL_LABEL, labels[AUDIT_LEVEL_LABEL], parsed.error);
  }
  if (has(AUDIT_VERSION_LABEL)) {
    const parsed = parseVersionOrLatest(labels[AUDIT_VERSION_LABEL]);
    p.audit.version = parsed.version;
    invalid(AUDIT_VERSION_LABEL, labels[AUDIT_VERSION_LABEL], parsed.error);
  }
  if (has(WARN_LEVEL_LABEL)) {
    hasWarnLevel = true;
    const parsed = parseLevel(labels[WARN_LEVEL_LABEL]);
    p.warn.level = parsed.error === undefined ? parsed.level : "privileged";
    invalid(WARN_LEVEL_LABEL, labels[WARN_LEVEL_LABEL], parsed.error);
  }
  if (has(WARN_VERSION_LABEL)) {
    hasWarnVersion = true;
    const parsed = parseVersionOrLatest(labels[WARN_VERSION_LABEL]);
    p.warn.version = parsed.version;
    invalid(WARN_VERSION_LABEL, labels[WARN_VERSION_LABEL], parsed.error);
  }
  if (!hasWarnLevel && hasEnforceLevel && compareLevels(p.enforce.level, p.warn.level) > 0) {
    p.warn.level = p.enforce.level;
    if (!hasWarnVersion) {
      p.warn.version = p.enforce.version;
    }
  }
  return { policy: p, errors };
}
