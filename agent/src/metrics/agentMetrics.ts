/**
 * The agent's metrics, as Prometheus families (docs/agent.md, "Observability", lists them with their meaning).
 * Everything is read at scrape time from its source (nft counters, the capture device's statistics, the sensor
 * watchdog, membership), so the endpoint holds no state of its own.
 */
import type { CounterValue } from "../kernel/nft";
import type { SensorState } from "../sensors/watchdog";
import type { MetricFamily } from "./exposition";

/** Prefix of every agent metric. */
export const PREFIX = "extrahop_agent";

/** Facts about the running agent (the info metric's labels). */
export interface AgentInfo {
  /** node or sidecar. */
  role: string;
  /** The detected or configured datapath (node). */
  datapath?: string;
  /** egress or dup (node). */
  clonePath?: string;
  /** ifb or veth (node). */
  captureDeviceKind?: string;
  /** true/false (node). */
  vpcMirroring?: string;
}

/** Counters and gauges common to both roles. */
export interface CommonSources {
  /** Info labels. */
  info: AgentInfo;
  /** Ready now. */
  ready: boolean;
  /** Milliseconds since the supervision loop last ran. */
  heartbeatAgeMs: number;
  /** Sensor states (empty before rpcapd starts). */
  sensors: SensorState[];
}

/** Families both roles export. */
export function commonFamilies(s: CommonSources, now = Date.now()): MetricFamily[] {
  const mem = process.memoryUsage();
  const cpu = process.cpuUsage();
  return [
    {
      name: `${PREFIX}_info`,
      help: "Constant 1; the labels say how this agent runs.",
      type: "gauge",
      samples: [
        { labels: Object.fromEntries(Object.entries(s.info).filter(([, v]) => v !== undefined)), value: 1 },
      ],
    },
    {
      name: `${PREFIX}_ready`,
      help: "1 while a sensor is connected (readiness).",
      type: "gauge",
      samples: [{ value: s.ready ? 1 : 0 }],
    },
    {
      name: `${PREFIX}_heartbeat_age_seconds`,
      help: "Seconds since the supervision loop last ran (liveness fails past 15).",
      type: "gauge",
      samples: [{ value: s.heartbeatAgeMs / 1000 }],
    },
    {
      name: `${PREFIX}_sensor_connected`,
      help: "1 while rpcapd holds a connection to the sensor.",
      type: "gauge",
      samples: s.sensors.map((x) => ({ labels: { sensor: x.sensor }, value: x.connected ? 1 : 0 })),
    },
    {
      name: `${PREFIX}_sensor_reconnects_total`,
      help: "Times a sensor's connection came back after it had been up and gone.",
      type: "counter",
      samples: s.sensors.map((x) => ({ labels: { sensor: x.sensor }, value: x.reconnects })),
    },
    {
      name: `${PREFIX}_sensor_lost`,
      help: "1 while the sensor's connection has been missing longer than SENSOR_GRACE.",
      type: "gauge",
      samples: s.sensors.map((x) => ({ labels: { sensor: x.sensor }, value: x.lost ? 1 : 0 })),
    },
    {
      name: "process_resident_memory_bytes",
      help: "Resident memory of the agent process.",
      type: "gauge",
      samples: [{ value: mem.rss }],
    },
    {
      name: "process_cpu_seconds_total",
      help: "CPU time of the agent process (user + system).",
      type: "counter",
      samples: [{ value: (cpu.user + cpu.system) / 1e6 }],
    },
    {
      name: "process_start_time_seconds",
      help: "When the agent process started (Unix time).",
      type: "gauge",
      samples: [{ value: Math.round(now / 1000 - process.uptime()) }],
    },
  ];
}

/** The node agent's kernel-side sources. */
export interface NodeKernelSources {
  /** Named counters of the agent's tables (ip table and egress table). */
  counters: Map<string, CounterValue>;
  /** Capture device statistics (ip -s). */
  captureDevice?: { txPackets: number; txDropped: number; rxDropped: number };
  /** Devices with an egress chain. */
  egressHooked: number;
  /** This node's ENI devices counted as mirrored. */
  mirroredUplinks: string[];
  /** Elements of the uplink set (patterns and names). */
  uplinks: number;
}

const SELECTED: Record<string, string> = {
  selected_local: "local",
  selected_inbound: "inbound",
  selected_mirror_gap: "mirror_gap",
};
const SKIPPED: Record<string, string> = {
  skipped_covered: "covered",
  skipped_sidecar: "sidecar",
  skipped_overlay: "overlay",
  skipped_mirrored: "mirrored",
};
const CLONED: Record<string, string> = { cloned_dup: "dup", cloned_egress: "egress" };

function fromCounters(
  counters: Map<string, CounterValue>,
  map: Record<string, string>,
  label: string,
  field: keyof CounterValue,
): { labels: Record<string, string>; value: number }[] {
  return Object.entries(map)
    .filter(([name]) => counters.has(name))
    .map(([name, value]) => ({
      labels: { [label]: value },
      value: (counters.get(name) as CounterValue)[field],
    }));
}

