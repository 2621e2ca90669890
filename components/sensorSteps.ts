/**
 * What is left to do on the ExtraHop sensor: the program cannot configure the sensor, so it says exactly what
 * to configure, with the computed values.
 */

/** Inputs of the sensor-side checklist. */
export interface SensorStepsInputs {
  /** Sensor addresses. */
  sensorIps: string[];
  /** Port of the packet-forwarding rule. */
  sensorPort: number;
  /** Pod ranges. */
  podCidrs: string[];
  /** True when VPC Traffic Mirroring is configured. */
  vpcMirroring: boolean;
  /** True when the component configures the sensors itself (`sensorApis`). */
  sensorConfigured?: boolean;
}

/** The sensor-side steps, one sentence each, in order. */
export function sensorSteps(inputs: SensorStepsInputs): string[] {
  const pods = inputs.podCidrs.join(", ");
  const steps = inputs.sensorConfigured
    ? [
        `Configured through the sensor's REST API: RPCAP on, a packet-forwarding rule on port ${inputs.sensorPort} for ` +
          `${pods}, running config saved (only what was added is removed on destroy).`,
      ]
    : [
        `On each sensor (${inputs.sensorIps.join(", ")}): enable RPCAP and add a packet-forwarding rule on port ` +
          `${inputs.sensorPort} for interface address(es) ${pods}.`,
        `If L2 discovery is enabled, add ${pods} to Remote L3 Device Discovery so pods appear as devices.`,
      ];
  if (inputs.vpcMirroring) {
    steps.push(
      "Make the mirror target deliver VXLAN (UDP 4789) to the sensor and allow UDP 4789 from the node subnets " +
        "in the target's security group.",
    );
  }
  return steps;
}
