// Membership at scale, today's implementation beside the typed program, measured the same way:
// a fake Kubernetes API (bench/membership/fakeApiProcess.ts) with N nodes x 30 pods, one node's agent run as a
// separate process in a network namespace with a real nft table, pod churn at a fixed rate, and an independent
// observer (`nft monitor` in that namespace) timing each change from the API's commit to the kernel set.
// Figures: CPU seconds of the agent's process tree (from /proc), peak memory, event-to-kernel latency, API requests.
//
//   npm run bench:membership -- [--sizes 1000,5000] [--old-sizes 1000] [--duration 60] [--rate 10] [--settle 20]
//                               [--node host|debian18] [--node-flags "--max-semi-space-size=1"]
// --node debian18 runs the typed program with Debian 12's nodejs 18, as the image does (fetched with apt-get
// download, see membership/debianNode.ts); the default is the node running this script.
//
// "today" is agent/members.sh and what it needs, extracted from commit 9891d36 and driven against the same fake
// API (curl, jq and nft). Needs root (network namespaces), nft, curl, jq.
import { ChildProcess, execFileSync, spawn } from "child_process";
import * as esbuild from "esbuild";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { renderSetDeclaration, SET_NAMES } from "../agent/src/membership/sets";
import type { ChurnRecord } from "../harness/kube/churn";
import { debianNode18 } from "./membership/debianNode";
import { commandName, cpuSeconds, memoryMb, processTree, treeCpuSeconds } from "./membership/procfs";
import { SetObserver } from "./membership/setObserver";

const REPO = path.resolve(__dirname, "..");
const OLD_COMMIT = "9891d36";
const TABLE = "extrahop_rpcapd";
const PODS_PER_NODE = 30;

interface Options {
  sizes: number[];
  oldSizes: number[];
  durationS: number;
  rate: number;
  nodeFlags: string[];
  node: "host" | "debian18";
  settleS: number;
}

function parseArgs(argv: string[]): Options {
  const o: Options = {
    sizes: [1000, 5000],
    oldSizes: [1000],
    durationS: 60,
    rate: 10,
    nodeFlags: [],
    node: "host",
    settleS: 20,
  };
  for (let i = 0; i < argv.length; i += 2) {
    const v = argv[i + 1] ?? "";
    const list = (): number[] => (v === "" || v === "none" ? [] : v.split(",").map(Number));
    if (argv[i] === "--sizes") {
      o.sizes = list();
    } else if (argv[i] === "--old-sizes") {
      o.oldSizes = list();
    } else if (argv[i] === "--duration") {
      o.durationS = Number(v);
    } else if (argv[i] === "--rate") {
      o.rate = Number(v);
    } else if (argv[i] === "--settle") {
      o.settleS = Number(v);
    } else if (argv[i] === "--node") {
      if (v !== "host" && v !== "debian18") {
        throw new Error("--node is host or debian18");
      }
      o.node = v;
    } else if (argv[i] === "--node-flags") {
      o.nodeFlags = v.split(" ").filter((f) => f !== "");
    } else {
      throw new Error(`unknown argument ${argv[i]}`);
    }
  }
  return o;
}

type Impl = "today" | "typed";

interface Result {
  impl: Impl;
  nodes: number;
  pods: number;
  firstSyncS: number;
  syncCpuS: number;
  churnCpuS: number;
  churnNftCpuS?: number;
  steadyPct: number;
  rssMb: number;
  rssNote: string;
  privateMb: number;
  nftRssMb?: number;
  stateDirMb?: number;
  p50?: number;
  p99?: number;
  reflected: string;
  lists: string;
  watches: number;
  requests: Record<string, number>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitUntil(cond: () => boolean, limitMs: number): Promise<boolean> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > limitMs) {
      return false;
    }
    await sleep(50);
  }
  return true;
}

function message<T>(child: ChildProcess, type: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: { type: string }): void => {
      if (m.type === type) {
        child.off("message", onMessage);
        resolve(m as T);
      }
    };
    child.on("message", onMessage);
    child.once("exit", (code) => reject(new Error(`fake API exited (${code}) before '${type}'`)));
  });
}

function percentile(values: number[], p: number): number | undefined {
  if (values.length === 0) {
    return undefined;
  }
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}

/** The typed program, bundled like the agent (one file for Node). */
function bundleTyped(dir: string): string {
  const out = path.join(dir, "membership.js");
  esbuild.buildSync({
    entryPoints: [path.join(REPO, "agent/src/membership/standalone.ts")],
    outfile: out,
    bundle: true,
    platform: "node",
    target: "node18",
    logLevel: "warning",
  });
  return out;
}

