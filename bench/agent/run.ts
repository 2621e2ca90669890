// Agent benchmark (`npm run bench:agent`, root): our agent vs the vendor example's filter logic, on the kernel
// simulation of harness/sim.
//
//  1. Exactly-once matrix: for VPC_MIRRORING=false and true, and for each agent (ours; the vendor filter on
//     eth0, the way `any-eth` is modelled; the vendor filter on `any`), every flow of the harness's FLOWS is
//     sent and the copies of each marked packet at the sensor counted: delivered once / duplicated / missed.
//     With VPC_MIRRORING=true the sensor also gets AWS's mirror copies: one per packet of a flow the harness
//     marks `crossesEth` (the harness's own notion, which `expected()` uses), added to the agent's copies.
//  2. The agent's stream captured again: the vendor filter as written (no sensor exclusion) on an idle cluster.
//  3. Compiled BPF size of each filter (tcpdump -d, on the device it runs on).
//  4. Capture throughput with each filter on a veth under a bounded UDP flood (two namespaces of our own).
//
// Bounded: every step has a timeout; the whole run stops itself after BENCH_MAX_SECONDS (default 900). All
// namespaces are removed on success, failure, SIGINT/SIGTERM and at the next start if the run was killed.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { AgentRunner, Cluster, sleep } from "../../harness/sim/simlib";
import { FLOWS, FlowResult, formatResults, runMatrix } from "../../harness/sim/matrix";
import * as T from "../../harness/sim/topology";
import { ThroughputBench, ThroughputResult, BENCH_PODNET, BENCH_SVCNET, BENCH_SENSOR } from "./throughput";
import {
  baselineRpcapdFilter,
  bpfInstructionCount,
  VendorBaselineRunner,
  vendorFilter,
} from "./vendorBaseline";

type AgentKey = "ours" | "vendor-eth0" | "vendor-any";
const AGENTS: { key: AgentKey; title: string; device?: string }[] = [
  { key: "ours", title: "ours (agent/entrypoint.sh)" },
  { key: "vendor-eth0", title: "vendor filter on eth0", device: "eth0" },
  { key: "vendor-any", title: "vendor filter on any", device: "any" },
];

interface Tally {
  packets: number;
  once: number;
  dup: number;
  extra: number;
  missed: number;
  failed: number;
  notes: string[];
}

interface RunResult {
  mode: boolean;
  agent: AgentKey;
  results: FlowResult[];
  frames: number;
  dupFrames: number;
  linkTypes: Record<number, number>;
  byClass: Map<string, Tally>;
  total: Tally;
  filter: string;
}

const newTally = (): Tally => ({ packets: 0, once: 0, dup: 0, extra: 0, missed: 0, failed: 0, notes: [] });

/** Per logical packet: the sensor's total = the agent's copies + AWS's mirror copy (true mode, crossesEth). */
function tally(mode: boolean, results: FlowResult[]): { byClass: Map<string, Tally>; total: Tally } {
  const byClass = new Map<string, Tally>();
  const total = newTally();
  for (const r of results) {
    const t = byClass.get(r.flow.cls) ?? newTally();
    byClass.set(r.flow.cls, t);
    const mirror = mode && r.flow.crossesEth ? 1 : 0;
    const units: { kind: string; copies: number }[] = [];
    if (r.flow.op === "tcp-bulk") {
      // A stream counts as one unit: copies of the client->server byte stream (retransmissions included).
      const copies = r.bulk && r.bulk.sent > 0 ? r.bulk.total / r.bulk.sent : r.got.req;
      units.push({ kind: "stream", copies });
      if (Math.abs(copies - Math.round(copies)) > 0.02) {
        t.notes.push(`stream x${copies.toFixed(2)}`);
      }
      if ((r.maxFrameLength ?? 0) > 1514) {
        t.notes.push(`largest frame ${r.maxFrameLength} B (GRO/GSO aggregate, not wire-sized)`);
      }
    } else {
      for (const k of r.flow.kinds) {
        units.push({ kind: k, copies: r.got[k] });
      }
    }
    if (!r.ok) {
      t.failed += 1;
      t.notes.push(`${r.flow.op} traffic failed: ${r.detail}`);
      total.failed += 1;
    }
    for (const u of units) {
      const n = Math.round(u.copies) + mirror;
      for (const x of [t, total]) {
        x.packets += 1;
        if (n === 1) {
          x.once += 1;
        } else if (n === 0) {
          x.missed += 1;
        } else {
          x.dup += 1;
          x.extra += n - 1;
        }
      }
    }
  }
  return { byClass, total };
}

