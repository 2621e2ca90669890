// The incremental state: exactly the changes the kernel needs (never a rewrite), address reuse, relists as
// diffs, nested prefixes, mirror settling over time, and a property test that any sequence of events leaves the
// state equal to the rule applied to the whole cluster, with the taken changes adding up to the same contents.
import * as assert from "assert";
import * as fc from "fast-check";
import { parseIpv4, parseIpv4Prefix } from "../../../agent/src/membership/ipv4";
import type { NodeFacts } from "../../../agent/src/membership/nodeFacts";
import type { PodFacts } from "../../../agent/src/membership/podFacts";
import type { MembershipPolicy } from "../../../agent/src/membership/rule";
import { SET_NAMES, SetChanges, SetName } from "../../../agent/src/membership/sets";
import { MembershipState, uidKey } from "../../../agent/src/membership/state";
import { Contents, POLICY, wholeClusterMembership } from "./fixtures";

const T0 = Date.parse("2026-11-27T00:00:00Z");
const ip = (s: string): number => parseIpv4(s) as number;

function nodeFact(name: string, address: string, extra: Partial<NodeFacts> = {}): NodeFacts {
  return {
    name,
    addresses: [ip(address)],
    internalIps: [ip(address)],
    overlayAddresses: [],
    podCidrs: [],
    mirrorEligible: false,
    createdAtMs: T0 - 86_400_000,
    ...extra,
  };
}

function podFact(
  uid: string,
  nodeName: string,
  address: string | undefined,
  extra: Partial<PodFacts> = {},
): PodFacts {
  return {
    uid,
    nodeName,
    ips: address ? [ip(address)] : [],
    hostNetwork: false,
    finished: false,
    agent: false,
    agentReady: false,
    branchEni: false,
    sidecarReady: false,
    ...extra,
  };
}

const agentFact = (uid: string, nodeName: string, address: string, ready = true): PodFacts =>
  podFact(uid, nodeName, address, { hostNetwork: true, agent: true, agentReady: ready });

type Changes = Partial<Record<SetName, SetChanges>>;
const sorted = (c: Changes): Changes =>
  Object.fromEntries(
    Object.entries(c).map(([k, v]) => [
      k,
      { add: [...(v as SetChanges).add].sort(), delete: [...(v as SetChanges).delete].sort() },
    ]),
  );

function fresh(policy: Partial<MembershipPolicy> = {}, now: () => number = () => T0): MembershipState {
  return new MembershipState({ ...POLICY, ...policy, nodeName: "self" }, now);
}

