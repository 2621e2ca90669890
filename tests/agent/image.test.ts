/**
 * The agent image, built for real from agent/Dockerfile with buildah (no Docker engine), for both vendor
 * package layouts, plus the rpcapd stand-in the image tests and the netns simulation rely on.
 *
 * Needs root, buildah, debootstrap, dpkg-deb, tcpdump, socat, ip (iproute2) and the Debian mirror. It
 * fails (never skips) when any of them is missing. First run about 1.5 minutes (debootstrap and apt);
 * re-runs on the same machine reuse the cached base image and build layers.
 */
import * as assert from "assert";
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as crypto from "crypto";
import * as dgram from "dgram";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import {
  AGENT_DIR,
  agentBudArgs,
  buildah,
  buildAgentImage,
  buildSimImage,
  checkImagePrerequisites,
  ensureBaseImage,
  formatBytes,
  imageSize,
  inspectImage,
  PACKAGE_KINDS,
  runInImage,
  stageContext,
  STANDIN,
  startInImage,
} from "../../harness/image";
import type { AgentImage, RunResult } from "../../harness/image";
import { exec, hasCommand } from "../../harness/image/exec";
import { makeAgentPod, makeNode } from "../../harness/kube/clusterObjects";

// ---- small helpers -----------------------------------------------------------------------------------

/** Packets of a pcap stream (microsecond or nanosecond, either byte order); throws on a malformed one. */
function pcapPackets(buf: Buffer): Buffer[] {
  assert.ok(buf.length >= 24, `pcap stream shorter than its 24-byte header (${buf.length} bytes)`);
  const magic = buf.readUInt32LE(0);
  const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  assert.ok(
    le || buf.readUInt32BE(0) === 0xa1b2c3d4 || buf.readUInt32BE(0) === 0xa1b23c4d,
    "not a pcap stream",
  );
  const u32 = (o: number) => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const out: Buffer[] = [];
  let off = 24;
  while (off + 16 <= buf.length) {
    const incl = u32(off + 8);
    if (off + 16 + incl > buf.length) {
      break; // a record still arriving
    }
    out.push(buf.subarray(off + 16, off + 16 + incl));
    off += 16 + incl;
  }
  return out;
}

function markerCounts(buf: Buffer, prefix: string): Map<string, number> {
  const counts = new Map<string, number>();
  const re = new RegExp(`${prefix}-\\d+`, "g");
  for (const p of pcapPackets(buf)) {
    for (const m of p.toString("latin1").match(re) ?? []) {
      counts.set(m, (counts.get(m) ?? 0) + 1);
    }
  }
  return counts;
}

