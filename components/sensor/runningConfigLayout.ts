/**
 * Where RPCAP and Remote L3 Device Discovery live inside the sensor's running config: the ONLY module that knows
 * JSON keys of the running config.
 *
 * UNVERIFIED: ExtraHop documents the running config endpoints (GET/PUT `/api/v1/runningconfig`, POST
 * `/api/v1/runningconfig/save`) and the settings in the Administration UI (Capture > RPCAP: port, interface
 * address, interface name, filter; Capture > Device Discovery: Remote L3 Discovery IP ranges), but not the JSON
 * keys that hold those settings. `DEFAULT_RUNNING_CONFIG_LAYOUT` is an assumption; every key is data here, so a
 * user who reads their sensor's `GET /api/v1/runningconfig` can correct it through `runningConfigLayout` without a
 * code change. The operations refuse to invent a top-level section and read the config back after every write,
 * so a wrong layout fails loudly instead of silently configuring nothing. See docs/sensor.md.
 */

/** Field names of one packet-forwarding rule object. */
export interface ForwardingRuleFields {
  /** Key of the TCP port RPCAP clients connect to. */
  port: string;
  /** Key of the interface address (a CIDR) the rule applies to. */
  interfaceAddress: string;
  /** Key of the interface name (empty in our rules). */
  interfaceName: string;
  /** Key of the BPF filter (empty in our rules). */
  filter: string;
}

/** Paths and keys of the settings this program manages, inside the running config document. */
export interface RunningConfigLayout {
  /** Path of the object that holds the RPCAP settings; its first element must already exist on the sensor. */
  rpcapPath: string[];
  /** Key, in that object, of the boolean that turns RPCAP on. */
  rpcapEnabledKey: string;
  /** Key, in that object, of the array of packet-forwarding rules. */
  forwardingRulesKey: string;
  /** Field names of one rule. */
  ruleFields: ForwardingRuleFields;
  /** Path of the array of CIDRs of Remote L3 Device Discovery; its first element must already exist. */
  remoteDiscoveryPath: string[];
}

/** The assumed layout (UNVERIFIED against a real sensor: see the module comment). */
export const DEFAULT_RUNNING_CONFIG_LAYOUT: RunningConfigLayout = {
  rpcapPath: ["capture", "rpcap"],
  rpcapEnabledKey: "enabled",
  forwardingRulesKey: "rules",
  ruleFields: { port: "port", interfaceAddress: "ifaddr", interfaceName: "ifname", filter: "filter" },
  remoteDiscoveryPath: ["capture", "remote_l3_discovery", "ranges"],
};

/** A running config document: the JSON object the sensor returns and accepts. */
export type RunningConfig = Record<string, unknown>;

/** The managed settings as read from a running config, rules kept as the sensor's own objects. */
export interface SensorSettings {
  /** True when RPCAP is on. */
  rpcapEnabled: boolean;
  /** Packet-forwarding rules as the sensor holds them; entries are carried over untouched on write. */
  rules: unknown[];
  /** Remote L3 Device Discovery ranges as the sensor holds them (CIDR strings in the assumed layout). */
  remoteDiscoveryRanges: unknown[];
}

/** A rule's meaning, as far as this program cares. */
export interface ParsedForwardingRule {
  /** Port. */
  port: number;
  /** Interface address (CIDR or address, as the sensor holds it). */
  interfaceAddress: string;
  /** Interface name, empty when unset. */
  interfaceName: string;
  /** Filter, empty when unset. */
  filter: string;
}