describe("membership state: changes for the kernel", () => {
  it("an agent becoming ready adds exactly its node's addresses and pods; terminating removes exactly those", () => {
    const s = fresh();
    s.upsertNode(nodeFact("self", "10.0.0.1"));
    s.upsertNode(nodeFact("a", "10.0.0.2"));
    s.upsertPod(podFact("p1", "a", "10.1.0.1"));
    s.upsertPod(podFact("p2", "a", "10.1.0.2"));
    s.upsertPod(agentFact("ag", "a", "10.0.0.2", false));
    assert.deepStrictEqual(sorted(s.takeChanges()), {
      covered4: { add: ["10.0.0.1"], delete: [] },
      nodes4: { add: ["10.0.0.1", "10.0.0.2"], delete: [] },
    });
    s.upsertPod(agentFact("ag", "a", "10.0.0.2", true));
    assert.deepStrictEqual(sorted(s.takeChanges()), {
      covered4: { add: ["10.0.0.2", "10.1.0.1", "10.1.0.2"], delete: [] },
    });
    s.upsertPod({ ...agentFact("ag", "a", "10.0.0.2", true), agentReady: false });
    assert.deepStrictEqual(sorted(s.takeChanges()), {
      covered4: { add: [], delete: ["10.0.0.2", "10.1.0.1", "10.1.0.2"] },
    });
  });

  it("an update that changes nothing the rule reads produces no change", () => {
    const s = fresh();
    s.upsertNode(nodeFact("self", "10.0.0.1"));
    s.upsertPod(podFact("p1", "self", "10.1.0.1"));
    s.takeChanges();
    s.upsertPod(podFact("p1", "self", "10.1.0.1"));
    s.upsertNode(nodeFact("self", "10.0.0.1"));
    assert.strictEqual(s.pending, false);
    assert.deepStrictEqual(s.takeChanges(), {});
  });

  it("an address reused by a new pod before the old one's deletion arrives is never removed", () => {
    const s = fresh();
    s.upsertPod(podFact("old", "self", "10.1.0.5"));
    s.takeChanges();
    s.upsertPod(podFact("new", "self", "10.1.0.5"));
    s.deletePod("old");
    assert.deepStrictEqual(s.takeChanges(), {});
    assert.ok(s.contents().covered4.includes("10.1.0.5"));
    s.deletePod("new");
    assert.deepStrictEqual(s.takeChanges(), { covered4: { add: [], delete: ["10.1.0.5"] } });
  });

  it("an agent becoming Ready on a node without a Node object yet covers the pods that arrive there next", () => {
    // Found by the property below: the agent's update removed its only pod of that node first, which forgot the
    // node's entry, and the Ready agent was counted on the forgotten entry.
    const s = fresh();
    s.upsertPod(agentFact("agent-b", "node-b", "10.0.0.21", false));
    s.upsertPod(agentFact("agent-b", "node-b", "10.0.0.21", true));
    s.upsertPod(podFact("web", "node-b", "10.1.0.1"));
    assert.ok(s.contents().covered4.includes("10.1.0.1"), JSON.stringify(s.contents()));
  });

  it("add then delete within one batch cancel out", () => {
    const s = fresh();
    s.takeChanges();
    s.upsertPod(podFact("p", "self", "10.1.0.9"));
    s.deletePod("p");
    assert.deepStrictEqual(s.takeChanges(), {});
  });

  it("a relist removes only what it no longer mentions", () => {
    const s = fresh();
    s.beginList("pods");
    for (let i = 1; i <= 5; i++) {
      s.upsertPod(podFact(`p${i}`, "self", `10.1.0.${i}`));
    }
    s.endList("pods");
    s.takeChanges();
    s.beginList("pods");
    for (const i of [1, 2, 4, 5]) {
      s.upsertPod(podFact(`p${i}`, "self", `10.1.0.${i}`));
    }
    s.upsertPod(podFact("p6", "self", "10.1.0.6"));
    s.endList("pods");
    assert.deepStrictEqual(sorted(s.takeChanges()), {
      covered4: { add: ["10.1.0.6"], delete: ["10.1.0.3"] },
    });
  });

  it("nested pod CIDRs: only the outer prefix goes to the interval set, the inner one returns when it goes", () => {
    const s = fresh({ hostLocalPodCidrs: true });
    const cidr = (t: string) => parseIpv4Prefix(t) as NonNullable<ReturnType<typeof parseIpv4Prefix>>;
    s.upsertNode(nodeFact("self", "10.0.0.1", { podCidrs: [cidr("10.244.1.0/24")] }));
    assert.deepStrictEqual(s.takeChanges().coverednets4, { add: ["10.244.1.0/24"], delete: [] });
    s.upsertNode(nodeFact("a", "10.0.0.2", { podCidrs: [cidr("10.244.0.0/16")] }));
    s.upsertPod(agentFact("ag", "a", "10.0.0.2"));
    assert.deepStrictEqual(s.takeChanges().coverednets4, {
      add: ["10.244.0.0/16"],
      delete: ["10.244.1.0/24"],
    });
    s.deletePod("ag");
    assert.deepStrictEqual(s.takeChanges().coverednets4, {
      add: ["10.244.1.0/24"],
      delete: ["10.244.0.0/16"],
    });
  });

  it("changes that could not be applied are owed again, merged with newer ones", () => {
    const s = fresh();
    s.upsertPod(podFact("p1", "self", "10.1.0.1"));
    const lost = s.takeChanges();
    s.upsertPod(podFact("p2", "self", "10.1.0.2"));
    s.untakeChanges(lost);
    assert.deepStrictEqual(sorted(s.takeChanges()), {
      covered4: { add: ["10.1.0.1", "10.1.0.2"], delete: [] },
    });
  });

  it("VPC_MIRRORING=true: a node becomes covered once MIRROR_SETTLE has passed, not before", () => {
    let now = T0;
    const s = fresh({ vpcMirroring: true, mirrorSettleMs: 60_000 }, () => now);
    s.upsertNode(nodeFact("m", "10.0.0.4", { mirrorEligible: true, createdAtMs: T0 - 10_000 }));
    s.upsertPod(podFact("p", "m", "10.1.0.1"));
    s.takeChanges();
    assert.strictEqual(s.settle(), T0 + 50_000);
    assert.deepStrictEqual(s.takeChanges(), {});
    now = T0 + 50_000;
    assert.strictEqual(s.settle(), undefined);
    assert.deepStrictEqual(sorted(s.takeChanges()), {
      covered4: { add: ["10.0.0.4", "10.1.0.1"], delete: [] },
    });
    assert.deepStrictEqual(s.selfNode(), undefined);
  });

  it("uid keys: UUIDs packed to 17 characters, distinct ones stay distinct, other uids kept as they are", () => {
    const a = uidKey("3f2a9c1e-7b4d-4e8a-9c2f-0d1e2f3a4b5c");
    const b = uidKey("3f2a9c1e-7b4d-4e8a-9c2f-0d1e2f3a4b5d");
    assert.strictEqual(a.length, 17);
    assert.notStrictEqual(a, b);
    assert.strictEqual(uidKey("not-a-uuid"), "not-a-uuid");
    assert.strictEqual(
      uidKey("3F2A9C1E-7B4D-4E8A-9C2F-0D1E2F3A4B5C"),
      "3F2A9C1E-7B4D-4E8A-9C2F-0D1E2F3A4B5C",
    );
  });

  it("selfNode reports this node's addresses and mirror coverage", () => {
    const s = fresh({ vpcMirroring: true, mirrorSettleMs: 0 });
    s.upsertNode(nodeFact("self", "10.0.0.1", { mirrorEligible: true }));
    assert.deepStrictEqual(s.selfNode(), { mirrorCovered: true, addresses: ["10.0.0.1"] });
  });
});

