/**
 * The strictest Pod Security level an object meets, with what stops it from meeting the stricter ones: the question
 * "which `pod-security.kubernetes.io/enforce` label admits this?" answered by the ported evaluator. Not an upstream
 * function: upstream only evaluates against one given level (`Evaluator.EvaluatePod`); this evaluates `restricted`
 * and `baseline` and keeps the strictest that allows.
 */
import type { Level } from "./api/level";
import { Version } from "./api/version";
import { aggregateCheckResults, type AggregateCheckResult } from "./checkResult";
import { defaultChecks } from "./defaultChecks";
import { extractPodSpec } from "./podSpecExtractor";
import { newEvaluator } from "./registry";

/** An object's Pod Security standing at one policy version. */
export interface PodSecurityStanding {
  /** The strictest level that allows it (`privileged` allows everything). */
  level: Level;
  /** The `baseline` verdict (its forbidden reasons are why it needs `privileged`). */
  baseline: AggregateCheckResult;
  /** The `restricted` verdict (baseline checks that restricted does not override included). */
  restricted: AggregateCheckResult;
}

const evaluator = newEvaluator(defaultChecks());

/**
 * Evaluates `object` (a Pod or a workload with a pod template, as plain JSON data) at both levels.
 * @param object the object as admission would see it (apply `withApiDefaults` first for what the server stores)
 * @param version policy version; default `latest`
 */
export function podSecurityStanding(
  object: unknown,
  version: Version = Version.latestVersion(),
): PodSecurityStanding {
  const pod = extractPodSpec(object);
  if (!pod) {
    throw new Error("the object has no pod template to evaluate");
  }
  const verdict = (level: "baseline" | "restricted") =>
    aggregateCheckResults(evaluator.evaluatePod({ level, version }, pod.metadata, pod.spec));
  const baseline = verdict("baseline");
  const restricted = verdict("restricted");
  const level: Level = restricted.allowed ? "restricted" : baseline.allowed ? "baseline" : "privileged";
  return { level, baseline, restricted };
}
