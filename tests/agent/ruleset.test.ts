// The node agent's nft table (agent/src/kernel/ruleset.ts) rendered, loaded into a real kernel and driven with
// packets, one decision at a time: a node namespace with an ENI-like uplink (eth0) to a "VPC" namespace and a pod
// wired like the VPC CNI (eni1, /32), the table loaded as the agent loads it, and the table's own per-class
// counters read after each packet. Covers what the kernel simulation's flow matrix does not aim at: each rule of the
// decision on its own, the mirror filter's exclusions evaluated on the wire headers (after SNAT), both clone paths.
// Needs root, ip, nft: fails, never skips, without them.
import * as assert from "assert";
import { ChildProcess, execFileSync, spawn } from "child_process";
import * as readline from "readline";
import {
  EGRESS_COUNTER,
  EGRESS_TABLE,
  hookDevice,
  renderEgressTable,
} from "../../agent/src/kernel/egressRuleset";
import { parseTableIdentity } from "../../agent/src/kernel/nft";
import { COUNTERS, renderRuleset, RulesetSpec, SETS, setDelta, TABLE } from "../../agent/src/kernel/ruleset";

const PREFIX = `a2rs${process.pid}x`;
const NODE = `${PREFIX}node`;
const VPC = `${PREFIX}vpc`;
const POD = `${PREFIX}pod`;
const NODE_IP = "10.50.0.10";
const VPC_IP = "10.50.0.1";
const POD_IP = "10.50.1.5";
const SENSOR = "10.50.9.9";
const DNS = "10.50.0.2";
const IMDS = "169.254.169.254";
const EXCLUDED = "10.50.200.7";
const SVC = "10.100.0.10";
const MARK = 0x1000;

function sh(ns: string, script: string, input?: string): string {
  return execFileSync("ip", ["netns", "exec", ns, "sh", "-ec", script], {
    encoding: "utf8",
    input,
    stdio: ["pipe", "pipe", "pipe"],
  });
}

function spec(vpcMirroring: boolean, extra: Partial<RulesetSpec> = {}): RulesetSpec {
  return {
    owner: "test",
    sensors: [SENSOR],
    serviceCidrs: ["10.100.0.0/16"],
    captureDevice: "ehcap0",
    captureMark: MARK,
    uplinkPatterns: ["eth*", "ens*", "vlan.eth.*"],
    overlayUdpPorts: [4789],
    overlayIpip: true,
    vpcMirroring,
    nodePortRange: { min: 30000, max: 32767 },
    mirrorExcludedCidrs: ["10.50.200.0/24"],
    amazonDnsIps: [DNS],
    mirrorAmazonDns: true,
    ...extra,
  };
}

/** A UDP sender living in a namespace: one JSON line per datagram on stdin, "sent" once it is handed to the kernel. */
const SENDER = `
const dgram = require("dgram");
require("readline").createInterface({ input: process.stdin }).on("line", (l) => {
  const c = JSON.parse(l);
  const d = dgram.createSocket({ type: "udp4", reuseAddr: true });
  d.bind({ port: c.sport, ...(c.from ? { address: c.from } : {}) }, () =>
    d.send(Buffer.from("probe"), c.dport, c.to, (e) => { d.close(); process.stdout.write((e ? "error " + e.message : "sent") + "\\n"); }));
});`;
const senders = new Map<string, { proc: ChildProcess; lines: string[]; waiters: ((l: string) => void)[] }>();

function sender(ns: string): { proc: ChildProcess; lines: string[]; waiters: ((l: string) => void)[] } {
  let s = senders.get(ns);
  if (!s) {
    const proc = spawn("ip", ["netns", "exec", ns, process.execPath, "-e", SENDER], {
      stdio: ["pipe", "pipe", "inherit"],
    });
    const entry = { proc, lines: [] as string[], waiters: [] as ((l: string) => void)[] };
    readline.createInterface({ input: proc.stdout! }).on("line", (l) => {
      const w = entry.waiters.shift();
      if (w) {
        w(l);
      } else {
        entry.lines.push(l);
      }
    });
    senders.set(ns, entry);
    s = entry;
  }
  return s;
}