// ---- property: any sequence of events

const NODE_NAMES = ["self", "n1", "n2", "n3"];
const POD_UIDS = ["u1", "u2", "u3", "u4", "u5", "u6", "u7", "u8"];
const POD_IPS = [undefined, "10.1.0.1", "10.1.0.2", "10.1.0.3", "10.0.0.12"];
const CIDRS = ["10.244.0.0/16", "10.244.1.0/24", "10.244.2.0/24"];

type Op =
  | { kind: "node"; node: number; mirror: boolean; young: boolean; cidr: number; overlay: boolean }
  | { kind: "deleteNode"; node: number }
  | { kind: "pod"; uid: number; node: number; ip: number; flags: readonly boolean[] }
  | { kind: "deletePod"; uid: number }
  | { kind: "relist"; keep: boolean[] }
  | { kind: "time"; seconds: number }
  | { kind: "take" };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant("node" as const),
    node: fc.nat(3),
    mirror: fc.boolean(),
    young: fc.boolean(),
    cidr: fc.integer({ min: -1, max: 2 }),
    overlay: fc.boolean(),
  }),
  fc.record({ kind: fc.constant("deleteNode" as const), node: fc.nat(3) }),
  fc.record({
    kind: fc.constant("pod" as const),
    uid: fc.nat(7),
    node: fc.nat(3),
    ip: fc.nat(4),
    flags: fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }),
  }),
  fc.record({
    kind: fc.constant("pod" as const),
    uid: fc.nat(7),
    node: fc.nat(3),
    ip: fc.nat(4),
    flags: fc.constant([false, false, false, false, false, false]),
  }),
  fc.record({ kind: fc.constant("deletePod" as const), uid: fc.nat(7) }),
  fc.record({
    kind: fc.constant("relist" as const),
    keep: fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
  }),
  fc.record({ kind: fc.constant("time" as const), seconds: fc.nat(120) }),
  fc.record({ kind: fc.constant("take" as const) }),
);