/** The node agent's datapath families. */
export function nodeKernelFamilies(k: NodeKernelSources): MetricFamily[] {
  const fams: MetricFamily[] = [
    {
      name: `${PREFIX}_selected_packets_total`,
      help:
        "Packets this node reports, by class: local (sent by the node or its pods), inbound (arrived through an " +
        "uplink from an uncovered source), mirror_gap (leaves a mirrored ENI but AWS does not copy it).",
      type: "counter",
      samples: fromCounters(k.counters, SELECTED, "class", "packets"),
    },
    {
      name: `${PREFIX}_selected_bytes_total`,
      help: "Bytes of the packets this node reports, by class.",
      type: "counter",
      samples: fromCounters(k.counters, SELECTED, "class", "bytes"),
    },
    {
      name: `${PREFIX}_skipped_packets_total`,
      help:
        "Packets left to someone else, by reason: covered (sender side reported it), sidecar (a Fargate sidecar " +
        "reports it), overlay (outer encapsulation; the inner packet is decided), mirrored (AWS copies it).",
      type: "counter",
      samples: fromCounters(k.counters, SKIPPED, "reason", "packets"),
    },
    {
      name: `${PREFIX}_cloned_packets_total`,
      help: "Clones made, by path: egress (at the device's egress hook) or dup (through the IP output path).",
      type: "counter",
      samples: fromCounters(k.counters, CLONED, "path", "packets"),
    },
    {
      name: `${PREFIX}_egress_hooked_devices`,
      help: "Devices whose egress hook clones selected packets (others use the dup path).",
      type: "gauge",
      samples: [{ value: k.egressHooked }],
    },
    {
      name: `${PREFIX}_mirrored_uplinks`,
      help: "This node's ENI devices whose egress the agent leaves to AWS mirroring.",
      type: "gauge",
      samples: [{ value: k.mirroredUplinks.length }],
    },
    {
      name: `${PREFIX}_uplink_set_elements`,
      help: "Uplink patterns and device names the decision treats as arrivals from other hosts.",
      type: "gauge",
      samples: [{ value: k.uplinks }],
    },
  ];
  if (k.captureDevice) {
    fams.push(
      {
        name: `${PREFIX}_capture_device_transmitted_packets_total`,
        help: "Clones the capture device transmitted (rpcapd's tap saw each).",
        type: "counter",
        samples: [{ value: k.captureDevice.txPackets }],
      },
      {
        name: `${PREFIX}_capture_device_drops_total`,
        help:
          "Clones the capture device dropped before its tap (tx_dropped). An ifb device also counts every clone " +
          "it discards after the tap as rx_dropped, which is by design and not reported here.",
        type: "counter",
        samples: [{ value: k.captureDevice.txDropped }],
      },
    );
  }
  return fams;
}

/** Membership figures the node agent reports (from the membership program's stats). */
export interface MembershipFigures {
  /** Elements per kernel set. */
  setSizes: Record<string, number>;
  /** When the last successful list or watch event was applied (ms epoch), if ever. */
  lastSyncMs?: number;
  /** API requests by verb. */
  apiRequests: Record<string, number>;
  /** Full re-lists after the first. */
  relists: number;
  /** Watch restarts. */
  watchRestarts: number;
  /** Kernel transactions applied. */
  kernelBatches: number;
  /** Duration of the last kernel update (ms), if any. */
  lastApplyMs?: number;
}

/** The membership families. */
export function membershipFamilies(m: MembershipFigures | undefined, now = Date.now()): MetricFamily[] {
  if (!m) {
    return [];
  }
  return [
    {
      name: `${PREFIX}_membership_set_elements`,
      help: "Elements of each membership set in the kernel.",
      type: "gauge",
      samples: Object.entries(m.setSizes).map(([set, value]) => ({ labels: { set }, value })),
    },
    {
      name: `${PREFIX}_membership_last_sync_timestamp_seconds`,
      help: "When membership last applied a successful list or watch event (Unix time).",
      type: "gauge",
      samples: m.lastSyncMs === undefined ? [] : [{ value: m.lastSyncMs / 1000 }],
    },
    {
      name: `${PREFIX}_membership_age_seconds`,
      help: "Seconds since membership last applied a successful list or watch event.",
      type: "gauge",
      samples: m.lastSyncMs === undefined ? [] : [{ value: (now - m.lastSyncMs) / 1000 }],
    },
    {
      name: `${PREFIX}_api_requests_total`,
      help: "Kubernetes API requests, by verb.",
      type: "counter",
      samples: Object.entries(m.apiRequests).map(([verb, value]) => ({ labels: { verb }, value })),
    },
    {
      name: `${PREFIX}_api_relists_total`,
      help: "Full lists after the first (watch expired or failed).",
      type: "counter",
      samples: [{ value: m.relists }],
    },
    {
      name: `${PREFIX}_api_watch_restarts_total`,
      help: "Watches restarted.",
      type: "counter",
      samples: [{ value: m.watchRestarts }],
    },
    {
      name: `${PREFIX}_kernel_update_batches_total`,
      help: "Membership changes applied to the kernel sets (one nft transaction each).",
      type: "counter",
      samples: [{ value: m.kernelBatches }],
    },
    {
      name: `${PREFIX}_kernel_update_latency_seconds`,
      help: "Duration of the last membership update of the kernel sets.",
      type: "gauge",
      samples: m.lastApplyMs === undefined ? [] : [{ value: m.lastApplyMs / 1000 }],
    },
  ];
}