function runnersFor(agent: AgentKey, exclude = true, warmupMs?: number): Record<string, AgentRunner> {
  const a = AGENTS.find((x) => x.key === agent)!;
  if (!a.device) {
    return {}; // the harness's default: agent/entrypoint.sh
  }
  const r = new VendorBaselineRunner({ device: a.device, excludeSensorStream: exclude, warmupMs });
  return Object.fromEntries(T.NODES.filter((n) => n.agent).map((n) => [n.key, r]));
}

function oursFilterFromLog(c: Cluster): string {
  const m = /with filter: (.*)$/m.exec(c.readLog("A"));
  return m ? m[1].trim() : `ip and not (host ${T.SENSOR_IP})`;
}

async function runOne(c: Cluster, mode: boolean, agent: AgentKey, warmupMs?: number): Promise<RunResult> {
  // The harness's collect decodes Ethernet and cooked (LINUX_SLL/SLL2) frames alike, so runMatrix counts
  // the vendor baseline on `any` by the same rules as the Ethernet captures.
  try {
    await c.startAgents(mode, runnersFor(agent, true, warmupMs));
    const filter =
      agent === "ours" ? oursFilterFromLog(c) : baselineRpcapdFilter(c.agentEnv(T.node("A"), mode), true);
    const results = await runMatrix(c, mode);
    const cap = c.collect();
    await c.stopAgents();
    if (process.env.BENCH_VERBOSE) {
      process.stderr.write(`--- VPC_MIRRORING=${mode} ${agent}\n${formatResults(results)}\n`);
    }
    return {
      mode,
      agent,
      results,
      frames: cap.frames,
      dupFrames: cap.duplicates.length,
      linkTypes: cap.linkTypes,
      ...tally(mode, results),
      filter,
    };
  } finally {
    await c.stopAgents();
  }
}

/** The vendor filter exactly as written (no sensor exclusion), baseline on eth0, idle cluster for `seconds`. */
async function feedbackLoop(
  c: Cluster,
  seconds: number,
): Promise<{ frames: number; bytes: number; sensorFrames: number }> {
  await c.startAgents(false, runnersFor("vendor-eth0", false));
  try {
    await sleep(seconds * 1000);
  } finally {
    await c.stopAgents();
  }
  const dir = c.sensorCaptureDir;
  const bytes = fs.readdirSync(dir).reduce((a, f) => a + fs.statSync(path.join(dir, f)).size, 0);
  const cap = c.collect();
  return { frames: cap.frames, bytes, sensorFrames: cap.sensorFrames };
}

// ---- output ---------------------------------------------------------------------------------------------

const cell = (t: Tally | undefined): string =>
  t
    ? `${t.once} / ${t.dup}${t.extra > t.dup ? ` (+${t.extra})` : ""} / ${t.missed}${t.failed ? ` ⚠${t.failed}` : ""}`
    : "-";

function matrixTable(runs: RunResult[], mode: boolean): string {
  const rs = AGENTS.map((a) => runs.find((r) => r.mode === mode && r.agent === a.key));
  const classes: string[] = [];
  for (const f of FLOWS) {
    if (!classes.includes(f.cls)) {
      classes.push(f.cls);
    }
  }
  const lines = [
    `| flow class | eth? | packets | ${AGENTS.map((a) => a.title).join(" | ")} |`,
    `|---|---|---|${AGENTS.map(() => "---").join("|")}|`,
  ];
  for (const cls of classes) {
    const eth = FLOWS.filter((f) => f.cls === cls).some((f) => f.crossesEth) ? "yes" : "no";
    const pk = rs.find((r) => r)?.byClass.get(cls)?.packets ?? 0;
    lines.push(`| ${cls} | ${eth} | ${pk} | ${rs.map((r) => cell(r?.byClass.get(cls))).join(" | ")} |`);
  }
  const tot = rs.find((r) => r)?.total.packets ?? 0;
  lines.push(`| **total** | | **${tot}** | ${rs.map((r) => `**${cell(r?.total)}**`).join(" | ")} |`);
  lines.push(
    `| frames at the sensor (duplicate frames, any packet) | | | ${rs
      .map((r) => (r ? `${r.frames} (${r.dupFrames})` : "-"))
      .join(" | ")} |`,
  );
  const notes = rs.flatMap((r, i) =>
    r
      ? [...r.byClass.entries()]
          .filter(([, t]) => t.notes.length > 0)
          .map(([cls, t]) => `- ${AGENTS[i].title}, ${cls}: ${[...new Set(t.notes)].join("; ")}`)
      : [],
  );
  return lines.join("\n") + (notes.length ? "\n\n" + notes.join("\n") : "");
}

