// agent/entrypoint.sh without a kernel: configuration is validated before anything is touched, every
// rejection names its variable, and the scripts are POSIX sh that shellcheck accepts.
// No root needed: `ip` and `nft` are stubs that fail loudly, so nothing can reach the host's network.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const REPO = path.resolve(__dirname, "..", "..");
const AGENT = path.join(REPO, "agent");
const ENTRYPOINT = path.join(AGENT, "entrypoint.sh");

const VALID: Record<string, string> = {
  EXTRAHOP_SENSOR_IP: "10.0.9.9,10.0.9.10",
  RPCAPD_TARGET_PORT: "2003",
  PODNET: "10.0.0.0/16,100.64.0.0/16",
  SVCNET: "172.20.0.0/16",
  VPC_MIRRORING: "false",
  NODE_NAME: "ip-10-0-1-23.ec2.internal",
};

let stubDir: string;

function run(env: Record<string, string | undefined>): { code: number | null; stderr: string } {
  const clean: Record<string, string> = {
    PATH: `${stubDir}:/usr/bin:/bin`,
    RPCAPD_BIN: "/bin/true",
    STATE_DIR: path.join(stubDir, "state"),
  };
  for (const [k, v] of Object.entries(env)) {
    if (v !== undefined) {
      clean[k] = v;
    }
  }
  const r = spawnSync("/bin/sh", [ENTRYPOINT], { env: clean, encoding: "utf8", timeout: 10_000 });
  return { code: r.status, stderr: r.stderr };
}

