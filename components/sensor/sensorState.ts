/**
 * The shapes the sensor resource works with: its inputs as the provider receives them (resolved, secrets
 * unwrapped) and the state it records, including what it added to the sensor, which is what delete takes away.
 */
import type { RunningConfigLayout } from "./runningConfigLayout";

/** How the sensor's HTTPS certificate is verified. */
export interface SensorTlsSettings {
  /** PEM bundle of the CA(s) that signed the sensor's certificate; replaces the system's trusted CAs. */
  caCertificate?: string;
  /** Skip certificate verification (the key still travels encrypted, but to whoever answers). */
  insecure?: boolean;
  /** Name to verify the certificate against, when `apiUrl` uses an address the certificate does not name. */
  serverName?: string;
}

/** One packet-forwarding rule this program manages (interface name and filter empty). */
export interface ForwardingRuleSpec {
  /** Port RPCAP clients connect to (the agent's `RPCAPD_TARGET_PORT`). */
  port: number;
  /** Interface address of the rule: a pod CIDR. */
  interfaceAddress: string;
}

/** The resource's inputs, as the provider receives them. */
export interface SensorConfigurationInputs {
  /** Base URL of the sensor's REST API (`https://sensor`, `/api/v1` optional). */
  apiUrl: string;
  /** API key, sent as `Authorization: ExtraHop apikey=<key>`. */
  apiKey: string;
  /** Certificate verification settings. */
  tls: SensorTlsSettings;
  /** Desired RPCAP switch: true from the program; a refresh that finds RPCAP off records false. */
  rpcapEnabled: boolean;
  /** Desired packet-forwarding rules, one per pod CIDR. */
  forwardingRules: ForwardingRuleSpec[];
  /** Desired Remote L3 Device Discovery CIDRs (empty when not asked). */
  remoteDiscoveryCidrs: string[];
  /** Where the settings live in the running config. */
  runningConfigLayout: RunningConfigLayout;
}

/** What this resource added to the sensor; delete removes exactly this, nothing that was there before. */
export interface SensorAdditions {
  /** True when RPCAP was off and this resource turned it on. */
  rpcapEnabled: boolean;
  /** Rules this resource created (rules that already existed are used, not owned). */
  forwardingRules: ForwardingRuleSpec[];
  /** Discovery CIDRs this resource added. */
  remoteDiscoveryCidrs: string[];
}

/** The recorded state: the inputs, what was added, and what the last operation changed. */
export interface SensorConfigurationState extends SensorConfigurationInputs {
  /** What this resource added (reverted on delete). */
  added: SensorAdditions;
  /** What the last create or update changed on the sensor, one sentence each (empty when nothing). */
  changes: string[];
}

/**
 * How the engine hands a provider a value a preview does not know yet (@pulumi/pulumi runtime/rpc.js
 * `unknownValue`): `check` and `diff` see it in place of any input computed from another resource.
 */
export const UNKNOWN_VALUE = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** Nothing added yet. */
export const NOTHING_ADDED: SensorAdditions = {
  rpcapEnabled: false,
  forwardingRules: [],
  remoteDiscoveryCidrs: [],
};

/** Text form of a rule for messages and set comparisons. */
export function describeRule(rule: ForwardingRuleSpec): string {
  return `${rule.interfaceAddress} on port ${rule.port}`;
}
