/**
 * The node's network devices as `ip -details -json address show` reports them: name, index, kind (the rtnetlink
 * `IFLA_INFO_KIND`: veth, vxlan, ipip, bridge, ifb, ...; absent for physical NICs such as ENIs), alias and IPv4
 * addresses. One reader for datapath detection, uplinks, the egress hooks and the mirrored ENIs.
 */
import { runChecked } from "../process/run";

/** One network device. */
export interface Link {
  /** Interface index (never reused for a new device until the counter wraps). */
  ifindex: number;
  /** Interface name. */
  name: string;
  /** rtnetlink kind (`veth`, `vxlan`, `ipip`, `bridge`, `ifb`, `vlan`, ...); undefined for physical devices. */
  kind?: string;
  /** Administrative state is up. */
  up: boolean;
  /** `ip link set ... alias` text, if any. */
  alias?: string;
  /** The device this one is enslaved to (a bridge port's bridge, a bond slave's bond), if any. */
  master?: string;
  /** Link-layer type as ip names it (`ether`, `loopback`, `ipip`, `none` for WireGuard, ...). */
  linkType?: string;
  /** IPv4 addresses, without prefix length. */
  ipv4: string[];
}

interface IpJsonLink {
  ifindex: number;
  ifname: string;
  flags?: string[];
  ifalias?: string;
  master?: string;
  link_type?: string;
  linkinfo?: { info_kind?: string };
  addr_info?: { family?: string; local?: string }[];
}

/** Parses `ip -d -j addr show` output. */
export function parseLinks(json: string): Link[] {
  const raw = JSON.parse(json) as IpJsonLink[];
  return raw
    .filter((l) => typeof l.ifindex === "number" && typeof l.ifname === "string")
    .map((l) => ({
      ifindex: l.ifindex,
      name: l.ifname,
      kind: l.linkinfo?.info_kind,
      up: (l.flags ?? []).includes("UP"),
      alias: l.ifalias,
      master: l.master,
      linkType: l.link_type,
      ipv4: (l.addr_info ?? [])
        .filter((a) => a.family === "inet" && typeof a.local === "string")
        .map((a) => a.local as string),
    }));
}

/** Reads the devices of the current network namespace. */
export async function readLinks(): Promise<Link[]> {
  return parseLinks(await runChecked("ip", ["-d", "-j", "address", "show"]));
}

/**
 * True when `name` matches one of `patterns`: exact names, or prefixes ending in `*` (nft's wildcard syntax, which
 * the uplink and ENI patterns share).
 */
export function matchesIfnamePattern(name: string, patterns: readonly string[]): boolean {
  return patterns.some((p) => (p.endsWith("*") ? name.startsWith(p.slice(0, -1)) : name === p));
}
