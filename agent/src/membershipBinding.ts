/**
 * Connects the node agent to the membership program (agent/src/membership): the Kubernetes API client from the
 * agent's settings, the mirrorable-instance-type rule from the shared contract (the same patterns the reconciler
 * uses, so the agents never count as mirrored a node the reconciler skipped), the kernel sets through a persistent
 * `nft -i` session (agent/src/kernel/nftSession.ts), and membership's log events as agent log lines.
 */
import type { NodeAgentSettings } from "../../components/contract/agentEnv";
import { unsupportedMatch } from "../../components/contract/mirrorableInstanceTypes";
import { startNftSession } from "./kernel/nftSession";
import { TABLE } from "./kernel/ruleset";
import { createKubeApi } from "./kube/httpClient";
import type { Level, Logger } from "./log";
import { startMembership } from "./membership";
import type { StartMembership } from "./nodeAgent";

const LEVELS: readonly string[] = ["debug", "info", "warn", "error"];

/** Membership's and the nft session's log events as agent log lines. */
function eventLogger(log: Logger): (event: Record<string, unknown>) => void {
  return (event) => {
    const { msg, level, ...fields } = event;
    const text = typeof msg === "string" ? msg : "membership";
    const lvl: Level =
      typeof level === "string" && LEVELS.includes(level)
        ? (level as Level)
        : /failed|error/i.test(text)
          ? "warn"
          : "info";
    log.log(lvl, text, fields);
  };
}

/** The membership starter for these settings. */
export function membershipStarter(s: NodeAgentSettings): StartMembership {
  return ({ hostLocalPodCidrs, log }) => {
    const api = createKubeApi({ baseUrl: s.kubeApiUrl, tokenFile: s.kubeTokenFile, caFile: s.kubeCaFile });
    const sink = startNftSession({
      table: TABLE,
      spoolDir: s.stateDir,
      log: eventLogger(log.child({ source: "nft" })),
    });
    const m = startMembership({
      api,
      nodeName: s.nodeName,
      agentNamespace: s.agentNamespace,
      agentSelector: s.agentSelector,
      sidecarContainerName: s.sidecarContainerName,
      vpcMirroring: s.vpcMirroring,
      mirrorSettleSeconds: s.mirrorSettleSeconds,
      isMirrorable: (t) => unsupportedMatch(t, s.unsupportedInstanceTypes) === undefined,
      hostLocalPodCidrs,
      sink,
      log: eventLogger(log),
    });
    return {
      synced: m.synced,
      selfNode: () => m.selfNode(),
      figures: () => {
        const st = m.stats();
        return {
          setSizes: st.setSizes,
          lastSyncMs: st.lastSyncMs,
          apiRequests: st.apiRequests,
          relists: st.relists,
          watchRestarts: st.watchRestarts,
          kernelBatches: st.kernelBatches,
          lastApplyMs: st.lastApplyMs,
        };
      },
      stop: async () => {
        await m.stop();
        await sink.close();
      },
    };
  };
}
