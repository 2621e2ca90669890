// The proof: agent/entrypoint.sh on a real kernel, in a small EKS-like cluster built from network
// namespaces (harness/sim). Each flow carries a unique marker; the sensor's pcaps are decoded and the
// copies of each marked packet counted. Needs root and the tools listed in sim/cluster.ts: it fails,
// never skips, when they are missing.
import * as assert from "assert";
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import {
  AgentHandle,
  AgentRunner,
  Capture,
  childPids,
  cmdline,
  Cluster,
  ScriptRunner,
  sleep,
} from "../../harness/sim/cluster";
import { ImageRunner } from "../../harness/sim/image-runner";
import { expected, Flow, FLOWS, FlowResult, formatResults, runMatrix } from "../../harness/sim/matrix";
import * as T from "../../harness/sim/topology";

const flowTitle = (f: (typeof FLOWS)[number]): string =>
  `${f.cls}: ${f.op} ${f.from} -> ${f.host}${f.port ? ":" + f.port : ""}${f.size ? ` (${f.size} B)` : ""}`;

function assertCounts(r: FlowResult | undefined, title: string): void {
  assert.ok(r, `no result for ${title}`);
  assert.ok(r.ok, `traffic itself failed (${r.detail}): the simulated datapath is broken, not the agent`);
  assert.deepStrictEqual(r.got, r.expected, formatResults([r]));
}