/** Sends one UDP datagram from `ns` (optionally from a given address and source port). */
async function udp(ns: string, to: string, dport: number, sport = 40000, from?: string): Promise<void> {
  const s = sender(ns);
  const reply = new Promise<string>((resolve) => s.waiters.push(resolve));
  s.proc.stdin!.write(JSON.stringify({ to, dport, sport, from }) + "\n");
  const r = await reply;
  assert.strictEqual(r, "sent", `sending from ${ns}: ${r}`);
}

type Counts = Record<string, number>;

function counters(): Counts {
  const out: Counts = {};
  const [ip, netdev, captured] = sh(
    NODE,
    `nft -j list counters table ip ${TABLE}; echo; echo ---
     nft -j list counters table netdev ${EGRESS_TABLE} 2>/dev/null || echo '{"nftables":[]}'; echo; echo ---
     cat /sys/class/net/ehcap0/statistics/rx_packets`,
  ).split("---");
  for (const json of [ip, netdev]) {
    for (const item of (JSON.parse(json) as { nftables: { counter?: { name: string; packets: number } }[] })
      .nftables) {
      if (item.counter) {
        out[item.counter.name] = item.counter.packets;
      }
    }
  }
  out.captured = Number(captured.trim());
  return out;
}

/** Runs `send`, waits until the counters in `expect` moved by those amounts, and asserts no other moved. */
async function expectDelta(send: () => Promise<void>, expect: Counts): Promise<void> {
  const before = counters();
  await send();
  const deadline = Date.now() + 10_000;
  let after = counters();
  const delta = (): Counts =>
    Object.fromEntries(
      Object.keys(after)
        .map((k) => [k, after[k] - (before[k] ?? 0)] as [string, number])
        .filter(([, v]) => v !== 0),
    );
  while (
    Object.entries(expect).some(([k, v]) => (after[k] ?? 0) - (before[k] ?? 0) < v) &&
    Date.now() < deadline
  ) {
    await new Promise((r) => setTimeout(r, 20));
    after = counters();
  }
  assert.deepStrictEqual(delta(), expect);
}

