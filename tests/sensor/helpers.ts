/**
 * Shared set-up of the sensor tests: provider inputs pointed at a fake sensor, and reading the managed parts of
 * its running config.
 */
import { resolveLayout, type RunningConfigLayout } from "../../components/sensor/runningConfigLayout";
import type { SensorConfigurationInputs } from "../../components/sensor/sensorState";
import type { FakeExtraHop } from "../../harness/extrahop/fakeExtraHop";
import { testCertificates } from "../../harness/extrahop/testCertificates";

/** The default layout, as the program passes it. */
export const LAYOUT: RunningConfigLayout = resolveLayout();

/** Two pod CIDRs on the default port. */
export const POD_RULES = [
  { port: 2003, interfaceAddress: "10.0.0.0/16" },
  { port: 2003, interfaceAddress: "100.64.0.0/16" },
];

/** Provider inputs for `fake`, verified against the test CA. */
export function inputsFor(
  fake: FakeExtraHop,
  overrides: Partial<SensorConfigurationInputs> = {},
): SensorConfigurationInputs {
  return {
    apiUrl: fake.url,
    apiKey: "test-key",
    tls: { caCertificate: testCertificates().caCertificate },
    rpcapEnabled: true,
    forwardingRules: POD_RULES,
    remoteDiscoveryCidrs: [],
    runningConfigLayout: LAYOUT,
    ...overrides,
  };
}

/** The RPCAP object of a running config in the sample layout. */
export function rpcapOf(doc: Record<string, unknown>): {
  enabled: boolean;
  rules: Record<string, unknown>[];
} {
  return (doc.capture as { rpcap: { enabled: boolean; rules: Record<string, unknown>[] } }).rpcap;
}

/** The discovery ranges of a running config in the sample layout. */
export function rangesOf(doc: Record<string, unknown>): string[] {
  return (doc.capture as { remote_l3_discovery: { ranges: string[] } }).remote_l3_discovery.ranges;
}

/** Resolves with the error a promise rejects with; fails when it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a rejection, but the call succeeded");
}