function fmt(n: number | undefined): string {
  return n === undefined ? "-" : Math.round(n).toLocaleString("en-US");
}

function throughputTable(rows: ThroughputResult[][]): string {
  const med = (xs: number[]): number => {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.floor(s.length / 2)];
  };
  const lines = [
    "| capture | device | sent pps, median (min-max) | captured pps, median (min-max) | captured / sent, min | kernel drops, max |",
    "|---|---|---|---|---|---|",
  ];
  for (const reps of rows) {
    const r0 = reps[0];
    const range = (xs: number[]): string =>
      `${fmt(med(xs))} (${fmt(Math.min(...xs))}-${fmt(Math.max(...xs))})`;
    const sentPps = range(reps.map((r) => r.sentPps));
    const caps = reps.every((r) => r.capturedPps !== undefined) ? reps.map((r) => r.capturedPps!) : undefined;
    const cap = caps ? range(caps) : "-";
    const ratio =
      caps === undefined ? "-" : Math.min(...reps.map((r) => (r.captured ?? 0) / r.sent)).toFixed(3);
    const drops = reps.some((r) => r.droppedByKernel !== undefined)
      ? fmt(Math.max(...reps.map((r) => r.droppedByKernel ?? 0)))
      : "-";
    lines.push(`| ${r0.name} | ${r0.device} | ${sentPps} | ${cap} | ${ratio} | ${drops} |`);
  }
  return lines.join("\n");
}

