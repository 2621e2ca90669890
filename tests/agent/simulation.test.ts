// The proof on a kernel: the agent (agent/entrypoint.sh and its program), the Fargate sidecars and AWS Traffic
// Mirroring together, in EKS-like clusters built from network namespaces (harness/sim). Each flow carries a unique
// marker; the sensor's streams are decoded, AWS's copies are modelled per packet on the ENIs the reconciler gives a
// session (the filter evaluated with AWS's rules), and the copies of each marked packet counted: exactly once for
// every class, in both agent modes, on two layouts:
//   - VPC CNI addressing (pods in the node subnet, shared with a VPC host; pods on eth0 and eth1), security groups
//     for pods in standard mode, kube-proxy on iptables-legacy (Amazon Linux 2);
//   - custom networking (pods in 100.64.0.0/16 on eth1), security groups for pods in strict mode, kube-proxy on
//     iptables-nft (Amazon Linux 2023);
// each with a node of an instance type AWS cannot mirror, a node without agent, branch-ENI pods and Fargate pods.
// Then pods created and deleted while traffic flows. Needs root and the tools listed in harness/sim/cluster.ts:
// fails, never skips, when they are missing. The full before/after tables: harness/sim/exactlyOnceBench.ts.
import * as assert from "assert";
import { Capture, Cluster, fromMirror, sleep } from "../../harness/sim/cluster";
import { CapshSidecarRunner } from "../../harness/sim/fargate";
import {
  accepted,
  asExpected,
  Flow,
  FlowResult,
  flowsFor,
  flowsOfRun,
  formatResults,
  newMarker,
  RunContext,
  runMatrix,
} from "../../harness/sim/matrix";
import * as T from "../../harness/sim/topology";

const flowTitle = (f: Flow): string =>
  `${f.cls}: ${f.op} ${f.from} -> ${f.host}${f.port ? ":" + f.port : ""}${f.size ? ` (${f.size} B)` : ""}`;

function assertCounts(r: FlowResult | undefined, title: string): void {
  assert.ok(r, `no result for ${title}`);
  assert.ok(r.ok, `traffic itself failed (${r.detail}): the simulated datapath is broken, not the agent`);
  assert.ok(asExpected(r), formatResults([r]));
}

const wanted = (f: Flow, ctx: RunContext): string => {
  const a = accepted(f, ctx);
  return a === "skip" ? "skip" : f.kinds.map((k) => a[k].join(" or ")).join("/");
};

