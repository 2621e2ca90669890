/**
 * What a check says about a pod, and the aggregate admission reports. Port of `CheckResult`,
 * `AggregateCheckResult` (with `ForbiddenReason`/`ForbiddenDetail`), `AggregateCheckResults` and
 * `UnknownForbiddenReason` from `staging/src/k8s.io/pod-security-admission/policy/checks.go`,
 * kubernetes/kubernetes at dde51bfc48b109a0f311055843d4d81a1966e9da (read from the mirror
 * kubernetes/pod-security-admission at 8f84a87c7f617f64a4ddc1aea24aeeb7a2e07cb8). Apache-2.0, The Kubernetes Authors.
 */

/** One check's verdict. Reason and detail are empty when allowed (Go's zero values). */
export interface CheckResult {
  /** The check allows the pod. */
  allowed: boolean;
  /** Short reason, always shown when forbidden, e.g. `host namespaces`. */
  forbiddenReason: string;
  /** Specific values, shown when one object is checked, e.g. `hostNetwork=true`. */
  forbiddenDetail: string;
}

/** The verdict of an allowing check. */
export const ALLOWED: Readonly<CheckResult> = Object.freeze({
  allowed: true,
  forbiddenReason: "",
  forbiddenDetail: "",
});

/** A forbidding verdict. */
export function forbidden(forbiddenReason: string, forbiddenDetail = ""): CheckResult {
  return { allowed: false, forbiddenReason, forbiddenDetail };
}

/** Placeholder reason for a check that forbids without saying why. */
export const UNKNOWN_FORBIDDEN_REASON = "unknown forbidden reason";

/** All checks' verdicts folded together. */
export interface AggregateCheckResult {
  /** Every check allowed the pod. */
  allowed: boolean;
  /** Reasons of the forbidding checks, in check order (never empty strings). */
  forbiddenReasons: string[];
  /** Their details, same indexes (may be empty strings). */
  forbiddenDetails: string[];
}

/** Folds the verdicts: the forbidding ones' reasons and details, in order. */
export function aggregateCheckResults(results: readonly CheckResult[]): AggregateCheckResult {
  const reasons: string[] = [];
  const details: string[] = [];
  for (const result of results) {
    if (!result.allowed) {
      reasons.push(result.forbiddenReason.length === 0 ? UNKNOWN_FORBIDDEN_REASON : result.forbiddenReason);
      details.push(result.forbiddenDetail);
    }
  }
  return { allowed: reasons.length === 0, forbiddenReasons: reasons, forbiddenDetails: details };
}

/** `host ports, privileged containers`: the reasons, comma separated (what a namespace-wide check prints). */
export function aggregateForbiddenReason(a: AggregateCheckResult): string {
  return a.forbiddenReasons.join(", ");
}

/** `host ports (8080, 9090), privileged containers`: each reason with its detail in parentheses when it has one. */
export function aggregateForbiddenDetail(a: AggregateCheckResult): string {
  return a.forbiddenReasons
    .map((reason, i) => (a.forbiddenDetails[i] !== "" ? `${reason} (${a.forbiddenDetails[i]})` : reason))
    .join(", ");
}
