// What the agent tells operators: the Prometheus text it serves, its liveness and readiness verdicts, its JSON
// log lines, and the endpoint itself over HTTP.
import * as assert from "assert";
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import { Heartbeat, Readiness, STALE_AFTER_MS } from "../../agent/src/health";
import { parseCounters } from "../../agent/src/kernel/nft";
import { createLogger } from "../../agent/src/log";
import { commonFamilies, membershipFamilies, nodeKernelFamilies } from "../../agent/src/metrics/agentMetrics";
import { renderExposition } from "../../agent/src/metrics/exposition";
import { startEndpoint, startEndpointRetrying } from "../../agent/src/metrics/server";

function get(port: number, p: string): Promise<{ code: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: "127.0.0.1", port, path: p }, (res) => {
        let body = "";
        res.on("data", (d: Buffer) => (body += d.toString()));
        res.on("end", () =>
          resolve({ code: res.statusCode ?? 0, type: String(res.headers["content-type"]), body }),
        );
      })
      .on("error", reject);
  });
}

describe("Prometheus text exposition", function () {
  it("writes HELP and TYPE once per family, escapes label values, leaves empty families out", function () {
    const text = renderExposition([
      {
        name: "x_total",
        help: "a\\b\nc",
        type: "counter",
        samples: [{ labels: { path: 'a"b\\c\nd' }, value: 3 }, { value: 1.5 }],
      },
      { name: "empty", help: "none", type: "gauge", samples: [] },
      { name: "inf", help: "i", type: "gauge", samples: [{ value: Infinity }, { value: NaN }] },
    ]);
    assert.strictEqual(
      text,
      [
        "# HELP x_total a\\\\b\\nc",
        "# TYPE x_total counter",
        'x_total{path="a\\"b\\\\c\\nd"} 3',
        "x_total 1.5",
        "# HELP inf i",
        "# TYPE inf gauge",
        "inf +Inf",
        "inf NaN",
        "",
      ].join("\n"),
    );
  });

  it("maps the table's named counters to classes, reasons and clone paths", function () {
    const counters = parseCounters(
      JSON.stringify({
        nftables: [
          { metainfo: { version: "1.0.6" } },
          {
            counter: { family: "ip", name: "selected_local", table: "t", handle: 1, packets: 5, bytes: 500 },
          },
          {
            counter: {
              family: "ip",
              name: "selected_inbound",
              table: "t",
              handle: 2,
              packets: 2,
              bytes: 200,
            },
          },
          {
            counter: { family: "ip", name: "skipped_covered", table: "t", handle: 3, packets: 9, bytes: 900 },
          },
          {
            counter: {
              family: "netdev",
              name: "cloned_egress",
              table: "e",
              handle: 4,
              packets: 6,
              bytes: 600,
            },
          },
        ],
      }),
    );
    const text = renderExposition(
      nodeKernelFamilies({
        counters,
        egressHooked: 3,
        mirroredUplinks: ["eth0"],
        uplinks: 4,
        captureDevice: { txPackets: 7, txDropped: 1, rxDropped: 7 },
      }),
    );
    for (const line of [
      'extrahop_agent_selected_packets_total{class="local"} 5',
      'extrahop_agent_selected_packets_total{class="inbound"} 2',
      'extrahop_agent_selected_bytes_total{class="local"} 500',
      'extrahop_agent_skipped_packets_total{reason="covered"} 9',
      'extrahop_agent_cloned_packets_total{path="egress"} 6',
      "extrahop_agent_egress_hooked_devices 3",
      "extrahop_agent_mirrored_uplinks 1",
      "extrahop_agent_capture_device_drops_total 1",
    ]) {
      assert.ok(text.includes(line + "\n"), `${line} missing:\n${text}`);
    }
    assert.doesNotMatch(text, /class="mirror_gap"/, "a counter the table does not have is not invented");
  });

  it("membership figures and the common families", function () {
    const now = 1_000_000;
    const m = renderExposition(
      membershipFamilies(
        {
          setSizes: { covered4: 31, coverednets4: 0, sidecar4: 1, nodes4: 3 },
          lastSyncMs: now - 2500,
          apiRequests: { list: 2, watch: 4 },
          relists: 1,
          watchRestarts: 3,
          kernelBatches: 17,
          lastApplyMs: 4,
        },
        now,
      ),
    );
    assert.match(m, /^extrahop_agent_membership_set_elements\{set="covered4"\} 31$/m);
    assert.match(m, /^extrahop_agent_membership_age_seconds 2\.5$/m);
    assert.match(m, /^extrahop_agent_api_requests_total\{verb="watch"\} 4$/m);
    assert.match(m, /^extrahop_agent_kernel_update_latency_seconds 0\.004$/m);
    const c = renderExposition(
      commonFamilies({
        info: { role: "node", datapath: "vpc-cni", clonePath: "egress" },
        ready: true,
        heartbeatAgeMs: 800,
        sensors: [{ sensor: "10.0.9.9", connected: true, reconnects: 2, lost: false }],
      }),
    );
    assert.match(c, /^extrahop_agent_info\{role="node",datapath="vpc-cni",clonePath="egress"\} 1$/m);
    assert.match(c, /^extrahop_agent_ready 1$/m);
    assert.match(c, /^extrahop_agent_sensor_reconnects_total\{sensor="10\.0\.9\.9"\} 2$/m);
    assert.match(c, /^process_resident_memory_bytes \d+$/m);
  });
});

