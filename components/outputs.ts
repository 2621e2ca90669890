/**
 * The outputs of a deployment, declared once: the stack program exports them, the embedding API reads them back,
 * the plugin declares them, the plan prints them.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { PodPacketForwarding } from "./podPacketForwarding";

/** Every output key, in the order people read them. */
export const OUTPUT_KEYS = [
  "podCidrs",
  "serviceCidrs",
  "networkSources",
  "agentEnvironment",
  "agentImage",
  "daemonSetNamespace",
  "daemonSetName",
  "mirroredEnis",
  "skippedMirrorSources",
  "mirrorReconcileResult",
  "sensorSteps",
  "coverage",
] as const satisfies readonly (keyof PodPacketForwarding)[];

/** An output key. */
export type OutputKey = (typeof OUTPUT_KEYS)[number];

/** The outputs as Pulumi Outputs. */
export type ForwardingOutputs = { [K in OutputKey]: PodPacketForwarding[K] };

/** The outputs once resolved: what a deployed stack reports. */
export type DeployedOutputs = {
  [K in OutputKey]: PodPacketForwarding[K] extends pulumi.Output<infer T> ? T : never;
};

/** Outputs that are absent when their value is undefined (no mirroring). */
export const OPTIONAL_OUTPUTS: ReadonlySet<OutputKey> = new Set(["mirrorReconcileResult", "coverage"]);

/** The component's outputs as one record (what `index.ts` exports). */
export function forwardingOutputs(ppf: PodPacketForwarding): ForwardingOutputs {
  return Object.fromEntries(OUTPUT_KEYS.map((k) => [k, ppf[k]])) as ForwardingOutputs;
}
