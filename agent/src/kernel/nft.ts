/**
 * nft invocations of the agent: load a ruleset or a batch of commands as one transaction (`nft -f -`), read the
 * named counters, remove a table only while it still carries this instance's owner comment (an instance that took
 * the node over keeps its table).
 */
import type { CommandResult } from "../process/run";
import { CommandError, runCommand, runCommandSync } from "../process/run";

/** Applies commands as one nft transaction; rejects with what nft said. */
export async function nftApply(commands: string): Promise<void> {
  if (commands.trim() === "") {
    return;
  }
  const r = await runCommand("nft", ["-f", "-"], { input: commands });
  if (r.code !== 0) {
    throw new CommandError("nft -f -", r);
  }
}

/** A table's owner comment and kernel handle (a replaced table gets a new handle). */
export interface TableIdentity {
  /** The `owner <instance>` comment's instance, or "" without one. */
  owner: string;
  /** The table's handle. */
  handle: number;
}

/** Parses the head of `nft -t -a list table ...`. */
export function parseTableIdentity(text: string): TableIdentity | undefined {
  const handle = /^table \S+ \S+ \{ # handle (\d+)/m.exec(text)?.[1];
  if (handle === undefined) {
    return undefined;
  }
  return { owner: /comment "owner ([^"]*)"/.exec(text)?.[1] ?? "", handle: Number(handle) };
}

/** The owner and handle of a table, or undefined when the table does not exist. */
export function tableIdentitySync(family: string, table: string): TableIdentity | undefined {
  // -t (terse) leaves set elements out: the membership sets may hold tens of thousands.
  const r: CommandResult = runCommandSync("nft", ["-t", "-a", "list", "table", family, table]);
  return r.code === 0 ? parseTableIdentity(r.stdout) : undefined;
}

/** What happened to a table at cleanup. */
export type TableRemoval = "removed" | "absent" | "not-ours" | "failed";

/**
 * Deletes the table if this instance owns it (synchronous: runs on the way out). By handle: an instance taking the
 * node over may replace the table between the owner check and the delete, and its table has another handle.
 */
export function removeOwnTableSync(family: string, table: string, owner: string): TableRemoval {
  const current = tableIdentitySync(family, table);
  if (current === undefined) {
    return "absent";
  }
  if (current.owner !== owner) {
    return "not-ours";
  }
  const r = runCommandSync("nft", ["delete", "table", family, "handle", String(current.handle)]);
  if (r.code === 0) {
    return "removed";
  }
  return tableIdentitySync(family, table)?.owner === owner ? "failed" : "not-ours";
}

/** A named counter's values. */
export interface CounterValue {
  /** Packets counted. */
  packets: number;
  /** Bytes counted. */
  bytes: number;
}

/** Parses `nft -j list counters table ...` into name -> value. */
export function parseCounters(json: string): Map<string, CounterValue> {
  const out = new Map<string, CounterValue>();
  const doc = JSON.parse(json) as {
    nftables?: { counter?: { name: string; packets: number; bytes: number } }[];
  };
  for (const item of doc.nftables ?? []) {
    if (item.counter) {
      out.set(item.counter.name, { packets: item.counter.packets, bytes: item.counter.bytes });
    }
  }
  return out;
}

/** Reads the named counters of a table; empty when the table is missing. */
export async function readCounters(family: string, table: string): Promise<Map<string, CounterValue>> {
  const r = await runCommand("nft", ["-j", "list", "counters", "table", family, table]);
  return r.code === 0 ? parseCounters(r.stdout) : new Map();
}