// ---- main -----------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const started = Date.now();
  const maxSeconds = Number(process.env.BENCH_MAX_SECONDS ?? 900);
  const floodCount = Number(process.env.BENCH_FLOOD_PACKETS ?? 2_000_000);
  const floodSeconds = Number(process.env.BENCH_FLOOD_SECONDS ?? 4);
  const reps = Number(process.env.BENCH_REPS ?? 5);
  let cluster: Cluster | undefined;
  let bench: ThroughputBench | undefined;
  let cleaning: Promise<void> | undefined;
  const cleanup = (): Promise<void> =>
    (cleaning ??= (async () => {
      bench?.destroy();
      await cluster?.destroy();
    })());
  const abort = (why: string, code: number): void => {
    process.stderr.write(`bench:agent: ${why}; cleaning up\n`);
    void cleanup().finally(() => process.exit(code));
  };
  process.on("SIGINT", () => abort("SIGINT", 130));
  process.on("SIGTERM", () => abort("SIGTERM", 143));
  const watchdog = setTimeout(() => abort(`still running after ${maxSeconds} s`, 124), maxSeconds * 1000);

  const out: string[] = [];
  const say = (s: string): void => {
    out.push(s);
    process.stdout.write(s + "\n");
  };
  try {
    say(`# agent benchmark, ${new Date().toISOString()}`);
    say(`machine: nproc ${os.cpus().length}, kernel ${os.release()}, node ${process.version}`);
    const log = (s: string): void =>
      void process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(0)}s] ${s}\n`);

    // 1-3 on the simulated cluster.
    log("building the simulated cluster");
    cluster = await Cluster.create();
    const runs: RunResult[] = [];
    for (const mode of [false, true]) {
      for (const a of AGENTS) {
        log(`VPC_MIRRORING=${mode}, ${a.title}`);
        runs.push(await runOne(cluster, mode, a.key));
      }
    }
    log("vendor filter on eth0, cold start (no warm-up), VPC_MIRRORING=false");
    const cold = await runOne(cluster, false, "vendor-eth0", 0);
    log("feedback loop of the vendor filter as written (5 s, idle)");
    const loop = await feedbackLoop(cluster, 5);

    const nsA = cluster.ns("nA");
    const env = cluster.agentEnv(T.node("A"), false);
    const vendorRaw = vendorFilter(env.PODNET, env.SVCNET);
    const vendorRun = baselineRpcapdFilter(env, true);
    const ours = runs.find((r) => r.agent === "ours")!.filter;
    const bpf = [
      {
        what: "ours: rpcapd -F (selection is done by nft, see docs/agent.md)",
        dev: "eth0",
        note: "same link type (EN10MB) as ehcap0",
        f: ours,
      },
      { what: "vendor filter as written", dev: "eth0", note: "", f: vendorRaw },
      { what: "vendor filter as written", dev: "any", note: "", f: vendorRaw },
      { what: "vendor filter + sensor exclusion (as run here)", dev: "eth0", note: "", f: vendorRun },
      { what: "vendor filter + sensor exclusion (as run here)", dev: "any", note: "", f: vendorRun },
    ].map((b) => ({ ...b, n: bpfInstructionCount(nsA, b.dev, b.f) }));
    await cluster.destroy();
    cluster = undefined;

    say(
      "\n## Exactly-once matrix (cells: delivered once / duplicated (+extra copies) / missed; ⚠ = traffic failed)\n",
    );
    say(
      "Unit: one marked logical packet (request, reply or ICMP error) or, for TCP bulk, one 300 kB stream. " +
        "Each must reach the sensor exactly once. With VPC_MIRRORING=true the sensor's total is the agent's " +
        "copies + 1 mirror copy for each packet of a flow the harness marks `crossesEth` (eth? = yes).",
    );
    for (const mode of [false, true]) {
      say(`\n### VPC_MIRRORING=${mode}\n`);
      say(matrixTable(runs, mode));
    }
    say(
      `\nCold start (vendor filter on eth0, matrix sent as soon as the capture runs, no warm-up; VPC_MIRRORING=false): ` +
        `once / duplicated / missed = ${cell(cold.total)} of ${cold.total.packets}.`,
    );
    const lt = runs.find((r) => r.agent === "vendor-any")?.linkTypes ?? {};
    say(
      `\nLink types received from the vendor filter on any: ${JSON.stringify(lt)} (1 = EN10MB, 113 = LINUX_SLL, 276 = LINUX_SLL2)`,
    );

    say(
      "\n## The baseline's own stream, captured again (vendor filter as written, no sensor exclusion, eth0, 2 s warm-up then 5 s without other traffic)\n",
    );
    say(
      `| frames at the sensor | bytes at the sensor | frames to/from the sensor itself |\n|---|---|---|\n| ${fmt(loop.frames)} | ${fmt(loop.bytes)} | ${fmt(loop.sensorFrames)} |`,
    );

    say("\n## Compiled BPF size (`tcpdump -d -i <dev> '<filter>' | wc -l`, libpcap of tcpdump 4.99 here)\n");
    say("| filter | device | instructions |\n|---|---|---|");
    for (const b of bpf) {
      say(`| ${b.what} | ${b.dev}${b.note ? ` (${b.note})` : ""} | ${b.n} |`);
    }
    say(`\nours: \`${ours}\``);
    say(`\nvendor (PODNET=${env.PODNET}, SVCNET=${env.SVCNET}): \`${vendorRaw}\``);

    // 4. Throughput.
    log("throughput: two namespaces, bounded UDP flood");
    bench = new ThroughputBench();
    bench.setUp();
    const vf = vendorFilter(BENCH_PODNET, BENCH_SVCNET);
    const of = `ip and not (host ${BENCH_SENSOR})`;
    const configs = [
      { name: "no capture (generator alone)" },
      { name: "tcpdump, no filter", device: "vb0" },
      { name: "ours: rpcapd filter only", device: "vb0", filter: of },
      { name: "ours: whole path (entrypoint, VPC_MIRRORING=true: nft dup + rpcapd filter)", agent: true },
      { name: "vendor filter (every packet matches: outbound, saddr > daddr)", device: "vb0", filter: vf },
      { name: "vendor filter on any", device: "any", filter: vf },
    ];
    // Rounds interleave the configurations, so that background load on a shared machine hits all of them alike.
    const rows: ThroughputResult[][] = configs.map(() => []);
    const load0 = os.loadavg();
    for (let i = 0; i < reps; i++) {
      for (const [j, cfg] of configs.entries()) {
        log(`  round ${i + 1}/${reps}: ${cfg.name}`);
        rows[j].push(await bench.measure(cfg, floodCount, 64, floodSeconds));
      }
    }
    const load1 = os.loadavg();
    bench.destroy();
    bench = undefined;
    say(
      `\n## Capture throughput (UDP flood, 64-byte payload, up to ${fmt(floodCount)} packets or ${floodSeconds} s per run, ${reps} interleaved rounds; generator pinned to CPU 0, capture to CPU 1; ` +
        "tcpdump -U -s 0 -w /dev/null in the sender's namespace, as the stand-in's capture)\n",
    );
    say(throughputTable(rows));
    say(
      `\nload average (1 min) before / after the throughput runs: ${load0[0].toFixed(2)} / ${load1[0].toFixed(2)} ` +
        `on ${os.cpus().length} CPUs (anything above ~1 means other work competed for the CPUs).`,
    );
    say(`\nvendor filter here: PODNET=${BENCH_PODNET}, SVCNET=${BENCH_SVCNET}; ours: \`${of}\``);
    say(`\nfinished in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    if (process.env.BENCH_OUT) {
      fs.writeFileSync(process.env.BENCH_OUT, out.join("\n") + "\n");
    }
  } finally {
    clearTimeout(watchdog);
    await cleanup();
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`bench:agent failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
