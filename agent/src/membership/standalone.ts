/**
 * Membership on its own: the list+watch, the indexed state and the nft session, without the rest of the node
 * agent. What the membership benchmark runs (bundled into one file, like the agent), and a way to watch what
 * membership would put into the sets of an existing table on a node.
 *
 * Environment: NODE_NAME (required); KUBE_API_URL, KUBE_TOKEN_FILE, KUBE_CA_FILE (in-cluster defaults);
 * AGENT_NAMESPACE, AGENT_SELECTOR, SIDECAR_CONTAINER_NAME, VPC_MIRRORING, MIRROR_SETTLE, UNSUPPORTED_INSTANCE_TYPES
 * (as the agent's contract); HOST_LOCAL_POD_CIDRS (true/false, default false); NFT_TABLE (default
 * extrahop_rpcapd, which must exist with the membership sets); STATS_INTERVAL (seconds between stats lines on
 * stdout, 0 = none). Logs are JSON lines on stderr. SIGTERM or SIGINT stops it.
 */
import {
  DEFAULT_AGENT_NAMESPACE,
  DEFAULT_AGENT_SELECTOR,
  DEFAULT_MIRROR_SETTLE_SECONDS,
  DEFAULT_SIDECAR_CONTAINER_NAME,
} from "../../../components/contract/agentEnv";
import {
  parseUnsupportedInstanceTypes,
  unsupportedMatch,
} from "../../../components/contract/mirrorableInstanceTypes";
import { startNftSession } from "../kernel/nftSession";
import { kubeConfigFromEnv } from "../kube/clientConfig";
import { createKubeApi } from "../kube/httpClient";
import { startMembership } from "./index";

function flag(name: string, fallback: boolean): boolean {
  const v = process.env[name];
  if (v === undefined || v === "") {
    return fallback;
  }
  if (v !== "true" && v !== "false") {
    throw new Error(`${name}: '${v}' must be true or false`);
  }
  return v === "true";
}

function seconds(name: string, fallback: number): number {
  const v = process.env[name];
  if (v === undefined || v === "") {
    return fallback;
  }
  if (!/^\d+$/.test(v)) {
    throw new Error(`${name}: '${v}' must be a whole number of seconds`);
  }
  return Number(v);
}

function main(): void {
  const log = (event: Record<string, unknown>): void => {
    process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), ...event })}\n`);
  };
  const nodeName = process.env.NODE_NAME;
  if (!nodeName) {
    throw new Error("NODE_NAME is required");
  }
  const unsupported = parseUnsupportedInstanceTypes(process.env.UNSUPPORTED_INSTANCE_TYPES);
  const session = startNftSession({ table: process.env.NFT_TABLE || undefined, log });
  const membership = startMembership({
    api: createKubeApi(kubeConfigFromEnv(process.env)),
    nodeName,
    agentNamespace: process.env.AGENT_NAMESPACE || DEFAULT_AGENT_NAMESPACE,
    agentSelector: process.env.AGENT_SELECTOR || DEFAULT_AGENT_SELECTOR,
    sidecarContainerName: process.env.SIDECAR_CONTAINER_NAME || DEFAULT_SIDECAR_CONTAINER_NAME,
    vpcMirroring: flag("VPC_MIRRORING", false),
    mirrorSettleSeconds: seconds("MIRROR_SETTLE", DEFAULT_MIRROR_SETTLE_SECONDS),
    isMirrorable: (t) => unsupportedMatch(t, unsupported) === undefined,
    hostLocalPodCidrs: flag("HOST_LOCAL_POD_CIDRS", false),
    sink: session,
    log,
  });
  const interval = seconds("STATS_INTERVAL", 0);
  const printStats = (): void => {
    process.stdout.write(`${JSON.stringify({ membership: membership.stats(), nft: session.stats() })}\n`);
  };
  const timer = interval > 0 ? setInterval(printStats, interval * 1000) : undefined;
  void membership.synced.then(() => {
    log({ msg: "synced", ...membership.stats().setSizes });
    printStats();
  });
  let stopping = false;
  const stop = (): void => {
    if (stopping) {
      return;
    }
    stopping = true;
    clearInterval(timer);
    void membership
      .stop()
      .then(() => session.close())
      .then(() => {
        printStats();
        process.exit(0);
      });
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

try {
  main();
} catch (e) {
  process.stderr.write(`${JSON.stringify({ msg: "membership cannot start", error: String(e) })}\n`);
  process.exit(2);
}
