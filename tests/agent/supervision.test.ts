// The agent program's lifecycle on a real kernel, with the rpcapd stand-in (harness/sim/rpcapd-standin.sh) and a
// fake Kubernetes API in network namespaces: readiness follows the sensor connections, the endpoint answers,
// TERM stops it cleanly, a dead rpcapd or a lost sensor stops it with 1, a second instance takes a node over, and
// every exit removes exactly what the exiting instance installed. Needs root, ip, nft, tcpdump, socat, ss:
// fails, never skips, without them.
import * as assert from "assert";
import {
  AgentNetns,
  API_IP,
  NODE_IP,
  RunningAgent,
  SENSOR,
  SENSOR2,
  sleep,
  waitFor,
} from "./support/agentNetns";

/** GETs a path of the agent's endpoint from inside the node namespace. */
function endpoint(bed: AgentNetns, path: string): { code: number; body: string } {
  const url = `http://127.0.0.1:9477${path}`;
  const code = Number(bed.sh("node", `curl -s -o /dev/null -w '%{http_code}' ${url} || true`).trim());
  return { code, body: bed.sh("node", `curl -s ${url} || true`) };
}

const exitedWithin = (a: RunningAgent, ms: number) =>
  Promise.race([a.exited, sleep(ms).then(() => undefined)]);

