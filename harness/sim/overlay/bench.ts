// Full per-flow tables of the overlay datapaths: every flow of the matrix, on every datapath, with the v1 agent
// (the "before" figures, from git) and with the agent of this checkout (the "after"), VPC_MIRRORING=false.
// Prints, per datapath, one line per flow with the copies each agent delivered, then a summary
// (once / duplicated / missed per agent). Needs root and the simulation's tools, like the tests.
//
//   node -r ts-node/register/transpile-only harness/sim/overlay/bench.ts [datapath ...] [--agents v1,checkout]
//        [--program <label>=<agent.js>]   (also a prebuilt bundle through this checkout's entrypoint)
//
// EHSIM_VERBOSE=1 also prints where every wrong copy came from.
import { agentAtCommit, AgentUnderTest, checkoutAgent, prebuiltAgent, V1_AGENT_COMMIT } from "./agents";
import { OverlayCluster } from "./cluster";
import {
  describeCopies,
  exactlyOnce,
  flowTitle,
  OverlayFlowResult,
  overlayFlows,
  runFlows,
  tally,
} from "./flows";
import { DATAPATHS, DatapathName } from "./topology";

interface Run {
  datapath: DatapathName;
  agent: string;
  /** The program's build id, when the agent logs one (the checkout's agent does; v1 does not). */
  build?: string;
  results: OverlayFlowResult[];
  error?: string;
}

function parseArgs(argv: string[]): { datapaths: DatapathName[]; agents: string[]; programs: string[] } {
  const datapaths: DatapathName[] = [];
  let agents = ["v1", "checkout"];
  const programs: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--agents") {
      agents = (argv[++i] ?? "").split(",").filter((x) => x !== "");
    } else if (argv[i] === "--program") {
      programs.push(argv[++i] ?? "");
    } else if ((DATAPATHS as readonly string[]).includes(argv[i])) {
      datapaths.push(argv[i] as DatapathName);
    } else {
      throw new Error(
        `unknown argument ${argv[i]} (datapaths: ${DATAPATHS.join(", ")}; --agents v1,checkout; --program label=file)`,
      );
    }
  }
  return { datapaths: datapaths.length > 0 ? datapaths : [...DATAPATHS], agents, programs };
}

function cell(r: OverlayFlowResult | undefined): string {
  if (!r) {
    return "-";
  }
  const counts = r.flow.kinds
    .map((k) => `${r.got[k]}${r.outer[k] > 0 ? `(${r.outer[k]} outer)` : ""}`)
    .join("/");
  return `${counts}${r.ok ? "" : " (traffic failed)"}${exactlyOnce(r) ? "" : " ✗"}`;
}

async function runDatapath(d: DatapathName, agents: AgentUnderTest[]): Promise<Run[]> {
  const runs: Run[] = [];
  const cluster = await OverlayCluster.create(d);
  try {
    for (const a of agents) {
      try {
        await cluster.startAgents(a.runner, a.env);
        const results = await runFlows(cluster, overlayFlows(cluster.topology));
        const build = /"build":"([0-9a-f]+)"/.exec(cluster.readLog("A"))?.[1];
        runs.push({ datapath: d, agent: a.label, build, results });
      } catch (e) {
        runs.push({ datapath: d, agent: a.label, results: [], error: (e as Error).message.split("\n")[0] });
      } finally {
        await cluster.stopAgents();
      }
    }
  } finally {
    await cluster.destroy();
  }
  return runs;
}

function printDatapath(d: DatapathName, runs: Run[]): void {
  const labels = runs.map((r) => r.agent);
  process.stdout.write(`\n### ${d}\n\n`);
  process.stdout.write(
    `| flow | marked packets | ${labels.join(" | ")} |\n|---|---|${labels.map(() => "---|").join("")}\n`,
  );
  const base = runs.find((r) => r.results.length > 0)?.results ?? [];
  base.forEach((b, i) => {
    const cells = runs.map((r) => cell(r.results[i]));
    process.stdout.write(`| ${flowTitle(b.flow)} | ${b.flow.kinds.join("/")} | ${cells.join(" | ")} |\n`);
  });
  for (const r of runs) {
    if (r.build) {
      process.stdout.write(`\n${r.agent}: agent build ${r.build}\n`);
    }
    if (r.error) {
      process.stdout.write(`\n${r.agent}: did not run: ${r.error}\n`);
    }
    if (process.env.EHSIM_VERBOSE) {
      for (const x of r.results.filter((y) => !exactlyOnce(y))) {
        process.stdout.write(`  ${r.agent}: ${flowTitle(x.flow)}: ${describeCopies(x)}\n`);
      }
    }
  }
}

async function main(): Promise<void> {
  const { datapaths, agents: wanted, programs } = parseArgs(process.argv.slice(2));
  const agents: AgentUnderTest[] = [
    ...wanted.map((w) => {
      if (w === "v1") {
        return agentAtCommit(V1_AGENT_COMMIT);
      }
      if (w === "checkout") {
        return checkoutAgent();
      }
      throw new Error(`unknown agent ${w} (v1, checkout)`);
    }),
    ...programs.map((p) => {
      const [label, file] = p.split("=");
      if (!label || !file) {
        throw new Error(`--program needs <label>=<agent.js>, got ${p}`);
      }
      return prebuiltAgent(label, file);
    }),
  ];
  const all: Run[] = [];
  const started = Date.now();
  try {
    process.stdout.write(
      `overlay datapaths, flow matrix, VPC_MIRRORING=false; Node ${process.version}; ${new Date().toISOString()}\n` +
        "cells: copies the sensor received of each marked packet (req/rsp or req/err; bulk: the marked first segment and its answer), " +
        "(n outer) = of which n were the encapsulation between nodes instead of the packet; ✗ = not exactly once\n",
    );
    for (const d of datapaths) {
      const runs = await runDatapath(d, agents);
      printDatapath(d, runs);
      all.push(...runs);
    }
  } finally {
    agents.forEach((a) => a.dispose());
  }
  process.stdout.write(`\n### Summary (marked packets: once / duplicated / missed)\n\n`);
  process.stdout.write(`| datapath | ${agents.map((a) => a.label).join(" | ")} |\n`);
  process.stdout.write(`|---|${agents.map(() => "---|").join("")}\n`);
  for (const d of datapaths) {
    const cells = agents.map((a) => {
      const r = all.find((x) => x.datapath === d && x.agent === a.label);
      if (!r || r.error) {
        return "did not run";
      }
      const t = tally(r.results);
      return `${t.once} / ${t.duplicated} / ${t.missed} of ${t.once + t.duplicated + t.missed}`;
    });
    process.stdout.write(`| ${d} | ${cells.join(" | ")} |\n`);
  }
  process.stdout.write(
    `\n${((Date.now() - started) / 1000).toFixed(0)} s in all; measured on a shared 2-core machine (figures are counts, not timings).\n`,
  );
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
