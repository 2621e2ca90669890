/**
 * The node agent (AGENT_ROLE=node, a DaemonSet pod with hostNetwork, NET_ADMIN and NET_RAW): detects the datapath,
 * creates the capture device, loads the selection table (kernel/ruleset.ts) and the egress clone chains, starts
 * membership (which fills covered4, sidecar4 and nodes4), keeps the uplink, egress and mirrored-ENI sets in step
 * with the node's devices, then runs rpcapd on the capture device under supervision. On any exit it removes what it
 * installed, if it is still its own.
 */
import { randomUUID } from "crypto";
import * as fs from "fs";
import * as path from "path";
import type { Datapath, NodeAgentSettings } from "../../components/contract/agentEnv";
import { CAP_NET_ADMIN, CAP_NET_RAW, missingCapabilities, ownStatus } from "./capabilities";
import { Cleanup } from "./cleanup";
import { detectDatapath } from "./datapath/detect";
import { datapathProfile } from "./datapath/profiles";
import { uplinkElements } from "./datapath/uplinks";
import { Heartbeat, Readiness } from "./health";
import { createCaptureDevice, removeOwnCaptureDeviceSync } from "./kernel/captureDevice";
import { egressHookable, EgressHooks, egressHooksSupported } from "./kernel/egressHooks";
import { EGRESS_TABLE, renderEgressTable } from "./kernel/egressRuleset";
import { LinkWatcher } from "./kernel/linkWatcher";
import type { Link } from "./kernel/links";
import { matchesIfnamePattern, readLinks } from "./kernel/links";
import { nftApply, readCounters, removeOwnTableSync } from "./kernel/nft";
import { renderRuleset, SETS, setDelta, TABLE } from "./kernel/ruleset";
import type { Logger } from "./log";
import {
  commonFamilies,
  membershipFamilies,
  MembershipFigures,
  NodeKernelSources,
  nodeKernelFamilies,
} from "./metrics/agentMetrics";
import { renderExposition } from "./metrics/exposition";
import { startEndpointRetrying } from "./metrics/server";
import { MirroredUplinkTracker, SelfNode } from "./mirror/mirroredUplinks";
import { runCommand } from "./process/run";
import { nodeCaptureFilter } from "./rpcapd/filters";
import type { StopSignals } from "./signals";
import { superviseRpcapd, SupervisorView } from "./supervisor";

/** What the node agent needs from the membership program. */
export interface MembershipHandle {
  /** Resolves once the first full list is in the kernel sets. */
  synced: Promise<void>;
  /** This node as membership sees it. */
  selfNode(): SelfNode | undefined;
  /** Figures for the metrics endpoint. */
  figures(): MembershipFigures;
  /** Stops watching. */
  stop(): Promise<void>;
}

/** Starts membership for this node. */
export type StartMembership = (o: { hostLocalPodCidrs: boolean; log: Logger }) => MembershipHandle;

/** Exit code for a configuration or environment the agent cannot run with. */
export const EXIT_CONFIG = 2;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms).unref());

function hostLocal(settings: NodeAgentSettings, datapath: Datapath): boolean {
  return settings.hostLocalPodCidrs === "auto"
    ? datapathProfile(datapath).hostLocalPodCidrs
    : settings.hostLocalPodCidrs === "true";
}

