/**
 * A running config for the fake sensor, laid out as `DEFAULT_RUNNING_CONFIG_LAYOUT` assumes, with settings that
 * belong to others: another team's packet-forwarding rule, an existing discovery range and unrelated sections.
 * Section and key names outside the assumed layout are invented filler: they exist so tests can prove that
 * everything we do not manage survives our writes untouched.
 */

/** Another team's rule, with a filter and a field this program does not know. */
export const OTHERS_RULE = {
  port: 2003,
  ifaddr: "192.168.50.0/24",
  ifname: "eth1",
  filter: "tcp port 443",
  note: "dc-1",
};

/** A discovery range someone else configured. */
export const OTHERS_DISCOVERY_RANGE = "172.31.0.0/16";

/** The sample: RPCAP off and another team's rule present unless asked otherwise. */
export function sampleRunningConfig(
  options: { rpcapEnabled?: boolean; othersRule?: boolean } = {},
): Record<string, unknown> {
  return {
    capture: {
      mode: "wire",
      rpcap: {
        enabled: options.rpcapEnabled ?? false,
        rules: options.othersRule === false ? [] : [OTHERS_RULE],
      },
      remote_l3_discovery: { ranges: [OTHERS_DISCOVERY_RANGE] },
      flow_timeout: 120,
    },
    dns: { servers: ["10.20.0.2"] },
    ntp: { servers: ["169.254.169.123"] },
    ssl_decrypt: { enabled: true },
  };
}
