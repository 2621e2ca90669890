/**
 * The security-group rules the sensor path needs, as data: which group accepts what from which group, and the plan
 * lines for what cannot be created (a group not given) or is assumed.
 *
 * What flows, and from where:
 * - **RPCAP control**: each rpcapd connects (TCP) to the sensor's packet-forwarding port (`sensorPort`). The node
 *   agent runs with `hostNetwork`, so it connects from the node's address (the node security groups); a Fargate
 *   sidecar connects from its pod (the cluster security group, or the groups a SecurityGroupPolicy gives the pod).
 * - **RPCAP data**: in active mode rpcapd opens the data connection itself, towards the sensor, on a port the sensor
 *   names in its start-capture request, over TCP or UDP as the sensor asks (libpcap `rpcapd/daemon.c`,
 *   `daemon_msg_startcap_req`: `serveropen_dp = ... || pars->isactive`, then `sock_open(peerhost, portdata, ...)`
 *   with `SOCK_DGRAM` when the request carries `RPCAP_STARTCAPREQ_FLAG_DGRAM`). ExtraHop does not document which
 *   port its sensors choose. So the honest rule is every TCP and UDP port of the sensor's group, from the node (and
 *   pod) groups only; `sensorDataPorts` narrows it once the sensor's range is known. Security groups are stateful,
 *   so nothing is needed for the sensor's answers.
 * - **VPC Traffic Mirroring**: the mirror sources (node ENIs, which carry the node security groups) send VXLAN, UDP
 *   4789, to the target, whose security group must allow it ("You must configure a security group for the traffic
 *   mirror target that allows VXLAN traffic (UDP port 4789) from the traffic mirror source", Amazon VPC Traffic
 *   Mirroring guide, "Create or delete a traffic mirror target"). Behind a Network Load Balancer the sensors see the
 *   sources' own addresses: UDP target groups preserve client IPs and that cannot be disabled (Elastic Load Balancing
 *   guide, "Edit target group attributes for your Network Load Balancer"), so the sensors' group needs the same rule.
 * Egress: EKS node and cluster security groups allow all outbound traffic by default; a restricted egress needs
 * the same ports towards the sensor (reported, not created).
 */
import type { TargetKind } from "../contract/mirror";

/** VXLAN's UDP port, which VPC Traffic Mirroring sends to. */
export const VXLAN_PORT = 4789;

/** A range of ports, both ends included. */
export interface PortRange {
  /** First port. */
  from: number;
  /** Last port. */
  to: number;
}

/** Every port: what AWS security groups accept as "all" for TCP and UDP. */
export const ALL_PORTS: PortRange = { from: 0, to: 65535 };

/** A security group that traffic to the sensor comes from, under a stable key (it names the rule resources). */
export interface SourceGroup<Id> {
  /** Stable short key, e.g. `node`, `cluster`, `pods-0`. */
  key: string;
  /** What the group is, for descriptions and plan lines, e.g. `node security group`. */
  label: string;
  /** The group id (a string, or a Pulumi Input in the component). */
  securityGroupId: Id;
}

/** What the rules are computed from. */
export interface SensorPathInputs<Id> {
  /** The sensors' security group; absent: no rule for the sensor is created, the plan says what is needed. */
  sensorSecurityGroupId?: Id;
  /** Groups of the nodes (node security group, cluster security group): the node agents and the mirror sources. */
  nodeGroups: SourceGroup<Id>[];
  /** Groups that security groups for pods (SecurityGroupPolicy) give to pods running a sidecar. */
  podGroups: SourceGroup<Id>[];
  /**
   * The sensors' RPCAP port, or `unknown` while it is an Output: then a separate control rule is planned whenever
   * the data ports are narrowed, and the caller fills its port in.
   */
  sensorPort: number | "unknown";
  /** Ports the sensors use for RPCAP data, when known. Default every port. */
  sensorDataPorts?: PortRange;
  /** The mirror target, when mirroring. */
  mirroring?: {
    /** Kind of target. */
    targetKind: TargetKind;
    /** The target's own security group (an ENI target's, or an NLB's when it has security groups). */
    targetSecurityGroupId?: Id;
  };
}

/** One ingress rule. */
export interface IngressRule<Id> {
  /** Stable key for the rule's resource name, e.g. `sensor-node-rpcap-tcp`. */
  key: string;
  /** Group the rule is added to. */
  securityGroupId: Id;
  /** Group allowed in. */
  sourceSecurityGroupId: Id;
  /** `tcp` or `udp`. */
  protocol: "tcp" | "udp";
  /** Port range (`-1` for the RPCAP port while it is unknown: the caller puts it in). */
  ports: PortRange;
  /** Why (the rule's description in AWS, at most 255 characters). */
  description: string;
}

/** The rules and the lines for the plan. */
export interface SensorPathPlan<Id> {
  /** Rules to create. */
  rules: IngressRule<Id>[];
  /** What the plan tells the user: what is created, assumed, or left to do. */
  lines: string[];
}

function within(range: PortRange, port: number | "unknown"): boolean {
  return port === "unknown"
    ? range.from === ALL_PORTS.from && range.to === ALL_PORTS.to
    : range.from <= port && port <= range.to;
}

function portsText(range: PortRange): string {
  return range.from === ALL_PORTS.from && range.to === ALL_PORTS.to
    ? "all ports"
    : range.from === range.to
      ? `port ${range.from}`
      : `ports ${range.from}-${range.to}`;
}

/**
 * The rules the sensor path needs and what the plan says about them.
 * @param inputs groups, ports and the mirror target
 */