describe("agent on a real kernel: simulated EKS cluster in network namespaces", function () {
  this.timeout(120_000);
  let cluster: Cluster | undefined;

  before(async function () {
    cluster = await Cluster.create();
  });

  after(async function () {
    await cluster?.destroy();
  });

  afterEach(function () {
    if (this.currentTest?.state === "failed" && cluster) {
      for (const n of T.NODES.filter((x) => x.agent)) {
        process.stderr.write(`--- agent log, node ${n.key}:\n${cluster.readLog(n.key).slice(-3000)}\n`);
      }
    }
  });

  for (const mirroring of [false, true]) {
    describe(`VPC_MIRRORING=${mirroring}: ${mirroring ? "exactly the packets that never cross an eth*, once" : "every packet once"}`, function () {
      let results: FlowResult[] = [];
      let cap: Capture;

      before(async function () {
        await cluster!.startAgents(mirroring);
        results = await runMatrix(cluster!, mirroring);
        cap = cluster!.collect();
        if (process.env.EHSIM_VERBOSE) {
          process.stderr.write(formatResults(results) + "\n");
        }
      });

      after(async function () {
        await cluster?.stopAgents();
      });

      for (const flow of FLOWS) {
        const e = expected(flow, mirroring);
        it(`${flowTitle(flow)}: req/rsp/err ${e.req}/${e.rsp}/${e.err}`, function () {
          assertCounts(
            results.find((r) => r.flow === flow),
            flowTitle(flow),
          );
        });
      }

      it("no packet at all, marked or not, reaches the sensor twice", function () {
        assert.deepStrictEqual(
          cap.duplicates,
          [],
          `${cap.duplicates.length} duplicate frames of ${cap.frames}`,
        );
      });

      it("the sensor receives Ethernet frames (DLT_EN10MB) only", function () {
        assert.ok(cap.frames > 0);
        assert.strictEqual(cap.nonEthernet, 0);
      });

      it("the agent's own stream to the sensor is never captured again", function () {
        assert.strictEqual(cap.sensorFrames, 0);
      });

      it("bulk TCP reaches the sensor in wire-sized segments (GRO/GSO aggregates segmented)", function () {
        for (const r of results.filter((x) => x.flow.op === "tcp-bulk" && x.expected.req > 0)) {
          assert.ok(
            r.maxFrameLength! <= 1514,
            `${flowTitle(r.flow)}: largest frame ${r.maxFrameLength} bytes`,
          );
        }
      });

      it("fragmented datagrams reach the sensor as their fragments, each once", function () {
        // The kernel reassembles for conntrack, and refragments on output to the original sizes
        // (frag_max_size); the clone on the capture device is refragmented the same way.
        const frag = results.filter(
          (x) => x.flow.op === "udp" && x.flow.size && x.flow.size > 1500 && !x.flow.from.startsWith("n"),
        );
        assert.ok(frag.length > 0);
        for (const r of frag) {
          const firsts = r.observations.filter((x) => x.kind === "req");
          assert.strictEqual(firsts.length, r.expected.req, formatResults([r]));
          for (const o of firsts) {
            const parts = cap.packets.filter(
              (p) => p.src === o.src && p.dst === o.dst && p.id === o.id && p.proto === 17,
            );
            const wire = Math.ceil((r.flow.size! + 8) / 1480);
            assert.strictEqual(parts.length, wire, `${flowTitle(r.flow)}: ${JSON.stringify(parts)}`);
            assert.ok(parts.every((p) => p.fragment && p.totalLength <= 1500));
          }
        }
      });

      it("a datagram a node itself fragments reaches the sensor once, whole (cloned before fragmentation)", function () {
        for (const r of results.filter(
          (x) => x.flow.op === "udp" && x.flow.size && x.flow.size > 1500 && x.flow.from.startsWith("n"),
        )) {
          for (const o of r.observations.filter((x) => x.kind === "req")) {
            assert.ok(
              !o.fragment && o.totalLength === r.flow.size! + 28,
              `${flowTitle(r.flow)}: ${JSON.stringify(o)}`,
            );
          }
        }
      });
    });
  }

  describe("lifecycle in the node's namespace", function () {
    const tables = (): string => cluster!.exec("nA", "nft list tables");
    const hasDev = (): boolean => cluster!.exec("nA", "ip -o link show").includes("ehcap0");

    afterEach(async function () {
      await cluster?.stopAgents();
    });

    it("SIGTERM: exits 0 and removes its table and capture device, and nothing else", async function () {
      await cluster!.startAgents(false);
      assert.match(tables(), /extrahop_rpcapd/);
      assert.ok(hasDev());
      const r = await cluster!.agent("A")!.stop("SIGTERM");
      assert.strictEqual(r.code, 0, cluster!.readLog("A"));
      assert.doesNotMatch(tables(), /extrahop_rpcapd/);
      assert.ok(!hasDev());
      const nat = cluster!.exec("nA", "iptables-legacy -t nat -S 2>/dev/null || iptables -t nat -S");
      assert.match(nat, /KUBE-SERVICES/, "kube-proxy's rules must survive the agent");
    });

    it("restarts cleanly after being SIGKILLed (idempotent setup, one table)", async function () {
      await cluster!.startAgents(false);
      process.kill(await cluster!.agent("A")!.pid(), "SIGKILL");
      await sleep(300);
      assert.match(tables(), /extrahop_rpcapd/, "left behind after SIGKILL, as expected");
      await cluster!.startAgents(false);
      assert.strictEqual(tables().match(/extrahop_rpcapd/g)?.length, 1);
      const results = await runMatrix(
        cluster!,
        false,
        FLOWS.filter((f) => f.cls.startsWith("pod->pod")),
      );
      for (const r of results) {
        assertCounts(r, flowTitle(r.flow));
      }
    });

    it("a second instance takes over the node; the first one's exit leaves its table and device alone", async function () {
      await cluster!.startAgents(false);
      const first = cluster!.agent("A")!;
      const stateDir = path.join(cluster!.workDir, "agent-A-second");
      fs.mkdirSync(stateDir, { recursive: true });
      const second = await new ScriptRunner().start({
        netns: cluster!.ns("nA"),
        env: cluster!.agentEnv(T.node("A"), false),
        stateDir,
        logFile: cluster!.agentLog("A"),
      });
      try {
        // Replacing ehcap0 kills the first instance's capture: it exits non-zero, as it should.
        const r = await Promise.race([first.exited, sleep(15_000).then(() => undefined)]);
        assert.ok(r && r.code !== 0, "the first instance noticed it lost its capture");
        for (let i = 0; i < 100 && !fs.existsSync(path.join(stateDir, "ready")); i++) {
          await sleep(100);
        }
        assert.ok(fs.existsSync(path.join(stateDir, "ready")), "second instance ready");
        assert.match(tables(), /extrahop_rpcapd/);
        assert.ok(hasDev());
        assert.match(cluster!.readLog("A"), /belongs to another agent instance now/);
        await sleep(1500); // the second stream is connected (the stand-in retries every second)
        const results = await runMatrix(
          cluster!,
          false,
          FLOWS.filter((f) => f.cls === "pod->pod same node"),
        );
        for (const x of results) {
          assertCounts(x, flowTitle(x.flow));
        }
      } finally {
        const st = await second.stop();
        assert.strictEqual(st.code, 0);
      }
      assert.doesNotMatch(tables(), /extrahop_rpcapd/);
      assert.ok(!hasDev());
    });

    it("exits non-zero and cleans up when rpcapd dies", async function () {
      await cluster!.startAgents(false);
      const agent = cluster!.agent("A")!;
      const rpcapd = childPids(await agent.pid()).find((p) => cmdline(p).includes("rpcapd"));
      assert.ok(rpcapd, "rpcapd is a child of the entrypoint");
      process.kill(rpcapd, "SIGKILL");
      const r = await Promise.race([agent.exited, sleep(10_000).then(() => undefined)]);
      assert.ok(r, "the agent noticed rpcapd's death within 10 s");
      assert.notStrictEqual(r.code, 0);
      assert.match(cluster!.readLog("A"), /rpcapd exited unexpectedly/);
      assert.doesNotMatch(tables(), /extrahop_rpcapd/);
      assert.ok(!fs.existsSync(path.join(agent.hostStateDir, "ready")), "not ready any more");
    });
  });

  describe("sensor connections: rpcapd alive but forwarding nothing (SENSOR_GRACE 5 s)", function () {
    const GRACE_S = 5;
    const nodeA = T.node("A");
    const tables = (): string => cluster!.exec("nA", "nft list tables");
    const hasDev = (): boolean => cluster!.exec("nA", "ip -o link show").includes("ehcap0");
    const env = (extra: Record<string, string> = {}): Record<string, string> => ({
      SENSOR_GRACE: String(GRACE_S),
      SENSOR_CHECK_INTERVAL: "1",
      ...extra,
    });
    /** What a sensor does when it sends CLOSE or restarts: ends the connection (here: a reset, ss -K). */
    const closeFrom = (sensorNs: string, nodeIp: string): void => {
      cluster!.exec(
        sensorNs,
        `ss -K state established dst ${nodeIp} sport = :${T.SENSOR_PORT} >/dev/null
         ! ss -tnH state established dst ${nodeIp} sport = :${T.SENSOR_PORT} | grep -q .`,
      );
    };
    const exitedWithin = async (
      h: AgentHandle,
      ms: number,
    ): Promise<{ code: number | null; signal: string | null } | undefined> =>
      Promise.race([h.exited, sleep(ms).then(() => undefined)]);
    let extraSensor: ChildProcess | undefined;
    // The node's log file collects every run: each test reads what it appended.
    let logStart = 0;
    const logA = (): string => cluster!.readLog("A").slice(logStart);

    beforeEach(function () {
      const f = cluster!.agentLog("A");
      logStart = fs.existsSync(f) ? fs.readFileSync(f, "utf8").length : 0;
    });

    afterEach(async function () {
      cluster?.exec("sensor", "nft delete table ip ehsim_block 2>/dev/null || true");
      extraSensor?.kill("SIGKILL");
      extraSensor = undefined;
      await cluster?.stopAgents();
    });

    it("the only sensor closes the connection: rpcapd stays up, the agent exits non-zero once SENSOR_GRACE has passed, names the sensor and cleans up", async function () {
      await cluster!.startAgents(false, {}, env());
      const agent = cluster!.agent("A")!;
      const ready = path.join(agent.hostStateDir, "ready");
      assert.ok(fs.existsSync(ready));
      const rpcapd = childPids(await agent.pid()).find((p) => cmdline(p).includes("rpcapd"));
      assert.ok(rpcapd, "rpcapd is a child of the entrypoint");
      const t0 = Date.now();
      closeFrom("sensor", nodeA.ip);
      let notReadyMs: number | undefined;
      void (async () => {
        while (notReadyMs === undefined && Date.now() - t0 < (GRACE_S + 10) * 1000) {
          if (!fs.existsSync(ready)) {
            notReadyMs = Date.now() - t0;
          }
          await sleep(100);
        }
      })();
      // The stand-in, like the vendor's rpcapd, does not reconnect and does not exit.
      await sleep(2_000);
      assert.ok(fs.existsSync(`/proc/${rpcapd}`), "rpcapd is still alive after the sensor closed");
      const r = await exitedWithin(agent, (GRACE_S + 6) * 1000);
      const ms = Date.now() - t0;
      const log = logA();
      assert.ok(r, `the agent still runs ${ms} ms after the sensor closed its connection:\n${log}`);
      assert.notStrictEqual(r.code, 0);
      assert.ok(ms >= GRACE_S * 1000, `exited after ${ms} ms, before SENSOR_GRACE`);
      assert.match(log, /not reconnecting/, "the stand-in ended that client");
      assert.match(
        log,
        new RegExp(
          `no sensor has had a connection for more than SENSOR_GRACE ${GRACE_S} s \\(${T.SENSOR_IP.replace(/\./g, "\\.")}`,
        ),
      );
      assert.ok(notReadyMs !== undefined && notReadyMs < 3000, `ready file removed after ${notReadyMs} ms`);
      assert.doesNotMatch(tables(), /extrahop_rpcapd/);
      assert.ok(!hasDev());
      process.stderr.write(
        `      (measured: not ready ${notReadyMs} ms, exit ${ms} ms after the sensor closed; SENSOR_GRACE ${GRACE_S} s)\n`,
      );
    });

    it("two sensors, one closes: the agent stays up, names the missing one, and still delivers to the other", async function () {
      // The second sensor: a plain listener in the VPC host's namespace, one pcap file per connection.
      const dir = path.join(cluster!.workDir, "sensor2");
      fs.rmSync(dir, { recursive: true, force: true });
      fs.mkdirSync(dir);
      extraSensor = spawn(
        "ip",
        [
          "netns",
          "exec",
          cluster!.ns("vpchost"),
          "socat",
          `TCP-LISTEN:${T.SENSOR_PORT},reuseaddr,fork`,
          `SYSTEM:exec cat >${dir}/$SOCAT_PEERADDR-$$.pcap`,
        ],
        { stdio: "ignore" },
      );
      await sleep(300);
      await cluster!.startAgents(false, {}, env({ EXTRAHOP_SENSOR_IP: `${T.SENSOR_IP},${T.VPC_HOST_IP}` }));
      const agent = cluster!.agent("A")!;
      const fromA = (): Buffer =>
        Buffer.concat(
          fs
            .readdirSync(dir)
            .filter((f) => f.startsWith(`${nodeA.ip}-`))
            .map((f) => fs.readFileSync(path.join(dir, f))),
        );
      for (let i = 0; i < 50 && fromA().length < 24; i++) {
        await sleep(100);
      }
      assert.ok(fromA().length >= 24, "node A streams to the second sensor");
      closeFrom("sensor", nodeA.ip);
      const r = await exitedWithin(agent, (GRACE_S + 3) * 1000);
      const log = logA();
      assert.strictEqual(r, undefined, `the agent exited with one sensor still connected:\n${log}`);
      assert.match(
        log,
        new RegExp(`sensor ${T.SENSOR_IP.replace(/\./g, "\\.")}:${T.SENSOR_PORT}: no connection for`),
      );
      assert.doesNotMatch(log, /no sensor has had a connection/);
      assert.ok(fs.existsSync(path.join(agent.hostStateDir, "ready")), "still ready");
      const [res] = await runMatrix(
        cluster!,
        false,
        FLOWS.filter((f) => f.cls === "pod->pod same node").slice(0, 1),
      );
      assert.ok(res.ok, res.detail);
      await sleep(500);
      assert.ok(
        fromA().toString("latin1").includes(res.marker),
        `the second sensor did not receive ${res.marker}`,
      );
      assert.strictEqual(res.got.req, 0, "the closed sensor receives nothing from node A any more");
    });

    it("a sensor unreachable at start for less than SENSOR_GRACE, then up: no exit, ready once connected", async function () {
      cluster!.exec(
        "sensor",
        `nft add table ip ehsim_block
         nft add chain ip ehsim_block input '{ type filter hook input priority -10; }'
         nft add rule ip ehsim_block input ip saddr ${nodeA.ip} tcp dport ${T.SENSOR_PORT} reject with tcp reset`,
      );
      const t0 = Date.now();
      const started = cluster!.startAgents(false, {}, env());
      const ready = path.join(cluster!.workDir, "agent-A-false", "ready");
      await sleep(2_500);
      const readyWhileBlocked = fs.existsSync(ready);
      cluster!.exec("sensor", "nft delete table ip ehsim_block");
      const tUp = Date.now();
      await started;
      process.stderr.write(
        `      (measured: ready ${Date.now() - tUp} ms after the sensor came up, ${Date.now() - t0} ms after start)\n`,
      );
      assert.ok(!readyWhileBlocked, "not ready while no sensor is connected");
      // The grace counts from rpcapd's start (after t0): still running at t0 + grace + 4 s means no exit.
      const r = await exitedWithin(cluster!.agent("A")!, Math.max(0, t0 + (GRACE_S + 4) * 1000 - Date.now()));
      const log = logA();
      assert.strictEqual(r, undefined, `the agent exited:\n${log}`);
      assert.match(log, /retrying/);
      assert.match(
        log,
        new RegExp(`sensor ${T.SENSOR_IP.replace(/\./g, "\\.")}:${T.SENSOR_PORT}: connected`),
      );
      assert.doesNotMatch(log, /no connection for|no sensor has had/);
    });
  });

  describe("membership through the API", function () {
    afterEach(async function () {
      await cluster?.stopAgents();
    });

    it(`follows membership changes from the API within a poll (node ${T.node("A").key} stops seeing B as a member)`, async function () {
      await cluster!.startAgents(false);
      const flow = FLOWS.find((f) => f.cls === "pod->hostNetwork remote")!;
      // B's agent pod goes away in the API: A must treat B's pods as outsiders (report their packets
      // where they enter), while B, still running, reports them too: two copies, by design.
      const pods = T.podsJson() as { items: { metadata: { namespace: string; name: string } }[] };
      pods.items = pods.items.filter(
        (p) => !(p.metadata.namespace === "extrahop" && p.metadata.name.includes("-b")),
      );
      cluster!.writeApi(T.nodesJson(), pods);
      await sleep(3_500);
      let [r] = await runMatrix(cluster!, false, [flow]);
      assert.deepStrictEqual(r.got, { req: 2, rsp: 1, err: 0 }, formatResults([r]));
      cluster!.writeApi(T.nodesJson(), T.podsJson());
      await sleep(3_500);
      [r] = await runMatrix(cluster!, false, [flow]);
      assert.deepStrictEqual(r.got, r.expected, formatResults([r]));
    });
  });

  for (const sync of ["watch", "poll"]) {
    describe(`membership residuals (VPC_MIRRORING=false, MEMBER_SYNC=${sync}), measured`, function () {
      const SYNC_S = 2; // Cluster's default MEMBER_SYNC_INTERVAL
      const udpTo = (from: string, host: string): Flow => ({
        cls: "residual probe",
        from,
        op: "udp",
        host,
        port: T.POD_UDP,
        crossesEth: true,
        kinds: ["req", "rsp"],
      });
      const members = (node: string): string =>
        cluster!.exec(node, "nft list set ip extrahop_rpcapd members4 2>/dev/null || true");

      /** Polls a node's member set every 50 ms until `test` holds; returns how long it took (ms). */
      async function setChange(
        node: string,
        test: (set: string) => boolean,
        limitMs: number,
      ): Promise<number> {
        const t0 = Date.now();
        while (Date.now() - t0 < limitMs) {
          if (test(members(node))) {
            return Date.now() - t0;
          }
          await sleep(50);
        }
        throw new Error(`members4 of ${node} did not change within ${limitMs} ms:\n${members(node)}`);
      }

      afterEach(async function () {
        cluster?.writeApi(T.nodesJson(), T.podsJson());
        await cluster?.stopAgents();
      });

      it("a new pod the API does not list yet: duplicates (never misses) until the API lists it", async function () {
        await cluster!.startAgents(false, {}, { MEMBER_SYNC: sync });
        const a3 = {
          key: `A3${sync}`,
          name: `web-7d9c-a3${sync}`,
          ip: sync === "watch" ? "10.77.1.13" : "10.77.1.14",
        };
        await cluster!.addPod("A", a3);
        const flow = udpTo(`p${a3.key}`, T.pod("B1").ip);
        // A learns the pod from its /32 route within MEMBER_SYNC_INTERVAL; B only from the API, so B reports
        // the pod's packets as an outsider's: two copies.
        await sleep((SYNC_S + 1) * 1000);
        let [r] = await runMatrix(cluster!, false, [flow]);
        assert.deepStrictEqual(r.got, { req: 2, rsp: 1, err: 0 }, formatResults([r]));
        cluster!.writeApi(T.nodesJson(), T.podsJson([{ node: "A", pod: a3 }]));
        const ms = await setChange("nB", (set) => set.includes(a3.ip), (SYNC_S + 3) * 1000);
        process.stderr.write(
          `      (measured: B's member set has the pod ${ms} ms after the API listed it)\n`,
        );
        [r] = await runMatrix(cluster!, false, [flow]);
        assert.deepStrictEqual(r.got, { req: 1, rsp: 1, err: 0 }, formatResults([r]));
      });

      it("an agent terminating gracefully (TERM + deletionTimestamp, SHUTDOWN_DELAY 3 s): overlap, never a gap", async function () {
        await cluster!.startAgents(false, {}, { MEMBER_SYNC: sync, SHUTDOWN_DELAY: "3" });
        const flow = udpTo("pB1", T.pod("A1").ip);
        const pods = T.podsJson() as {
          items: { metadata: { namespace: string; name: string; deletionTimestamp?: string } }[];
        };
        for (const p of pods.items) {
          if (p.metadata.namespace === "extrahop" && p.metadata.name.includes("-b")) {
            p.metadata.deletionTimestamp = "2026-11-26T12:00:00Z";
          }
        }
        // What Kubernetes does at once: mark the pod terminating, send TERM to its container.
        const b = cluster!.agent("B")!;
        cluster!.writeApi(T.nodesJson(), pods);
        process.kill(await b.pid(), "SIGTERM");
        let exited = false;
        void b.exited.then(() => (exited = true));
        const seen: number[] = [];
        while (!exited) {
          const [r] = await runMatrix(cluster!, false, [flow]);
          if (!exited) {
            seen.push(r.got.req);
          }
        }
        assert.ok(
          seen.length > 0 && seen.every((n) => n >= 1),
          `copies while B was stopping: ${seen.join(",")}`,
        );
        const ms = await setChange("nA", (set) => !set.includes(T.pod("B1").ip), 1000);
        assert.ok(ms < 1000);
        const [r] = await runMatrix(cluster!, false, [flow]);
        assert.deepStrictEqual(
          r.got,
          { req: 1, rsp: 1, err: 0 },
          "after B stopped: A alone " + formatResults([r]),
        );
        process.stderr.write(
          `      (measured: copies of each probe while B was stopping: ${seen.join(", ")}; then 1)\n`,
        );
      });

      it("an agent that stops while the API still shows it Ready: its pods' packets are missed until the API drops it", async function () {
        await cluster!.startAgents(false, {}, { MEMBER_SYNC: sync });
        await cluster!.agent("B")!.stop();
        const flow = udpTo("pB1", T.pod("A1").ip);
        let [r] = await runMatrix(cluster!, false, [flow]);
        assert.deepStrictEqual(r.got, { req: 0, rsp: 1, err: 0 }, formatResults([r]));
        const pods = T.podsJson() as { items: { metadata: { namespace: string; name: string } }[] };
        pods.items = pods.items.filter(
          (p) => !(p.metadata.namespace === "extrahop" && p.metadata.name.includes("-b")),
        );
        cluster!.writeApi(T.nodesJson(), pods);
        const ms = await setChange("nA", (set) => !set.includes(T.pod("B1").ip), (SYNC_S + 3) * 1000);
        process.stderr.write(
          `      (measured: A's member set dropped B's pods ${ms} ms after the API dropped B's agent)\n`,
        );
        [r] = await runMatrix(cluster!, false, [flow]);
        assert.deepStrictEqual(r.got, r.expected, formatResults([r]));
      });
    });
  }

  describe("membership watch recovery", function () {
    afterEach(async function () {
      cluster?.writeApi(T.nodesJson(), T.podsJson());
      await cluster?.stopAgents();
    });

    it("re-lists and re-watches when the watch times out or gets 410 Gone; changes still land", async function () {
      const log = path.join(cluster!.workDir, "api", "requests.log");
      fs.writeFileSync(log, "");
      await cluster!.startAgents(false, {}, { MEMBER_SYNC: "watch", WATCH_TIMEOUT: "1" });
      fs.writeFileSync(path.join(cluster!.workDir, "api", "expire-next-watch"), "");
      await sleep(5_000);
      const reqs = fs.readFileSync(log, "utf8");
      const watches = reqs.split("\n").filter((l) => l.includes("watch=1")).length;
      const lists = reqs.split("\n").filter((l) => /pods\?resourceVersion=0/.test(l)).length;
      assert.ok(watches >= 4 && lists >= 4, `watches ${watches}, lists ${lists}:\n${reqs}`);
      assert.match(cluster!.readLog("A") + cluster!.readLog("B"), /410 Gone\); listing again/);
      const flow = FLOWS.find((f) => f.cls === "pod->hostNetwork remote")!;
      const pods = T.podsJson() as { items: { metadata: { namespace: string; name: string } }[] };
      pods.items = pods.items.filter(
        (p) => !(p.metadata.namespace === "extrahop" && p.metadata.name.includes("-b")),
      );
      cluster!.writeApi(T.nodesJson(), pods);
      await sleep(2_500);
      const [r] = await runMatrix(cluster!, false, [flow]);
      assert.deepStrictEqual(r.got, { req: 2, rsp: 1, err: 0 }, formatResults([r]));
    });
  });

  describe("inside the built image (agent/Dockerfile), one node per mode", function () {
    let runner: AgentRunner | undefined;

    before(async function () {
      // Always runs (the image build is cached under /var/tmp/ppf-buildah); for a quick local loop use
      // mocha's --grep to leave this block out.
      this.timeout(1_200_000);
      runner = await ImageRunner.build();
    });

    for (const mirroring of [false, true]) {
      it(`VPC_MIRRORING=${mirroring}: node A runs the image, B the script; every class as expected`, async function () {
        this.timeout(180_000);
        await cluster!.startAgents(mirroring, { A: runner! });
        try {
          const results = await runMatrix(cluster!, mirroring);
          const bad = results.filter((r) => !r.ok || JSON.stringify(r.got) !== JSON.stringify(r.expected));
          assert.deepStrictEqual(
            bad.map((r) => r.flow.cls),
            [],
            formatResults(bad),
          );
          assert.deepStrictEqual(cluster!.collect().duplicates, []);
        } finally {
          const st = await cluster!.stopAgents();
          assert.strictEqual(
            st.A?.code,
            0,
            `image agent exit: ${JSON.stringify(st.A)}\n${cluster!.readLog("A")}`,
          );
        }
      });
    }
  });
});

describe("agent on a real kernel: kube-proxy on iptables-nft (as on Amazon Linux 2023 nodes)", function () {
  this.timeout(120_000);
  let cluster: Cluster | undefined;

  before(async function () {
    cluster = await Cluster.create({ iptables: "iptables-nft" });
  });

  after(async function () {
    await cluster?.destroy();
  });

  for (const mirroring of [false, true]) {
    it(`VPC_MIRRORING=${mirroring}: every class as expected, no duplicates`, async function () {
      await cluster!.startAgents(mirroring);
      try {
        const results = await runMatrix(cluster!, mirroring);
        const bad = results.filter((r) => !r.ok || JSON.stringify(r.got) !== JSON.stringify(r.expected));
        assert.deepStrictEqual(
          bad.map((r) => r.flow.cls),
          [],
          formatResults(bad),
        );
        assert.deepStrictEqual(cluster!.collect().duplicates, []);
        assert.match(
          cluster!.exec("nA", "nft list tables"),
          /table ip nat/,
          "kube-proxy's rules are nft-backed",
        );
      } finally {
        await cluster!.stopAgents();
      }
    });
  }
});
