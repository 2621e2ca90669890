/**
 * What the deploy-time reconcile did, read from the reconciler's own summary: the single source of fleet facts
 * (which ENIs have a session, which were left out and why).
 */

/** An instance or ENI left out of mirroring. */
export interface SkippedMirrorSource {
  /** EC2 instance id. */
  instanceId: string;
  /** Its instance type. */
  instanceType: string;
  /** The ENI concerned, when the reason is about one ENI. */
  networkInterfaceId?: string;
  /** Machine-readable reason (`unsupported-instance-type`, `not-interface-type`, `session-limit`, ...). */
  reason: string;
  /** One sentence a person can act on. */
  detail: string;
}

/** The reconcile's outcome as the component reports it. */
export interface MirrorOutcome {
  /** The summary JSON as the function returned it; undefined without mirroring. */
  result?: string;
  /** ENIs with a session of ours after the run, sorted. */
  mirrored: string[];
  /** What was left out. */
  skipped: SkippedMirrorSource[];
}

interface SummaryShape {
  created?: { networkInterfaceId?: string }[];
  kept?: string[];
  skipped?: SkippedMirrorSource[];
}

/**
 * Parses the reconciler's summary (`ReconcileSummary` of the Lambda).
 * @param result the Invocation's result, or undefined without mirroring
 */
export function mirrorOutcome(result: string | undefined): MirrorOutcome {
  if (result === undefined) {
    return { result, mirrored: [], skipped: [] };
  }
  let summary: SummaryShape;
  try {
    summary = JSON.parse(result) as SummaryShape;
  } catch {
    return { result, mirrored: [], skipped: [] };
  }
  const mirrored = [
    ...(summary.created ?? []).map((c) => c.networkInterfaceId ?? ""),
    ...(summary.kept ?? []),
  ].filter((id) => id !== "");
  return { result, mirrored: [...new Set(mirrored)].sort(), skipped: summary.skipped ?? [] };
}
