/**
 * Runs the stack program (`adapters/stack/program.ts`, what `pulumi up` runs) on the plan's inputs, on the offline
 * engine, and collects what a deployment would do: the resources with their inputs and URNs, the outputs, the
 * reconciler's decisions and the warnings the deployment would print.
 */
import type * as pulumi from "@pulumi/pulumi";
import { OUTPUT_KEYS, type DeployedOutputs, type ForwardingOutputs } from "../../components/outputs";
import { stackProgram } from "../stack/program";
import type { LogLine } from "../../lambda/reconciler/reconcile";
import { registeredUrns, settle, startOfflineEngine, type RecordedResource } from "./offlineEngine";
import type { PlanInputs } from "./planInputs";

/** What the plan found. */
export interface PlanResult {
  /** Registered resources in registration order, with their inputs. */
  resources: RecordedResource[];
  /** Their URNs, as the engine would name them, in registration order. */
  urns: string[];
  /** The parent of each, by URN (empty for a top-level one). */
  parents: Map<string, string>;
  /** The stack outputs. */
  outputs: DeployedOutputs;
  /** The reconciler's decisions during the deploy-time reconcile (empty without mirroring). */
  reconcileLog: LogLine[];
  /** Warnings the program logged (`pulumi.log.warn`), as `pulumi up` would print them. */
  warnings: string[];
}

/** Options of `runPlan`. */
export interface RunPlanOptions {
  /** Component name (the stack program's default otherwise). */
  name?: string;
  /** Stack name in the URNs. Default `plan`. */
  stack?: string;
}

/** An Output's value, or the error its computation threw (the SDK keeps its promise off the public type). */
function outputValue<T>(output: pulumi.Output<T>): Promise<T> {
  return (output as unknown as { promise(): Promise<T> }).promise();
}

/**
 * Runs the plan. Configuration problems known at construction throw `ConfigError` (config words); problems known
 * only once lookups resolve (a cluster that does not exist, overlapping ranges) reject with the component's
 * `InputPropertiesError`.
 */
export async function runPlan(inputs: PlanInputs, options: RunPlanOptions = {}): Promise<PlanResult> {
  const engine = await startOfflineEngine(inputs.world, { stack: options.stack });
  try {
    // The plan reaches no cluster: its Coverage section is computed from the sample or the given describe output.
    const outputs: ForwardingOutputs = stackProgram(
      { ...inputs.config, coverageReport: false },
      {
        projectDir: inputs.projectDir,
        name: options.name,
      },
    );
    const values = await Promise.all(
      OUTPUT_KEYS.map((k) => outputValue(outputs[k] as pulumi.Output<unknown>)),
    );
    await settle();
    return {
      resources: engine.recorder.resources,
      urns: registeredUrns(),
      parents: engine.parents,
      outputs: Object.fromEntries(OUTPUT_KEYS.map((k, i) => [k, values[i]])) as DeployedOutputs,
      reconcileLog: engine.reconcileLog,
      warnings: engine.warnings,
    };
  } catch (err) {
    // Let the registrations already started finish, so none lands in a later run's mocks.
    await settle().catch(() => undefined);
    throw err;
  } finally {
    engine.stop();
  }
}
