// Before/after figures of exactly-once on the kernel simulation: every flow class of every layout (VPC CNI
// addressing or custom networking, security groups for pods strict or standard), in both agent modes, with the v1
// agent and filter of git commit 9891d36 ("before": no Fargate sidecar existed) and with this checkout's agent,
// filter and sidecars ("after"). Counts are total copies per marked packet: the agents' and sidecars' streams plus
// AWS's mirror copies (the reconciler's sessions, AWS's rule evaluation over the filter). Also the bytes each side
// delivered (mirror copies per node, agent streams per node) for the matrix's traffic mix. Needs root and the
// simulation's tools, like the tests. Not part of CI.
//
//   node -r ts-node/register/transpile-only harness/sim/exactlyOnceBench.ts [--layouts vpc-cni/standard,...]
//        [--modes false,true] [--agents v1,checkout,image]
// (`image`: the after agent with node A's inside the image built from agent/Dockerfile; not in the default set.)
//
// EHSIM_VERBOSE=1 also prints every flow's line (where wrong copies came from).
import { v1Baseline, V1_COMMIT } from "./baseline";
import { AgentRunner, Capture, Cluster, checkoutMirrorModel, fromMirror } from "./cluster";
import { CapshSidecarRunner } from "./fargate";
import { ImageRunner } from "./image-runner";
import { FlowResult, formatResults, runMatrix, tally } from "./matrix";
import { Layout } from "./topology";

/** v1 = before; checkout = after; image = after, with node A's agent inside the image built from agent/Dockerfile. */
type AgentName = "v1" | "checkout" | "image";
const AGENT_TITLES: Record<AgentName, string> = {
  v1: "before",
  checkout: "after",
  image: "after, node A in the image",
};

interface Run {
  layout: Layout;
  mode: boolean;
  agent: AgentName;
  results: FlowResult[];
  bytes: { mirror: Record<string, number>; agent: Record<string, number> };
  error?: string;
}

const LAYOUTS: Layout[] = [
  { podNetworking: "vpc-cni", sgpp: "standard" },
  { podNetworking: "vpc-cni", sgpp: "strict" },
  { podNetworking: "custom-networking", sgpp: "standard" },
  { podNetworking: "custom-networking", sgpp: "strict" },
];

const layoutName = (l: Layout): string => `${l.podNetworking}/${l.sgpp}`;

function parseArgs(argv: string[]): { layouts: Layout[]; modes: boolean[]; agents: AgentName[] } {
  let layouts = LAYOUTS;
  let modes = [false, true];
  let agents: AgentName[] = ["v1", "checkout"];
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value = ""] = [argv[i], argv[i + 1]];
    if (flag === "--layouts") {
      layouts = value.split(",").map((x) => {
        const l = LAYOUTS.find((y) => layoutName(y) === x);
        if (!l) {
          throw new Error(`unknown layout ${x} (${LAYOUTS.map(layoutName).join(", ")})`);
        }
        return l;
      });
    } else if (flag === "--modes") {
      modes = value.split(",").map((x) => x === "true");
    } else if (flag === "--agents") {
      agents = value.split(",").filter((x): x is AgentName => x in AGENT_TITLES);
    } else {
      throw new Error(`unknown argument ${flag} (--layouts, --modes, --agents)`);
    }
  }
  return { layouts, modes, agents };
}

/** Bytes of IPv4 frames per node: AWS's copies by the node whose ENI they left, the agents' by the sending node. */
function bytesBySide(c: Cluster, cap: Capture): Run["bytes"] {
  const byIp = new Map<string, string>([
    ...c.topology.nodes.map((n) => [n.ip, n.key] as [string, string]),
    ...c.topology.fargatePods.map((f) => [f.ip, f.key] as [string, string]),
  ]);
  const out: Run["bytes"] = { mirror: {}, agent: {} };
  for (const p of cap.packets) {
    const key = fromMirror(p)
      ? p.from.slice("mirror:".length).split("/")[0]
      : (byIp.get(p.from.split("-")[0]) ?? "?");
    const side = fromMirror(p) ? out.mirror : out.agent;
    side[key] = (side[key] ?? 0) + p.frameLength;
  }
  return out;
}

async function runLayout(layout: Layout, modes: boolean[], agents: AgentName[]): Promise<Run[]> {
  const runs: Run[] = [];
  const c = await Cluster.create({ layout });
  const v1 = agents.includes("v1") ? v1Baseline() : undefined;
  let image: ImageRunner | undefined;
  try {
    for (const mode of modes) {
      for (const agent of agents) {
        try {
          if (agent === "v1") {
            c.mirrorModel = v1!.mirrorModel(c.topology);
            const runners = Object.fromEntries(c.topology.nodes.map((n) => [n.key, v1!.runner]));
            await c.startAgents(mode, runners);
          } else {
            c.mirrorModel = checkoutMirrorModel(c.topology);
            const runners: Record<string, AgentRunner> =
              agent === "image" ? { A: (image ??= await ImageRunner.build()) } : {};
            await c.startAgents(mode, runners, {}, { sidecar: new CapshSidecarRunner() });
          }
          const results = await runMatrix(c, mode);
          runs.push({ layout, mode, agent, results, bytes: bytesBySide(c, c.collect()) });
          if (process.env.EHSIM_VERBOSE) {
            process.stderr.write(
              `--- ${layoutName(layout)} VPC_MIRRORING=${mode} ${agent}\n${formatResults(results)}\n`,
            );
          }
        } catch (e) {
          runs.push({
            layout,
            mode,
            agent,
            results: [],
            bytes: { mirror: {}, agent: {} },
            error: (e as Error).message.split("\n")[0],
          });
        } finally {
          await c.stopAgents();
        }
      }
    }
  } finally {
    await c.destroy();
    v1?.dispose();
  }
  return runs;
}

