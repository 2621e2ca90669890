/**
 * The sensor resource's lifecycle against the ExtraHop REST API: read the running config, plan, write it back
 * whole (the API replaces the document), read it back to prove the sensor kept our settings, then save. Plain
 * functions with no Pulumi runtime dependency: the dynamic provider delegates to them and tests call them
 * directly against the fake sensor.
 */
import type * as pulumi from "@pulumi/pulumi";
import {
  getRunningConfig,
  getSavedRunningConfig,
  putRunningConfig,
  saveRunningConfig,
  sensorBaseUrl,
  type SensorConnection,
} from "./extraHopApi";
import {
  parseForwardingRule,
  readSensorSettings,
  writeSensorSettings,
  type RunningConfig,
  type RunningConfigLayout,
  type SensorSettings,
} from "./runningConfigLayout";
import { diffSensorConfiguration } from "./sensorDiff";
import { checkSensorInputs } from "./sensorInputCheck";
import {
  planSensorChanges,
  planSensorRemoval,
  presentOnSensor,
  type SensorDesired,
  type SensorPlan,
} from "./sensorPlan";
import {
  NOTHING_ADDED,
  type SensorAdditions,
  type SensorConfigurationInputs,
  type SensorConfigurationState,
} from "./sensorState";

const desiredOf = (inputs: SensorConfigurationInputs): SensorDesired => ({
  rpcapEnabled: inputs.rpcapEnabled,
  forwardingRules: inputs.forwardingRules,
  remoteDiscoveryCidrs: inputs.remoteDiscoveryCidrs,
});

/** Only the inputs of a recorded state (what a refresh hands back for later diffs). */
const inputsOf = (state: SensorConfigurationState): SensorConfigurationInputs => ({
  apiUrl: state.apiUrl,
  apiKey: state.apiKey,
  tls: state.tls ?? {},
  rpcapEnabled: state.rpcapEnabled,
  forwardingRules: state.forwardingRules,
  remoteDiscoveryCidrs: state.remoteDiscoveryCidrs,
  runningConfigLayout: state.runningConfigLayout,
});

/** Managed settings in a comparable form: the parts a sensor may not silently drop. */
function fingerprint(settings: SensorSettings, layout: RunningConfigLayout): string {
  const rules = settings.rules
    .map((r) => parseForwardingRule(r, layout))
    .map((r) => (r ? `${r.port} ${r.interfaceAddress}` : "unreadable"))
    .sort();
  const ranges = settings.remoteDiscoveryRanges
    .map((r) => (typeof r === "string" ? r : JSON.stringify(r)))
    .sort();
  return JSON.stringify({ enabled: settings.rpcapEnabled, rules, ranges });
}

/**
 * Waits between read-backs after a PUT. The vendor documents that a PUT which changes the running config
 * "creates a job to replace the previous file", so the change may land a moment after the 204; about 16 s in all.
 */
const READ_BACK_DELAYS_MS = [0, 250, 500, 1000, 2000, 4000, 8000];

/** How writes are confirmed; the provider always uses the defaults. */
export interface SensorWriteOptions {
  /** Waits before each read-back after a PUT, in milliseconds (default: about 16 s in all). */
  readBackDelaysMs?: number[];
}

/**
 * Writes the planned settings, reads them back until the sensor holds them, then saves. A sensor that accepts
 * the document but never shows our settings (a layout that does not match its config) is an error, and nothing
 * is saved: saving before the replace job finished could save the old config.
 */