describe("agent program supervision (netns, rpcapd stand-in, fake API)", function () {
  this.timeout(120_000);
  let bed: AgentNetns;

  before(async function () {
    bed = new AgentNetns();
    await bed.setUp();
  });

  after(async function () {
    await bed?.destroy();
  });

  afterEach(async function () {
    await bed.stopAgents();
    bed.sh("infra", "nft delete table ip block 2>/dev/null || true");
  });

  it("starts: table, egress chains and capture device of its own, ready with a sensor connected, endpoint up, JSON logs", async function () {
    const a = await bed.startReady();
    const { tables, links } = bed.nodeState();
    assert.match(tables, /table ip extrahop_rpcapd/);
    assert.match(tables, /table netdev extrahop_rpcapd_egress/);
    assert.ok(links.includes("ehcap0"), links.join());
    const owner = /comment "owner ([^"]+)"/.exec(bed.sh("node", "nft -t list table ip extrahop_rpcapd"))?.[1];
    assert.ok(owner);
    assert.match(bed.sh("node", "ip -o link show ehcap0"), new RegExp(`alias extrahop-rpcapd ${owner}`));
    assert.strictEqual(endpoint(bed, "/readyz").code, 200);
    assert.strictEqual(endpoint(bed, "/healthz").code, 200);
    const metrics = endpoint(bed, "/metrics");
    assert.strictEqual(metrics.code, 200);
    for (const family of [
      "extrahop_agent_ready 1",
      `extrahop_agent_sensor_connected{sensor="${SENSOR}"} 1`,
      'extrahop_agent_membership_set_elements{set="covered4"}',
      'extrahop_agent_selected_packets_total{class="local"}',
      'extrahop_agent_api_requests_total{verb="list"}',
      "extrahop_agent_egress_hooked_devices",
    ]) {
      assert.ok(metrics.body.includes(family), `${family} missing from:\n${metrics.body}`);
    }
    assert.strictEqual(endpoint(bed, "/nothing").code, 404);
    const lines = a.lines();
    assert.ok(
      lines.length > 3 && lines.every((l) => typeof l.time === "string" && typeof l.msg === "string"),
    );
    assert.ok(lines.some((l) => /^datapath vpc-cni/.test(String(l.msg))));
    // The membership set holds the node (its agent is Ready in the API).
    assert.match(
      bed.sh("node", "nft list set ip extrahop_rpcapd covered4"),
      new RegExp(NODE_IP.replace(/\./g, "\\.")),
    );
  });

  it("SIGTERM: keeps capturing SHUTDOWN_DELAY, exits 0, removes its tables and device and nothing else", async function () {
    bed.sh("node", "nft add table ip someone_else");
    try {
      const a = await bed.startReady({ SHUTDOWN_DELAY: "1" });
      const t0 = Date.now();
      a.child.kill("SIGTERM");
      const r = await a.exited;
      assert.strictEqual(r.code, 0, a.log());
      assert.ok(Date.now() - t0 >= 1000, "left before SHUTDOWN_DELAY");
      assert.match(a.log(), /received SIGTERM; capturing 1 s more/);
      const { tables, links } = bed.nodeState();
      assert.doesNotMatch(tables, /extrahop/);
      assert.match(tables, /someone_else/, "another table must survive the agent");
      assert.ok(!links.includes("ehcap0"));
      assert.ok(!a.ready());
    } finally {
      bed.sh("node", "nft delete table ip someone_else");
    }
  });

  it("a second TERM cuts SHUTDOWN_DELAY short", async function () {
    const a = await bed.startReady({ SHUTDOWN_DELAY: "600" });
    a.child.kill("SIGTERM");
    await waitFor("the first TERM noticed", () => /received SIGTERM/.test(a.log()));
    a.child.kill("SIGTERM");
    const r = await exitedWithin(a, 20_000);
    assert.ok(r && r.code === 0, a.log());
  });

  it("restarts cleanly after a SIGKILL (the new table replaces the old one; one table)", async function () {
    const a = await bed.startReady();
    a.child.kill("SIGKILL");
    await a.exited;
    assert.match(bed.nodeState().tables, /extrahop_rpcapd/, "left behind after SIGKILL, as expected");
    await bed.startReady();
    assert.strictEqual(bed.nodeState().tables.match(/table ip extrahop_rpcapd/g)?.length, 1);
  });

  it("a second instance takes the node over; the first exits non-zero and leaves the new table and device alone", async function () {
    const first = await bed.startReady({}, "first");
    const second = bed.startAgent(bed.env(), "second");
    const r = await exitedWithin(first, 30_000);
    assert.ok(r && r.code !== 0, `the first instance did not notice it lost its capture:\n${first.log()}`);
    await waitFor("the second instance ready", () => second.ready(), 60_000).catch((e: Error) => {
      throw new Error(
        `${e.message}\n--- second:\n${second.log().slice(-4000)}\n--- first:\n${first.log().slice(-2000)}`,
      );
    });
    assert.match(first.log(), /belongs to another agent instance now; leaving it/);
    const { tables, links } = bed.nodeState();
    assert.match(tables, /extrahop_rpcapd/);
    assert.ok(links.includes("ehcap0"));
    second.child.kill("SIGTERM");
    assert.strictEqual((await second.exited).code, 0);
    assert.doesNotMatch(bed.nodeState().tables, /extrahop/);
  });

  it("rpcapd dies: exits 1 within seconds, says so, cleans up, not ready", async function () {
    const a = await bed.startReady();
    const rpcapd = AgentNetns.children(a.child.pid!).find((p) => AgentNetns.cmdline(p).includes("rpcapd"));
    assert.ok(rpcapd, "rpcapd is a child of the program (the entrypoint execs it)");
    process.kill(rpcapd, "SIGKILL");
    const r = await exitedWithin(a, 15_000);
    assert.ok(r, "the agent noticed rpcapd's death");
    assert.strictEqual(r.code, 1);
    assert.match(a.log(), /rpcapd exited unexpectedly; stopping so that Kubernetes restarts the agent/);
    assert.doesNotMatch(bed.nodeState().tables, /extrahop/);
    assert.ok(!a.ready());
  });

  it("the only sensor closes its connection: not ready at once, exit 1 after SENSOR_GRACE naming it, rpcapd alive until then", async function () {
    const GRACE = 3;
    const a = await bed.startReady({ SENSOR_GRACE: String(GRACE) });
    const t0 = Date.now();
    bed.closeFrom(SENSOR);
    await waitFor("not ready", () => !a.ready(), 10_000);
    const notReadyMs = Date.now() - t0;
    const r = await exitedWithin(a, (GRACE + 10) * 1000);
    const ms = Date.now() - t0;
    assert.ok(r, `still running ${ms} ms after the sensor closed:\n${a.log()}`);
    assert.strictEqual(r.code, 1);
    assert.ok(ms >= GRACE * 1000, `exited after ${ms} ms, before SENSOR_GRACE`);
    assert.match(a.log(), /not reconnecting/, "the stand-in ended that client (as rpcapd after CLOSE)");
    assert.match(
      a.log(),
      new RegExp(
        `no sensor has had a connection for more than SENSOR_GRACE ${GRACE} s \\(${SENSOR.replace(/\./g, "\\.")}`,
      ),
    );
    assert.doesNotMatch(bed.nodeState().tables, /extrahop/);
    process.stderr.write(
      `      (measured: not ready ${notReadyMs} ms, exit ${ms} ms after the sensor closed; grace ${GRACE} s)\n`,
    );
  });

  it("two sensors, one closes: stays up and ready, names the missing one, still streams to the other", async function () {
    const a = await bed.startReady({ EXTRAHOP_SENSOR_IP: `${SENSOR},${SENSOR2}`, SENSOR_GRACE: "2" });
    await waitFor("the second sensor's stream", () => bed.received(SENSOR2).length >= 24);
    bed.closeFrom(SENSOR);
    await waitFor(
      "the lost sensor named",
      () => /sensor 10\.61\.0\.2:2003: no connection for/.test(a.log()),
      15_000,
    );
    assert.strictEqual(await exitedWithin(a, 1000), undefined, a.log());
    assert.ok(a.ready());
    const before = bed.received(SENSOR2).length;
    bed.sh("node", `ping -c 1 -W 1 ${API_IP} >/dev/null`);
    await waitFor("the other sensor still receives", () => bed.received(SENSOR2).length > before, 10_000);
  });

  it("a sensor unreachable at start for less than SENSOR_GRACE: not ready meanwhile, no exit, ready once it connects", async function () {
    bed.sh(
      "infra",
      `nft add table ip block
       nft add chain ip block input '{ type filter hook input priority -10; }'
       nft add rule ip block input ip saddr ${NODE_IP} tcp dport 2003 reject with tcp reset`,
    );
    const a = bed.startAgent(bed.env({ SENSOR_GRACE: "20" }));
    await waitFor("rpcapd retrying", () => /retrying/.test(a.log()), 30_000);
    assert.ok(!a.ready(), "ready while no sensor is connected");
    bed.sh("infra", "nft delete table ip block");
    await waitFor("ready once connected", () => a.ready(), 30_000);
    assert.strictEqual(await exitedWithin(a, 100), undefined);
    assert.match(a.log(), /sensor 10\.61\.0\.2:2003: connected/);
  });

  it("TERM while waiting for the Kubernetes API: exits 0 promptly and cleans up", async function () {
    const a = bed.startAgent(bed.env({ KUBE_API_URL: "http://10.61.0.3:1" }));
    await waitFor("waiting for membership", () => /capturing on ehcap0/.test(a.log()), 30_000);
    assert.ok(!a.ready());
    a.child.kill("SIGTERM");
    const r = await exitedWithin(a, 15_000);
    assert.ok(r && r.code === 0, a.log());
    assert.doesNotMatch(bed.nodeState().tables, /extrahop/);
  });

  it("sidecar role without NET_ADMIN: captures the pod's interface with its filter, no kernel set-up, ready, TERM exits 0", async function () {
    const a = bed.startAgent(
      {
        AGENT_ROLE: "sidecar",
        EXTRAHOP_SENSOR_IP: SENSOR,
        RPCAPD_TARGET_PORT: "2003",
        POD_IP: NODE_IP,
        POD_INTERFACE: "eth0",
        FARGATE_CIDRS: "10.61.0.128/25",
        RPCAPD_BIN: bed.env().RPCAPD_BIN,
        RPCAPD_STANDIN_RETRY: "1",
        SENSOR_CHECK_INTERVAL: "1",
        SHUTDOWN_DELAY: "0",
      },
      "sidecar",
      ["cap_net_admin"],
    );
    await waitFor("the sidecar ready", () => a.ready(), 60_000);
    assert.match(
      a.log(),
      new RegExp(
        `with filter: ip and not \\(host 10\\.61\\.0\\.2\\) and not \\(dst host ${NODE_IP.replace(/\./g, "\\.")} and \\(src net 10\\.61\\.0\\.128/25\\)\\)`,
      ),
    );
    assert.doesNotMatch(bed.nodeState().tables, /extrahop/, "a sidecar installs no nft table");
    assert.ok(!bed.nodeState().links.includes("ehcap0"), "a sidecar creates no capture device");
    const before = bed.received(SENSOR).length;
    bed.sh("node", `ping -c 1 -W 1 ${API_IP} >/dev/null`);
    await waitFor("the pod's packet at the sensor", () => bed.received(SENSOR).length > before, 10_000);
    a.child.kill("SIGTERM");
    assert.strictEqual((await a.exited).code, 0, a.log());
  });
});
