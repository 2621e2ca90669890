// The container's entry: agent/entrypoint.sh (a thin POSIX sh wrapper) runs the bundled agent program, which
// validates its whole environment before it touches anything. Every refusal is a JSON log line naming the variable
// (or capability) and exit code 2. No root needed for most cases: `ip`, `nft`, `tc`, `ethtool` and `ss` are stubs
// that fail loudly, so nothing can reach the host's network. The value-by-value validation cases are in
// agentEnv.test.ts (the contract); these check that the program applies it, and the wrapper itself.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { bundleAgentProgram } from "../../agent/build";

const REPO = path.resolve(__dirname, "..", "..");
const ENTRYPOINT = path.join(REPO, "agent", "entrypoint.sh");

const VALID: Record<string, string> = {
  EXTRAHOP_SENSOR_IP: "10.0.9.9,10.0.9.10",
  RPCAPD_TARGET_PORT: "2003",
  SVCNET: "172.20.0.0/16",
  VPC_MIRRORING: "false",
  NODE_NAME: "ip-10-0-1-23.ec2.internal",
  METRICS_PORT: "0",
};

let dir: string;
let program: string;

interface Run {
  code: number | null;
  stderr: string;
  lines: Record<string, unknown>[];
}

function run(env: Record<string, string | undefined>, wrap: (argv: string[]) => string[] = (a) => a): Run {
  const clean: Record<string, string> = {
    PATH: `${path.join(dir, "stubs")}:${path.dirname(process.execPath)}:/usr/bin:/bin`,
    AGENT_PROGRAM: program,
    RPCAPD_BIN: "/bin/true",
    STATE_DIR: path.join(dir, "state"),
    READY_FILE: path.join(dir, "state", "ready"),
  };
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) {
      delete clean[k];
    } else {
      clean[k] = v;
    }
  }
  const [cmd, ...args] = wrap(["/bin/sh", ENTRYPOINT]);
  const r = spawnSync(cmd, args, { env: clean, encoding: "utf8", timeout: 30_000 });
  const lines = r.stderr
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => {
      try {
        return JSON.parse(l) as Record<string, unknown>;
      } catch {
        return { unparsed: l };
      }
    });
  return { code: r.status, stderr: r.stderr, lines };
}

const errors = (r: Run): string[] => r.lines.filter((l) => l.level === "error").map((l) => String(l.msg));

describe("agent/entrypoint.sh and the program's start-up checks", function () {
  this.timeout(60_000);

  before(function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "ehagent-entry-"));
    program = bundleAgentProgram(path.join(dir, "agent.js")).file;
    fs.mkdirSync(path.join(dir, "stubs"));
    for (const tool of ["ip", "nft", "tc", "ethtool", "ss"]) {
      fs.writeFileSync(
        path.join(dir, "stubs", tool),
        `#!/bin/sh\necho "STUB ${tool} called: a bad configuration got past validation" >&2\nexit 99\n`,
        { mode: 0o755 },
      );
    }
  });

  after(function () {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("is POSIX sh that shellcheck and dash accept", function () {
    const sc = spawnSync("shellcheck", ["-s", "sh", ENTRYPOINT], { encoding: "utf8" });
    if (sc.error) {
      throw new Error("shellcheck is not installed (Debian package shellcheck); CI must install it");
    }
    assert.strictEqual(sc.status, 0, sc.stdout + sc.stderr);
    const d = spawnSync("dash", ["-n", ENTRYPOINT], { encoding: "utf8" });
    assert.strictEqual(d.status, 0, d.stderr);
  });

  it("refuses to start without the program, naming AGENT_PROGRAM", function () {
    const r = run({ ...VALID, AGENT_PROGRAM: path.join(dir, "missing.js") });
    assert.strictEqual(r.code, 2);
    assert.match(errors(r).join(), /AGENT_PROGRAM: .*missing\.js is not a readable file/);
  });

  it("refuses to start without Node.js, naming NODE_BIN", function () {
    const r = run({ ...VALID, NODE_BIN: "no-such-node" });
    assert.strictEqual(r.code, 2);
    assert.match(errors(r).join(), /NODE_BIN: no-such-node is not installed/);
  });

  it("an invalid environment: exit 2, one JSON error line per problem, nothing touched", function () {
    const r = run({ ...VALID, RPCAPD_TARGET_PORT: "70000", NODE_NAME: undefined, SVCNET: "10.0.0.1/16" });
    assert.strictEqual(r.code, 2, r.stderr);
    const e = errors(r);
    assert.strictEqual(e.length, 3, e.join("\n"));
    assert.match(
      e.join("\n"),
      /^RPCAPD_TARGET_PORT: "70000" is out of range; allowed: a port number 1-65535$/m,
    );
    assert.match(e.join("\n"), /^NODE_NAME is required but not set/m);
    assert.match(
      e.join("\n"),
      /^SVCNET: "10.0.0.1\/16" has "10.0.0.1\/16", which is not an IPv4 CIDR without host bits/m,
    );
    assert.ok(
      r.lines.every((l) => typeof l.time === "string" && typeof l.level === "string"),
      r.stderr,
    );
    assert.doesNotMatch(r.stderr, /STUB/);
  });

  it("the sidecar role needs only its own variables", function () {
    const r = run({ AGENT_ROLE: "sidecar", EXTRAHOP_SENSOR_IP: "10.0.9.9", RPCAPD_TARGET_PORT: "2003" });
    assert.strictEqual(r.code, 2);
    assert.deepStrictEqual(
      errors(r).map((m) => m.split(" ")[0]),
      ["POD_IP"],
    );
  });

  it("refuses to start without NET_ADMIN (node) or NET_RAW (both roles), naming the capability", function () {
    const capsh = ["/usr/sbin/capsh", "/sbin/capsh", "/usr/bin/capsh"].find((p) => fs.existsSync(p));
    if (process.getuid?.() === 0 && !capsh) {
      throw new Error(
        "capsh is not installed (Debian package libcap2-bin); needed to drop capabilities as root",
      );
    }
    const drop = (cap: string) => (argv: string[]) =>
      process.getuid?.() === 0
        ? [capsh as string, `--drop=${cap}`, "--", "-c", `exec ${argv.join(" ")}`]
        : argv;
    let r = run({ ...VALID }, drop("cap_net_admin"));
    assert.strictEqual(r.code, 2, r.stderr);
    assert.match(errors(r).join(), /capability NET_ADMIN is missing/);
    r = run(
      {
        AGENT_ROLE: "sidecar",
        EXTRAHOP_SENSOR_IP: "10.0.9.9",
        RPCAPD_TARGET_PORT: "2003",
        POD_IP: "10.0.44.5",
      },
      drop("cap_net_raw"),
    );
    assert.strictEqual(r.code, 2, r.stderr);
    assert.match(errors(r).join(), /capability NET_RAW is missing/);
    assert.doesNotMatch(r.stderr, /STUB/);
  });

  it("refuses an rpcapd that is not executable, naming RPCAPD_BIN, before touching the kernel", function () {
    if (process.getuid?.() !== 0) {
      throw new Error("needs root: without it the capability check refuses first");
    }
    const r = run({ ...VALID, RPCAPD_BIN: "/nonexistent/rpcapd" });
    assert.strictEqual(r.code, 2, r.stderr);
    assert.match(errors(r).join(), /RPCAPD_BIN: "\/nonexistent\/rpcapd" is not an executable file/);
    assert.doesNotMatch(r.stderr, /STUB/);
  });
});