describe("liveness, readiness, logs", function () {
  it("the heartbeat goes stale after STALE_AFTER_MS without a beat", function () {
    let t = 0;
    const h = new Heartbeat(() => t);
    assert.strictEqual(h.verdict().ok, true);
    t = STALE_AFTER_MS - 1;
    assert.strictEqual(h.verdict().ok, true);
    t = STALE_AFTER_MS;
    assert.strictEqual(h.verdict().ok, false);
    assert.match(h.verdict().detail, /stale: supervision loop last ran 15000 ms ago/);
    h.beat();
    assert.strictEqual(h.verdict().ok, true);
  });

  it("readiness keeps the ready file in step", function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ready-"));
    try {
      const f = path.join(dir, "ready");
      const r = new Readiness(f);
      r.set(true, "a sensor is connected");
      assert.ok(fs.existsSync(f));
      assert.deepStrictEqual(r.verdict(), { ok: true, detail: "ready: a sensor is connected" });
      r.set(false, "no sensor connected");
      assert.ok(!fs.existsSync(f));
      r.set(true, "again");
      r.clear();
      assert.ok(!fs.existsSync(f) && !r.isReady());
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("logs one JSON object per line, with errors as their messages, debug only when asked", function () {
    const lines: string[] = [];
    const log = createLogger("info", { role: "node" }, (l) => lines.push(l));
    log.debug("hidden");
    log.warn("careful", { error: Object.assign(new Error("boom"), { code: "EPIPE" }), n: 2 });
    log.child({ source: "rpcapd" }).info("from rpcapd");
    assert.strictEqual(lines.length, 2);
    const a = JSON.parse(lines[0]) as Record<string, unknown>;
    assert.deepStrictEqual(
      { level: a.level, msg: a.msg, role: a.role, error: a.error, n: a.n },
      { level: "warn", msg: "careful", role: "node", error: "boom (EPIPE)", n: 2 },
    );
    assert.ok(!Number.isNaN(Date.parse(String(a.time))));
    assert.strictEqual((JSON.parse(lines[1]) as Record<string, unknown>).source, "rpcapd");
    const debug: string[] = [];
    createLogger("debug", {}, (l) => debug.push(l)).debug("shown");
    assert.strictEqual(debug.length, 1);
  });
});

describe("the endpoint over HTTP", function () {
  let server: http.Server;
  let port: number;
  let healthy = true;
  let ready = false;

  before(async function () {
    server = await startEndpoint(0, {
      metrics: async () => "m 1\n",
      health: () => ({ ok: healthy, detail: healthy ? "ok" : "stale" }),
      ready: () => ({ ok: ready, detail: ready ? "ready" : "not ready" }),
    });
    port = (server.address() as { port: number }).port;
  });
  after(function () {
    server.close();
  });

  it("serves /metrics in the exposition content type, /healthz and /readyz as 200 or 503, others 404", async function () {
    const m = await get(port, "/metrics");
    assert.deepStrictEqual([m.code, m.body], [200, "m 1\n"]);
    assert.match(m.type, /^text\/plain; version=0\.0\.4/);
    assert.strictEqual((await get(port, "/healthz")).code, 200);
    assert.strictEqual((await get(port, "/readyz")).code, 503);
    ready = true;
    healthy = false;
    assert.strictEqual((await get(port, "/readyz")).code, 200);
    const h = await get(port, "/healthz");
    assert.deepStrictEqual([h.code, h.body], [503, "stale\n"]);
    assert.strictEqual((await get(port, "/")).code, 404);
  });

  it("a port in use: startEndpoint refuses; the agent's retrying endpoint binds once the port is free", async function () {
    const sources = {
      metrics: async () => "r 1\n",
      health: () => ({ ok: true, detail: "" }),
      ready: () => ({ ok: true, detail: "" }),
    };
    await assert.rejects(startEndpoint(port, sources), /EADDRINUSE/);
    const retries: number[] = [];
    const retrying = startEndpointRetrying(port, sources, (_e, attempt) => retries.push(attempt), 50);
    try {
      while (retries.length < 2) {
        await new Promise((r) => setTimeout(r, 20));
      }
      await new Promise<void>((r) => server.close(() => r()));
      let body = "";
      while (body !== "r 1\n") {
        body = await get(port, "/metrics").then(
          (x) => x.body,
          () => "",
        );
      }
      assert.ok(retries.length >= 2);
    } finally {
      retrying.close();
    }
  });
});
