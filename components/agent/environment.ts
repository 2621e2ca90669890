/**
 * The agent's environment contract (see agent/entrypoint.sh): the single place where config and lookup
 * results become the env values the DaemonSet passes to every node.
 */

/** Inputs of the agent environment. */
export interface AgentEnvironmentInputs {
  /** Sensor IPv4 addresses, in config order. */
  sensorIps: string[];
  /** Sensor packet-forwarding port. */
  sensorPort: number;
  /** Pod ranges (PODNET). */
  podCidrs: string[];
  /** Service ranges (SVCNET). */
  serviceCidrs: string[];
  /** True when VPC Traffic Mirroring already copies node-ENI traffic. */
  vpcMirroring: boolean;
}

/** Env values, by variable name, exactly as the agent reads them. */
export interface AgentEnvironment {
  /** Comma-joined sensor addresses. */
  EXTRAHOP_SENSOR_IP: string;
  /** Sensor port, decimal. */
  RPCAPD_TARGET_PORT: string;
  /** Comma-joined pod CIDRs. */
  PODNET: string;
  /** Comma-joined service CIDRs. */
  SVCNET: string;
  /** `true` or `false`. */
  VPC_MIRRORING: "true" | "false";
}

/** Computes the agent's env values. */
export function agentEnvironment(inputs: AgentEnvironmentInputs): AgentEnvironment {
  return {
    EXTRAHOP_SENSOR_IP: inputs.sensorIps.join(","),
    RPCAPD_TARGET_PORT: String(inputs.sensorPort),
    PODNET: inputs.podCidrs.join(","),
    SVCNET: inputs.serviceCidrs.join(","),
    VPC_MIRRORING: inputs.vpcMirroring ? "true" : "false",
  };
}