export function sensorPathPlan<Id>(inputs: SensorPathInputs<Id>): SensorPathPlan<Id> {
  const rules: IngressRule<Id>[] = [];
  const lines: string[] = [];
  const data = inputs.sensorDataPorts ?? ALL_PORTS;
  const sources = [...inputs.nodeGroups, ...inputs.podGroups];
  const sourceNames = sources.map((s) => s.label).join(", ") || "the node security groups";
  const rpcapText = `TCP ${inputs.sensorPort === "unknown" ? "sensorPort" : inputs.sensorPort} (RPCAP control) and TCP+UDP ${portsText(data)} (RPCAP data, sensor-chosen)`;
  if (inputs.sensorSecurityGroupId === undefined) {
    lines.push(
      `sensorSecurityGroupId is not set: nothing is created for the sensors; their security group must allow ` +
        `${rpcapText} from ${sourceNames}.`,
    );
  } else if (sources.length === 0) {
    lines.push(
      "no node security group is known: no rule is created for the sensors (give the cluster, or podSecurityGroupIds).",
    );
  } else {
    const sensorGroup = inputs.sensorSecurityGroupId;
    for (const s of sources) {
      if (!within(data, inputs.sensorPort)) {
        rules.push({
          key: `sensor-${s.key}-rpcap-control`,
          securityGroupId: sensorGroup,
          sourceSecurityGroupId: s.securityGroupId,
          protocol: "tcp",
          ports:
            inputs.sensorPort === "unknown"
              ? { from: -1, to: -1 }
              : { from: inputs.sensorPort, to: inputs.sensorPort },
          description: `RPCAP control from the ${s.label} (pod-packet-forwarding)`,
        });
      }
      for (const protocol of ["tcp", "udp"] as const) {
        rules.push({
          key: `sensor-${s.key}-rpcap-${protocol}`,
          securityGroupId: sensorGroup,
          sourceSecurityGroupId: s.securityGroupId,
          protocol,
          ports: data,
          description:
            `RPCAP ${protocol === "tcp" && within(data, inputs.sensorPort) ? "control and " : ""}data ` +
            `(${protocol.toUpperCase()}, sensor-chosen port) from the ${s.label} (pod-packet-forwarding)`,
        });
      }
    }
    lines.push(`sensor security group: allows ${rpcapText} from ${sourceNames}.`);
    if (!inputs.sensorDataPorts) {
      lines.push(
        "RPCAP data ports: the sensor names the port and TCP or UDP per capture and ExtraHop does not document a " +
          "range, so every port is opened to the cluster's groups only; set sensorDataPorts to narrow it.",
      );
    }
  }
  if (inputs.podGroups.length === 0) {
    lines.push(
      "podSecurityGroupIds is not set: Fargate pods whose SecurityGroupPolicy replaces the cluster security group " +
        "need their groups listed, or their sidecars cannot reach the sensors.",
    );
  }
  const m = inputs.mirroring;
  if (m) {
    const vxlanTargets: { key: string; groupId: Id; label: string }[] = [];
    if (m.targetSecurityGroupId !== undefined) {
      vxlanTargets.push({
        key: "target",
        groupId: m.targetSecurityGroupId,
        label: "mirror target security group",
      });
    } else if (m.targetKind === "network-interface" && inputs.sensorSecurityGroupId !== undefined) {
      vxlanTargets.push({
        key: "sensor",
        groupId: inputs.sensorSecurityGroupId,
        label: "sensor security group",
      });
      lines.push(
        "mirror target ENI: assumed to carry the sensor security group (set mirrorTargetSecurityGroupId if not).",
      );
    }
    if (m.targetKind === "network-load-balancer" && inputs.sensorSecurityGroupId !== undefined) {
      vxlanTargets.push({
        key: "sensor",
        groupId: inputs.sensorSecurityGroupId,
        label: "sensor security group",
      });
    }
    for (const t of vxlanTargets) {
      for (const s of inputs.nodeGroups) {
        rules.push({
          key: `${t.key}-${s.key}-vxlan`,
          securityGroupId: t.groupId,
          sourceSecurityGroupId: s.securityGroupId,
          protocol: "udp",
          ports: { from: VXLAN_PORT, to: VXLAN_PORT },
          description: `VPC Traffic Mirroring VXLAN from the ${s.label} (pod-packet-forwarding)`,
        });
      }
      lines.push(
        `${t.label}: allows VXLAN (UDP ${VXLAN_PORT}) from the mirror sources (${inputs.nodeGroups.map((s) => s.label).join(", ")}).`,
      );
    }
    if (m.targetKind === "network-load-balancer" && m.targetSecurityGroupId === undefined) {
      lines.push(
        "mirror target NLB: if it has security groups, set mirrorTargetSecurityGroupId so UDP 4789 from the nodes is allowed there too.",
      );
    }
    if (m.targetKind === "gateway-load-balancer-endpoint") {
      lines.push(
        "mirror target GWLB endpoint: no rule is created; the appliances behind the Gateway Load Balancer must accept its traffic.",
      );
    }
    if (vxlanTargets.length === 0 && m.targetKind === "network-interface") {
      lines.push(
        "mirror target ENI: its security group must allow VXLAN (UDP 4789) from the node security groups " +
          "(set mirrorTargetSecurityGroupId or sensorSecurityGroupId to create the rule).",
      );
    }
  }
  lines.push(
    "egress: EKS node and cluster security groups allow all outbound traffic by default; a restricted egress must " +
      "allow the same ports towards the sensors (and UDP 4789 towards the mirror target).",
  );
  return { rules, lines };
}