/** The layout with a user's partial override applied (rule fields merge key by key). */
export function resolveLayout(override: Partial<RunningConfigLayout> = {}): RunningConfigLayout {
  return {
    ...DEFAULT_RUNNING_CONFIG_LAYOUT,
    ...override,
    ruleFields: { ...DEFAULT_RUNNING_CONFIG_LAYOUT.ruleFields, ...(override.ruleFields ?? {}) },
  };
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** The value at `path`, or undefined when any step is missing; throws when a step is not an object. */
function valueAt(doc: RunningConfig, path: string[]): unknown {
  let current: unknown = doc;
  for (const [i, key] of path.entries()) {
    if (current === undefined) {
      return undefined;
    }
    if (!isObject(current)) {
      throw new Error(
        `runningConfigLayout: ${path.slice(0, i).join(".")} in the sensor's running config is not an object ` +
          `(found ${JSON.stringify(current)}); the layout does not match this sensor (docs/sensor.md)`,
      );
    }
    current = current[key];
  }
  return current;
}

/** Reads the managed settings; absent settings read as "off" and "empty". */
export function readSensorSettings(doc: RunningConfig, layout: RunningConfigLayout): SensorSettings {
  const rpcap = valueAt(doc, layout.rpcapPath);
  if (rpcap !== undefined && !isObject(rpcap)) {
    throw new Error(
      `runningConfigLayout: ${layout.rpcapPath.join(".")} is not an object on this sensor ` +
        `(found ${JSON.stringify(rpcap)}); the layout does not match this sensor (docs/sensor.md)`,
    );
  }
  const rules = rpcap?.[layout.forwardingRulesKey] ?? [];
  if (!Array.isArray(rules)) {
    throw new Error(
      `runningConfigLayout: ${[...layout.rpcapPath, layout.forwardingRulesKey].join(".")} is not an array on ` +
        `this sensor (found ${JSON.stringify(rules)}); the layout does not match this sensor (docs/sensor.md)`,
    );
  }
  const discovery = valueAt(doc, layout.remoteDiscoveryPath) ?? [];
  if (!Array.isArray(discovery)) {
    throw new Error(
      `runningConfigLayout: ${layout.remoteDiscoveryPath.join(".")} is not an array on this sensor ` +
        `(found ${JSON.stringify(discovery)}); the layout does not match this sensor (docs/sensor.md)`,
    );
  }
  return {
    rpcapEnabled: rpcap?.[layout.rpcapEnabledKey] === true,
    rules,
    remoteDiscoveryRanges: discovery,
  };
}

/** A rule's port, address, name and filter; undefined for entries this program cannot read (never ours). */
export function parseForwardingRule(
  rule: unknown,
  layout: RunningConfigLayout,
): ParsedForwardingRule | undefined {
  if (!isObject(rule)) {
    return undefined;
  }
  const f = layout.ruleFields;
  const port = typeof rule[f.port] === "string" ? Number(rule[f.port]) : rule[f.port];
  const address = rule[f.interfaceAddress];
  if (typeof port !== "number" || !Number.isInteger(port) || typeof address !== "string") {
    return undefined;
  }
  const text = (v: unknown) => (typeof v === "string" ? v : "");
  return {
    port,
    interfaceAddress: address,
    interfaceName: text(rule[f.interfaceName]),
    filter: text(rule[f.filter]),
  };
}

/** A new rule object: interface name and filter empty, as the vendor's Kubernetes guide prescribes. */
export function newForwardingRule(
  port: number,
  interfaceAddress: string,
  layout: RunningConfigLayout,
): Record<string, unknown> {
  const f = layout.ruleFields;
  return { [f.port]: port, [f.interfaceAddress]: interfaceAddress, [f.interfaceName]: "", [f.filter]: "" };
}

/** The same rule object on another port; every other field (known or not) is kept. */
export function withForwardingRulePort(
  rule: Record<string, unknown>,
  port: number,
  layout: RunningConfigLayout,
): Record<string, unknown> {
  return { ...rule, [layout.ruleFields.port]: port };
}

/** Sets `value` at `path` in `doc` (mutating), creating missing objects below the first, existing, key. */
function setAt(doc: RunningConfig, path: string[], value: unknown): void {
  const [top] = path;
  if (top === undefined || !isObject(doc[top])) {
    throw new Error(
      `runningConfigLayout: the sensor's running config has no "${top}" section, so ${path.join(".")} cannot ` +
        `be written; the layout does not match this sensor (docs/sensor.md). Sections present: ` +
        `${Object.keys(doc).sort().join(", ") || "none"}`,
    );
  }
  let current = doc;
  for (const key of path.slice(0, -1)) {
    if (current[key] === undefined) {
      current[key] = {};
    }
    current = current[key] as RunningConfig;
  }
  current[path[path.length - 1] as string] = value;
}

/**
 * A copy of `doc` with the managed settings replaced; everything else is carried over unchanged. A setting that
 * did not change is not written, so a sensor whose config lacks, say, the discovery key never receives it.
 */
export function writeSensorSettings(
  doc: RunningConfig,
  settings: SensorSettings,
  layout: RunningConfigLayout,
): RunningConfig {
  const copy = structuredClone(doc);
  // Reading first validates every step of both paths before anything is written.
  const current = readSensorSettings(copy, layout);
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  if (current.rpcapEnabled !== settings.rpcapEnabled || !same(current.rules, settings.rules)) {
    const rpcap = { ...((valueAt(copy, layout.rpcapPath) as RunningConfig | undefined) ?? {}) };
    rpcap[layout.rpcapEnabledKey] = settings.rpcapEnabled;
    rpcap[layout.forwardingRulesKey] = settings.rules;
    setAt(copy, layout.rpcapPath, rpcap);
  }
  if (!same(current.remoteDiscoveryRanges, settings.remoteDiscoveryRanges)) {
    setAt(copy, layout.remoteDiscoveryPath, settings.remoteDiscoveryRanges);
  }
  return copy;
}