/** The proof for one layout: both agent modes, every class, the frame-level checks. */
function proveLayout(layout: T.Layout, iptables: string): void {
  const name = `${layout.podNetworking} addressing, security groups for pods ${layout.sgpp}, kube-proxy on ${iptables}`;
  describe(`exactly once on a real kernel: ${name}`, function () {
    this.timeout(180_000);
    let cluster: Cluster | undefined;

    before(async function () {
      cluster = await Cluster.create({ layout, iptables });
    });

    after(async function () {
      await cluster?.destroy();
    });

    afterEach(function () {
      if (this.currentTest?.state === "failed" && cluster) {
        for (const key of [...cluster.topology.nodes.filter((n) => n.agent).map((n) => n.key), "F1", "F2"]) {
          process.stderr.write(`--- agent log, ${key}:\n${cluster.readLog(key).slice(-3000)}\n`);
        }
      }
    });

    it("the reconciler's plan mirrors every interface ENI but the unmirrorable node's, never a trunk ENI", function () {
      const c = cluster!;
      const mirrored = c.fleet.mirrored.map((d) => `${d.node}/${d.dev}`).sort();
      assert.deepStrictEqual(mirrored, ["A/eth0", "A/eth1", "B/eth0", "B/eth1", "C/eth0", "C/eth1"]);
      assert.deepStrictEqual(c.fleet.skipped.map((s) => `${s.instanceType} ${s.reason}`).sort(), [
        "m5.large not-interface-type",
        "m5.large not-interface-type",
        "t2.large unsupported-instance-type",
      ]);
    });

    for (const mirroring of [false, true]) {
      const ctx: RunContext = { vpcMirroring: mirroring, layout };
      describe(`VPC_MIRRORING=${mirroring}`, function () {
        let results: FlowResult[] = [];
        let cap: Capture;

        before(async function () {
          // The graceful handover below needs the agents' SHUTDOWN_DELAY (the harness's default is 0 s).
          const handover = layout.podNetworking === "vpc-cni" && !mirroring;
          await cluster!.startAgents(mirroring, {}, handover ? { SHUTDOWN_DELAY: "3" } : {}, {
            sidecar: new CapshSidecarRunner(),
          });
          results = await runMatrix(cluster!, mirroring);
          cap = cluster!.collect();
          if (process.env.EHSIM_VERBOSE) {
            process.stderr.write(formatResults(results) + "\n");
          }
        });

        after(async function () {
          await cluster?.stopAgents();
        });

        for (const flow of flowsOfRun(flowsFor(T.simTopology(layout)), ctx)) {
          it(`${flowTitle(flow)}: ${wanted(flow, ctx)}`, function () {
            assertCounts(
              results.find(
                (r) =>
                  r.flow.cls === flow.cls &&
                  r.flow.from === flow.from &&
                  r.flow.host === flow.host &&
                  r.flow.op === flow.op &&
                  r.flow.port === flow.port,
              ),
              flowTitle(flow),
            );
          });
        }

        it("no packet at all, marked or not, reaches the sensor twice, but the documented residual's", function () {
          // With mirroring, the request a node forwards to a NodePort backend on another node is copied where the
          // client sent it and where the node forwarded it (docs/mirroring.md, residuals).
          const far = cluster!.pod(cluster!.topology.farNodePortBackend).ip;
          const client = cluster!.pod("A1").ip;
          const nodeB = cluster!.node("B").ip;
          const residual = (d: Capture["duplicates"][number]): boolean =>
            mirroring &&
            d.proto === 6 &&
            ((d.src === nodeB && d.dst === far) || (d.src === client && d.dst === nodeB));
          const bad = cap.duplicates.filter((d) => !residual(d));
          assert.deepStrictEqual(bad, [], `${bad.length} duplicate frames of ${cap.frames}`);
        });

        it("the sensor receives Ethernet frames (DLT_EN10MB) only, never its own traffic", function () {
          assert.ok(cap.frames > 0);
          assert.strictEqual(cap.nonEthernet, 0);
          assert.strictEqual(cap.sensorFrames, 0);
        });

        it(`${mirroring ? "AWS copies what leaves mirrored ENIs; " : ""}the agents copy the rest, in wire-sized segments`, function () {
          const mirrorCopies = cap.packets.filter(fromMirror).length;
          assert.ok(mirroring ? mirrorCopies > 0 : mirrorCopies === 0, `${mirrorCopies} mirror copies`);
          for (const r of results.filter((x) => x.flow.op === "tcp-bulk")) {
            assert.ok(
              r.maxFrameLength! <= 1514,
              `${flowTitle(r.flow)}: largest agent frame ${r.maxFrameLength} bytes`,
            );
          }
        });

        it("fragmented datagrams from pods reach the sensor as their fragments, each once", function () {
          // The kernel reassembles for conntrack, and refragments on output to the original sizes (frag_max_size);
          // the clone on the capture device is refragmented the same way; AWS copies the fragments on the wire.
          const frag = results.filter(
            (x) => x.flow.op === "udp" && x.flow.size && x.flow.size > 1500 && x.flow.from.startsWith("p"),
          );
          assert.ok(frag.length > 0);
          for (const r of frag) {
            const firsts = r.observations.filter((x) => x.kind === "req");
            assert.strictEqual(firsts.length, 1, formatResults([r]));
            const o = firsts[0];
            const parts = cap.packets.filter(
              (p) => p.src === o.src && p.dst === o.dst && p.id === o.id && p.proto === 17,
            );
            const wire = Math.ceil((r.flow.size! + 8) / 1480);
            assert.strictEqual(parts.length, wire, `${flowTitle(r.flow)}: ${JSON.stringify(parts)}`);
            assert.ok(parts.every((p) => p.fragment && p.totalLength <= 1500));
          }
        });

        it("a datagram a node itself fragments reaches the sensor once: whole (cloned before fragmentation) or as its fragments", function () {
          for (const r of results.filter(
            (x) => x.flow.op === "udp" && x.flow.size && x.flow.size > 1500 && x.flow.from.startsWith("n"),
          )) {
            const firsts = r.observations.filter((x) => x.kind === "req");
            assert.strictEqual(firsts.length, 1, formatResults([r]));
            const o = firsts[0];
            const parts = cap.packets.filter(
              (p) => p.src === o.src && p.dst === o.dst && p.id === o.id && p.proto === 17,
            );
            if (o.fragment) {
              assert.strictEqual(parts.length, Math.ceil((r.flow.size! + 8) / 1480), JSON.stringify(parts));
            } else {
              assert.ok(
                parts.length === 1 && o.totalLength === r.flow.size! + 28,
                `${flowTitle(r.flow)}: ${JSON.stringify(o)}`,
              );
            }
          }
        });

        if (layout.podNetworking === "vpc-cni") {
          describeChurn(() => cluster!, mirroring);
        }
      });
    }
  });
}