describe("node agent nft table, rendered", function () {
  const select = (text: string): string[] => {
    const body = /chain select \{\n([\s\S]*?)\n\t\}/.exec(text)?.[1] ?? "";
    return body.split("\n").map((l) => l.trim());
  };

  it("replaces any previous version of its table in the same transaction, and carries its owner", function () {
    const t = renderRuleset(spec(false));
    assert.ok(
      t.startsWith(
        `table ip ${TABLE}\ndelete table ip ${TABLE}\ntable ip ${TABLE} {\n\tcomment "owner test"`,
      ),
    );
  });

  it("decides in the documented order: sensors, loopback, services, overlay, sidecar, uplink arrivals, then local", function () {
    assert.deepStrictEqual(select(renderRuleset(spec(false))), [
      "ip saddr @sensors return",
      "ip daddr @sensors return",
      "ip saddr 127.0.0.0/8 return",
      "ip daddr 10.100.0.0/16 return",
      'ip protocol 4 ip saddr @nodes4 ip daddr @nodes4 counter name "skipped_overlay" return',
      'udp dport { 4789 } ip saddr @nodes4 ip daddr @nodes4 counter name "skipped_overlay" return',
      'ip daddr @sidecar4 counter name "skipped_sidecar" return',
      'iifname "eth*" goto from_uplink',
      'iifname "ens*" goto from_uplink',
      'iifname "vlan.eth.*" goto from_uplink',
      "iifname @uplink_devices goto from_uplink",
      'counter name "selected_local" goto clone',
    ]);
  });

  it("reads a table's owner and handle (the agent removes its table by handle: a replaced table has another)", function () {
    assert.deepStrictEqual(
      parseTableIdentity(
        'table ip extrahop_rpcapd { # handle 163\n\tcomment "owner 7364a375"\n\tset s { # handle 1\n',
      ),
      { owner: "7364a375", handle: 163 },
    );
    assert.strictEqual(parseTableIdentity(""), undefined);
  });

  it("renders no overlay rule for a datapath without encapsulation (every rule costs every selected packet)", function () {
    const t = renderRuleset(spec(false, { overlayUdpPorts: [], overlayIpip: false }));
    assert.doesNotMatch(t, /skipped_overlay" return/);
  });

  it("VPC_MIRRORING=true adds the deferral to the wire headers and the wire chain after SNAT; false has none of it", function () {
    const on = renderRuleset(spec(true));
    assert.match(on, /oifname @mirrored_uplinks goto defer_to_wire/);
    assert.match(on, /type filter hook postrouting priority srcnat \+ 1;/);
    assert.match(on, /meta l4proto \{ 6, 17 \} th sport 30000-32767 goto mirror_gap/);
    const off = renderRuleset(spec(false));
    assert.doesNotMatch(off, /mirrored_uplinks|srcnat|mirror_gap|amazon_dns/);
  });
});

describe("node agent nft table on a real kernel, rule by rule", function () {
  this.timeout(60_000);

  before(function () {
    if (process.getuid?.() !== 0) {
      throw new Error("needs root (ip netns, nft)");
    }
    for (const ns of [NODE, VPC, POD]) {
      execFileSync("ip", ["netns", "add", ns]);
      sh(ns, "ip link set lo up; sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0");
    }
    sh(
      NODE,
      `sysctl -qw net.ipv4.ip_forward=1
       ip link add eth0 type veth peer name eth0 netns ${VPC}
       ip addr add ${NODE_IP}/24 dev eth0; ip link set eth0 up
       ip route add default via ${VPC_IP}
       ip link add eni1 type veth peer name eth0 netns ${POD}
       ip link set eni1 up
       ip route add ${POD_IP}/32 dev eni1 scope link
       ip link add ehcap0 type ifb; ip link set ehcap0 addrgenmode none
       ip addr add 169.254.255.1/30 dev ehcap0 scope link; ip link set ehcap0 up
       ip neigh replace 169.254.255.2 lladdr 02:eb:00:00:00:02 dev ehcap0 nud permanent
       nft add table ip t
       nft add chain ip t out '{ type filter hook output priority 0; }'
       nft add rule ip t out icmp type destination-unreachable drop`,
    );
    const eniMac = sh(NODE, "cat /sys/class/net/eni1/address").trim();
    sh(
      POD,
      `ip addr add ${POD_IP}/32 dev eth0; ip link set eth0 up
       ip route add 169.254.1.1 dev eth0 scope link; ip route add default via 169.254.1.1 dev eth0
       ip neigh add 169.254.1.1 lladdr ${eniMac} dev eth0 nud permanent
       nft add table ip t
       nft add chain ip t pre '{ type filter hook prerouting priority -300; }'
       nft add rule ip t pre udp dport 1-65535 drop`,
    );
    const podMac = sh(POD, "cat /sys/class/net/eth0/address").trim();
    sh(NODE, `ip neigh add ${POD_IP} lladdr ${podMac} dev eni1 nud permanent`);
    sh(
      VPC,
      `ip addr add ${VPC_IP}/24 dev eth0; ip link set eth0 up
       for a in ${DNS} ${SENSOR} ${IMDS} ${EXCLUDED} ${SVC}; do ip addr add $a/32 dev lo; done
       ip route add ${POD_IP}/32 via ${NODE_IP}
       nft add table ip t
       nft add chain ip t pre '{ type filter hook prerouting priority -300; }'
       nft add rule ip t pre udp dport 1-65535 drop
       nft add rule ip t pre icmp type destination-unreachable drop`,
    );
    sh(NODE, `ip route add ${IMDS}/32 via ${VPC_IP}`);
  });

  after(function () {
    for (const s of senders.values()) {
      s.proc.kill("SIGKILL");
    }
    for (const ns of [NODE, VPC, POD]) {
      try {
        execFileSync("ip", ["netns", "del", ns], { stdio: "ignore" });
      } catch {
        // gone
      }
    }
  });

  const load = (s: RulesetSpec, egress: boolean): void => {
    sh(NODE, "nft -f -", renderRuleset(s));
    sh(NODE, `nft delete table netdev ${EGRESS_TABLE} 2>/dev/null || true`);
    if (egress) {
      const idx = Number(sh(NODE, "cat /sys/class/net/eth0/ifindex").trim());
      sh(
        NODE,
        "nft -f -",
        renderEgressTable("test") + hookDevice({ ifindex: idx, name: "eth0" }, "ehcap0", MARK),
      );
    }
  };
  const set = (name: string, add: string[], quote = false): void => {
    sh(NODE, "nft -f -", setDelta(name, add, [], quote));
  };

  describe("VPC_MIRRORING=false, eth0 cloned at its egress hook, eni1 and input with dup", function () {
    before(function () {
      load(spec(false), true);
    });

    it("loads the table (both hooks at mangle priority) and the egress chain", function () {
      const t = sh(NODE, `nft list table ip ${TABLE}`);
      assert.match(t, /hook postrouting priority mangle/);
      assert.match(t, /hook input priority mangle/);
      assert.match(sh(NODE, `nft list table netdev ${EGRESS_TABLE}`), /hook egress device "eth0"/);
    });

    it("a pod's packet leaving through the uplink: local, cloned at eth0's egress", async function () {
      await expectDelta(() => udp(POD, VPC_IP, 9999), {
        [COUNTERS.selectedLocal]: 1,
        [EGRESS_COUNTER]: 1,
        captured: 1,
      });
    });

    it("the node's own packet: local", async function () {
      await expectDelta(() => udp(NODE, VPC_IP, 9999), {
        [COUNTERS.selectedLocal]: 1,
        [EGRESS_COUNTER]: 1,
        captured: 1,
      });
    });

    it("from an uncovered source through the uplink to a pod: inbound, cloned with dup (eni1 has no egress chain)", async function () {
      await expectDelta(() => udp(VPC, POD_IP, 9999), {
        [COUNTERS.selectedInbound]: 1,
        [COUNTERS.clonedDup]: 1,
        captured: 1,
      });
    });

    it("from an uncovered source to the node itself (input hook): inbound, dup", async function () {
      await expectDelta(() => udp(VPC, NODE_IP, 9999), {
        [COUNTERS.selectedInbound]: 1,
        [COUNTERS.clonedDup]: 1,
        captured: 1,
      });
    });

    it("from a covered source: skipped (its sender's side reported it)", async function () {
      set(SETS.covered4, [VPC_IP]);
      try {
        await expectDelta(() => udp(VPC, POD_IP, 9999), { [COUNTERS.skippedCovered]: 1 });
        await expectDelta(() => udp(VPC, NODE_IP, 9999), { [COUNTERS.skippedCovered]: 1 });
      } finally {
        sh(NODE, "nft -f -", setDelta(SETS.covered4, [], [VPC_IP]));
      }
    });

    it("a source inside a covered prefix (a node's podCIDR with host-local IPAM): skipped", async function () {
      set(SETS.coveredNets4, ["10.50.0.0/24"]);
      try {
        await expectDelta(() => udp(VPC, POD_IP, 9999), { [COUNTERS.skippedCovered]: 1 });
      } finally {
        sh(NODE, "nft -f -", setDelta(SETS.coveredNets4, [], ["10.50.0.0/24"]));
      }
    });

    it("a covered source arriving through a device that is not an uplink is this node's to report", async function () {
      set(SETS.covered4, [POD_IP]);
      try {
        await expectDelta(() => udp(POD, VPC_IP, 9999), {
          [COUNTERS.selectedLocal]: 1,
          [EGRESS_COUNTER]: 1,
          captured: 1,
        });
      } finally {
        sh(NODE, "nft -f -", setDelta(SETS.covered4, [], [POD_IP]));
      }
    });

    it("a device added to uplink_devices counts as an uplink", async function () {
      set(SETS.uplinkDevices, ["eni1"], true);
      set(SETS.covered4, [POD_IP]);
      try {
        await expectDelta(() => udp(POD, VPC_IP, 9999), { [COUNTERS.skippedCovered]: 1 });
      } finally {
        sh(
          NODE,
          "nft -f -",
          setDelta(SETS.uplinkDevices, [], ["eni1"], true) + setDelta(SETS.covered4, [], [POD_IP]),
        );
      }
    });

    it("to a Fargate pod whose sidecar runs: skipped", async function () {
      set(SETS.sidecar4, [VPC_IP]);
      try {
        await expectDelta(() => udp(POD, VPC_IP, 9999), { [COUNTERS.skippedSidecar]: 1 });
      } finally {
        sh(NODE, "nft -f -", setDelta(SETS.sidecar4, [], [VPC_IP]));
      }
    });

    it("an overlay's outer packet between two nodes: skipped; the same port between a node and a non-node: reported", async function () {
      await expectDelta(() => udp(NODE, VPC_IP, 4789), {
        [COUNTERS.selectedLocal]: 1,
        [EGRESS_COUNTER]: 1,
        captured: 1,
      });
      set(SETS.nodes4, [NODE_IP, VPC_IP]);
      try {
        await expectDelta(() => udp(NODE, VPC_IP, 4789), { [COUNTERS.skippedOverlay]: 1 });
      } finally {
        sh(NODE, "nft -f -", setDelta(SETS.nodes4, [], [NODE_IP, VPC_IP]));
      }
    });

    it("the sensors' traffic and packets still addressed to a service IP: never", async function () {
      await expectDelta(() => udp(POD, SENSOR, 2003), {});
      await expectDelta(() => udp(POD, SVC, 80), {});
    });
  });

  describe("VPC_MIRRORING=true, eth0 mirrored: AWS's copy decided on the wire headers", function () {
    const mirrored = (s: RulesetSpec, egress: boolean): void => {
      load(s, egress);
      set(SETS.mirroredUplinks, ["eth0"], true);
    };

    for (const egress of [true, false]) {
      describe(egress ? "clone at egress" : "clone with dup", function () {
        before(function () {
          mirrored(spec(true), egress);
        });
        const clone: Counts = egress ? { [EGRESS_COUNTER]: 1 } : { [COUNTERS.clonedDup]: 1 };

        it("leaving eth0, AWS copies it: skipped", async function () {
          await expectDelta(() => udp(POD, VPC_IP, 9999), { [COUNTERS.skippedMirrored]: 1 });
          await expectDelta(() => udp(NODE, VPC_IP, 9999), { [COUNTERS.skippedMirrored]: 1 });
        });

        it("source port in the NodePort range (the filter rejects it): the agent's copy", async function () {
          await expectDelta(() => udp(POD, VPC_IP, 9999, 30500), {
            [COUNTERS.selectedMirrorGap]: 1,
            ...clone,
            captured: 1,
          });
        });

        it("to an excluded destination, to instance metadata, DHCP or NTP: the agent's copy", async function () {
          await expectDelta(() => udp(POD, EXCLUDED, 9999), {
            [COUNTERS.selectedMirrorGap]: 1,
            ...clone,
            captured: 1,
          });
          await expectDelta(() => udp(POD, IMDS, 80), {
            [COUNTERS.selectedMirrorGap]: 1,
            ...clone,
            captured: 1,
          });
          await expectDelta(() => udp(POD, VPC_IP, 123), {
            [COUNTERS.selectedMirrorGap]: 1,
            ...clone,
            captured: 1,
          });
          await expectDelta(() => udp(POD, VPC_IP, 9999, 68), {
            [COUNTERS.selectedMirrorGap]: 1,
            ...clone,
            captured: 1,
          });
        });

        it("DNS with the VPC resolver: AWS copies it both ways (amazon-dns network service)", async function () {
          await expectDelta(() => udp(POD, DNS, 53), { [COUNTERS.skippedMirrored]: 1 });
          await expectDelta(() => udp(VPC, POD_IP, 40000, 53, DNS), { [COUNTERS.skippedMirrored]: 1 });
        });

        it("decided after SNAT: a masqueraded source port in the NodePort range gets the agent's copy", async function () {
          sh(
            NODE,
            `nft add table ip masq
             nft add chain ip masq post '{ type nat hook postrouting priority srcnat; }'
             nft add rule ip masq post ip saddr ${POD_IP} udp dport 9998 masquerade to :30001`,
          );
          try {
            await expectDelta(() => udp(POD, VPC_IP, 9998, 41000), {
              [COUNTERS.selectedMirrorGap]: 1,
              ...clone,
              captured: 1,
            });
          } finally {
            sh(NODE, "nft delete table ip masq");
          }
        });

        it("arriving from outside through eth0: inbound (the egress-only filter never copies arrivals)", async function () {
          await expectDelta(() => udp(VPC, POD_IP, 9999), {
            [COUNTERS.selectedInbound]: 1,
            [COUNTERS.clonedDup]: 1,
            captured: 1,
          });
        });
      });
    }

    it("without the amazon-dns network service, DNS with the resolver is the agent's to copy", async function () {
      mirrored(spec(true, { mirrorAmazonDns: false }), false);
      await expectDelta(() => udp(POD, DNS, 53), {
        [COUNTERS.selectedMirrorGap]: 1,
        [COUNTERS.clonedDup]: 1,
        captured: 1,
      });
      await expectDelta(() => udp(VPC, POD_IP, 40000, 53, DNS), {
        [COUNTERS.selectedInbound]: 1,
        [COUNTERS.clonedDup]: 1,
        captured: 1,
      });
    });
  });
});
