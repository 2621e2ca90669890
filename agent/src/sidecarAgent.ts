/**
 * The Fargate capture sidecar (AGENT_ROLE=sidecar): a container in the workload's pod, with the capabilities Fargate
 * allows (no NET_ADMIN, no host network). No nft, no capture device: rpcapd captures the pod's own interface with a
 * filter that is the whole selection (rpcapd/filters.ts): every IPv4 packet the pod sends or receives, except the
 * sensors' and what another Fargate pod sent it. Node agents count the pod as covered while this container is ready,
 * so they do not report its packets again. Same supervision, watchdog and endpoint as the node agent.
 */
import * as fs from "fs";
import type { SidecarAgentSettings } from "../../components/contract/agentEnv";
import { CAP_NET_RAW, missingCapabilities, ownStatus } from "./capabilities";
import { Heartbeat, Readiness } from "./health";
import type { Logger } from "./log";
import { commonFamilies } from "./metrics/agentMetrics";
import { renderExposition } from "./metrics/exposition";
import { startEndpointRetrying } from "./metrics/server";
import { EXIT_CONFIG } from "./nodeAgent";
import { sidecarCaptureFilter } from "./rpcapd/filters";
import type { StopSignals } from "./signals";
import { superviseRpcapd, SupervisorView } from "./supervisor";

/** Runs the sidecar until it must stop; resolves with the process exit code. */
export async function runSidecarAgent(
  s: SidecarAgentSettings,
  log: Logger,
  signals: StopSignals,
): Promise<number> {
  const missing = missingCapabilities(ownStatus(), [CAP_NET_RAW]);
  if (missing.length > 0) {
    log.error(
      "capability NET_RAW is missing: rpcapd cannot open its packet socket (keep NET_RAW in the sidecar's " +
        "securityContext; whether Fargate grants it is unverified)",
      { missing },
    );
    return EXIT_CONFIG;
  }
  try {
    fs.accessSync(s.rpcapdBin, fs.constants.X_OK);
  } catch {
    log.error(`RPCAPD_BIN: "${s.rpcapdBin}" is not an executable file`);
    return EXIT_CONFIG;
  }
  const heartbeat = new Heartbeat();
  const readiness = new Readiness(s.readyFile);
  readiness.clear();
  const view: { current?: SupervisorView } = {};
  const filter = sidecarCaptureFilter(s.sensors, s.podIp, s.fargateCidrs);
  log.info(`sidecar capturing ${s.podInterface} of pod ${s.podIp}`, {
    device: s.podInterface,
    podIp: s.podIp,
    fargateCidrs: s.fargateCidrs,
  });
  const server =
    s.metricsPort > 0
      ? startEndpointRetrying(
          s.metricsPort,
          {
            health: () => heartbeat.verdict(),
            ready: () => readiness.verdict(),
            metrics: async () =>
              renderExposition(
                commonFamilies({
                  info: { role: "sidecar" },
                  ready: readiness.isReady(),
                  heartbeatAgeMs: heartbeat.ageMs(),
                  sensors: view.current?.sensors() ?? [],
                }),
              ),
          },
          (e, attempt) => {
            if (attempt === 1 || attempt % 60 === 0) {
              log.warn(`METRICS_PORT: port ${s.metricsPort} is in use in this pod; retrying every second`, {
                error: e,
              });
            }
          },
        )
      : undefined;
  try {
    return await superviseRpcapd(
      {
        settings: s,
        device: s.podInterface,
        filter,
        log,
        heartbeat,
        readiness,
        signals,
        fatal: new Promise<string>(() => undefined),
      },
      view,
    );
  } finally {
    readiness.clear();
    server?.close();
  }
}