/** A flow class's cell: copies per packet kind of each of its flows, ✗ when not what the design gives. */
function cell(rs: FlowResult[]): string {
  if (rs.length === 0) {
    return "-";
  }
  return rs
    .map((r) => {
      const counts = r.flow.kinds.map((k) => String(Math.round(r.got[k] * 100) / 100)).join("/");
      const good = r.ok && r.flow.kinds.every((k) => Math.round(r.got[k] * 1000) / 1000 === 1);
      return `${counts}${r.ok ? "" : "!"}${good ? "" : " ✗"}`;
    })
    .join(", ");
}

function summary(r: Run | undefined): string {
  if (!r) {
    return "-";
  }
  if (r.error) {
    return `error: ${r.error}`;
  }
  const t = tally(r.results);
  return `${t.once} / ${t.duplicated} / ${t.missed}${t.failed ? ` (${t.failed} failed)` : ""}`;
}

function kb(n: number | undefined): string {
  return n ? (n / 1000).toFixed(1) : "0";
}

async function main(): Promise<void> {
  const { layouts, modes, agents } = parseArgs(process.argv.slice(2));
  const all: Run[] = [];
  for (const l of layouts) {
    process.stderr.write(`running ${layoutName(l)}...\n`);
    all.push(...(await runLayout(l, modes, agents)));
  }
  const find = (l: Layout, mode: boolean, agent: AgentName) =>
    all.find((r) => layoutName(r.layout) === layoutName(l) && r.mode === mode && r.agent === agent);
  const out: string[] = [
    `exactly once on the kernel simulation, before (v1 agent and filter of ${V1_COMMIT}, no sidecar) and after (this checkout)`,
    `Node ${process.version}, ${new Date().toISOString()}; counts are total copies per marked packet (agents + sidecars + AWS mirror copies)`,
    "",
    `| layout | VPC_MIRRORING | packets | ${agents.map((a) => `${AGENT_TITLES[a]}: once / duplicated / missed`).join(" | ")} |`,
    `|---|---|---|${agents.map(() => "---").join("|")}|`,
  ];
  for (const l of layouts) {
    for (const m of modes) {
      const runs = agents.map((a) => find(l, m, a));
      const packets = tally(runs.find((r) => r && r.results.length > 0)?.results ?? []).packets;
      out.push(`| ${layoutName(l)} | ${m} | ${packets} | ${runs.map(summary).join(" | ")} |`);
    }
  }
  for (const l of layouts) {
    out.push("", `### ${layoutName(l)}: copies per flow (req/rsp/err; ✗ = not once)`, "");
    out.push(
      `| flow class | ${modes.flatMap((m) => agents.map((a) => `${AGENT_TITLES[a]}, ${m}`)).join(" | ")} |`,
    );
    out.push(`|---|${modes.flatMap(() => agents.map(() => "---")).join("|")}|`);
    const classes: string[] = [];
    for (const r of all.filter((x) => layoutName(x.layout) === layoutName(l))) {
      for (const f of r.results) {
        if (!classes.includes(f.flow.cls)) {
          classes.push(f.flow.cls);
        }
      }
    }
    for (const cls of classes) {
      const cells = modes.flatMap((m) =>
        agents.map((a) => cell(find(l, m, a)?.results.filter((r) => r.flow.cls === cls) ?? [])),
      );
      out.push(`| ${cls} | ${cells.join(" | ")} |`);
    }
  }
  const sum = (r: Record<string, number> | undefined): number =>
    Object.values(r ?? {}).reduce((a, b) => a + b, 0);
  out.push(
    "",
    "### Bytes delivered for the matrix's traffic mix, all nodes (kB of IPv4 frames)",
    "",
    "| layout | VPC_MIRRORING | AWS mirror copies before | after | agents + sidecars before | after | at the sensor before | after |",
    "|---|---|---|---|---|---|---|---|",
  );
  for (const l of layouts) {
    for (const m of modes) {
      const b = find(l, m, "v1")?.bytes;
      const a = find(l, m, "checkout")?.bytes;
      out.push(
        `| ${layoutName(l)} | ${m} | ${kb(sum(b?.mirror))} | ${kb(sum(a?.mirror))} | ${kb(sum(b?.agent))} | ${kb(sum(a?.agent))} | ` +
          `${kb(sum(b?.mirror) + sum(b?.agent))} | ${kb(sum(a?.mirror) + sum(a?.agent))} |`,
      );
    }
  }
  out.push(
    "",
    "### The same per node (mirror = AWS copies of the node's ENIs, agent = the node's agent or the Fargate pod's sidecar)",
    "",
    "| layout | VPC_MIRRORING | node | mirror before | mirror after | agent before | agent after |",
    "|---|---|---|---|---|---|---|",
  );
  for (const l of layouts) {
    for (const m of modes) {
      const b = find(l, m, "v1")?.bytes;
      const a = find(l, m, "checkout")?.bytes;
      const keys = [
        ...new Set([
          ...Object.keys(b?.mirror ?? {}),
          ...Object.keys(b?.agent ?? {}),
          ...Object.keys(a?.mirror ?? {}),
          ...Object.keys(a?.agent ?? {}),
        ]),
      ].sort();
      for (const k of keys) {
        out.push(
          `| ${layoutName(l)} | ${m} | ${k} | ${kb(b?.mirror[k])} | ${kb(a?.mirror[k])} | ${kb(b?.agent[k])} | ${kb(a?.agent[k])} |`,
        );
      }
    }
  }
  out.push("", "Measured on a 2-core machine shared with other test runs; the counts do not depend on load.");
  process.stdout.write(out.join("\n") + "\n");
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
