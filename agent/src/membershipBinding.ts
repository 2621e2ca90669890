/**
 * Connects the node agent to the membership program (agent/src/membership): the Kubernetes API client from the
 * agent's settings, the mirrorable-instance-type rule from the shared contract (the same patterns the reconciler
 * uses, so the agents never count as mirrored a node the reconciler skipped), the kernel sets as the sink, and
 * membership's log events as agent log lines.
 */
import type { NodeAgentSettings } from "../../components/contract/agentEnv";
import { unsupportedMatch } from "../../components/contract/mirrorableInstanceTypes";
import { nftApply } from "./kernel/nft";
import { setDelta } from "./kernel/ruleset";
import { createKubeApi } from "./kube/httpClient";
import type { Level } from "./log";
import { KernelSets, SET_NAMES, startMembership } from "./membership";
import type { StartMembership } from "./nodeAgent";

const LEVELS: readonly string[] = ["debug", "info", "warn", "error"];

/** Applies each batch of set changes as one `nft -f -` transaction. */
export function oneShotKernelSets(): KernelSets {
  return {
    apply: async (changes) => {
      const text = SET_NAMES.map((name) => {
        const c = changes[name];
        return c ? setDelta(name, c.add, c.delete) : "";
      }).join("");
      await nftApply(text);
    },
  };
}

/** The membership starter for these settings. */
export function membershipStarter(
  s: NodeAgentSettings,
  sink: KernelSets = oneShotKernelSets(),
): StartMembership {
  return ({ hostLocalPodCidrs, log }) => {
    const api = createKubeApi({ baseUrl: s.kubeApiUrl, tokenFile: s.kubeTokenFile, caFile: s.kubeCaFile });
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
      log: (event) => {
        const { msg, level, ...fields } = event;
        const text = typeof msg === "string" ? msg : "membership";
        const lvl: Level =
          typeof level === "string" && LEVELS.includes(level)
            ? (level as Level)
            : /failed/.test(text)
              ? "warn"
              : "info";
        log.log(lvl, text, fields);
      },
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
      stop: () => m.stop(),
    };
  };
}