/** Today's membership sync: members.sh and the two helpers it uses, from git, with a driver like the entrypoint's. */
function extractToday(dir: string): string {
  const show = (f: string): string =>
    execFileSync("git", ["-C", REPO, "show", `${OLD_COMMIT}:agent/${f}`], { encoding: "utf8" });
  fs.writeFileSync(path.join(dir, "members.sh"), show("members.sh"));
  fs.writeFileSync(path.join(dir, "entrypoint.sh"), show("entrypoint.sh"));
  fs.writeFileSync(path.join(dir, "netfilter.sh"), show("netfilter.sh"));
  const driver = path.join(dir, "drive-members.sh");
  fs.writeFileSync(
    driver,
    [
      "#!/bin/sh",
      "# Drives today's membership sync as entrypoint.sh does with VPC_MIRRORING=false: first sync, then the loop.",
      "set -eu",
      "umask 077",
      'D=$(dirname "$0")',
      `eval "$(sed -n '/^log() {/p' "$D/entrypoint.sh")"`,
      `eval "$(sed -n '/^comma_join() {/,/^}/p' "$D/netfilter.sh")"`,
      "# shellcheck source=/dev/null",
      '. "$D/members.sh"',
      'mkdir -p "$STATE_DIR"',
      "until members_sync_once; do sleep 2; done",
      "members_loop",
      "",
    ].join("\n"),
  );
  return driver;
}

function tableFor(impl: Impl): string {
  if (impl === "typed") {
    return `table ip ${TABLE} {\n${SET_NAMES.map(renderSetDeclaration).join("\n")}\n}\n`;
  }
  // The two sets today's ruleset declares (agent/netfilter.sh at the same commit).
  return `table ip ${TABLE} {\n\tset local4 {\n\t\ttype ipv4_addr\n\t}\n\tset members4 {\n\t\ttype ipv4_addr\n\t}\n}\n`;
}

function dirBytes(dir: string): number {
  let sum = 0;
  try {
    for (const f of fs.readdirSync(dir)) {
      sum += fs.statSync(path.join(dir, f)).size;
    }
  } catch {
    // Not created yet.
  }
  return sum;
}

