/**
 * What to change in the sensor's managed settings, decided without talking to the sensor: bring the desired
 * rules and discovery CIDRs in, take out what this resource added earlier and no longer wants, and never touch
 * an entry it did not add. Pure, so every rule of ownership is testable on plain data.
 */
import {
  newForwardingRule,
  parseForwardingRule,
  withForwardingRulePort,
  type RunningConfigLayout,
  type SensorSettings,
} from "./runningConfigLayout";
import { describeRule, type ForwardingRuleSpec, type SensorAdditions } from "./sensorState";

/** The desired end state. */
export interface SensorDesired {
  /** Turn RPCAP on. */
  rpcapEnabled: boolean;
  /** Rules that must exist. */
  forwardingRules: ForwardingRuleSpec[];
  /** Discovery CIDRs that must be present. */
  remoteDiscoveryCidrs: string[];
}

/** A plan: the settings to write, what will then be ours, and the changes in words. */
export interface SensorPlan {
  /** The settings after the change (equal to the input settings when `changes` is empty). */
  settings: SensorSettings;
  /** What this resource owns afterwards. */
  added: SensorAdditions;
  /** One sentence per change, in the order applied; empty means nothing to write. */
  changes: string[];
}

/** True when `rule` is the sensor entry for `spec` (same port and interface address; name and filter aside). */
function matches(rule: unknown, spec: ForwardingRuleSpec, layout: RunningConfigLayout): boolean {
  const parsed = parseForwardingRule(rule, layout);
  return (
    parsed !== undefined && parsed.port === spec.port && parsed.interfaceAddress === spec.interfaceAddress
  );
}

const sameRule = (a: ForwardingRuleSpec, b: ForwardingRuleSpec) =>
  a.port === b.port && a.interfaceAddress === b.interfaceAddress;

/** The plan that brings `current` to `desired`, given what this resource `previouslyAdded`. */
export function planSensorChanges(
  current: SensorSettings,
  desired: SensorDesired,
  previouslyAdded: SensorAdditions,
  layout: RunningConfigLayout,
): SensorPlan {
  const changes: string[] = [];
  const rules = [...current.rules];
  const ownedRules: ForwardingRuleSpec[] = [];

  // Our earlier rules that are no longer wanted: moved to the new port in place when only the port changed
  // (the rule keeps its position in the sensor's list), removed otherwise.
  for (const old of previouslyAdded.forwardingRules) {
    if (desired.forwardingRules.some((d) => sameRule(d, old))) {
      continue;
    }
    const index = rules.findIndex((r) => matches(r, old, layout));
    if (index < 0) {
      continue;
    }
    const moved = desired.forwardingRules.find(
      (d) => d.interfaceAddress === old.interfaceAddress && !rules.some((r) => matches(r, d, layout)),
    );
    if (moved) {
      rules[index] = withForwardingRulePort(rules[index] as Record<string, unknown>, moved.port, layout);
      ownedRules.push(moved);
      changes.push(
        `change packet-forwarding rule ${old.interfaceAddress} from port ${old.port} to port ${moved.port}`,
      );
    } else {
      rules.splice(index, 1);
      changes.push(`remove packet-forwarding rule ${describeRule(old)}`);
    }
  }

  for (const want of desired.forwardingRules) {
    if (ownedRules.some((o) => sameRule(o, want))) {
      continue;
    }
    if (rules.some((r) => matches(r, want, layout))) {
      // Already there: ours if we added it before, otherwise someone else's rule that we use and leave alone.
      if (previouslyAdded.forwardingRules.some((p) => sameRule(p, want))) {
        ownedRules.push(want);
      }
      continue;
    }
    rules.push(newForwardingRule(want.port, want.interfaceAddress, layout));
    ownedRules.push(want);
    changes.push(`add packet-forwarding rule ${describeRule(want)}`);
  }

  let rpcapEnabled = current.rpcapEnabled;
  let ownsRpcap = previouslyAdded.rpcapEnabled;
  if (desired.rpcapEnabled && !rpcapEnabled) {
    rpcapEnabled = true;
    ownsRpcap = true;
    changes.unshift("enable RPCAP");
  }

  const ranges = [...current.remoteDiscoveryRanges];
  const ownedCidrs: string[] = [];
  for (const old of previouslyAdded.remoteDiscoveryCidrs) {
    const index = ranges.indexOf(old);
    if (!desired.remoteDiscoveryCidrs.includes(old) && index >= 0) {
      ranges.splice(index, 1);
      changes.push(`remove ${old} from Remote L3 Device Discovery`);
    }
  }
  for (const want of desired.remoteDiscoveryCidrs) {
    if (ranges.includes(want)) {
      if (previouslyAdded.remoteDiscoveryCidrs.includes(want)) {
        ownedCidrs.push(want);
      }
      continue;
    }
    ranges.push(want);
    ownedCidrs.push(want);
    changes.push(`add ${want} to Remote L3 Device Discovery`);
  }

  return {
    settings: { rpcapEnabled, rules, remoteDiscoveryRanges: ranges },
    added: { rpcapEnabled: ownsRpcap, forwardingRules: ownedRules, remoteDiscoveryCidrs: ownedCidrs },
    changes,
  };
}

/**
 * The plan that takes away what this resource added: its rules and discovery CIDRs, and RPCAP itself when this
 * resource turned it on and no rule is left (someone else's rule still needs it on).
 */
export function planSensorRemoval(
  current: SensorSettings,
  added: SensorAdditions,
  layout: RunningConfigLayout,
): SensorPlan {
  const desiredNothing: SensorDesired = {
    rpcapEnabled: false,
    forwardingRules: [],
    remoteDiscoveryCidrs: [],
  };
  const plan = planSensorChanges(current, desiredNothing, added, layout);
  const changes = [...plan.changes];
  let rpcapEnabled = plan.settings.rpcapEnabled;
  if (added.rpcapEnabled && rpcapEnabled) {
    if (plan.settings.rules.length === 0) {
      rpcapEnabled = false;
      changes.push("disable RPCAP (this program enabled it and no packet-forwarding rule is left)");
    }
  }
  return {
    settings: { ...plan.settings, rpcapEnabled },
    added: { rpcapEnabled: false, forwardingRules: [], remoteDiscoveryCidrs: [] },
    changes,
  };
}

/** The desired items found in `settings`: what a refresh reports as present. */
export function presentOnSensor(
  settings: SensorSettings,
  desired: SensorDesired,
  layout: RunningConfigLayout,
): SensorDesired {
  return {
    rpcapEnabled: settings.rpcapEnabled,
    forwardingRules: desired.forwardingRules.filter((d) => settings.rules.some((r) => matches(r, d, layout))),
    remoteDiscoveryCidrs: desired.remoteDiscoveryCidrs.filter((c) =>
      settings.remoteDiscoveryRanges.includes(c),
    ),
  };
}
