// Which agent runs on the simulated nodes: the one in this checkout (started the way the VPC simulation starts
// it, so that a change to how the agent is launched there applies here too), or the v1 agent as it was at a given
// commit (its shell files extracted from git into a temporary directory), for before/after figures.
import { execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { AgentHandle, AgentRunner, childHandle, REPO_ROOT, ScriptRunner } from "../cluster";

/** The commit whose agent gives the "before" figures (the first release's agent). */
export const V1_AGENT_COMMIT = "9891d36";

/** An agent to run, with a label for tables. */
export interface AgentUnderTest {
  /** Short label: "v1@9891d36", "checkout". */
  label: string;
  runner: AgentRunner;
  /** Environment added to every agent's (e.g. AGENT_PROGRAM for a prebuilt bundle). */
  env?: Record<string, string>;
  /** Removes whatever was extracted for it. */
  dispose(): void;
}

/** The agent of this checkout, started as the VPC simulation starts it. */
export function checkoutAgent(): AgentUnderTest {
  return { label: "checkout", runner: new ScriptRunner(), dispose: () => undefined };
}

/**
 * A prebuilt agent program (a bundle made by agent/build.ts, e.g. from a patched copy of agent/src) started
 * through this checkout's entrypoint, to compare a candidate change with the checkout on the same clusters.
 */
export function prebuiltAgent(label: string, program: string): AgentUnderTest {
  if (!fs.existsSync(program)) {
    throw new Error(`no agent program at ${program}`);
  }
  return {
    label,
    runner: new ScriptRunner(),
    env: { AGENT_PROGRAM: path.resolve(program) },
    dispose: () => undefined,
  };
}

/** The shell agent (entrypoint.sh and the files it sources) as it was at `commit`, run with /bin/sh. */
export function agentAtCommit(commit: string = V1_AGENT_COMMIT): AgentUnderTest {
  const files = execFileSync("git", ["-C", REPO_ROOT, "ls-tree", "--name-only", `${commit}:agent/`], {
    encoding: "utf8",
  })
    .split("\n")
    .filter((f) => f.endsWith(".sh"));
  if (!files.includes("entrypoint.sh")) {
    throw new Error(`commit ${commit} has no agent/entrypoint.sh`);
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `ehagent-${commit}-`));
  for (const f of files) {
    const text = execFileSync("git", ["-C", REPO_ROOT, "show", `${commit}:agent/${f}`], { encoding: "utf8" });
    fs.writeFileSync(path.join(dir, f), text, { mode: 0o755 });
  }
  return {
    label: `v1@${commit}`,
    runner: new ShellAgentRunner(path.join(dir, "entrypoint.sh")),
    dispose: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * Runs a self-contained shell agent (v1: entrypoint.sh and the files next to it) with /bin/sh under
 * `ip netns exec`, as the VPC simulation's ScriptRunner did before the agent became a program: nothing of this
 * checkout's agent is built or needed for it.
 */
class ShellAgentRunner implements AgentRunner {
  readonly description: string;
  constructor(private readonly entrypoint: string) {
    this.description = `${entrypoint} under ip netns exec`;
  }

  async start(o: {
    netns: string;
    env: Record<string, string>;
    stateDir: string;
    logFile: string;
  }): Promise<AgentHandle> {
    const fd = fs.openSync(o.logFile, "a");
    const child = spawn("ip", ["netns", "exec", o.netns, "/bin/sh", this.entrypoint], {
      env: {
        PATH: process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin",
        ...o.env,
        STATE_DIR: o.stateDir,
        READY_FILE: path.join(o.stateDir, "ready"),
      },
      stdio: ["ignore", fd, fd],
    });
    fs.closeSync(fd);
    return childHandle(child, o.stateDir);
  }
}
