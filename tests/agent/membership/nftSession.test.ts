// The nft session against the real nft inside a throwaway network namespace: the kernel sets end up exactly as the
// changes say, each batch is one transaction (counted with `nft monitor`), a dead nft is restarted and rewrites the
// sets once, a refused transaction is repaired by one rewrite, and the process is replaced after its byte budget.
import * as assert from "assert";
import { ChildProcess, execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { NftSession, startNftSession } from "../../../agent/src/kernel/nftSession";
import { renderSetDeclaration, SET_NAMES, SetName } from "../../../agent/src/membership/sets";
import { waitFor } from "./support";

const TABLE = "extrahop_rpcapd";

/** Why kernel tests cannot run here, or undefined when they can. */
function kernelTestsBlocked(): string | undefined {
  if (process.getuid?.() !== 0) {
    return "needs root (network namespaces and nft)";
  }
  for (const tool of ["nft", "ip"]) {
    try {
      execFileSync("sh", ["-c", `command -v ${tool}`], { stdio: "ignore" });
    } catch {
      return `needs the ${tool} command`;
    }
  }
  return undefined;
}

function inNs(ns: string, args: string[], input?: string): string {
  return execFileSync("ip", ["netns", "exec", ns, ...args], { input, encoding: "utf8" });
}

/** Set contents as the kernel lists them (`nft -j`). */
function kernelContents(ns: string): Record<SetName, string[]> {
  const out = {} as Record<SetName, string[]>;
  for (const name of SET_NAMES) {
    const doc = JSON.parse(inNs(ns, ["nft", "-j", "list", "set", "ip", TABLE, name])) as {
      nftables: { set?: { elem?: (string | { prefix: { addr: string; len: number } })[] } }[];
    };
    const elems = doc.nftables.find((x) => x.set)?.set?.elem ?? [];
    out[name] = elems.map((e) => (typeof e === "string" ? e : `${e.prefix.addr}/${e.prefix.len}`)).sort();
  }
  return out;
}

describe("nft session (real nft in a network namespace)", function () {
  const blocked = kernelTestsBlocked();
  const ns = `ppf-nftsession-${process.pid}`;
  let monitor: ChildProcess | undefined;
  let monitorOutput = "";
  let session: NftSession | undefined;
  let dir: string;

  before(function () {
    // Fails, never skips: scripts/install-test-deps.sh installs what this needs, and CI runs as root.
    if (blocked) {
      throw new Error(`the nft session tests ${blocked}`);
    }
    execFileSync("ip", ["netns", "add", ns]);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "nftsession-"));
  });
  after(() => {
    if (!blocked) {
      execFileSync("ip", ["netns", "delete", ns]);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
  beforeEach(async () => {
    const table = `table ip ${TABLE} {\n${SET_NAMES.map(renderSetDeclaration).join("\n")}\n}\n`;
    inNs(ns, ["nft", "-f", "-"], `table ip ${TABLE}\ndelete table ip ${TABLE}\n${table}`);
    monitorOutput = "";
    monitor = spawn("ip", ["netns", "exec", ns, "nft", "monitor"], { stdio: ["ignore", "pipe", "ignore"] });
    monitor.stdout?.on("data", (c: Buffer) => (monitorOutput += c.toString()));
    // The monitor is listening once it reports a change made after it started.
    await waitFor(() => {
      inNs(ns, ["nft", "add", "element", "ip", TABLE, "sidecar4", "{ 192.0.2.1 }"]);
      inNs(ns, ["nft", "delete", "element", "ip", TABLE, "sidecar4", "{ 192.0.2.1 }"]);
      return monitorOutput.includes("192.0.2.1");
    }, "nft monitor listening");
    // The monitor reports in commit order, each transaction's elements before its generation line: once a last
    // marker's generation line is in, nothing from before the test can follow.
    inNs(ns, ["nft", "add", "element", "ip", TABLE, "sidecar4", "{ 192.0.2.2 }"]);
    await waitFor(
      () =>
        /add element ip extrahop_rpcapd sidecar4 \{ 192\.0\.2\.2 \}\n# new generation[^\n]*\n/.test(
          monitorOutput,
        ),
      "the marker's generation line",
    );
    inNs(ns, ["nft", "delete", "element", "ip", TABLE, "sidecar4", "{ 192.0.2.2 }"]);
    await waitFor(
      () =>
        /delete element ip extrahop_rpcapd sidecar4 \{ 192\.0\.2\.2 \}\n# new generation[^\n]*\n/.test(
          monitorOutput,
        ),
      "the marker's removal",
    );
    monitorOutput = "";
  });
  afterEach(async () => {
    await session?.close();
    session = undefined;
    monitor?.kill();
  });

  const generations = (): number => (monitorOutput.match(/^# new generation/gm) ?? []).length;
  const open = (extra: Partial<Parameters<typeof startNftSession>[0]> = {}): NftSession =>
    (session = startNftSession({
      command: ["ip", "netns", "exec", ns, "nft", "-i"],
      spoolDir: dir,
      log: () => undefined,
      ...extra,
    }));

  it("applies deltas so that the sets hold exactly the expected elements, one transaction per batch", async () => {
    const s = open();
    await s.apply({
      covered4: { add: ["10.0.0.1", "10.0.0.2", "10.1.0.1"], delete: [] },
      coverednets4: { add: ["10.244.1.0/24", "10.244.2.0/24"], delete: [] },
      nodes4: { add: ["10.0.0.1", "10.0.0.2", "10.0.0.3"], delete: [] },
    });
    await s.apply({
      covered4: { add: ["10.1.0.2"], delete: ["10.1.0.1"] },
      sidecar4: { add: ["10.2.0.9"], delete: [] },
    });
    await s.apply({
      coverednets4: { add: [], delete: ["10.244.1.0/24"] },
      nodes4: { add: [], delete: ["10.0.0.3"] },
    });
    const expected = {
      covered4: ["10.0.0.1", "10.0.0.2", "10.1.0.2"],
      coverednets4: ["10.244.2.0/24"],
      sidecar4: ["10.2.0.9"],
      nodes4: ["10.0.0.1", "10.0.0.2"],
    };
    assert.deepStrictEqual(kernelContents(ns), expected);
    assert.deepStrictEqual(s.contents(), expected);
    await waitFor(
      () => monitorOutput.includes("delete element ip extrahop_rpcapd nodes4 { 10.0.0.3 }"),
      "the last batch in the monitor",
    );
    await waitFor(() => generations() >= 3, "three generations");
    assert.strictEqual(generations(), 3);
    assert.strictEqual(s.stats().transactions, 3);
  });

  it("a batch too long for one input line is still one transaction", async () => {
    const s = open({ inlineLimitBytes: 4096 });
    const many = Array.from({ length: 2_000 }, (_, i) => `10.${10 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`);
    await s.apply({ covered4: { add: many, delete: [] }, nodes4: { add: ["10.0.0.1"], delete: [] } });
    await waitFor(() => generations() >= 1, "the transaction in the monitor");
    assert.strictEqual(kernelContents(ns).covered4.length, 2_000);
    assert.strictEqual(generations(), 1);
  });

  it("when nft dies, a new one rewrites the full contents once", async () => {
    const pidFile = path.join(dir, "nft.pid");
    const s = open({
      command: ["sh", "-c", `echo $$ > ${pidFile}; exec ip netns exec ${ns} nft -i`],
      restartBackoff: { initialMs: 10, jitter: 0 },
    });
    await s.apply({ covered4: { add: ["10.0.0.1", "10.0.0.2"], delete: [] } });
    process.kill(Number(fs.readFileSync(pidFile, "utf8")), "SIGKILL");
    // Someone else changes the set meanwhile: the rewrite must put it back exactly.
    inNs(ns, ["nft", "add", "element", "ip", TABLE, "covered4", "{ 10.9.9.9 }"]);
    await s.apply({ covered4: { add: ["10.0.0.3"], delete: ["10.0.0.1"] } });
    assert.deepStrictEqual(kernelContents(ns).covered4, ["10.0.0.2", "10.0.0.3"]);
    const st = s.stats();
    assert.strictEqual(st.restarts, 1);
    assert.strictEqual(st.resyncs, 1);
  });

  it("a transaction nft refuses is repaired by one full rewrite", async () => {
    const s = open();
    await s.apply({ covered4: { add: ["10.0.0.1", "10.0.0.2"], delete: [] } });
    inNs(ns, ["nft", "delete", "element", "ip", TABLE, "covered4", "{ 10.0.0.1 }"]);
    await s.apply({ covered4: { add: ["10.0.0.5"], delete: ["10.0.0.1"] } });
    assert.deepStrictEqual(kernelContents(ns).covered4, ["10.0.0.2", "10.0.0.5"]);
    const st = s.stats();
    assert.strictEqual(st.errors, 1);
    assert.strictEqual(st.resyncs, 1);
    assert.match(st.lastError ?? "", /Error:/);
  });

  it("replaces nft after its byte budget without rewriting the sets", async () => {
    const s = open({ recycleAfterBytes: 1 });
    for (let i = 1; i <= 4; i++) {
      await s.apply({ covered4: { add: [`10.0.0.${i}`], delete: [] } });
    }
    await waitFor(() => generations() >= 4, "four generations");
    const st = s.stats();
    assert.strictEqual(st.recycles, 4);
    assert.strictEqual(st.resyncs, 0);
    assert.strictEqual(generations(), 4);
    assert.deepStrictEqual(kernelContents(ns).covered4, ["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4"]);
  });
});