/** A TCP "sensor": records every connection's bytes. */
class Sink {
  readonly conns: Buffer[][] = [];
  private closing = false;
  private server = net.createServer((s) => {
    if (this.closing) {
      s.destroy();
      return;
    }
    const chunks: Buffer[] = [];
    this.conns.push(chunks);
    s.on("data", (d) => chunks.push(d));
    s.on("error", () => undefined);
    this.sockets.push(s);
  });
  private sockets: net.Socket[] = [];
  port = 0;
  async listen(port = 0): Promise<this> {
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, "127.0.0.1", () => resolve());
    });
    this.port = (this.server.address() as net.AddressInfo).port;
    return this;
  }
  data(i = 0): Buffer {
    return Buffer.concat(this.conns[i] ?? []);
  }
  /** Ends the open connections (FIN), as a sensor does after CLOSE; keeps listening. */
  endConnections(): void {
    for (const s of this.sockets.splice(0)) {
      s.end();
    }
  }
  close(): Promise<void> {
    this.closing = true;
    for (const s of this.sockets) {
      s.destroy();
    }
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

async function waitFor(what: string, cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface Proc {
  child: ChildProcess;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function startProc(argv: string[], env: Record<string, string> = {}): Proc {
  const child = spawn(argv[0], argv.slice(1), {
    env: { ...process.env, ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("close", (code, signal) => resolve({ code, signal })),
  );
  return { child, stderr: () => stderr, exited };
}

/** TERM, then (after graceMs) KILL the process and everything it started; resolves when it has exited. */
async function stopProc(p: Proc, graceMs = 5000): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null || p.child.pid === undefined) {
    return;
  }
  const tree = descendants(p.child.pid);
  p.child.kill("SIGTERM");
  const done = await Promise.race([
    p.exited.then(() => true),
    new Promise<boolean>((r) => setTimeout(() => r(false), graceMs)),
  ]);
  for (const pid of [p.child.pid, ...tree, ...descendants(p.child.pid)]) {
    if (!done || alive(pid)) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  }
  await p.exited;
}

function descendants(pid: number): number[] {
  const out: number[] = [];
  const queue = [pid];
  while (queue.length) {
    const p = queue.shift()!;
    let kids: number[] = [];
    try {
      for (const t of fs.readdirSync(`/proc/${p}/task`)) {
        const c = fs.readFileSync(`/proc/${p}/task/${t}/children`, "utf8").trim();
        kids = kids.concat(c ? c.split(/\s+/).map(Number) : []);
      }
    } catch {
      // gone
    }
    out.push(...kids);
    queue.push(...kids);
  }
  return out;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function sendMarkers(port: number, prefix: string, n: number): Promise<void> {
  const sock = dgram.createSocket("udp4");
  for (let i = 0; i < n; i++) {
    await new Promise<void>((resolve, reject) =>
      sock.send(Buffer.from(`${prefix}-${i}`), port, "127.0.0.1", (err) => (err ? reject(err) : resolve())),
    );
  }
  sock.close();
}

const cleanups: (() => Promise<void> | void)[] = [];
async function runCleanups(): Promise<void> {
  while (cleanups.length) {
    try {
      await cleanups.pop()!();
    } catch {
      // keep cleaning
    }
  }
}

async function requirePrerequisites(extra: [string, string][] = []): Promise<void> {
  const problems = await checkImagePrerequisites();
  for (const [cmd, pkg] of extra) {
    if (!(await hasCommand(cmd))) {
      problems.push(`${cmd} is not installed (Debian package ${pkg})`);
    }
  }
  if (problems.length) {
    throw new Error(`cannot run the agent image tests:\n  - ${problems.join("\n  - ")}`);
  }
}

// ---- the rpcapd stand-in ----------------------------------------------------------------------------

describe("rpcapd stand-in (harness/sim/rpcapd-standin.sh)", function () {
  this.timeout(60_000);
  before(() =>
    requirePrerequisites([
      ["tcpdump", "tcpdump"],
      ["socat", "socat"],
      ["shellcheck", "shellcheck"],
    ]),
  );
  afterEach(runCleanups);

  function standin(args: string[], env: Record<string, string> = {}): Proc {
    const p = startProc([STANDIN, ...args], { RPCAPD_STANDIN_RETRY: "0.3", ...env });
    cleanups.push(() => stopProc(p));
    return p;
  }
  async function sink(): Promise<Sink> {
    const s = await new Sink().listen();
    cleanups.push(() => s.close());
    return s;
  }
  function iniFile(text: string): string {
    const f = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "standin-")), "rpcapd.ini");
    fs.writeFileSync(f, text);
    cleanups.push(() => fs.rmSync(path.dirname(f), { recursive: true, force: true }));
    return f;
  }
  const udpPort = () => 20000 + crypto.randomInt(20000);

  it("is POSIX sh and shellcheck-clean", async () => {
    await exec(["shellcheck", "-s", "sh", STANDIN]);
    await exec(["sh", "-n", STANDIN]);
  });

  it("exits 1 when tcpdump rejects the -F filter, saying so", async () => {
    const s = await sink();
    const p = standin(["-v", "-n", "-D", "-i", "lo", "-a", `127.0.0.1,${s.port}`, "-F", "tcp and ("]);
    const r = await p.exited;
    assert.strictEqual(r.code, 1, p.stderr());
    assert.match(p.stderr(), /rejects the capture filter/);
    assert.strictEqual(s.conns.length, 0);
  });

  it("exits 1 on a filter for an nflog device (libpcap cannot filter nflog)", async () => {
    const s = await sink();
    const p = standin(["-i", "nflog:7", "-a", `127.0.0.1,${s.port}`, "-F", "ip"]);
    const r = await p.exited;
    assert.strictEqual(r.code, 1, p.stderr());
    assert.match(p.stderr(), /NFLOG|nflog/);
  });

  it("exits 2 without -i, without clients, or on a malformed ActiveClient", async () => {
    for (const [args, re] of [
      [["-a", "127.0.0.1,2003"], /-i <device> is required/],
      [["-i", "lo"], /no ActiveClient/],
      [["-i", "lo", "-f", iniFile("ActiveClient = 127.0.0.1\n")], /needs <host>,<port>/],
      [["-i", "lo", "-f", iniFile("ActiveClient = 127.0.0.1,http\n")], /port must be a number/],
      [["-i", "lo", "-f", "/nonexistent/rpcapd.ini"], /cannot read/],
    ] as [string[], RegExp][]) {
      const p = standin(args);
      const r = await p.exited;
      assert.strictEqual(r.code, 2, `${args.join(" ")}: ${p.stderr()}`);
      assert.match(p.stderr(), re);
    }
  });

  it("streams a full copy of the capture to every ActiveClient of the ini, which overrides -a", async () => {
    const [a, b, c] = [await sink(), await sink(), await sink()];
    const port = udpPort();
    const ini = iniFile(
      [
        "# written by a test",
        `ActiveClient = 127.0.0.1,${b.port}`,
        `   ActiveClient=127.0.0.1 , ${c.port}   # trailing comment`,
        `#ActiveClient = 127.0.0.1,${a.port}`,
        "NullAuthPermit = YES",
        "",
      ].join("\n"),
    );
    const p = standin([
      "-v",
      "-n",
      "-D",
      "-d",
      "-a",
      `127.0.0.1,${a.port}`,
      "-f",
      ini,
      "-i",
      "lo",
      "-F",
      `udp and dst port ${port}`,
    ]);
    // The 24-byte pcap header arrives once the capture is armed.
    await waitFor("both captures armed", () => b.data().length >= 24 && c.data().length >= 24);
    await sendMarkers(port, "copy", 25);
    const want = (s: Sink) => markerCounts(s.data(), "copy").size === 25;
    await waitFor("25 markers at both clients", () => want(b) && want(c), 5000).catch(() => undefined);
    for (const [name, s] of [
      ["first", b],
      ["second", c],
    ] as [string, Sink][]) {
      const counts = markerCounts(s.data(), "copy");
      assert.strictEqual(counts.size, 25, `${name} client got ${counts.size}/25 markers\n${p.stderr()}`);
      assert.ok(
        [...counts.values()].every((n) => n === 1),
        `${name} client got duplicates`,
      );
      // Only what the filter selects.
      assert.strictEqual(pcapPackets(s.data()).length, 25);
    }
    assert.strictEqual(a.conns.length, 0, "the -a client must be overridden by the ini");
  });

  it("retries a refused connection and starts the stream once the client listens", async () => {
    const probe = await new Sink().listen();
    const port = probe.port;
    await probe.close();
    const p = standin(["-i", "lo", "-a", `127.0.0.1,${port}`, "-F", "udp port 9"], {
      RPCAPD_STANDIN_RETRY: "0.5",
    });
    await new Promise((r) => setTimeout(r, 1500));
    assert.strictEqual(p.child.exitCode, null, `stand-in exited: ${p.stderr()}`);
    const s = await new Sink().listen(port);
    cleanups.push(() => s.close());
    await waitFor("the pcap header after the listener came up", () => s.data().length >= 24);
    assert.match(p.stderr(), /retrying/);
  });

  it("does not reconnect a client whose connection the client closed, and stays up (rpcapd after CLOSE)", async () => {
    const [a, b] = [await sink(), await sink()];
    const p = standin([
      "-i",
      "lo",
      "-a",
      `127.0.0.1,${a.port}`,
      "-a",
      `127.0.0.1,${b.port}`,
      "-F",
      "udp port 9",
    ]);
    await waitFor("both captures armed", () => a.data().length >= 24 && b.data().length >= 24);
    a.endConnections();
    await waitFor("the session to end", () =>
      /connection closed by the client; not reconnecting/.test(p.stderr()),
    );
    // Ten retry periods (0.3 s): a retried client would have connected again by now.
    await new Promise((r) => setTimeout(r, 3000));
    assert.strictEqual(a.conns.length, 1, `reconnected after the client closed:\n${p.stderr()}`);
    assert.strictEqual(b.conns.length, 1, "the other client's session is untouched");
    assert.strictEqual(p.child.exitCode, null, `the stand-in exited:\n${p.stderr()}`);
    const tcpdumps = descendants(p.child.pid!).filter((k) => {
      try {
        return fs.readFileSync(`/proc/${k}/cmdline`, "utf8").startsWith("tcpdump");
      } catch {
        return false;
      }
    });
    assert.strictEqual(tcpdumps.length, 1, "only the other client's capture still runs");
    b.endConnections();
    await waitFor("no session left", () => (p.stderr().match(/not reconnecting/g) ?? []).length === 2);
    await new Promise((r) => setTimeout(r, 1000));
    assert.strictEqual(p.child.exitCode, null, `alive but forwarding nothing:\n${p.stderr()}`);
    assert.strictEqual(a.conns.length + b.conns.length, 2);
  });

  it("re-reads the ini on HUP", async () => {
    const [b, c] = [await sink(), await sink()];
    const ini = iniFile(`ActiveClient = 127.0.0.1,${b.port}\n`);
    const p = standin(["-f", ini, "-i", "lo", "-F", "udp port 9"]);
    await waitFor("first client armed", () => b.data().length >= 24);
    fs.writeFileSync(ini, `ActiveClient = 127.0.0.1,${c.port}\n`);
    p.child.kill("SIGHUP");
    await waitFor("second client armed after HUP", () => c.data().length >= 24);
    assert.strictEqual(p.child.exitCode, null, p.stderr());
  });

  it("stops tcpdump and socat on TERM and exits 0", async () => {
    const s = await sink();
    const p = standin(["-i", "lo", "-a", `127.0.0.1,${s.port}`, "-F", "udp port 9"]);
    await waitFor("capture armed", () => s.data().length >= 24);
    const kids = descendants(p.child.pid!);
    assert.ok(kids.length >= 3, "expected loop, socat, capture and tcpdump processes");
    p.child.kill("SIGTERM");
    const r = await p.exited;
    assert.strictEqual(r.code, 0, p.stderr());
    await waitFor("all children gone", () => kids.every((k) => !alive(k)), 5000);
  });

  it("exits 1 when its tcpdump dies (capture device removed)", async () => {
    const ns = `ppf-standin-${crypto.randomBytes(3).toString("hex")}`;
    await exec(["ip", "netns", "add", ns]);
    cleanups.push(() => exec(["ip", "netns", "del", ns], { check: false }).then(() => undefined));
    const inNs = (argv: string[]) => ["ip", "netns", "exec", ns, ...argv];
    await exec(inNs(["ip", "link", "set", "lo", "up"]));
    await exec(inNs(["ip", "link", "add", "capa", "type", "veth", "peer", "name", "capb"]));
    await exec(inNs(["ip", "link", "set", "capa", "up"]));
    await exec(inNs(["ip", "link", "set", "capb", "up"]));
    const listener = startProc(inNs(["socat", "-u", "TCP-LISTEN:2003,reuseaddr", "OPEN:/dev/null"]));
    cleanups.push(() => stopProc(listener));
    await new Promise((r) => setTimeout(r, 300));
    const p = startProc(inNs([STANDIN, "-i", "capa", "-a", "127.0.0.1,2003", "-F", "ip"]), {
      RPCAPD_STANDIN_RETRY: "0.3",
    });
    cleanups.push(() => stopProc(p));
    await waitFor("the capture to start", () => /connected, capturing on capa/.test(p.stderr()));
    await new Promise((r) => setTimeout(r, 300));
    await exec(inNs(["ip", "link", "del", "capa"]));
    const r = await Promise.race([p.exited, new Promise<null>((res) => setTimeout(() => res(null), 10_000))]);
    assert.ok(r, `stand-in still running after its device was deleted:\n${p.stderr()}`);
    assert.strictEqual(r.code, 1, p.stderr());
    assert.match(p.stderr(), /tcpdump died/);
  });
});

// ---- the image ----------------------------------------------------------------------------------------

/** One run per image gathers every fact the assertions below need (each run copies the image: vfs). */
const FACTS_SCRIPT = `
set -u
echo "rpcapd_mode=$(stat -c %a /usr/local/bin/rpcapd 2>/dev/null)"
echo "rpcapd_sha256=$(sha256sum /usr/local/bin/rpcapd 2>/dev/null | cut -d' ' -f1)"
test -x /usr/local/bin/rpcapd && echo rpcapd_executable=yes
echo "files=$(cd /opt/extrahop && ls | tr '\\n' ' ')"
test -x /opt/extrahop/entrypoint.sh && echo entrypoint_executable=yes
echo "node_version=$(node --version 2>/dev/null)"
node --check /opt/extrahop/agent.js && echo program_loads=yes
for t in sh node tini ip nft ss tc ethtool iptables ipset curl jq; do
  printf 'tool_%s=%s\\n' "$t" "$(command -v "$t")"
done
echo "libpcap=$(ldconfig -p | grep -c 'libpcap.so.0.8')"
echo "compilers=$(for t in gcc cc c++ g++ clang make ld as cpp; do command -v "$t"; done | tr '\\n' ' ')"
echo "build_packages=$(dpkg-query -W -f='\${Package} \${db:Status-Abbrev}\\n' 2>/dev/null | awk '$2 == "ii" && $1 ~ /^(dpkg-dev|build-essential|gcc|gcc-[0-9]+|g\\+\\+|g\\+\\+-[0-9]+|binutils|make|libc6-dev|cpp|cpp-[0-9]+|clang.*|libpcap.*-dev)$/ {print $1}' | tr '\\n' ' ')"
echo "leftovers=$(find / -xdev \\( -path /proc -o -path /sys \\) -prune -o \\( -name '*.deb' -o -name 'rpcapd-*bit-linux' -o -path /tmp/vendor -o -path /tmp/unpacked \\) -print 2>/dev/null | tr '\\n' ' ')"
echo "docs=$(find /usr/share/doc /usr/share/man /usr/share/locale -type f 2>/dev/null | grep -vc '/copyright$')"
echo "apt_lists=$(find /var/lib/apt/lists -type f ! -name lock 2>/dev/null | wc -l)"
`;

function parseFacts(out: string): Record<string, string> {
  const facts: Record<string, string> = {};
  for (const line of out.split("\n")) {
    const i = line.indexOf("=");
    if (i > 0) {
      facts[line.slice(0, i)] = line.slice(i + 1).trim();
    }
  }
  return facts;
}

describe("agent image (agent/Dockerfile built with buildah)", function () {
  this.timeout(20 * 60_000);
  const standinSha = crypto.createHash("sha256").update(fs.readFileSync(STANDIN)).digest("hex");

  before(async () => {
    await requirePrerequisites();
    const base = await ensureBaseImage();
    console.log(
      `      base image ${base.tag} (${base.built ? `debootstrapped in ${base.seconds.toFixed(1)} s` : "cached"}; mirror ${base.mirrors.main})`,
    );
  });
  afterEach(runCleanups);

  for (const kind of PACKAGE_KINDS) {
    describe(`from the vendor ${kind === "deb" ? ".deb" : "tarball (rpcapd-64bit-linux)"}`, () => {
      let img: AgentImage;
      let facts: Record<string, string>;
      before(async () => {
        img = await buildAgentImage({ packageKind: kind });
        const r = await runInImage({ image: img.tag, cmd: ["sh", "-c", FACTS_SCRIPT], capAdd: [] });
        assert.strictEqual(r.code, 0, r.stderr);
        facts = parseFacts(r.stdout);
      });

      it("installs the package's rpcapd at /usr/local/bin/rpcapd, executable", () => {
        assert.strictEqual(facts.rpcapd_executable, "yes");
        assert.strictEqual(facts.rpcapd_mode, "755");
        // The stand-in itself, not the tarball's 32-bit placeholder or the sample files.
        assert.strictEqual(facts.rpcapd_sha256, standinSha);
      });

      it("runs the entrypoint under tini, with the bundled program beside it and nothing else", async () => {
        const cfg = await inspectImage(img.tag);
        assert.deepStrictEqual(cfg.entrypoint, ["/usr/bin/tini", "--", "/opt/extrahop/entrypoint.sh"]);
        assert.deepStrictEqual(facts.files.split(" ").filter(Boolean).sort(), ["agent.js", "entrypoint.sh"]);
        assert.strictEqual(facts.entrypoint_executable, "yes");
        assert.strictEqual(facts.program_loads, "yes", "node --check /opt/extrahop/agent.js failed");
        // Debian 12's nodejs: the version the bundle targets (agent/build.ts AGENT_NODE_TARGET).
        assert.match(facts.node_version, /^v18\./);
      });

      it("has the tools the program drives and libpcap for rpcapd; none of the shell agent's (curl, jq, iptables, ipset)", () => {
        for (const t of ["sh", "node", "tini", "ip", "nft", "ss", "tc", "ethtool"]) {
          assert.ok(facts[`tool_${t}`], `${t} missing from the image`);
        }
        for (const t of ["iptables", "ipset", "curl", "jq"]) {
          assert.strictEqual(facts[`tool_${t}`], "", `${t} is in the image but nothing uses it`);
        }
        assert.ok(Number(facts.libpcap) >= 1, "libpcap.so.0.8 missing");
      });

      it("has no compilers or build packages, no leftovers of the package, no docs or apt lists", () => {
        assert.strictEqual(facts.compilers, "", "compilers/linkers in the final image");
        assert.strictEqual(facts.build_packages, "", "build packages installed in the final image");
        assert.strictEqual(facts.leftovers, "", "vendor package files left in the final image");
        assert.strictEqual(facts.docs, "0", "documentation files left in the image");
        assert.strictEqual(facts.apt_lists, "0", "apt lists left in the image");
      });

      it("reports its size", async () => {
        const size = await imageSize(img.tag);
        console.log(
          `      ${img.tag}: ${formatBytes(size.uncompressedBytes)} uncompressed, ` +
            `${formatBytes(size.compressedBytes)} compressed (gzip layers), ${size.layers} layers; ` +
            `build ${img.buildSeconds.toFixed(1)} s`,
        );
        // A budget, not a measurement: Debian slim is ~75 MB, Node.js with its ICU ~90 MB, the tools ~20 MB.
        assert.ok(size.uncompressedBytes < 230e6, `image grew to ${formatBytes(size.uncompressedBytes)}`);
      });
    });
  }

  it("fails the build, naming RPCAPD_PACKAGE, when the package holds no rpcapd", async () => {
    const base = await ensureBaseImage();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "badpkg-"));
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    fs.mkdirSync(path.join(dir, "pkg"));
    fs.writeFileSync(path.join(dir, "pkg", "README"), "no binary here\n");
    const pkg = path.join(dir, "rpcapd-empty.tar.gz");
    await exec(["tar", "-C", path.join(dir, "pkg"), "-czf", pkg, "."]);
    const ctx = stageContext(AGENT_DIR, pkg, "agent-bad");
    cleanups.push(() => fs.rmSync(ctx, { recursive: true, force: true }));
    const r = await buildah(["bud", ...agentBudArgs(ctx, base.tag, pkg, "localhost/ppf-agent:bad")], {
      check: false,
    });
    assert.notStrictEqual(r.code, 0, "the build must fail");
    assert.match(r.stdout + r.stderr, /RPCAPD_PACKAGE: no rpcapd executable/);
  });

  describe("run inside a network namespace (what the simulation does)", () => {
    const ns = `ppf-img-${crypto.randomBytes(3).toString("hex")}`;
    const sensorNs = `${ns}-s`;
    let sim: string;
    let work: string;
    let sensorFile: string;
    let api: ChildProcess | undefined;
    before(async function () {
      await requirePrerequisites([["socat", "socat"]]);
      sim = await buildSimImage({ packageKind: "deb" });
      // node netns: eth0 10.77.0.1/24 <-> sensor netns 10.77.0.2/24 (the sensor and a fake Kubernetes API)
      await exec(["ip", "netns", "add", ns]);
      await exec(["ip", "netns", "add", sensorNs]);
      await exec([
        "ip",
        "link",
        "add",
        "eth0",
        "netns",
        ns,
        "type",
        "veth",
        "peer",
        "name",
        "eth0",
        "netns",
        sensorNs,
      ]);
      for (const [n, a] of [
        [ns, "10.77.0.1/24"],
        [sensorNs, "10.77.0.2/24"],
      ]) {
        await exec(["ip", "-n", n, "addr", "add", a, "dev", "eth0"]);
        await exec(["ip", "-n", n, "link", "set", "eth0", "up"]);
        await exec(["ip", "-n", n, "link", "set", "lo", "up"]);
      }
      await exec(["ip", "-n", ns, "route", "add", "default", "via", "10.77.0.2"]);
      work = fs.mkdtempSync(path.join(os.tmpdir(), "ppf-img-run-"));
      sensorFile = path.join(work, "sensor.pcap");
      // The API the agent lists and watches: its node and its agent pod (harness/kube).
      fs.writeFileSync(path.join(work, "token"), "image-test-token");
      fs.writeFileSync(
        path.join(work, "objects.json"),
        JSON.stringify({
          nodes: [makeNode({ name: "node-1", ip: "10.77.0.1" })],
          pods: [makeAgentPod("node-1", "10.77.0.1")],
        }),
      );
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const esbuild = require("esbuild") as typeof import("esbuild");
      esbuild.buildSync({
        entryPoints: [path.join(__dirname, "support", "fakeApiProcess.ts")],
        outfile: path.join(work, "api.js"),
        bundle: true,
        platform: "node",
        logLevel: "silent",
      });
      const p = spawn(
        "ip",
        [
          "netns",
          "exec",
          sensorNs,
          process.execPath,
          path.join(work, "api.js"),
          "10.77.0.2",
          "6443",
          "image-test-token",
          path.join(work, "objects.json"),
        ],
        { stdio: ["ignore", "pipe", "inherit"] },
      );
      api = p;
      await new Promise<void>((resolve, reject) => {
        p.on("exit", (c) => reject(new Error(`fake API exited ${c}`)));
        p.stdout!.once("data", () => resolve());
      });
    });
    after(async () => {
      api?.kill("SIGKILL");
      await exec(["ip", "netns", "del", ns], { check: false });
      await exec(["ip", "netns", "del", sensorNs], { check: false });
      if (work) {
        fs.rmSync(work, { recursive: true, force: true });
      }
    });

    const env = {
      EXTRAHOP_SENSOR_IP: "10.77.0.2",
      RPCAPD_TARGET_PORT: "2003",
      SVCNET: "10.100.0.0/16",
      VPC_MIRRORING: "true",
      NODE_NAME: "node-1",
      RPCAPD_STANDIN_RETRY: "0.5",
      KUBE_API_URL: "http://10.77.0.2:6443",
      KUBE_TOKEN_FILE: "/state/token",
      SHUTDOWN_DELAY: "0",
    };

    it("sees the namespace's interfaces, not the host's, and has NET_ADMIN", async () => {
      const r: RunResult = await runInImage({
        image: sim,
        netns: ns,
        cmd: ["sh", "-c", "ls /sys/class/net | tr '\\n' ' '; echo; nft list tables && echo nft-ok"],
      });
      assert.strictEqual(r.code, 0, r.stderr);
      assert.deepStrictEqual(r.stdout.split("\n")[0].trim().split(" ").sort(), ["eth0", "lo"]);
      assert.match(r.stdout, /nft-ok/);
    });

    it("the program refuses a missing variable, naming it (a JSON log line, exit 2)", async () => {
      const { EXTRAHOP_SENSOR_IP: _omit, ...rest } = env;
      void _omit;
      const r = await runInImage({
        image: sim,
        netns: ns,
        entrypoint: true,
        cmd: [],
        env: rest,
        volumes: [`${work}:/state`],
      });
      assert.strictEqual(r.code, 2, r.stderr);
      assert.match(r.stderr, /"level":"error","msg":"EXTRAHOP_SENSOR_IP is required but not set/);
    });

    it("starts (measured), streams pcap to the sensor, exits 0 on SIGTERM and leaves the namespace as it was", async () => {
      const listener = startProc([
        "ip",
        "netns",
        "exec",
        sensorNs,
        "socat",
        "-u",
        "TCP-LISTEN:2003,reuseaddr",
        `OPEN:${sensorFile},creat,trunc`,
      ]);
      cleanups.push(() => stopProc(listener));
      await waitFor("the sensor listening", () => {
        const r = spawnSync("ip", ["netns", "exec", sensorNs, "ss", "-ltnH", "sport", "= :2003"], {
          encoding: "utf8",
        });
        return r.stdout.trim() !== "";
      });
      const t0 = Date.now();
      const h = await startInImage({
        image: sim,
        netns: ns,
        entrypoint: true,
        cmd: [],
        env,
        volumes: [`${work}:/state`],
      });
      cleanups.push(async () => {
        await h.stop("SIGKILL", 2000);
      });
      await waitFor(
        "the pcap header at the sensor",
        () => fs.existsSync(sensorFile) && fs.statSync(sensorFile).size >= 24,
        60_000,
      ).catch((e: Error) => {
        throw new Error(`${e.message}\n${h.stderr()}`);
      });
      const startedMs = Date.now() - t0;
      const log = h.stderr();
      const at = (msg: RegExp): number | undefined => {
        const line = log.split("\n").find((l) => msg.test(l));
        return line ? Date.parse((JSON.parse(line) as { time: string }).time) : undefined;
      };
      const programStart = at(/"msg":"starting"/);
      const synced = at(/"msg":"membership synced"/);
      console.log(
        `      start: ${startedMs} ms from \`buildah run\` to the capture stream at the sensor ` +
          `(program start to membership synced ${synced && programStart ? synced - programStart : "?"} ms)`,
      );
      const t1 = Date.now();
      const r = await h.stop("SIGTERM", 15_000);
      assert.strictEqual(r.code, 0, `entrypoint exit ${r.code} ${r.signal}\n${r.stderr}`);
      console.log(`      stopped ${Date.now() - t1} ms after SIGTERM`);
      pcapPackets(fs.readFileSync(sensorFile));
      // The node namespace is back as it was: no agent tables, no capture devices.
      const tables = await exec(["ip", "netns", "exec", ns, "nft", "list", "tables"]);
      assert.strictEqual(tables.stdout.trim(), "", `nft tables left behind: ${tables.stdout}`);
      const links = await exec(["ip", "-n", ns, "-o", "link", "show"]);
      const names = links.stdout
        .split("\n")
        .filter(Boolean)
        .map((l) => l.split(":")[1].trim().split("@")[0]);
      assert.deepStrictEqual(names.sort(), ["eth0", "lo"]);
    });
  });
});
