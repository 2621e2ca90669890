/**
 * `SensorConfiguration`: the sensor side of pod packet forwarding, done through the ExtraHop REST API instead of
 * printed as steps. It enables RPCAP, keeps one packet-forwarding rule per pod CIDR on the sensor port, adds the
 * pod CIDRs to Remote L3 Device Discovery when asked, and saves the running config; on destroy it removes only
 * what it added. The desired rules and discovery CIDRs are inputs of the resource, so `pulumi preview` shows a
 * change to them as an input diff.
 */
import * as pulumi from "@pulumi/pulumi";
import { resolveLayout, type RunningConfigLayout } from "./runningConfigLayout";
import { sensorProvider } from "./sensorProvider";
import type { ForwardingRuleSpec, SensorAdditions } from "./sensorState";

/** How to verify the sensor's HTTPS certificate. Default: against the system's trusted CAs. */
export interface SensorTlsArgs {
  /**
   * PEM bundle of the CA that signed the sensor's certificate (for a self-signed sensor certificate: the
   * certificate itself). Replaces the system's trusted CAs for these calls.
   */
  caCertificate?: pulumi.Input<string>;
  /**
   * Name the certificate must carry, when `apiUrl` uses an address it does not name (e.g. the sensor's IP
   * address while its certificate names `sensor.example.com`).
   */
  serverName?: pulumi.Input<string>;
  /**
   * Skip certificate verification. The API key is still encrypted in transit, but to whoever answers at
   * `apiUrl`; `pulumi up` warns. Prefer `caCertificate`.
   */
  insecure?: boolean;
}

/** Arguments of {@link sensorConfiguration}. */
export interface SensorConfigurationArgs {
  /** The sensor's REST API: `https://<sensor>[:port]`; the `/api/v1` suffix is optional. */
  apiUrl: pulumi.Input<string>;
  /**
   * API key of a sensor user allowed to change the running config (an administrator); kept as a secret in
   * the state.
   */
  apiKey: pulumi.Input<string>;
  /** Certificate verification settings. */
  tls?: SensorTlsArgs;
  /** Pod CIDRs (`PODNET`): one packet-forwarding rule each. */
  podCidrs: pulumi.Input<pulumi.Input<string>[]>;
  /** Port of the packet-forwarding rules: the agent's `RPCAPD_TARGET_PORT` (`sensorPort` in the stack config). */
  sensorPort: pulumi.Input<number>;
  /**
   * Also add the pod CIDRs to Remote L3 Device Discovery, so pods appear as devices of their own when the
   * sensor runs L2 discovery (the vendor's guide asks for it then). Default false.
   */
  addToRemoteDiscovery?: pulumi.Input<boolean>;
  /**
   * Where RPCAP and Remote L3 Device Discovery live in the sensor's running config. The defaults are an
   * assumption the vendor's documentation does not confirm (docs/sensor.md): compare with your sensor's
   * `GET /api/v1/runningconfig` and override what differs.
   */
  runningConfigLayout?: Partial<RunningConfigLayout>;
}

/** The configured sensor. */
export class SensorConfiguration extends pulumi.dynamic.Resource {
  /** The sensor's REST API URL. */
  public readonly apiUrl!: pulumi.Output<string>;
  /** Packet-forwarding rules kept on the sensor (one per pod CIDR, on the sensor port). */
  public readonly forwardingRules!: pulumi.Output<ForwardingRuleSpec[]>;
  /** CIDRs kept in Remote L3 Device Discovery (empty unless asked). */
  public readonly remoteDiscoveryCidrs!: pulumi.Output<string[]>;
  /** What this resource added to the sensor and removes on destroy; rules that existed before are not in it. */
  public readonly added!: pulumi.Output<SensorAdditions>;
  /** What the last create or update changed on the sensor, one sentence each. */
  public readonly changes!: pulumi.Output<string[]>;

  constructor(name: string, args: SensorConfigurationArgs, opts?: pulumi.CustomResourceOptions) {
    const forwardingRules = pulumi
      .all([args.podCidrs, args.sensorPort])
      .apply(([cidrs, port]) => cidrs.map((interfaceAddress) => ({ port, interfaceAddress })));
    const remoteDiscoveryCidrs = pulumi
      .all([args.podCidrs, args.addToRemoteDiscovery ?? false])
      .apply(([cidrs, add]) => (add ? cidrs : []));
    const tls = args.tls ?? {};
    super(
      sensorProvider,
      name,
      {
        apiUrl: args.apiUrl,
        apiKey: pulumi.secret(args.apiKey),
        tls: {
          ...(tls.caCertificate !== undefined ? { caCertificate: tls.caCertificate } : {}),
          ...(tls.serverName !== undefined ? { serverName: tls.serverName } : {}),
          ...(tls.insecure !== undefined ? { insecure: tls.insecure } : {}),
        },
        rpcapEnabled: true,
        forwardingRules,
        remoteDiscoveryCidrs,
        runningConfigLayout: resolveLayout(args.runningConfigLayout),
        added: undefined,
        changes: undefined,
      },
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ["apiKey"] }),
      "pod-packet-forwarding",
      "SensorConfiguration",
    );
    if (tls.insecure === true) {
      void pulumi.log.warn(
        "sensor TLS verification is off (tls.insecure): the API key goes to whoever answers at apiUrl; give the " +
          "sensor's CA in tls.caCertificate instead",
        this,
      );
    }
  }
}

/** Creates the sensor configuration resource (see {@link SensorConfigurationArgs}). */
export function sensorConfiguration(
  name: string,
  args: SensorConfigurationArgs,
  opts?: pulumi.CustomResourceOptions,
): SensorConfiguration {
  return new SensorConfiguration(name, args, opts);
}