describe("membership state: property", () => {
  it("after any events, the state equals the rule on the whole cluster and the taken changes add up to it", () => {
    fc.assert(
      fc.property(
        fc.record({ vpcMirroring: fc.boolean(), hostLocalPodCidrs: fc.boolean() }),
        fc.array(opArb, { maxLength: 60 }),
        (p, ops) => {
          const policy: MembershipPolicy = { ...p, mirrorSettleMs: 60_000 };
          let now = T0;
          const s = new MembershipState({ ...policy, nodeName: "self" }, () => now);
          const nodes = new Map<string, NodeFacts>();
          const pods = new Map<string, PodFacts>();
          const kernel = Object.fromEntries(SET_NAMES.map((n) => [n, new Set<string>()])) as Record<
            SetName,
            Set<string>
          >;
          const applyTaken = (): void => {
            const taken = s.takeChanges();
            for (const name of SET_NAMES) {
              const c = taken[name];
              for (const e of c?.delete ?? []) {
                assert.ok(kernel[name].delete(e), `${name}: delete of absent ${e}`);
              }
              for (const e of c?.add ?? []) {
                assert.ok(!kernel[name].has(e), `${name}: add of present ${e}`);
                kernel[name].add(e);
              }
            }
          };
          for (const op of ops) {
            switch (op.kind) {
              case "node": {
                const name = NODE_NAMES[op.node];
                const f = nodeFact(name, `10.0.0.${op.node + 10}`, {
                  mirrorEligible: op.mirror,
                  createdAtMs: op.young ? now - 1_000 : now - 600_000,
                  podCidrs:
                    op.cidr < 0
                      ? []
                      : [parseIpv4Prefix(CIDRS[op.cidr]) as NonNullable<ReturnType<typeof parseIpv4Prefix>>],
                  overlayAddresses: op.overlay ? [ip(`192.168.0.${op.node}`)] : [],
                });
                nodes.set(name, f);
                s.upsertNode(f);
                break;
              }
              case "deleteNode":
                nodes.delete(NODE_NAMES[op.node]);
                s.deleteNode(NODE_NAMES[op.node]);
                break;
              case "pod": {
                const [hostNetwork, finished, agent, ready, branchEni, sidecarReady] = op.flags;
                const f = podFact(POD_UIDS[op.uid], NODE_NAMES[op.node], POD_IPS[op.ip], {
                  hostNetwork,
                  finished,
                  agent,
                  agentReady: agent && ready,
                  branchEni,
                  sidecarReady,
                });
                pods.set(f.uid, f);
                s.upsertPod(f);
                break;
              }
              case "deletePod":
                pods.delete(POD_UIDS[op.uid]);
                s.deletePod(POD_UIDS[op.uid]);
                break;
              case "relist":
                s.beginList("pods");
                for (const [i, uid] of POD_UIDS.entries()) {
                  const f = pods.get(uid);
                  if (f && op.keep[i]) {
                    s.upsertPod(f);
                  } else {
                    pods.delete(uid);
                  }
                }
                s.endList("pods");
                break;
              case "time":
                now += op.seconds * 1000;
                s.settle();
                break;
              case "take":
                applyTaken();
                break;
            }
            const expected: Contents = wholeClusterMembership(
              [...nodes.values()],
              [...pods.values()],
              policy,
              "self",
              now,
            );
            assert.deepStrictEqual(s.contents(), expected);
          }
          applyTaken();
          const model = Object.fromEntries(SET_NAMES.map((n) => [n, [...kernel[n]].sort()]));
          assert.deepStrictEqual(model, s.contents());
        },
      ),
      { numRuns: 300 },
    );
  });
});
