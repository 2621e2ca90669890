// The sensor-connection watchdog and what feeds it: ss output, rpcapd's ini, command line and filters.
import * as assert from "assert";
import { rpcapdArgs } from "../../agent/src/rpcapd/command";
import { nodeCaptureFilter, sidecarCaptureFilter } from "../../agent/src/rpcapd/filters";
import { rpcapdIni } from "../../agent/src/rpcapd/ini";
import { establishedPeers } from "../../agent/src/sensors/established";
import { SensorWatchdog } from "../../agent/src/sensors/watchdog";

describe("ss output", function () {
  it("reads the peer column, IPv4-mapped peers as IPv4", function () {
    const out = [
      "0      0      10.77.0.10:41234     10.77.9.9:2003",
      '0      0      [::ffff:10.77.0.10]:41236     [::ffff:10.77.9.10]:2003    users:(("rpcapd",pid=7,fd=3))',
      "0      0      127.0.0.1:9477     127.0.0.1:55555",
      "",
    ].join("\n");
    assert.deepStrictEqual(establishedPeers(out), ["10.77.9.9:2003", "10.77.9.10:2003", "127.0.0.1:55555"]);
  });
});

describe("rpcapd's inputs", function () {
  it("ini: one ActiveClient per sensor, null authentication", function () {
    const lines = rpcapdIni(["10.0.9.9", "10.0.9.10"], 2003)
      .split("\n")
      .filter((l) => l !== "" && !l.startsWith("#"));
    assert.deepStrictEqual(lines, [
      "ActiveClient = 10.0.9.9,2003",
      "ActiveClient = 10.0.9.10,2003",
      "NullAuthPermit = YES",
    ]);
  });

  it("command line: the vendor example's flags, no daemonizing", function () {
    assert.deepStrictEqual(rpcapdArgs("/s/rpcapd.ini", "ehcap0", "ip"), [
      "-v",
      "-n",
      "-f",
      "/s/rpcapd.ini",
      "-i",
      "ehcap0",
      "-F",
      "ip",
      "-D",
    ]);
  });

  it("node filter: IPv4 only, never the sensors", function () {
    assert.strictEqual(
      nodeCaptureFilter(["10.0.9.9", "10.0.9.10"]),
      "ip and not (host 10.0.9.9 or host 10.0.9.10)",
    );
  });

  it("sidecar filter: leaves what another Fargate pod sent to that pod's sidecar, parenthesized", function () {
    assert.strictEqual(
      sidecarCaptureFilter(["10.0.9.9"], "10.0.200.7", ["10.0.200.0/22", "10.0.204.0/22"]),
      "ip and not (host 10.0.9.9) and not (dst host 10.0.200.7 and (src net 10.0.200.0/22 or src net 10.0.204.0/22))",
    );
    assert.strictEqual(sidecarCaptureFilter(["10.0.9.9"], "10.0.200.7", []), "ip and not (host 10.0.9.9)");
  });
});

describe("sensor watchdog", function () {
  const A = "10.0.9.9";
  const B = "10.0.9.10";
  const up = (...s: string[]): string[] => s.map((x) => `${x}:2003`);

  it("ready once a sensor is connected; logs the connection once", function () {
    const w = new SensorWatchdog([A], 2003, 90, 0);
    let v = w.check([], 1000);
    assert.deepStrictEqual([v.ready, v.exhausted, v.events.length], [false, false, 0]);
    v = w.check(up(A), 2000);
    assert.strictEqual(v.ready, true);
    assert.deepStrictEqual(
      v.events.map((e) => e.msg),
      [`sensor ${A}:2003: connected`],
    );
    assert.deepStrictEqual(w.check(up(A), 3000).events, []);
  });

  it("a connection to another port or host does not count", function () {
    const w = new SensorWatchdog([A], 2003, 90, 0);
    assert.strictEqual(w.check([`${A}:2004`, `${B}:2003`], 1000).ready, false);
  });

  it("not ready as soon as none is connected; exhausted only after the grace, with the documented message", function () {
    const w = new SensorWatchdog([A], 2003, 5, 0);
    w.check(up(A), 1000);
    let v = w.check([], 2000);
    assert.strictEqual(v.ready, false);
    assert.match(
      v.events.map((e) => e.msg).join("\n"),
      /no sensor connected \(10\.0\.9\.9\); not ready until one is/,
    );
    assert.strictEqual(
      w.check([], 6000).exhausted,
      false,
      "5 s after the last sighting is not more than the grace",
    );
    v = w.check([], 6001);
    assert.strictEqual(v.exhausted, true);
    const msgs = v.events.map((e) => e.msg).join("\n");
    assert.match(msgs, /sensor 10\.0\.9\.9:2003: no connection for 5 s \(> SENSOR_GRACE 5 s\)/);
    assert.match(
      msgs,
      /no sensor has had a connection for more than SENSOR_GRACE 5 s \(10\.0\.9\.9; port 2003\)/,
    );
  });

  it("the grace counts from rpcapd's start for a sensor never reached", function () {
    const w = new SensorWatchdog([A], 2003, 5, 10_000);
    assert.strictEqual(w.check([], 15_000).exhausted, false);
    assert.strictEqual(w.check([], 15_001).exhausted, true);
  });

  it("two sensors, one lost: stays up, names the lost one once, counts its reconnect", function () {
    const w = new SensorWatchdog([A, B], 2003, 5, 0);
    w.check(up(A, B), 1000);
    let v = w.check(up(B), 7000);
    assert.deepStrictEqual([v.ready, v.exhausted], [true, false]);
    assert.match(v.events.map((e) => e.msg).join(), /sensor 10\.0\.9\.9:2003: no connection for 6 s/);
    assert.deepStrictEqual(w.check(up(B), 8000).events, [], "logged once per transition");
    v = w.check(up(A, B), 9000);
    assert.match(
      v.events.map((e) => e.msg).join(),
      /sensor 10\.0\.9\.9:2003: connected again after 8 s without a connection/,
    );
    assert.deepStrictEqual(
      w.states().map((s) => [s.sensor, s.connected, s.reconnects, s.lost]),
      [
        [A, true, 1, false],
        [B, true, 0, false],
      ],
    );
  });
});
