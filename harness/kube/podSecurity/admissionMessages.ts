/**
 * The texts admission returns for a pod that fails its namespace's policy. Port of the message formats in
 * `Admission.EvaluatePod` (`staging/src/k8s.io/pod-security-admission/admission/admission.go`), kubernetes/kubernetes at dde51bfc48b109a0f311055843d4d81a1966e9da (read from the mirror
 * kubernetes/pod-security-admission at 8f84a87c7f617f64a4ddc1aea24aeeb7a2e07cb8). Apache-2.0, The Kubernetes Authors.
 * Enforce rejects with `violates PodSecurity "<level>:<version>": <detail>`; warn (a client warning) and audit (an
 * audit annotation) say `would violate PodSecurity ...`. The API server prefixes the rejection with
 * `pods "<name>" is forbidden: ` (or the workload's resource).
 */
import { levelVersionString, type LevelVersion } from "./api/levelVersion";
import { aggregateForbiddenDetail, type AggregateCheckResult } from "./checkResult";
import { goQuote } from "./text";

/** The enforce rejection, e.g. `violates PodSecurity "baseline:latest": host namespaces (hostNetwork=true)`. */
export function enforceViolationMessage(lv: LevelVersion, result: AggregateCheckResult): string {
  return `violates PodSecurity ${goQuote(levelVersionString(lv))}: ${aggregateForbiddenDetail(result)}`;
}

/** The warn/audit text, e.g. `would violate PodSecurity "restricted:latest": ...`. */
export function wouldViolateMessage(lv: LevelVersion, result: AggregateCheckResult): string {
  return `would violate PodSecurity ${goQuote(levelVersionString(lv))}: ${aggregateForbiddenDetail(result)}`;
}
