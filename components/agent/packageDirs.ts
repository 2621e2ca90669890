/**
 * Where the agent's build context comes from: the `agent/` folder shipped with this package (next to `components/`
 * in a checkout, next to `dist/` in the npm package), and where contexts are staged before the image build.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** The folders an image build needs. */
export interface AgentBuildDirs {
  /** The package's `agent/` folder (Dockerfile, entrypoint, program). */
  agentDir: string;
  /** Where build contexts are staged, one folder per content hash. */
  stagingRoot: string;
}

/** Finds `agent/Dockerfile` above this module (source checkout or installed package). */
export function agentBuildDirs(): AgentBuildDirs {
  let dir = __dirname;
  for (let i = 0; i < 5; i++) {
    const candidate = path.join(dir, "agent");
    if (fs.existsSync(path.join(candidate, "Dockerfile"))) {
      return {
        agentDir: candidate,
        stagingRoot: path.join(os.tmpdir(), "pod-packet-forwarding", "agent-context"),
      };
    }
    dir = path.dirname(dir);
  }
  throw new Error(`cannot find the agent build context (agent/Dockerfile) above ${__dirname}`);
}