async function writeVerifyAndSave(
  connection: SensorConnection,
  running: RunningConfig,
  plan: SensorPlan,
  layout: RunningConfigLayout,
  options: SensorWriteOptions,
): Promise<void> {
  const delays = options.readBackDelaysMs ?? READ_BACK_DELAYS_MS;
  await putRunningConfig(connection, writeSensorSettings(running, plan.settings, layout));
  const wanted = fingerprint(plan.settings, layout);
  let held = "";
  for (const delay of delays) {
    if (delay > 0) {
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
    held = fingerprint(readSensorSettings(await getRunningConfig(connection), layout), layout);
    if (held === wanted) {
      await saveRunningConfig(connection);
      return;
    }
  }
  throw new Error(
    `runningConfigLayout: the sensor accepted the new running config but did not keep the change ` +
      `(${plan.changes.join("; ")}): read back ${delays.length} times from ` +
      `${layout.rpcapPath.join(".")} and ${layout.remoteDiscoveryPath.join(".")}, it holds ${held}. The ` +
      `running config layout assumed here does not match this sensor (docs/sensor.md); the running config was ` +
      `not saved.`,
  );
}

/** True when the saved config already holds every desired item (nothing of ours is waiting to be saved). */
async function savedHoldsDesired(inputs: SensorConfigurationInputs): Promise<boolean> {
  const layout = inputs.runningConfigLayout;
  const saved = readSensorSettings(await getSavedRunningConfig(inputs), layout);
  const desired = desiredOf(inputs);
  const present = presentOnSensor(saved, desired, layout);
  return (
    (!desired.rpcapEnabled || present.rpcapEnabled) &&
    present.forwardingRules.length === desired.forwardingRules.length &&
    present.remoteDiscoveryCidrs.length === desired.remoteDiscoveryCidrs.length
  );
}

/** Brings the sensor to the inputs, given what this resource added before; the new recorded state. */
async function applyInputs(
  inputs: SensorConfigurationInputs,
  previouslyAdded: SensorAdditions,
  options: SensorWriteOptions,
): Promise<SensorConfigurationState> {
  const layout = inputs.runningConfigLayout;
  const running = await getRunningConfig(inputs);
  const plan = planSensorChanges(
    readSensorSettings(running, layout),
    desiredOf(inputs),
    previouslyAdded,
    layout,
  );
  let changes = plan.changes;
  if (changes.length > 0) {
    await writeVerifyAndSave(inputs, running, plan, layout, options);
  } else if (!(await savedHoldsDesired(inputs))) {
    // An earlier run (or a person) changed the running config without saving it: save, or a restart loses it.
    await saveRunningConfig(inputs);
    changes = ["save the running config (the settings were in force but not saved)"];
  }
  return { ...inputs, tls: inputs.tls ?? {}, added: plan.added, changes };
}

/** Provider `check`: every input problem at once. */
export async function checkSensorConfiguration(
  _olds: SensorConfigurationInputs,
  news: SensorConfigurationInputs,
): Promise<pulumi.dynamic.CheckResult<SensorConfigurationInputs>> {
  const failures = checkSensorInputs(news as unknown as Record<string, unknown>);
  return failures.length ? { inputs: news, failures } : { inputs: news };
}

/** Provider `diff`: changed inputs, and replacement when the sensor itself changes. */
export async function diffSensor(
  olds: SensorConfigurationState,
  news: SensorConfigurationInputs,
): Promise<pulumi.dynamic.DiffResult> {
  const diff = diffSensorConfiguration(olds, news);
  // Delete first: if the "other" URL is the same sensor under another name, creating first would find our
  // rules already there (not owned), and the delete of the old resource would then remove them.
  return { changes: diff.changed.length > 0, replaces: diff.replaces, deleteBeforeReplace: true };
}

/** Provider `create`. */
export async function createSensorConfiguration(
  inputs: SensorConfigurationInputs,
  options: SensorWriteOptions = {},
): Promise<pulumi.dynamic.CreateResult<SensorConfigurationState>> {
  const outs = await applyInputs(inputs, NOTHING_ADDED, options);
  return { id: sensorBaseUrl(inputs.apiUrl), outs };
}

/** Provider `update`: same sensor, new inputs; what was added before and is no longer wanted goes away. */
export async function updateSensorConfiguration(
  _id: string,
  olds: SensorConfigurationState,
  news: SensorConfigurationInputs,
  options: SensorWriteOptions = {},
): Promise<pulumi.dynamic.UpdateResult<SensorConfigurationState>> {
  return { outs: await applyInputs(news, olds.added ?? NOTHING_ADDED, options) };
}

/** Provider `delete`: removes exactly what this resource added. */
export async function deleteSensorConfiguration(
  _id: string,
  state: SensorConfigurationState,
  options: SensorWriteOptions = {},
): Promise<void> {
  const layout = state.runningConfigLayout;
  const connection: SensorConnection = { apiUrl: state.apiUrl, apiKey: state.apiKey, tls: state.tls ?? {} };
  const running = await getRunningConfig(connection);
  const plan = planSensorRemoval(readSensorSettings(running, layout), state.added ?? NOTHING_ADDED, layout);
  if (plan.changes.length > 0) {
    await writeVerifyAndSave(connection, running, plan, layout, options);
  }
}

/** A refresh's answer: the observed state, and the inputs later diffs compare against. */
export interface SensorReadResult {
  /** The resource id. */
  id: string;
  /** The observed state. */
  props: SensorConfigurationState;
  /** The inputs narrowed to what the sensor still holds. */
  inputs: SensorConfigurationInputs;
}

/**
 * Provider `read` (refresh): what of the desired settings the sensor still holds. The inputs are narrowed to
 * that, so the next preview shows, as input changes, exactly what an update will put back.
 */
export async function readSensorConfiguration(
  id: string,
  state: SensorConfigurationState,
): Promise<SensorReadResult> {
  const layout = state.runningConfigLayout;
  const inputs = inputsOf(state);
  const settings = readSensorSettings(await getRunningConfig(inputs), layout);
  const present = presentOnSensor(settings, desiredOf(inputs), layout);
  const observed: SensorConfigurationInputs = {
    ...inputs,
    rpcapEnabled: inputs.rpcapEnabled && present.rpcapEnabled,
    forwardingRules: present.forwardingRules,
    remoteDiscoveryCidrs: present.remoteDiscoveryCidrs,
  };
  const added = state.added ?? NOTHING_ADDED;
  const stillAdded: SensorAdditions = {
    rpcapEnabled: added.rpcapEnabled && settings.rpcapEnabled,
    forwardingRules: added.forwardingRules.filter((a) =>
      present.forwardingRules.some((p) => p.port === a.port && p.interfaceAddress === a.interfaceAddress),
    ),
    remoteDiscoveryCidrs: added.remoteDiscoveryCidrs.filter((c) => present.remoteDiscoveryCidrs.includes(c)),
  };
  return { id, props: { ...state, ...observed, added: stillAdded }, inputs: observed };
}
