/**
 * The kernel sets membership fills, and the contract with whatever writes them (the nft session in the agent, a
 * recording fake in tests).
 *
 * Addresses and prefixes live in different sets because of what nft 1.0.6 (Debian 12) does with interval sets: every
 * `add element`/`delete element` command first downloads all elements of every interval set of the table into its
 * cache, so one small transaction costs time proportional to the interval sets' size (measured here on kernel 6.18:
 * about 70 ms with 30,000 addresses in an interval set, 7.6 s with 150,000, against about 1 ms in a plain hash set).
 * Pod and node addresses therefore go to plain sets and only the few prefixes (node pod CIDRs) to an interval set.
 */

/** The membership sets. */
export type SetName = "covered4" | "coverednets4" | "sidecar4" | "nodes4";

/** Every membership set, in the order transactions touch them. */
export const SET_NAMES: readonly SetName[] = ["covered4", "coverednets4", "sidecar4", "nodes4"];

/** Elements to add and delete in one set, in nft syntax: `"10.1.2.3"` or `"10.244.1.0/24"`. */
export interface SetChanges {
  /** Elements to add (never already present). */
  add: string[];
  /** Elements to delete (always present). */
  delete: string[];
}

/** Where membership writes its changes: each call is one atomic update of the kernel sets. */
export interface KernelSets {
  /**
   * Applies the changes as one transaction; resolves once the kernel holds them. Membership never calls it again
   * before the previous call settled.
   */
  apply(changes: Partial<Record<SetName, SetChanges>>): Promise<void>;
}

/** How each set is declared: plain sets hold addresses, interval sets hold prefixes. */
export const SET_DECLARATIONS: Readonly<Record<SetName, { interval: boolean; comment: string }>> = {
  covered4: { interval: false, comment: "addresses whose packets were reported before they reach this node" },
  coverednets4: {
    interval: true,
    comment: "prefixes whose packets were reported before they reach this node",
  },
  sidecar4: { interval: false, comment: "Fargate pods whose capture sidecar is ready" },
  nodes4: { interval: false, comment: "InternalIP of every node" },
};

/** The nft declaration of one membership set, for a table body. */
export function renderSetDeclaration(name: SetName): string {
  const d = SET_DECLARATIONS[name];
  const flags = d.interval ? "\n\t\tflags interval" : "";
  return `\tset ${name} {\n\t\ttype ipv4_addr${flags}\n\t\tcomment ${JSON.stringify(d.comment)}\n\t}`;
}