async function runOne(impl: Impl, nodes: number, o: Options, work: string): Promise<Result> {
  const ns = `ppfbench-${process.pid}-${impl}-${nodes}`;
  const dir = fs.mkdtempSync(path.join(work, `${impl}-${nodes}-`));
  const tokenFile = path.join(dir, "token");
  fs.writeFileSync(tokenFile, "bench-token");
  execFileSync("ip", ["netns", "add", ns]);
  let fake: ChildProcess | undefined;
  let agent: ChildProcess | undefined;
  let observer: SetObserver | undefined;
  let sampler: NodeJS.Timeout | undefined;
  try {
    execFileSync("ip", ["-n", ns, "link", "set", "lo", "up"]);
    execFileSync("ip", ["netns", "exec", ns, "nft", "-f", "-"], { input: tableFor(impl) });
    fake = spawn(
      "ip",
      [
        "netns",
        "exec",
        ns,
        process.execPath,
        "-r",
        "ts-node/register/transpile-only",
        "bench/membership/fakeApiProcess.ts",
      ],
      {
        cwd: REPO,
        stdio: ["ignore", "inherit", "inherit", "ipc"],
        env: {
          ...process.env,
          BENCH_NODES: String(nodes),
          BENCH_PODS_PER_NODE: String(PODS_PER_NODE),
          BENCH_TOKEN: "bench-token",
        },
      },
    );
    const ready = await message<{ url: string; nodes: { name: string; ip: string }[]; pods: number }>(
      fake,
      "ready",
    );
    observer = new SetObserver(ns, TABLE, impl === "typed" ? "covered4" : "members4");
    await sleep(300);
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      KUBE_API_URL: ready.url,
      KUBE_TOKEN_FILE: tokenFile,
      KUBE_CA_FILE: path.join(dir, "no-ca.crt"),
      NODE_NAME: ready.nodes[0].name,
      AGENT_NAMESPACE: "extrahop",
      AGENT_SELECTOR: "component=extrahop-rpcapd",
    };
    const log = fs.openSync(path.join(dir, "agent.log"), "w");
    const stateDir = path.join("/dev/shm", `ppfbench-${process.pid}-${nodes}`);
    if (impl === "typed") {
      const bundle = bundleTyped(dir);
      const node = o.node === "debian18" ? debianNode18() : [process.execPath];
      agent = spawn("ip", ["netns", "exec", ns, ...node, ...o.nodeFlags, bundle], {
        env,
        stdio: ["ignore", "ignore", log],
      });
    } else {
      const driver = extractToday(dir);
      agent = spawn("ip", ["netns", "exec", ns, "sh", driver], {
        env: {
          ...env,
          POD_VETH_PREFIXES: "eni vlan",
          PODNETS: "10.0.0.0/8",
          CAPTURE_ADDR: "169.254.255.1",
          NFT_TABLE: TABLE,
          // The DaemonSet's /tmp is an in-memory emptyDir: keep the state in memory here too.
          STATE_DIR: stateDir,
          MEMBER_SYNC: "watch",
          MEMBER_SYNC_INTERVAL: "5",
          WATCH_TIMEOUT: "300",
        },
        stdio: ["ignore", "ignore", log],
        detached: true,
      });
    }
    const root = agent.pid as number;
    const t0 = Date.now();
    let rssPeak = 0;
    let privatePeak = 0;
    let statePeak = 0;
    sampler = setInterval(() => {
      const tree = processTree(root);
      rssPeak = Math.max(
        rssPeak,
        tree.reduce((sum, p) => sum + memoryMb(p, "VmRSS"), 0),
      );
      // The program's own memory: what is not mapped from files (the node binary and its libraries are).
      const own = tree.filter((p) => commandName(p) !== "nft");
      privatePeak = Math.max(
        privatePeak,
        own.reduce((sum, p) => sum + memoryMb(p, "RssAnon"), 0),
      );
      statePeak = Math.max(statePeak, dirBytes(stateDir));
    }, 200);
    const expected = nodes + nodes * PODS_PER_NODE;
    const obs = observer;
    if (!(await waitUntil(() => obs.elements.size >= expected, 60 * 60_000))) {
      throw new Error(`${impl} never reached ${expected} members`);
    }
    const firstSyncS = (obs.transactions[obs.transactions.length - 1].time - t0) / 1000;
    const syncCpuS = treeCpuSeconds(root);
    // Steady state: let the work that follows the first sync (garbage collection of the list's objects) finish.
    await sleep(o.settleS * 1000);
    const settledCpuS = treeCpuSeconds(root);
    // The typed program's nft session is one long-lived child: its share is measured on its own.
    const nftAtStart = processTree(root).find((p) => commandName(p) === "nft");
    const nftCpuAtStart = nftAtStart ? cpuSeconds(nftAtStart) : 0;
    const churnStarted = message<{ records: ChurnRecord[] }>(fake, "churned");
    fake.send({
      type: "churn",
      ratePerSecond: o.rate,
      durationMs: o.durationS * 1000,
      seed: 42,
      nodeUpdatesPerSecond: nodes / 300,
    });
    const { records } = await churnStarted;
    const churnCpuS = treeCpuSeconds(root) - settledCpuS;
    const nftNow = processTree(root).find((p) => commandName(p) === "nft");
    const churnNftCpuS =
      impl === "typed" && nftNow === nftAtStart && nftNow ? cpuSeconds(nftNow) - nftCpuAtStart : undefined;
    const kernelChanges = records.filter((r) => r.op !== "update");
    const latencyOf = (r: ChurnRecord): number | undefined => obs.latency(r.ip, r.op === "create", r.time);
    await waitUntil(
      () => kernelChanges.every((r) => latencyOf(r) !== undefined),
      impl === "typed" ? 30_000 : 180_000,
    );
    const latencies = kernelChanges.map(latencyOf).filter((x): x is number => x !== undefined);
    const tree = processTree(root);
    const nftPid = tree.find((p) => commandName(p) === "nft");
    const counters = await (async () => {
      const reply = message<{ byResource: Record<string, Record<string, number>> }>(fake, "counters");
      fake.send({ type: "counters" });
      return (await reply).byResource;
    })();
    const all: Record<string, number> = {};
    for (const byVerb of Object.values(counters)) {
      for (const [verb, n] of Object.entries(byVerb)) {
        all[verb] = (all[verb] ?? 0) + n;
      }
    }
    const result: Result = {
      impl,
      nodes,
      pods: ready.pods,
      firstSyncS,
      syncCpuS,
      churnCpuS,
      churnNftCpuS,
      steadyPct: (100 * churnCpuS) / o.durationS,
      rssMb: impl === "typed" ? memoryMb(root, "VmHWM") : rssPeak,
      rssNote: impl === "typed" ? "VmHWM" : "sampled tree",
      privateMb: privatePeak,
      nftRssMb: nftPid ? memoryMb(nftPid, "VmHWM") : undefined,
      stateDirMb: impl === "today" ? statePeak / 1024 / 1024 : undefined,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      reflected: `${latencies.length}/${kernelChanges.length}`,
      lists: `${counters.pods?.list ?? 0} pods + ${counters.nodes?.list ?? 0} nodes`,
      watches: all.watch ?? 0,
      requests: all,
    };
    clearInterval(sampler);
    sampler = undefined;
    fs.rmSync(stateDir, { recursive: true, force: true });
    return result;
  } finally {
    clearInterval(sampler);
    if (agent?.pid) {
      try {
        if (impl === "today") {
          process.kill(-agent.pid, "SIGKILL");
        } else {
          process.kill(agent.pid, "SIGTERM");
        }
      } catch {
        // Already gone.
      }
    }
    observer?.stop();
    if (fake?.connected) {
      fake.send({ type: "exit" });
      await new Promise((r) => fake?.once("exit", r));
    }
    await sleep(200);
    execFileSync("ip", ["netns", "delete", ns]);
  }
}

