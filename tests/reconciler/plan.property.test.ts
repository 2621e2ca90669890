/**
 * Property tests of the pure reconcile plan (fast-check): whatever the fleet and the sessions already there,
 * applying the plan converges in one step, never touches others' sessions, and respects AWS's limits.
 */
import { strict as assert } from "node:assert";
import type { TrafficMirrorSession } from "@aws-sdk/client-ec2";
import fc from "fast-check";
import type { FleetSnapshot, MirrorSourceEni } from "../../lambda/reconciler/fleet/types";
import { OWNER_TAG_KEY, type ReconcilerConfig } from "../../lambda/reconciler/environment";
import {
  clientToken,
  isOwned,
  planReconcile,
  SESSIONS_PER_ENI,
  type ReconcilePlan,
} from "../../lambda/reconciler/plan";

const OWNER = "proj/stack/mirror";
const ENIS = Array.from({ length: 14 }, (_, i) => `eni-${String(i).padStart(17, "0")}`);

const config = (limit: number | undefined, sessionNumber: number): ReconcilerConfig => ({
  clusterName: "demo",
  filterId: "tmf-000000000000000aa",
  targetId: "tmt-000000000000000bb",
  targetKind: limit === undefined ? "network-load-balancer" : "network-interface",
  targetSourceLimit: limit,
  sessionNumber,
  unsupportedInstanceTypes: [],
  owner: OWNER,
});

const sourceOf = (eni: string): MirrorSourceEni => ({
  networkInterfaceId: eni,
  instanceId: `i-${eni.slice(-4)}`,
  instanceType: "m5.large",
  deviceIndex: 0,
  privateIpAddress: "10.0.0.1",
  subnetId: "subnet-1",
});

const sessionArb = fc.record({
  eni: fc.constantFrom(...ENIS),
  ours: fc.boolean(),
  filter: fc.constantFrom("tmf-000000000000000aa", "tmf-000000000000000cc"),
  target: fc.constantFrom("tmt-000000000000000bb", "tmt-000000000000000dd"),
  number: fc.constantFrom(1, 10),
});

const world = fc.record({
  desired: fc.uniqueArray(fc.constantFrom(...ENIS), { maxLength: ENIS.length }),
  sessions: fc.array(sessionArb, { maxLength: 30 }),
  limit: fc.option(fc.integer({ min: 1, max: 12 }), { nil: undefined }),
  sessionNumber: fc.constantFrom(1, 10),
});

function materialise(
  raw: { eni: string; ours: boolean; filter: string; target: string; number: number }[],
): TrafficMirrorSession[] {
  const perEni = new Map<string, number>();
  const out: TrafficMirrorSession[] = [];
  raw.forEach((r, i) => {
    // AWS never lets an ENI hold more than 3 sessions: drop what the quota would have refused.
    const n = perEni.get(r.eni) ?? 0;
    if (n >= SESSIONS_PER_ENI) {
      return;
    }
    perEni.set(r.eni, n + 1);
    out.push({
      TrafficMirrorSessionId: `tms-${String(i).padStart(17, "0")}`,
      NetworkInterfaceId: r.eni,
      TrafficMirrorFilterId: r.filter,
      TrafficMirrorTargetId: r.target,
      SessionNumber: r.number,
      Tags: r.ours ? [{ Key: OWNER_TAG_KEY, Value: OWNER }] : [{ Key: OWNER_TAG_KEY, Value: "someone-else" }],
    });
  });
  return out;
}

function apply(
  sessions: TrafficMirrorSession[],
  plan: ReconcilePlan,
  cfg: ReconcilerConfig,
): TrafficMirrorSession[] {
  const gone = new Set(plan.remove.map((r) => r.trafficMirrorSessionId));
  const next = sessions.filter((s) => !gone.has(s.TrafficMirrorSessionId ?? ""));
  plan.create.forEach((c, i) =>
    next.push({
      TrafficMirrorSessionId: `tms-new${String(i).padStart(14, "0")}`,
      NetworkInterfaceId: c.source.networkInterfaceId,
      TrafficMirrorFilterId: cfg.filterId,
      TrafficMirrorTargetId: cfg.targetId,
      SessionNumber: cfg.sessionNumber,
      Tags: [{ Key: OWNER_TAG_KEY, Value: OWNER }],
    }),
  );
  return next;
}