/** Runs the node agent until it must stop; resolves with the process exit code. */
export async function runNodeAgent(
  s: NodeAgentSettings,
  log: Logger,
  signals: StopSignals,
  startMembership: StartMembership,
): Promise<number> {
  const missing = missingCapabilities(ownStatus(), [CAP_NET_ADMIN, CAP_NET_RAW]);
  if (missing.length > 0) {
    log.error(`capability ${missing.join(" and ")} is missing (securityContext.capabilities.add)`, {
      missing,
    });
    return EXIT_CONFIG;
  }
  try {
    fs.accessSync(s.rpcapdBin, fs.constants.X_OK);
  } catch {
    log.error(`RPCAPD_BIN: "${s.rpcapdBin}" is not an executable file`);
    return EXIT_CONFIG;
  }
  const owner = randomUUID();
  const heartbeat = new Heartbeat();
  const readiness = new Readiness(s.readyFile);
  readiness.clear();
  const cleanup = new Cleanup((what, e) => log.warn(`clean-up step failed: ${what}`, { error: e }));
  process.once("exit", () => cleanup.runAll());
  cleanup.add("ready file", () => readiness.clear());

  let fatalReason: ((why: string) => void) | undefined;
  const fatal = new Promise<string>((resolve) => (fatalReason = resolve));
  const pulse = setInterval(() => heartbeat.beat(), 1000);
  pulse.unref();

  try {
    // ---- datapath ------------------------------------------------------------------------------------------
    const links0 = await readLinks();
    const detected = detectDatapath(links0);
    const datapath: Datapath = s.datapath === "auto" ? detected.datapath : s.datapath;
    const profile = datapathProfile(datapath);
    log.info(`datapath ${datapath}${s.datapath === "auto" ? " (detected)" : " (DATAPATH)"}`, {
      datapath,
      evidence: s.datapath === "auto" ? detected.evidence : undefined,
      assumed: s.datapath === "auto" && detected.evidence.length === 0,
      uplinkPatterns: s.uplinkIfnames ?? profile.uplinkPatterns,
      overlayUdpPorts: profile.overlayUdpPorts,
      podCidrs: s.podCidrs,
    });
    for (const c of profile.caveats) {
      log.warn(c, { datapath });
    }

    // ---- capture device ------------------------------------------------------------------------------------
    const device = await createCaptureDevice({
      name: s.captureDevice,
      peer: s.capturePeer,
      kind: s.captureDeviceKind,
      owner,
      log,
    });
    cleanup.add("capture device", () => {
      if (removeOwnCaptureDeviceSync(s.captureDevice, owner) === "not-ours") {
        log.info(`${s.captureDevice} belongs to another agent instance now; leaving it`);
      }
    });
    const ours = [device.name, ...(device.peer ? [device.peer] : [])];

    // ---- clone path and tables -----------------------------------------------------------------------------
    let clonePath: "egress" | "dup" = "dup";
    if (s.clonePath !== "dup") {
      const probe = await egressHooksSupported(device.name);
      if (probe.ok) {
        clonePath = "egress";
      } else {
        log.warn("no netdev egress hooks here (kernel < 5.16 or nft without them): cloning with dup only", {
          reason: probe.reason,
          requested: s.clonePath,
        });
      }
    }
    const uplinkPatterns = s.uplinkIfnames ?? profile.uplinkPatterns;
    const ruleset = renderRuleset({
      owner,
      sensors: s.sensors,
      serviceCidrs: s.serviceCidrs,
      captureDevice: device.name,
      captureMark: s.captureMark,
      uplinkPatterns,
      overlayUdpPorts: profile.overlayUdpPorts,
      overlayIpip: profile.overlayIpip,
      vpcMirroring: s.vpcMirroring,
      nodePortRange: s.nodePortRange,
      mirrorExcludedCidrs: s.mirrorExcludedCidrs,
      amazonDnsIps: s.amazonDnsIps,
      mirrorAmazonDns: s.mirrorAmazonDns,
    });
    fs.mkdirSync(s.stateDir, { recursive: true, mode: 0o700 });
    fs.writeFileSync(path.join(s.stateDir, "ruleset.nft"), ruleset);
    await nftApply(ruleset);
    cleanup.add("nft table", () => {
      if (removeOwnTableSync("ip", TABLE, owner) === "not-ours") {
        log.info(`table ip ${TABLE} belongs to another agent instance now; leaving it`);
      }
    });
    let hooks: EgressHooks | undefined;
    if (clonePath === "egress") {
      await nftApply(renderEgressTable(owner));
      cleanup.add("egress table", () => {
        removeOwnTableSync("netdev", EGRESS_TABLE, owner);
      });
      hooks = new EgressHooks({
        captureDevice: device.name,
        excluded: ours,
        captureMark: s.captureMark,
        log,
      });
    }
    log.info(
      `capturing on ${device.name} (${device.kind}, Ethernet), clone path ${clonePath}, ` +
        `VPC_MIRRORING=${s.vpcMirroring}, table ip ${TABLE}`,
      { device: device.name, kind: device.kind, clonePath, vpcMirroring: s.vpcMirroring },
    );

    // ---- devices -> uplink, egress and mirrored-ENI sets ---------------------------------------------------
    let uplinkNames: string[] = [];
    let mirrored: string[] = [];
    // Set once membership starts (after the devices are watched and the endpoint is up).
    const started: { membership?: MembershipHandle } = {};
    const tracker = new MirroredUplinkTracker(s.mirrorSettleSeconds);
    let mirrorTimer: NodeJS.Timeout | undefined;
    const applyMirrored = async (links: readonly Link[]): Promise<void> => {
      if (!s.vpcMirroring || !started.membership) {
        return;
      }
      const next = tracker.update(links, started.membership.selfNode(), Date.now());
      const add = next.names.filter((n) => !mirrored.includes(n));
      const del = mirrored.filter((n) => !next.names.includes(n));
      if (add.length + del.length > 0) {
        await nftApply(setDelta(SETS.mirroredUplinks, add, del, true));
        log.info("mirrored ENI devices changed", { mirroredUplinks: next.names, added: add, removed: del });
        mirrored = next.names;
      }
    };
    const watcher = new LinkWatcher({ log });
    watcher.subscribe(async (links) => {
      const names = s.uplinkIfnames
        ? []
        : uplinkElements(links, profile, undefined, ours).filter(
            (e) => !matchesIfnamePattern(e, uplinkPatterns),
          );
      const add = names.filter((n) => !uplinkNames.includes(n));
      const del = uplinkNames.filter((n) => !names.includes(n));
      if (add.length + del.length > 0) {
        await nftApply(setDelta(SETS.uplinkDevices, add, del, true));
        log.info("uplink devices changed", { added: add, removed: del });
        uplinkNames = names;
      }
    });
    if (hooks) {
      const h = hooks;
      watcher.subscribe((links) => h.reconcile(links.filter(egressHookable)));
    }
    watcher.subscribe((links) => applyMirrored(links));
    if (s.datapath === "auto" && detected.evidence.length === 0) {
      watcher.subscribe((links) => {
        const now = detectDatapath(links);
        if (now.datapath !== datapath && now.evidence.length > 0) {
          fatalReason?.(`datapath ${now.datapath} appeared after start (${now.evidence.join(", ")})`);
        }
      });
    }
    await watcher.start();
    cleanup.add("link watcher", () => watcher.stop());

    // ---- metrics endpoint ----------------------------------------------------------------------------------
    const view: { current?: SupervisorView } = {};
    const kernelSources = async (): Promise<NodeKernelSources> => {
      const counters = await readCounters("ip", TABLE);
      if (hooks) {
        for (const [k, v] of await readCounters("netdev", EGRESS_TABLE)) {
          counters.set(k, v);
        }
      }
      const st = await runCommand("ip", ["-s", "-j", "link", "show", "dev", device.name]);
      let captureDevice: NodeKernelSources["captureDevice"];
      if (st.code === 0) {
        const [l] = JSON.parse(st.stdout) as {
          stats64?: { rx: { packets: number; dropped: number }; tx: { packets: number; dropped: number } };
        }[];
        if (l?.stats64) {
          captureDevice = {
            // ifb counts what it is handed as received (and drops it); a veth as transmitted.
            txPackets: device.kind === "ifb" ? l.stats64.rx.packets : l.stats64.tx.packets,
            txDropped: l.stats64.tx.dropped,
            rxDropped: l.stats64.rx.dropped,
          };
        }
      }
      return {
        counters,
        captureDevice,
        egressHooked: hooks?.count() ?? 0,
        mirroredUplinks: mirrored,
        uplinks: uplinkPatterns.length + uplinkNames.length,
      };
    };
    if (s.metricsPort > 0) {
      const endpoint = startEndpointRetrying(
        s.metricsPort,
        {
          health: () => heartbeat.verdict(),
          ready: () => readiness.verdict(),
          metrics: async () =>
            renderExposition([
              ...commonFamilies({
                info: {
                  role: "node",
                  datapath,
                  clonePath,
                  captureDeviceKind: device.kind,
                  vpcMirroring: String(s.vpcMirroring),
                },
                ready: readiness.isReady(),
                heartbeatAgeMs: heartbeat.ageMs(),
                sensors: view.current?.sensors() ?? [],
              }),
              ...nodeKernelFamilies(await kernelSources()),
              ...membershipFamilies(started.membership?.figures()),
            ]),
        },
        (e, attempt) => {
          if (attempt === 1 || attempt % 60 === 0) {
            log.warn(`METRICS_PORT: port ${s.metricsPort} is in use on this node; retrying every second`, {
              error: e,
            });
          }
        },
      );
      cleanup.add("metrics endpoint", () => endpoint.close());
    }

    // ---- membership ----------------------------------------------------------------------------------------
    const m = startMembership({
      hostLocalPodCidrs: hostLocal(s, datapath),
      log: log.child({ source: "membership" }),
    });
    started.membership = m;
    cleanup.add("membership", () => void m.stop());
    const first = await Promise.race([
      m.synced.then(() => "synced" as const),
      signals.atLeast(1).then(() => "signal" as const),
      fatal.then(() => "fatal" as const),
    ]);
    if (first !== "synced") {
      log.info(
        first === "signal" ? "stopping before the first membership sync" : "stopping before start-up ended",
      );
      await m.stop();
      cleanup.runAll();
      return first === "signal" ? 0 : 1;
    }
    log.info("membership synced");
    if (s.vpcMirroring) {
      await applyMirrored(watcher.links());
      // Nodes age into mirror coverage and ENI devices settle: look again every few seconds.
      mirrorTimer = setInterval(() => void applyMirrored(watcher.links()).catch(() => undefined), 5000);
      cleanup.add("mirror timer", () => clearInterval(mirrorTimer));
    }

    // ---- rpcapd ----------------------------------------------------------------------------------------------
    clearInterval(pulse);
    const code = await superviseRpcapd(
      {
        settings: s,
        device: device.name,
        filter: nodeCaptureFilter(s.sensors),
        log,
        heartbeat,
        readiness,
        signals,
        fatal,
      },
      view,
    );
    log.info(`stopping; removing table ip ${TABLE} and ${device.name}`);
    await Promise.race([m.stop(), sleep(5000)]);
    cleanup.runAll();
    return code;
  } catch (e) {
    clearInterval(pulse);
    log.error("the agent could not start", { error: e });
    cleanup.runAll();
    return 1;
  }
}