const fmt = (v: number | undefined, digits = 1): string => (v === undefined ? "-" : v.toFixed(digits));

function printTable(results: Result[], o: Options): void {
  console.log(
    `\nmembership of one node agent, ${PODS_PER_NODE} pods per node, churn ${o.rate} pod changes/s for ${o.durationS} s` +
      ` (40 % create, 40 % delete, 20 % update; plus node status updates, one per node per 5 min), ` +
      `starting ${o.settleS} s after the first sync`,
  );
  console.log(
    "| implementation | nodes | pods | first sync (s) | CPU to first sync (s) | CPU during churn (s), of which nft | steady CPU (% of a core) | peak RSS (MB) | peak private (MB) | nft RSS (MB) | state files (MB) | event-to-kernel p50 / p99 (ms) | changes reflected | list requests | watch requests |",
  );
  console.log("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|");
  for (const r of results) {
    console.log(
      `| ${r.impl === "typed" ? "typed program" : `today (members.sh @ ${OLD_COMMIT})`} | ${r.nodes} | ${r.pods} | ${fmt(r.firstSyncS)} | ${fmt(r.syncCpuS)} | ${fmt(r.churnCpuS, 2)}${r.churnNftCpuS === undefined ? "" : `, ${fmt(r.churnNftCpuS, 2)}`} | ${fmt(r.steadyPct)} | ${fmt(r.rssMb, 0)} (${r.rssNote}) | ${fmt(r.privateMb, 0)} | ${fmt(r.nftRssMb, 0)} | ${fmt(r.stateDirMb, 0)} | ${fmt(r.p50, 0)} / ${fmt(r.p99, 0)} | ${r.reflected} | ${r.lists} | ${r.watches} |`,
    );
  }
  console.log(
    `\nTyped program: esbuild bundle of agent/src/membership/standalone.ts run by ` +
      `${o.node === "debian18" ? "Debian 12's nodejs 18 (as in the image)" : `node ${process.version}`}` +
      `${o.nodeFlags.length > 0 ? ` with ${o.nodeFlags.join(" ")}` : ""}; peak private = RssAnon (the node binary and ` +
      `its libraries, about 35 MB of VmHWM, are file pages shared with every other node process). ` +
      `${os.cpus().length} cores, ${os.cpus()[0]?.model ?? ""}; kernel ${os.release()}; ${new Date().toISOString()}. ` +
      "The CPU is shared with other work on this machine: figures are indicative; " +
      "targets: < 3 % steady CPU, < 64 MB RSS, p99 < 1 s, one list per (re)connect.",
  );
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  if (process.getuid?.() !== 0) {
    throw new Error("bench:membership needs root (network namespaces, nft)");
  }
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "bench-membership-"));
  const results: Result[] = [];
  try {
    for (const nodes of [...new Set([...o.sizes, ...o.oldSizes])].sort((a, b) => a - b)) {
      for (const impl of ["typed", "today"] as const) {
        if ((impl === "typed" ? o.sizes : o.oldSizes).includes(nodes)) {
          console.error(`${impl === "typed" ? "typed program" : "today's members.sh"}, ${nodes} nodes ...`);
          const r = await runOne(impl, nodes, o, work);
          // Each result as soon as it exists: a later size may take long or fail.
          console.error(JSON.stringify(r));
          results.push(r);
        }
      }
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  printTable(results, o);
  console.log(JSON.stringify(results));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
