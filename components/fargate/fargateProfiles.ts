/**
 * Which pods EKS runs on Fargate: the Fargate profiles' selectors, matched the way the EKS user guide describes them
 * ("Define which Pods use AWS Fargate when launched", https://docs.aws.amazon.com/eks/latest/userguide/fargate-profile.html):
 * - a selector matches a pod created in its namespace that carries every label of the selector;
 * - `*` (none, one or several characters) and `?` (exactly one character) may appear anywhere in the namespace, the
 *   label keys and the label values ("Fargate profile wildcards"); no other pattern syntax exists;
 * - a pod matching several profiles gets the first by alphanumeric profile name, and a pod labelled
 *   `eks.amazonaws.com/fargate-profile: <name>` uses that profile only (it must still match one of its selectors);
 * - a pod annotated `eks.amazonaws.com/compute-type: ec2` stays on EC2 whatever the profiles say (the EKS user guide,
 *   "Get started with AWS Fargate", section "Update CoreDNS", removes that annotation from CoreDNS so it can move to
 *   Fargate: https://docs.aws.amazon.com/eks/latest/userguide/fargate-getting-started.html).
 * Pure data and functions: the transform, the patch and the coverage report share them.
 */

/** Label EKS puts on a Fargate pod naming its profile; a pod may also set it to pick a profile. */
export const FARGATE_PROFILE_LABEL = "eks.amazonaws.com/fargate-profile";
/** Label EKS puts on the node object of every Fargate pod; as a pod annotation with value `ec2`, keeps the pod off Fargate. */
export const FARGATE_COMPUTE_TYPE_LABEL = "eks.amazonaws.com/compute-type";

/** One selector of a Fargate profile (EKS `FargateProfileSelector`). */
export interface FargateProfileSelector {
  /** Namespace the pod is created in; `*` and `?` are wildcards. */
  namespace: string;
  /** Labels the pod must all carry; `*` and `?` are wildcards in keys and values. Absent: every pod of the namespace. */
  labels?: Record<string, string>;
}

/** A Fargate profile as far as pod placement is concerned. */
export interface FargateProfile {
  /** Profile name (unique per cluster). */
  name: string;
  /** Up to five selectors; a pod matching any of them runs on Fargate. */
  selectors: FargateProfileSelector[];
}

/** The profile (and selector) a pod would be placed with. */
export interface FargatePlacement {
  /** The profile EKS picks. */
  profile: FargateProfile;
  /** The selector that matched. */
  selector: FargateProfileSelector;
}

/** True when `value` matches a Fargate selector pattern (`*` = any run of characters, `?` = one character). */
export function fargatePatternMatches(pattern: string, value: string): boolean {
  const source = pattern
    .split("")
    .map((c) => (c === "*" ? ".*" : c === "?" ? "." : c.replace(/[.+^${}()|[\]\\]/g, "\\$&")))
    .join("");
  return new RegExp(`^${source}$`, "s").test(value);
}

/** True when the selector matches a pod in `namespace` with `labels`. */
export function selectorMatches(
  selector: FargateProfileSelector,
  namespace: string,
  labels: Record<string, string>,
): boolean {
  if (!fargatePatternMatches(selector.namespace, namespace)) {
    return false;
  }
  const podLabels = Object.entries(labels);
  return Object.entries(selector.labels ?? {}).every(([keyPattern, valuePattern]) =>
    podLabels.some(
      ([key, value]) => fargatePatternMatches(keyPattern, key) && fargatePatternMatches(valuePattern, value),
    ),
  );
}

/**
 * Where EKS would place a pod, or undefined when it stays off Fargate.
 * @param profiles the cluster's Fargate profiles
 * @param namespace the pod's namespace
 * @param labels the pod's labels (for a workload: its pod template's labels)
 * @param annotations the pod's annotations (for a workload: its pod template's)
 */
export function fargatePlacement(
  profiles: readonly FargateProfile[],
  namespace: string,
  labels: Record<string, string>,
  annotations: Record<string, string> = {},
): FargatePlacement | undefined {
  if (annotations[FARGATE_COMPUTE_TYPE_LABEL] === "ec2") {
    return undefined;
  }
  const requested = labels[FARGATE_PROFILE_LABEL];
  const candidates = [...profiles]
    .filter((p) => requested === undefined || p.name === requested)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const profile of candidates) {
    const selector = profile.selectors.find((s) => selectorMatches(s, namespace, labels));
    if (selector) {
      return { profile, selector };
    }
  }
  return undefined;
}

/** A selector as one readable phrase, e.g. `namespace "prod-*" with labels app=web`. */
export function describeSelector(selector: FargateProfileSelector): string {
  const labels = Object.entries(selector.labels ?? {}).map(([k, v]) => `${k}=${v}`);
  return `namespace ${JSON.stringify(selector.namespace)}${labels.length ? ` with labels ${labels.join(", ")}` : ""}`;
}
