/**
 * What a new set of inputs changes compared with the recorded state: which properties differ (the engine shows
 * those input changes in `pulumi preview`), and whether the resource must be replaced (another sensor).
 */
import { sensorBaseUrl } from "./extraHopApi";
import {
  describeRule,
  UNKNOWN_VALUE,
  type SensorConfigurationInputs,
  type SensorConfigurationState,
} from "./sensorState";

/** The difference between recorded state and new inputs. */
export interface SensorDiff {
  /** Properties whose change needs a new resource (a different sensor). */
  replaces: string[];
  /** Properties that differ, in input order. */
  changed: string[];
  /** The sensor-side effect of the change, one sentence each. */
  effects: string[];
}

const stable = (value: unknown): string =>
  JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>)
            .filter(([, x]) => x !== undefined)
            .sort(([a], [b]) => a.localeCompare(b)),
        )
      : v,
  );

const asSet = (values: string[]) => new Set(values);

/** Compares the recorded state with the new inputs. */
export function diffSensorConfiguration(
  olds: SensorConfigurationState,
  news: SensorConfigurationInputs,
): SensorDiff {
  // A value a preview does not know yet may change anything, but only a known other sensor is a replacement.
  const unknownUrl = news.apiUrl === UNKNOWN_VALUE;
  const replaces = unknownUrl || sensorBaseUrl(olds.apiUrl) === sensorBaseUrl(news.apiUrl) ? [] : ["apiUrl"];
  const changed: string[] = [];
  const effects: string[] = [];

  if (olds.apiUrl !== news.apiUrl) {
    changed.push("apiUrl");
  }
  if (olds.apiKey !== news.apiKey) {
    changed.push("apiKey");
  }
  if (stable(olds.tls ?? {}) !== stable(news.tls ?? {})) {
    changed.push("tls");
  }
  if (olds.rpcapEnabled !== news.rpcapEnabled) {
    changed.push("rpcapEnabled");
    if (news.rpcapEnabled) {
      effects.push("enable RPCAP");
    }
  }

  if (!Array.isArray(news.forwardingRules) || !Array.isArray(news.remoteDiscoveryCidrs)) {
    // Computed from other resources and unknown in this preview: the rules will be compared at `pulumi up`.
    changed.push(...(Array.isArray(news.forwardingRules) ? [] : ["forwardingRules"]));
    changed.push(...(Array.isArray(news.remoteDiscoveryCidrs) ? [] : ["remoteDiscoveryCidrs"]));
    return { replaces, changed, effects };
  }
  const oldRules = asSet((olds.forwardingRules ?? []).map(describeRule));
  const newRules = asSet(news.forwardingRules.map(describeRule));
  const addedRules = [...newRules].filter((r) => !oldRules.has(r));
  const droppedRules = [...oldRules].filter((r) => !newRules.has(r));
  if (addedRules.length || droppedRules.length) {
    changed.push("forwardingRules");
    effects.push(...addedRules.map((r) => `add packet-forwarding rule ${r}`));
    const owned = asSet((olds.added?.forwardingRules ?? []).map(describeRule));
    effects.push(
      ...droppedRules.map((r) =>
        owned.has(r)
          ? `remove packet-forwarding rule ${r}`
          : `stop managing packet-forwarding rule ${r} (not ours: kept)`,
      ),
    );
  }

  const oldCidrs = asSet(olds.remoteDiscoveryCidrs ?? []);
  const newCidrs = asSet(news.remoteDiscoveryCidrs);
  const addedCidrs = [...newCidrs].filter((c) => !oldCidrs.has(c));
  const droppedCidrs = [...oldCidrs].filter((c) => !newCidrs.has(c));
  if (addedCidrs.length || droppedCidrs.length) {
    changed.push("remoteDiscoveryCidrs");
    effects.push(...addedCidrs.map((c) => `add ${c} to Remote L3 Device Discovery`));
    const owned = asSet(olds.added?.remoteDiscoveryCidrs ?? []);
    effects.push(
      ...droppedCidrs.map((c) =>
        owned.has(c)
          ? `remove ${c} from Remote L3 Device Discovery`
          : `stop managing ${c} in Remote L3 Device Discovery (not ours: kept)`,
      ),
    );
  }

  if (stable(olds.runningConfigLayout) !== stable(news.runningConfigLayout)) {
    changed.push("runningConfigLayout");
  }
  return { replaces, changed, effects };
}
