// Counting which netfilter hooks of a node a packet crosses, and as what: a throwaway nft table with one counter per
// (hook, match). Used to check the simulated datapaths themselves (an outer IP-in-IP or VXLAN packet is locally
// generated on the sending node and crosses its output and postrouting hooks; the inner packet arrives on the tunnel
// device of the receiving node; bridged pod traffic crosses the IP hooks with br_netfilter), independently of any
// agent. The table is created at priority -300 (before NAT and the agent's -150), counts and never drops.
import { nsSh } from "./netns";

/** One counter: a hook of the node and an nft match expression. */
export interface ProbeCounter {
  name: string;
  hook: "prerouting" | "input" | "forward" | "output" | "postrouting";
  match: string;
}

const TABLE = "ehsim_probe";

/** Installs the counters in a namespace (replacing an earlier probe). */
export function installProbe(ns: string, counters: ProbeCounter[]): void {
  const hooks = [...new Set(counters.map((c) => c.hook))];
  const lines = [
    `table ip ${TABLE}`,
    `delete table ip ${TABLE}`,
    `table ip ${TABLE} {`,
    ...counters.map((c) => `  counter ${c.name} { }`),
    ...hooks.map(
      (h) =>
        `  chain ${h} {\n    type filter hook ${h} priority -300; policy accept;\n${counters
          .filter((c) => c.hook === h)
          .map((c) => `    ${c.match} counter name ${c.name}`)
          .join("\n")}\n  }`,
    ),
    "}",
  ];
  nsSh(ns, `nft -f - <<'EOF'\n${lines.join("\n")}\nEOF`);
}

/** Reads the packet count of every counter of the probe. */
export function readProbe(ns: string): Record<string, number> {
  const out = JSON.parse(nsSh(ns, `nft -j list counters table ip ${TABLE}`)) as {
    nftables: { counter?: { name: string; packets: number } }[];
  };
  const r: Record<string, number> = {};
  for (const x of out.nftables) {
    if (x.counter) {
      r[x.counter.name] = x.counter.packets;
    }
  }
  return r;
}

/** Removes the probe. */
export function removeProbe(ns: string): void {
  nsSh(ns, `nft delete table ip ${TABLE} 2>/dev/null || true`);
}
