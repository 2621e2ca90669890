/**
 * The capture device: the one interface rpcapd reads, which carries nothing but the clones of selected packets, so
 * the sensor receives Ethernet frames (DLT_EN10MB) of exactly the selection.
 *
 * Preferred kind: `ifb`. Its transmit function drops every frame that was not redirected to it by tc
 * (drivers/net/ifb.c, `ifb_xmit`: `if (!skb->redirected || !skb->skb_iif) { dev_kfree_skb(skb); ... }`), and the
 * packet taps (rpcapd's socket) have already seen the frame in `dev_queue_xmit_nit`, so a clone costs one transmit
 * and nothing after it. Fallback when the kernel has no ifb (it is a module on common distribution kernels, loaded
 * on demand by `ip link add ... type ifb`): a veth pair, whose peer receives every clone and drops it before IP
 * (the frames are addressed to a MAC nobody owns), at the price of a receive path per clone. (`dummy` would do the
 * same as ifb but is missing from some kernels, this one included.)
 *
 * Set-up, both kinds: no IPv6 link-local address (the device never sends anything of its own), MTU 65535 (a clone
 * is never refragmented for it), GSO/TSO/GRO off (the kernel segments 64 KiB aggregates before the tap, so the
 * sensor gets wire-sized frames), a link-scope address (never picked as a source address) and a permanent
 * neighbour for the `dup` gateway (no ARP), `noqueue` (no qdisc between the clone and the tap). The alias
 * `extrahop-rpcapd <owner>` marks the instance that made it: only that instance removes it.
 */
import type { CaptureDeviceKind } from "../../../components/contract/agentEnv";
import type { Logger } from "../log";
import { CommandError, runCommand, runCommandSync } from "../process/run";
import { CAPTURE_ADDRESS, CAPTURE_GATEWAY } from "./ruleset";

/** The MAC address of the `dup` gateway: locally administered, owned by no device. */
export const CAPTURE_GATEWAY_MAC = "02:eb:00:00:00:02";

/** Options of {@link createCaptureDevice}. */
export interface CaptureDeviceOptions {
  /** Device name. */
  name: string;
  /** Peer name (veth only). */
  peer: string;
  /** Requested kind. */
  kind: CaptureDeviceKind;
  /** Instance id for the alias. */
  owner: string;
  /** Logger. */
  log: Logger;
}

/** The device made. */
export interface CaptureDevice {
  /** Name. */
  name: string;
  /** Kind actually used. */
  kind: "ifb" | "veth";
  /** The veth peer, when there is one. */
  peer?: string;
}

async function ip(args: string[]): Promise<void> {
  const r = await runCommand("ip", args);
  if (r.code !== 0) {
    throw new CommandError(`ip ${args.join(" ")}`, r);
  }
}

/** The alias text of an instance's capture device. */
export function captureAlias(owner: string): string {
  return `extrahop-rpcapd ${owner}`;
}

/** (Re)creates the capture device; the previous one of that name, whoever made it, is replaced. */
export async function createCaptureDevice(o: CaptureDeviceOptions): Promise<CaptureDevice> {
  await runCommand("ip", ["link", "del", o.name]);
  let kind: "ifb" | "veth" = o.kind === "veth" ? "veth" : "ifb";
  if (kind === "ifb") {
    const r = await runCommand("ip", ["link", "add", o.name, "type", "ifb"]);
    if (r.code !== 0) {
      if (o.kind === "ifb") {
        throw new CommandError(`ip link add ${o.name} type ifb (CAPTURE_DEVICE_KIND=ifb)`, r);
      }
      o.log.warn(
        "no ifb in this kernel; the capture device is a veth pair (every clone also crosses its peer)",
        {
          reason: r.stderr.trim(),
        },
      );
      kind = "veth";
    }
  }
  if (kind === "veth") {
    await runCommand("ip", ["link", "del", o.peer]);
    await ip(["link", "add", o.name, "type", "veth", "peer", "name", o.peer]);
  }
  await ip(["link", "set", o.name, "alias", captureAlias(o.owner)]);
  for (const dev of kind === "veth" ? [o.name, o.peer] : [o.name]) {
    await ip(["link", "set", dev, "addrgenmode", "none"]);
    await ip(["link", "set", dev, "mtu", "65535"]);
  }
  await ip(["addr", "add", `${CAPTURE_ADDRESS}/30`, "dev", o.name, "scope", "link"]);
  const eth = await runCommand("ethtool", ["-K", o.name, "gso", "off", "tso", "off", "gro", "off"]);
  if (eth.code !== 0) {
    o.log.warn(
      "could not turn segmentation offloads off on the capture device: the sensor may get 64 KiB aggregates",
      {
        device: o.name,
        reason: eth.stderr.trim(),
      },
    );
  }
  if (kind === "veth") {
    await ip(["link", "set", o.peer, "up"]);
  } else {
    const tc = await runCommand("tc", ["qdisc", "replace", "dev", o.name, "root", "noqueue"]);
    if (tc.code !== 0) {
      o.log.warn("could not set noqueue on the capture device (a queue of 32 stays in front of the tap)", {
        reason: tc.stderr.trim(),
      });
    }
  }
  await ip(["link", "set", o.name, "up"]);
  await ip([
    "neigh",
    "replace",
    CAPTURE_GATEWAY,
    "lladdr",
    CAPTURE_GATEWAY_MAC,
    "dev",
    o.name,
    "nud",
    "permanent",
  ]);
  return { name: o.name, kind, peer: kind === "veth" ? o.peer : undefined };
}

/** The alias of a device, or undefined when it does not exist. */
export function deviceAliasSync(name: string): string | undefined {
  const r = runCommandSync("ip", ["-j", "link", "show", "dev", name]);
  if (r.code !== 0) {
    return undefined;
  }
  const [link] = JSON.parse(r.stdout) as { ifalias?: string }[];
  return link?.ifalias ?? "";
}

/** Removes the device if this instance made it (synchronous: runs on the way out). */
export function removeOwnCaptureDeviceSync(name: string, owner: string): "removed" | "absent" | "not-ours" {
  const alias = deviceAliasSync(name);
  if (alias === undefined) {
    return "absent";
  }
  if (alias !== captureAlias(owner)) {
    return "not-ours";
  }
  runCommandSync("ip", ["link", "del", name]);
  return "removed";
}