/** Probes sent while the cluster changes, with when they were sent. */
interface Probe {
  marker: string;
  sentAt: number;
  ok: boolean;
}

/**
 * Pods created and deleted while traffic flows (the agents of the enclosing run keep running): the other node's
 * kernel set follows the API, and counts are exact outside the windows between an API change and that set change
 * (measured and printed).
 */
function describeChurn(getCluster: () => Cluster, mirroring: boolean): void {
  const SET = "covered4";
  // `get element` answers for an address inside an interval element too (the set has `flags interval`).
  const inSet = (c: Cluster, node: string, ip: string): boolean =>
    c
      .exec(
        node,
        `nft get element ip extrahop_rpcapd ${SET} '{ ${ip} }' >/dev/null 2>&1 && echo yes || echo no`,
      )
      .trim() === "yes";

  /** Polls a node's set every 50 ms until `test` holds; returns the time it held (ms epoch). */
  async function setChange(c: Cluster, node: string, test: () => boolean, limitMs: number): Promise<number> {
    const t0 = Date.now();
    while (Date.now() - t0 < limitMs) {
      if (test()) {
        return Date.now();
      }
      await sleep(50);
    }
    throw new Error(
      `${SET} of ${node} did not change within ${limitMs} ms:\n${c.exec(node, `nft list set ip extrahop_rpcapd ${SET}`)}`,
    );
  }

  /** Sends one UDP probe every 100 ms from `from` (from its address `source`, if given) to `host` until `stop`. */
  function probeStream(
    c: Cluster,
    from: string,
    host: string,
    stop: Promise<void>,
    source?: string,
  ): Promise<Probe[]> {
    const probes: Probe[] = [];
    let done = false;
    void stop.then(() => (done = true));
    return (async () => {
      while (!done) {
        const marker = newMarker();
        const sentAt = Date.now();
        const r = await c.worker(from).send({ op: "udp", host, port: T.POD_UDP, marker, source });
        probes.push({ marker, sentAt, ok: r.ok });
        await sleep(100);
      }
      return probes;
    })();
  }

  const counts = async (c: Cluster, probes: Probe[]): Promise<Map<string, number>> => {
    await sleep(1500); // the capture streams flush per packet; let them drain
    const cap = c.collect();
    const m = new Map<string, number>();
    for (const o of cap.observations.filter((x) => x.kind === "req")) {
      m.set(o.marker, (m.get(o.marker) ?? 0) + 1);
    }
    return new Map(probes.map((p) => [p.marker, m.get(p.marker) ?? 0]));
  };

  describe("pod churn while traffic flows", function () {
    const suffix = mirroring ? "t" : "f";
    const a3: T.PodSpec = {
      key: `A3${suffix}`,
      name: `web-7d9c-a3${suffix}`,
      ip: mirroring ? "10.77.1.14" : "10.77.1.13",
      eni: "eth0",
    };
    const a4: T.PodSpec = {
      key: `A4${suffix}`,
      name: `web-7d9c-a4${suffix}`,
      ip: mirroring ? "10.77.1.16" : "10.77.1.15",
      eni: "eth0",
    };

    before(async function () {
      const c = getCluster();
      await c.addPod("A", a4);
      c.listInApi("A", a4);
      await setChange(c, "nB", () => inSet(c, "nB", a4.ip), 10_000);
    });

    it("a pod created: duplicates (never a miss) until the other node's set has it, then exactly once", async function () {
      const c = getCluster();
      await c.addPod("A", a3);
      let stop!: () => void;
      const stopped = new Promise<void>((r) => (stop = r));
      const stream = probeStream(c, `p${a3.key}`, c.pod("B1").ip, stopped);
      await sleep(800); // a few probes before the API lists the pod
      const listedAt = Date.now();
      c.listInApi("A", a3);
      const changedAt = await setChange(c, "nB", () => inSet(c, "nB", a3.ip), 10_000);
      await sleep(800); // a few probes after
      stop();
      const probes = await stream;
      const n = await counts(c, probes);
      const before = probes.filter((p) => p.sentAt < listedAt).map((p) => n.get(p.marker));
      const window = probes
        .filter((p) => p.sentAt >= listedAt && p.sentAt < changedAt)
        .map((p) => n.get(p.marker));
      const after = probes.filter((p) => p.sentAt >= changedAt).map((p) => n.get(p.marker));
      process.stderr.write(
        `      (measured: node B's set had the new pod ${changedAt - listedAt} ms after the API listed it; copies before ${before.join(",")}, in the window ${window.join(",")}, after ${after.join(",")})\n`,
      );
      assert.ok(
        probes.every((p) => p.ok),
        "traffic failed",
      );
      assert.ok(before.length > 0 && after.length > 0);
      assert.ok(
        [...before, ...window].every((x) => x === 1 || x === 2),
        `before/window: ${before}, ${window}`,
      );
      assert.ok(
        after.every((x) => x === 1),
        `after the set changed: ${after}`,
      );
    });

    it("a pod deleted: its address leaves the other node's set; until then a new owner of the address is missed", async function () {
      const c = getCluster();
      // Traffic from the pod until it is deleted is exact.
      let stop!: () => void;
      let stopped = new Promise<void>((r) => (stop = r));
      let stream = probeStream(c, `p${a4.key}`, c.pod("B1").ip, stopped);
      await sleep(600);
      stop();
      const live = await stream;
      const nLive = await counts(c, live);
      assert.ok(
        live.every((p) => p.ok && nLive.get(p.marker) === 1),
        `while it lived: ${[...nLive.values()]}`,
      );
      // Deleted: kubelet tears its network down, the API drops it, and (as the VPC CNI would only after its 30 s
      // cooldown) a VPC host takes the address over and sends from it.
      c.removePod("A", a4);
      c.exec("vpchost", `ip addr add ${a4.ip}/32 dev eth0`);
      c.exec("vpc", `ip route replace ${a4.ip}/32 dev vvpchost`);
      try {
        stopped = new Promise<void>((r) => (stop = r));
        stream = probeStream(c, "vpchost", c.pod("B1").ip, stopped, a4.ip);
        await sleep(600);
        const deletedAt = Date.now();
        c.unlistFromApi(a4.key);
        const changedAt = await setChange(c, "nB", () => !inSet(c, "nB", a4.ip), 10_000);
        await sleep(800);
        stop();
        const reuse = await stream;
        const n = await counts(c, reuse);
        const before = reuse.filter((p) => p.sentAt < deletedAt).map((p) => n.get(p.marker));
        const window = reuse
          .filter((p) => p.sentAt >= deletedAt && p.sentAt < changedAt)
          .map((p) => n.get(p.marker));
        const after = reuse.filter((p) => p.sentAt >= changedAt).map((p) => n.get(p.marker));
        process.stderr.write(
          `      (measured: node B's set dropped the deleted pod ${changedAt - deletedAt} ms after the API did; copies from the address's new owner before ${before.join(",")}, in the window ${window.join(",")}, after ${after.join(",")})\n`,
        );
        assert.ok(
          reuse.every((p) => p.ok),
          "traffic failed",
        );
        assert.ok(
          before.length > 0 && before.every((x) => x === 0),
          `while the API lists the old pod: ${before}`,
        );
        assert.ok(
          window.every((x) => x === 0 || x === 1),
          `window: ${window}`,
        );
        assert.ok(after.length > 0 && after.every((x) => x === 1), `after: ${after}`);
      } finally {
        c.exec("vpchost", `ip addr del ${a4.ip}/32 dev eth0 2>/dev/null || true`);
        c.exec("vpc", `ip route del ${a4.ip}/32 2>/dev/null || true`);
      }
    });

    if (!mirroring) {
      // Last of the run: it stops node B's agent.
      it("node B's agent terminating gracefully (deletionTimestamp, then TERM; SHUTDOWN_DELAY 3 s): overlap, never a gap", async function () {
        const c = getCluster();
        const b = c.agent("B")!;
        const podsNow = c.podsInApi() as {
          items: { metadata: { namespace: string; name: string; deletionTimestamp?: string } }[];
        };
        for (const p of podsNow.items) {
          if (p.metadata.namespace === "extrahop" && p.metadata.name.includes("-b")) {
            p.metadata.deletionTimestamp = "2026-11-26T12:00:00Z";
          }
        }
        let stop!: () => void;
        const stopped = new Promise<void>((r) => (stop = r));
        const stream = probeStream(c, "pB1", c.pod("A1").ip, stopped);
        await sleep(500);
        // What Kubernetes does at once: mark the pod terminating, send TERM to its container.
        c.writeApi(undefined, podsNow);
        process.kill(await b.pid(), "SIGTERM");
        const exit = await b.exited;
        const goneAt = Date.now();
        const changedAt = await setChange(c, "nA", () => !inSet(c, "nA", c.pod("B1").ip), 10_000);
        await sleep(600);
        stop();
        const probes = await stream;
        const n = await counts(c, probes);
        const during = probes.filter((p) => p.sentAt < goneAt).map((p) => n.get(p.marker));
        const after = probes
          .filter((p) => p.sentAt >= Math.max(goneAt, changedAt))
          .map((p) => n.get(p.marker));
        process.stderr.write(
          `      (measured: copies while B stopped ${during.join(",")}; after ${after.join(",")})\n`,
        );
        assert.strictEqual(exit.code, 0, c.readLog("B").slice(-2000));
        assert.ok(
          probes.every((p) => p.ok),
          "traffic failed",
        );
        assert.ok(
          [...during, ...after].every((x) => x !== undefined && x >= 1),
          `a gap: ${during} / ${after}`,
        );
        assert.ok(after.length > 0 && after.every((x) => x === 1), `after B stopped, node A alone: ${after}`);
      });
    }
  });
}

proveLayout({ podNetworking: "vpc-cni", sgpp: "standard" }, "iptables-legacy");
proveLayout({ podNetworking: "custom-networking", sgpp: "strict" }, "iptables-nft");
