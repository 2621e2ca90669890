/**
 * The agent program's entry point (bundled into one file by agent/build.ts, run by Debian's nodejs through
 * agent/entrypoint.sh): validates the environment through the shared contract, then runs the role AGENT_ROLE names.
 * Exit codes: 0 after a graceful stop, 1 when something failed at run time (Kubernetes restarts the container),
 * 2 when the configuration or the container's privileges cannot work (every problem is logged, naming it).
 */
import { AgentEnvError, parseAgentEnv } from "../../components/contract/agentEnv";
import type { AgentSettings } from "../../components/contract/agentEnv";
import { createLogger } from "./log";
import { membershipStarter } from "./membershipBinding";
import { EXIT_CONFIG, runNodeAgent } from "./nodeAgent";
import { runSidecarAgent } from "./sidecarAgent";
import { StopSignals } from "./signals";

/** Set by the bundler: a hash of the program's sources. */
declare const AGENT_BUILD: string | undefined;

async function main(): Promise<number> {
  const signals = new StopSignals();
  signals.install();
  let settings: AgentSettings;
  try {
    settings = parseAgentEnv(process.env);
  } catch (e) {
    const log = createLogger("info", { role: process.env.AGENT_ROLE || "node" });
    if (e instanceof AgentEnvError) {
      for (const p of e.problems) {
        log.error(p);
      }
      return EXIT_CONFIG;
    }
    throw e;
  }
  const log = createLogger(settings.logLevel, { role: settings.role });
  log.info("starting", {
    build: typeof AGENT_BUILD === "string" ? AGENT_BUILD : "source",
    node: process.version,
    sensors: settings.sensors,
    sensorPort: settings.sensorPort,
  });
  const code =
    settings.role === "node"
      ? await runNodeAgent(settings, log, signals, membershipStarter(settings))
      : await runSidecarAgent(settings, log, signals);
  log.info("stopped", { exitCode: code });
  return code;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    createLogger().error("the agent failed", {
      error: e instanceof Error ? (e.stack ?? e.message) : String(e),
    });
    process.exit(1);
  },
);