describe("planReconcile (properties)", () => {
  it("converges in one step, never touches others' sessions, respects 3/ENI and the target source limit", () => {
    fc.assert(
      fc.property(world, ({ desired, sessions: raw, limit, sessionNumber }) => {
        const cfg = config(limit, sessionNumber);
        const fleet: FleetSnapshot = { sources: desired.map(sourceOf), skipped: [] };
        const sessions = materialise(raw);
        const plan = planReconcile(fleet, sessions, cfg, "reconcile");

        // Only our sessions are ever removed.
        const byId = new Map(sessions.map((s) => [s.TrafficMirrorSessionId, s]));
        assert.ok(plan.remove.every((r) => isOwned(byId.get(r.trafficMirrorSessionId)!, OWNER)));

        const after = apply(sessions, plan, cfg);
        // Others' sessions are exactly as before.
        assert.deepEqual(
          after.filter((s) => !isOwned(s, OWNER)),
          sessions.filter((s) => !isOwned(s, OWNER)),
        );
        // Every desired ENI not skipped has exactly one session of ours with our config; nothing of ours elsewhere.
        const skipped = new Set(plan.skipped.map((s) => s.networkInterfaceId));
        const ours = after.filter((s) => isOwned(s, OWNER));
        for (const eni of desired) {
          const mine = ours.filter((s) => s.NetworkInterfaceId === eni);
          assert.equal(mine.length, skipped.has(eni) ? 0 : 1, eni);
        }
        assert.ok(ours.every((s) => desired.includes(s.NetworkInterfaceId ?? "")));
        assert.ok(
          ours.every(
            (s) =>
              s.TrafficMirrorFilterId === cfg.filterId &&
              s.TrafficMirrorTargetId === cfg.targetId &&
              s.SessionNumber === cfg.sessionNumber,
          ),
        );
        // AWS's quotas hold after the plan.
        for (const eni of ENIS) {
          assert.ok(after.filter((s) => s.NetworkInterfaceId === eni).length <= SESSIONS_PER_ENI);
        }
        if (limit !== undefined) {
          const sources = (list: TrafficMirrorSession[]) =>
            new Set(
              list.filter((s) => s.TrafficMirrorTargetId === cfg.targetId).map((s) => s.NetworkInterfaceId),
            ).size;
          assert.ok(sources(after) <= Math.max(limit, sources(sessions)));
        }
        // Fixpoint: planning again changes nothing.
        const again = planReconcile(fleet, after, cfg, "reconcile");
        assert.deepEqual([again.create.length, again.remove.length], [0, 0]);
        // Cleanup removes exactly our sessions.
        const cleanup = planReconcile(fleet, after, cfg, "cleanup");
        assert.deepEqual(
          cleanup.remove.map((r) => r.trafficMirrorSessionId).sort(),
          ours.map((s) => s.TrafficMirrorSessionId).sort(),
        );
      }),
      { numRuns: 300 },
    );
  });

  it("client tokens: same inputs same token; a new attachment, restart or config gives a new one; at most 64 chars", () => {
    const cfg = config(undefined, 10);
    const src = {
      ...sourceOf(ENIS[0]),
      attachmentId: "eni-attach-1",
      launchTime: "2026-11-02T08:15:00.000Z",
    };
    const t = clientToken(src, cfg);
    assert.equal(t.length, 60);
    assert.equal(clientToken({ ...src }, { ...cfg }), t);
    assert.notEqual(clientToken({ ...src, attachmentId: "eni-attach-2" }, cfg), t);
    assert.notEqual(clientToken({ ...src, launchTime: "2026-11-03T00:00:00.000Z" }, cfg), t);
    assert.notEqual(clientToken(src, { ...cfg, sessionNumber: 11 }), t);
    assert.notEqual(clientToken(src, { ...cfg, filterId: "tmf-000000000000000cc" }), t);
  });
});
