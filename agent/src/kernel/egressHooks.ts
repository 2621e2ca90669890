/**
 * Keeps one egress chain on every device a selected packet can leave through (egressRuleset.ts), following the
 * node's devices as pods come and go: new devices are hooked in one transaction each batch, gone ones unhooked.
 * Until a device is hooked, packets leaving through it take the `dup` path, so a lag here costs speed, never a
 * packet.
 */
import type { Logger } from "../log";
import { nftApply } from "./nft";
import type { Link } from "./links";
import { HookedDevice, hookDevice, renderEgressProbe, unhookDevice, unmarkDevice } from "./egressRuleset";

/** Options of {@link EgressHooks}. */
export interface EgressHooksOptions {
  /** The capture device clones go to. */
  captureDevice: string;
  /** Devices never hooked (the capture device, its peer). */
  excluded: readonly string[];
  /** Mark bit set by the L3 decision. */
  captureMark: number;
  /** Logger. */
  log: Logger;
}

/**
 * Whether a device's egress can carry a marked packet and clone it as an Ethernet frame. Only Ethernet devices: a
 * frame cloned at the egress of an L3 device (tunl0, WireGuard) has no Ethernet header, which the capture device
 * would send as garbage; those keep the dup path, which routes the clone. The IP stack never routes out of a bridge
 * port or a bond slave (their master is the output device), and bridged frames leave through a port, not the
 * bridge: neither can carry a marked packet.
 */
export function egressHookable(l: Link): boolean {
  return l.linkType === "ether" && l.kind !== "bridge" && l.master === undefined;
}

/** True when this kernel (and nft) can clone at a device's egress hook. */
export async function egressHooksSupported(captureDevice: string): Promise<{ ok: boolean; reason?: string }> {
  try {
    await nftApply(renderEgressProbe(`extrahop_probe_${process.pid}`, captureDevice));
    return { ok: true };
  } catch (e) {
    return { ok: false, reason: e instanceof Error ? e.message : String(e) };
  }
}

/** The set of hooked devices, reconciled with the device list. */
export class EgressHooks {
  private readonly hooked = new Map<number, string>();

  constructor(private readonly o: EgressHooksOptions) {}

  /** How many devices have an egress chain. */
  count(): number {
    return this.hooked.size;
  }

  /** Hooks new devices and unhooks gone ones. */
  async reconcile(links: readonly Link[]): Promise<void> {
    const wanted = new Map<number, string>();
    for (const l of links) {
      if (l.name !== "lo" && !this.o.excluded.includes(l.name)) {
        wanted.set(l.ifindex, l.name);
      }
    }
    const gone = [...this.hooked.keys()].filter((i) => wanted.get(i) !== this.hooked.get(i));
    if (gone.length > 0) {
      try {
        await nftApply(gone.map(unmarkDevice).join(""));
      } catch (e) {
        this.o.log.warn("could not unmark gone devices", { error: e, ifindexes: gone });
      }
      for (const i of gone) {
        // Kernels before 6.16 released the chain with its device already.
        await nftApply(unhookDevice(i)).catch(() => undefined);
        this.hooked.delete(i);
      }
    }
    const fresh: HookedDevice[] = [...wanted.entries()]
      .filter(([i]) => !this.hooked.has(i))
      .map(([ifindex, name]) => ({ ifindex, name }));
    if (fresh.length === 0) {
      return;
    }
    const text = (ds: HookedDevice[]): string =>
      ds.map((d) => hookDevice(d, this.o.captureDevice, this.o.captureMark)).join("");
    try {
      await nftApply(text(fresh));
      fresh.forEach((d) => this.hooked.set(d.ifindex, d.name));
    } catch {
      // A device vanished in between, or one cannot take a hook: one at a time.
      for (const d of fresh) {
        try {
          await nftApply(text([d]));
          this.hooked.set(d.ifindex, d.name);
        } catch (e) {
          this.o.log.debug("device not hooked; its packets take the dup path", { device: d.name, error: e });
        }
      }
    }
    this.o.log.debug("egress hooks", { hooked: this.hooked.size, added: fresh.length, removed: gone.length });
  }
}