describe("agent/entrypoint.sh configuration", function () {
  before(function () {
    stubDir = fs.mkdtempSync(path.join(os.tmpdir(), "ehagent-stub-"));
    for (const tool of ["ip", "nft", "curl", "jq"]) {
      fs.writeFileSync(
        path.join(stubDir, tool),
        `#!/bin/sh\necho "STUB ${tool} called: validation let a bad config through" >&2\nexit 99\n`,
        { mode: 0o755 },
      );
    }
  });
  after(function () {
    fs.rmSync(stubDir, { recursive: true, force: true });
  });

  for (const name of Object.keys(VALID)) {
    it(`rejects a missing ${name}, naming it`, function () {
      const r = run({ ...VALID, [name]: undefined });
      assert.notStrictEqual(r.code, 0);
      assert.match(r.stderr, new RegExp(`${name} is required`), r.stderr);
      assert.doesNotMatch(r.stderr, /STUB/);
    });
    it(`rejects an empty ${name}, naming it`, function () {
      const r = run({ ...VALID, [name]: "" });
      assert.notStrictEqual(r.code, 0);
      assert.match(r.stderr, new RegExp(name), r.stderr);
    });
  }

  const malformed: [string, string][] = [
    ["EXTRAHOP_SENSOR_IP", "10.0.9"],
    ["EXTRAHOP_SENSOR_IP", "10.0.9.256"],
    ["EXTRAHOP_SENSOR_IP", "10.0.9.9,,10.0.9.10"],
    ["EXTRAHOP_SENSOR_IP", "10.0.9.9, ,10.0.9.10"],
    ["EXTRAHOP_SENSOR_IP", "sensor.example.com"],
    ["EXTRAHOP_SENSOR_IP", "10.0.9.09"],
    ["EXTRAHOP_SENSOR_IP", "fd00::1"],
    ["EXTRAHOP_SENSOR_IP", Array.from({ length: 11 }, (_, i) => `10.0.9.${i + 1}`).join(",")],
    ["RPCAPD_TARGET_PORT", "0"],
    ["RPCAPD_TARGET_PORT", "65536"],
    ["RPCAPD_TARGET_PORT", "20o3"],
    ["RPCAPD_TARGET_PORT", "02003"],
    ["PODNET", "10.0.0.0"],
    ["PODNET", "10.0.0.0/33"],
    ["PODNET", "10.0.1.0/16"],
    ["PODNET", "10.0.0.0/16;rm -rf /"],
    ["PODNET", "10.0.0.0/16,"],
    ["SVCNET", "172.20.0.0/ 16"],
    ["SVCNET", "fd00::/108"],
    ["VPC_MIRRORING", "yes"],
    ["VPC_MIRRORING", "TRUE"],
    ["NODE_NAME", "Node_1"],
    ["NODE_NAME", "-node"],
    ["RPCAPD_BIN", "/nonexistent/rpcapd"],
    ["MEMBER_SYNC_INTERVAL", "0"],
    ["MEMBER_SYNC_INTERVAL", "5s"],
    ["AGENT_SELECTOR", "component"],
    ["MEMBER_SYNC", "stream"],
    ["SHUTDOWN_DELAY", "-1"],
    ["SHUTDOWN_DELAY", "05"],
    ["WATCH_TIMEOUT", "0"],
    ["WATCH_TIMEOUT", "5m"],
    ["SENSOR_GRACE", "0"],
    ["SENSOR_GRACE", "90s"],
    ["SENSOR_GRACE", "-1"],
    ["SENSOR_GRACE", "999999999999999999999"],
    ["SENSOR_CHECK_INTERVAL", "0"],
    ["SENSOR_CHECK_INTERVAL", "1.5"],
    ["SENSOR_CHECK_INTERVAL", "120"],
    ["CAPTURE_DEV", 'ehcap0" accept'],
    ["CAPTURE_DEV", "a-very-long-interface-name"],
    ["CAPTURE_PEER", "ehcap0"],
    ["ENI_IFNAMES", 'eth*" } accept'],
    ["POD_VETH_PREFIXES", "eni;vlan"],
  ];
  for (const [name, value] of malformed) {
    it(`rejects ${name}=${JSON.stringify(value.length > 40 ? value.slice(0, 40) + "..." : value)}, naming it`, function () {
      const r = run({ ...VALID, [name]: value });
      assert.notStrictEqual(r.code, 0, r.stderr);
      assert.match(r.stderr, new RegExp(`${name}:`), r.stderr);
      assert.doesNotMatch(r.stderr, /STUB/, r.stderr);
    });
  }

  // Past validation comes the capability check (non-root: NET_ADMIN missing), then the first `ip` (stub).
  const PAST_VALIDATION = /STUB ip called|capability NET_ADMIN is missing/;

  it("accepts a valid configuration (gets as far as the capability check or the first ip command)", function () {
    const r = run({ ...VALID });
    assert.match(r.stderr, PAST_VALIDATION, r.stderr);
  });

  it("refuses to start without NET_ADMIN, naming the capability", function () {
    let r: { code: number | null; stderr: string };
    if (process.getuid?.() === 0) {
      const capsh = ["/usr/sbin/capsh", "/sbin/capsh", "/usr/bin/capsh"].find((p) => fs.existsSync(p));
      if (!capsh) {
        throw new Error(
          "capsh is not installed (Debian package libcap2-bin); needed to drop NET_ADMIN as root",
        );
      }
      const env = {
        ...VALID,
        PATH: `${stubDir}:/usr/bin:/bin`,
        RPCAPD_BIN: "/bin/true",
        STATE_DIR: path.join(stubDir, "state"),
      };
      const x = spawnSync(capsh, ["--drop=cap_net_admin", "--", "-c", `exec /bin/sh ${ENTRYPOINT}`], {
        env,
        encoding: "utf8",
      });
      r = { code: x.status, stderr: x.stderr };
    } else {
      r = run({ ...VALID });
    }
    assert.notStrictEqual(r.code, 0);
    assert.match(r.stderr, /capability NET_ADMIN is missing/, r.stderr);
    assert.doesNotMatch(r.stderr, /STUB/);
  });

  it("accepts blanks around list items", function () {
    const r = run({
      ...VALID,
      EXTRAHOP_SENSOR_IP: " 10.0.9.9 , 10.0.9.10, 10.0.9.11",
      PODNET: "10.0.0.0/16, 100.64.0.0/10",
    });
    assert.match(r.stderr, PAST_VALIDATION, r.stderr);
  });

  it("writes rpcapd.ini with one ActiveClient per sensor and NullAuthPermit", function () {
    run({ ...VALID, EXTRAHOP_SENSOR_IP: "10.0.9.9,10.0.9.10,10.0.9.9" });
    const ini = fs.readFileSync(path.join(stubDir, "state", "rpcapd.ini"), "utf8");
    const lines = ini.split("\n").filter((l) => l !== "" && !l.startsWith("#"));
    assert.deepStrictEqual(lines, [
      "ActiveClient = 10.0.9.9,2003",
      "ActiveClient = 10.0.9.10,2003",
      "NullAuthPermit = YES",
    ]);
  });
});

describe("agent scripts are clean POSIX sh", function () {
  const scripts = fs.readdirSync(AGENT).filter((f) => f.endsWith(".sh"));

  it("has the entrypoint and its helpers", function () {
    assert.ok(scripts.includes("entrypoint.sh"), scripts.join(","));
  });

  it("passes shellcheck (POSIX sh, following sourced files)", function () {
    const probe = spawnSync("shellcheck", ["--version"], { encoding: "utf8" });
    if (probe.error) {
      throw new Error("shellcheck is not installed (Debian package shellcheck); CI must install it");
    }
    const r = spawnSync("shellcheck", ["-x", "-s", "sh", ...scripts.map((s) => path.join("agent", s))], {
      cwd: REPO,
      encoding: "utf8",
    });
    assert.strictEqual(r.status, 0, r.stdout + r.stderr);
  });

  for (const shell of ["dash", "sh"]) {
    it(`parses with ${shell} -n`, function () {
      const probe = spawnSync(shell, ["-c", "true"]);
      if (probe.error) {
        throw new Error(`${shell} is not installed`);
      }
      for (const s of scripts) {
        const r = spawnSync(shell, ["-n", path.join(AGENT, s)], { encoding: "utf8" });
        assert.strictEqual(r.status, 0, `${s}: ${r.stderr}`);
      }
    });
  }
});
