// The "before" of the exactly-once figures: the v1 agent (its shell files) and the v1 mirror filter (both
// directions, dedup by `mirroredOnlyCidrs`) exactly as they were at git commit 9891d36, extracted from git into a
// temporary directory. The agent runs through the same runner as the checkout's; the filter module is bundled with
// esbuild from its own sources and loaded, so nothing of it is re-typed here. The agent extraction follows
// harness/sim/overlay/agents.ts (agentAtCommit).
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { MirrorFilterRuleSpec, MirrorNetworkService } from "../../components/mirror/filterRules";
import { AgentRunner, REPO_ROOT, ScriptRunner } from "./cluster";
import type { MirrorModel } from "./cluster";
import { AMAZON_DNS_IP, SENSOR_IP, SENSOR_PORT, SimTopology } from "./topology";

/** The commit whose agent and filter give the "before" figures (the first release's). */
export const V1_COMMIT = "9891d36";

function gitShow(commit: string, file: string): string {
  return execFileSync("git", ["-C", REPO_ROOT, "show", `${commit}:${file}`], { encoding: "utf8" });
}

/** The v1 agent and filter, extracted; `dispose` removes them. */
export interface V1Baseline {
  /** Starts the v1 entrypoint (agent/*.sh of the commit) with /bin/sh. */
  runner: AgentRunner;
  /** The v1 filter for a topology, as v1's docs told users to configure it. */
  mirrorModel(t: SimTopology): MirrorModel;
  /** Removes the extracted files. */
  dispose(): void;
}

interface V1FilterModule {
  planMirrorFilter(inputs: {
    vpcCidrs: string[];
    sensorIps: string[];
    sensorPort: number;
    mirroredOnlyCidrs?: string[];
  }): {
    rules: MirrorFilterRuleSpec[];
    networkServices: MirrorNetworkService[];
    dedup: string;
    budget: string;
  };
}

/** Extracts the v1 agent and filter from `commit`. */
export function v1Baseline(commit: string = V1_COMMIT): V1Baseline {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `ehv1-${commit}-`));
  const agentDir = path.join(dir, "agent");
  fs.mkdirSync(agentDir);
  const shells = execFileSync("git", ["-C", REPO_ROOT, "ls-tree", "--name-only", `${commit}:agent/`], {
    encoding: "utf8",
  })
    .split("\n")
    .filter((f) => f.endsWith(".sh"));
  if (!shells.includes("entrypoint.sh")) {
    throw new Error(`commit ${commit} has no agent/entrypoint.sh`);
  }
  for (const f of shells) {
    fs.writeFileSync(path.join(agentDir, f), gitShow(commit, `agent/${f}`), { mode: 0o755 });
  }
  // The filter module and the CIDR helpers it imports, in their own layout.
  for (const f of ["components/mirror/filterRules.ts", "components/cidr.ts"]) {
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    fs.writeFileSync(path.join(dir, f), gitShow(commit, f));
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const esbuild = require("esbuild") as typeof import("esbuild");
  const bundle = path.join(dir, "filterRules.js");
  esbuild.buildSync({
    entryPoints: [path.join(dir, "components/mirror/filterRules.ts")],
    outfile: bundle,
    platform: "node",
    bundle: true,
    format: "cjs",
    // Its one dependency (ipaddr.js) comes from this checkout's node_modules.
    nodePaths: [path.join(REPO_ROOT, "node_modules")],
    logLevel: "silent",
  });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const filter = require(bundle) as V1FilterModule;
  return {
    runner: new ScriptRunner(path.join(agentDir, "entrypoint.sh")),
    mirrorModel(t: SimTopology): MirrorModel {
      // v1's docs: declare custom-networking pod subnets mirrored-only; with pods in the node subnets, nothing.
      const custom = t.layout.podNetworking === "custom-networking";
      const plan = filter.planMirrorFilter({
        vpcCidrs: t.vpcCidrs,
        sensorIps: [SENSOR_IP],
        sensorPort: SENSOR_PORT,
        ...(custom ? { mirroredOnlyCidrs: t.podCidrs } : {}),
      });
      return {
        label: `v1@${commit} filter (${plan.dedup}, ${plan.budget} rules)`,
        filter: plan,
        amazonDnsIps: [AMAZON_DNS_IP, "169.254.169.253"],
      };
    },
    dispose: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}
