/**
 * Set contents as reference counts, remembering which elements changed since the kernel was last told. Several
 * objects can put the same address into a set (a node's InternalIP and its agent pod's host address; a deleted
 * pod whose address a new pod already reuses): the element stays while anyone contributes it, and only a count
 * going 0 -> 1 or 1 -> 0 is a change for the kernel.
 */
import { formatIpv4, formatIpv4Prefix, Ipv4, Ipv4Prefix, prefixMask } from "./ipv4";
import type { SetChanges } from "./sets";

/** Addresses with counts, and the net changes not yet taken. */
export class AddressCounts {
  private readonly counts = new Map<Ipv4, number>();
  // Addresses whose presence differs from what the kernel was last given: a second flip cancels the first.
  private readonly changed = new Set<Ipv4>();

  /** Number of distinct addresses present. */
  get size(): number {
    return this.counts.size;
  }

  /** True when the address is present. */
  has(address: Ipv4): boolean {
    return this.counts.has(address);
  }

  /** One more contribution of the address. */
  add(address: Ipv4): void {
    const n = this.counts.get(address) ?? 0;
    this.counts.set(address, n + 1);
    if (n === 0) {
      this.flip(address);
    }
  }

  /** One contribution fewer. */
  remove(address: Ipv4): void {
    const n = this.counts.get(address);
    if (n === undefined) {
      throw new Error(`address ${formatIpv4(address)} removed more often than added`);
    }
    if (n === 1) {
      this.counts.delete(address);
      this.flip(address);
    } else {
      this.counts.set(address, n - 1);
    }
  }

  /** True when changes wait to be taken. */
  get pending(): boolean {
    return this.changed.size > 0;
  }

  /** The changes since the last take, in nft syntax; afterwards the kernel is assumed to hold the contents. */
  take(): SetChanges {
    const out: SetChanges = { add: [], delete: [] };
    for (const a of this.changed) {
      (this.counts.has(a) ? out.add : out.delete).push(formatIpv4(a));
    }
    this.changed.clear();
    return out;
  }

  /** Undoes a take whose changes never reached the kernel (they are owed again, merged with newer ones). */
  untake(taken: SetChanges, parse: (element: string) => Ipv4 | undefined): void {
    for (const text of [...taken.add, ...taken.delete]) {
      const a = parse(text);
      if (a !== undefined) {
        this.flip(a);
      }
    }
  }

  /** Every address present (tests, full resynchronisation). */
  *[Symbol.iterator](): IterableIterator<Ipv4> {
    yield* this.counts.keys();
  }

  private flip(address: Ipv4): void {
    if (!this.changed.delete(address)) {
      this.changed.add(address);
    }
  }
}

const keyOf = (p: Ipv4Prefix): string => formatIpv4Prefix(p);

/**
 * Prefixes with counts, for an interval set. The kernel refuses overlapping intervals ("interval overlaps with an
 * existing one"), so a prefix inside another present prefix is kept back until the outer one goes.
 */
export class PrefixCounts {
  private readonly counts = new Map<string, { prefix: Ipv4Prefix; n: number }>();
  private kernel = new Set<string>();
  private dirty = false;

  /** Number of distinct prefixes present (nested ones included). */
  get size(): number {
    return this.counts.size;
  }

  /** One more contribution of the prefix. */
  add(prefix: Ipv4Prefix): void {
    const key = keyOf(prefix);
    const entry = this.counts.get(key);
    if (entry) {
      entry.n++;
    } else {
      this.counts.set(key, { prefix, n: 1 });
      this.dirty = true;
    }
  }

  /** One contribution fewer. */
  remove(prefix: Ipv4Prefix): void {
    const key = keyOf(prefix);
    const entry = this.counts.get(key);
    if (!entry) {
      throw new Error(`prefix ${key} removed more often than added`);
    }
    if (--entry.n === 0) {
      this.counts.delete(key);
      this.dirty = true;
    }
  }

  /** True when changes may wait to be taken. */
  get pending(): boolean {
    return this.dirty;
  }

  /** The prefixes the kernel should hold: the present ones not inside another present one. */
  visible(): Set<string> {
    const lengths = [...new Set([...this.counts.values()].map((e) => e.prefix.length))].sort((a, b) => a - b);
    const out = new Set<string>();
    for (const [key, { prefix }] of this.counts) {
      const inside = lengths.some(
        (len) =>
          len < prefix.length &&
          this.counts.has(keyOf({ base: (prefix.base & prefixMask(len)) | 0, length: len })),
      );
      if (!inside) {
        out.add(key);
      }
    }
    return out;
  }

  /** The changes since the last take; afterwards the kernel is assumed to hold them. */
  take(): SetChanges {
    if (!this.dirty) {
      return { add: [], delete: [] };
    }
    this.dirty = false;
    const next = this.visible();
    const out: SetChanges = {
      add: [...next].filter((k) => !this.kernel.has(k)),
      delete: [...this.kernel].filter((k) => !next.has(k)),
    };
    this.kernel = next;
    return out;
  }

  /** Undoes a take whose changes never reached the kernel. */
  untake(taken: SetChanges): void {
    for (const k of taken.add) {
      this.kernel.delete(k);
    }
    for (const k of taken.delete) {
      this.kernel.add(k);
    }
    this.dirty = true;
  }
}
