/**
 * From `PodPacketForwarding`'s arguments to the facts its children are built from: the values checked (those known
 * at construction right away, the rest when they resolve), the cluster networking looked up through the AWS
 * provider or discovered, the mirror filter planned. Every failure is one `InputPropertiesError` naming arguments.
 */
import * as eks from "@pulumi/eks";
import * as pulumi from "@pulumi/pulumi";
import type { PodPacketForwardingArgs } from "./args";
import { planMirrorFilter, MirrorFilterInputError, type MirrorFilterPlan } from "./mirror/filterRules";
import {
  configuredNetwork,
  eksNetwork,
  networkFrom,
  type ClusterNetwork,
  type NetworkCheck,
} from "./network/clusterNetwork";
import { kubernetesClientFromKubeconfig } from "./network/kubernetesClient";
import {
  ClusterNetworkDiscoveryError,
  discoverClusterNetwork,
  type KubernetesClusterNetwork,
} from "./network/kubernetesDiscovery";
import { eksClusterFacts, lookupNamedCluster, type ApiServer } from "./network/eksLookup";
import {
  argsError,
  argsSchema,
  checkArgs,
  type ArgProblem,
  type ArgsContext,
  type ResolvedArgs,
} from "./validation";

/** Everything decided once the argument values and the lookups are known. */
export interface Resolved {
  /** The checked arguments, defaults applied. */
  args: ResolvedArgs;
  /** PODNET/SVCNET and where they came from. */
  network: ClusterNetwork;
  /** Endpoint and CA of a cluster found by name (for a kubeconfig). */
  apiServer?: ApiServer;
  /** The mirror filter's rules, when mirroring. */
  filter?: MirrorFilterPlan;
}

function isKnown(value: unknown): boolean {
  if (pulumi.Output.isInstance(value) || value instanceof Promise || pulumi.Resource.isInstance(value)) {
    return false;
  }
  if (Array.isArray(value)) {
    return value.every(isKnown);
  }
  if (value && typeof value === "object") {
    return Object.values(value).every(isKnown);
  }
  return true;
}

/** The argument values (the `cluster` argument only in its name form: an `eks.Cluster` is a resource). */
export function argumentValues(args: PodPacketForwardingArgs): Record<string, unknown> {
  const { cluster, ...rest } = args;
  const values: Record<string, unknown> = Object.fromEntries(
    Object.entries(rest).filter(([, v]) => v !== undefined),
  );
  if (cluster !== undefined && !(cluster instanceof eks.Cluster)) {
    values.cluster = cluster;
  }
  return values;
}

/**
 * Problems among the values known now. Unknown ones (Outputs) only count as present for the rules between
 * arguments; they are checked with the same schema when they resolve.
 */
export function knownValueProblems(values: Record<string, unknown>, context: ArgsContext): ArgProblem[] {
  const known = Object.fromEntries(Object.entries(values).filter(([, v]) => isKnown(v)));
  const unknownKeys = Object.keys(values).filter((k) => !(k in known));
  const mask = Object.fromEntries(
    unknownKeys.filter((k) => k in argsSchema.shape).map((k) => [k, true as const]),
  ) as { [K in keyof typeof argsSchema.shape]?: true };
  const parsed = argsSchema.partial(mask).safeParse(known);
  const placeholders = Object.fromEntries(unknownKeys.map((k) => [k, true]));
  const check = checkArgs(parsed.success ? { ...(parsed.data as object), ...placeholders } : known, context);
  const aboutUnknown = (p: ArgProblem) => unknownKeys.includes(p.propertyPath.split(/[.[]/)[0]);
  return check.ok ? [] : check.problems.filter((p) => !aboutUnknown(p));
}

/** Whether a Kubernetes provider reaches the component through its resource options (or its parent's). */
export function hasKubernetesProvider(opts: pulumi.ComponentResourceOptions | undefined): boolean {
  const isK8s = (p: pulumi.ProviderResource | undefined) =>
    p !== undefined && (p as unknown as { getPackage(): string }).getPackage() === "kubernetes";
  const providers = opts?.providers;
  const listed = Array.isArray(providers) ? providers : Object.values(providers ?? {});
  return (
    listed.some(isK8s) ||
    isK8s(opts?.provider) ||
    (opts?.parent?.getProvider("kubernetes::Provider") ?? undefined) !== undefined
  );
}

function unwrap(check: NetworkCheck): ClusterNetwork {
  if (!check.ok) {
    throw argsError(check.problems);
  }
  return check.network;
}

function filterPlan(args: ResolvedArgs, network: ClusterNetwork): MirrorFilterPlan {
  try {
    return planMirrorFilter({
      vpcCidrs: network.vpcCidrs,
      sensorIps: args.sensorIps,
      sensorPort: args.sensorPort,
      excludedCidrs: args.fargateCidrs,
      mirrorAmazonDns: args.mirrorAmazonDns,
      mirroredOnlyCidrs: args.mirroredOnlyCidrs,
    });
  } catch (err) {
    if (err instanceof MirrorFilterInputError) {
      throw argsError([{ propertyPath: err.input, reason: err.message.slice(err.input.length + 2) }]);
    }
    throw err;
  }
}

/**
 * Ranges of a cluster without EKS: both given, or discovered through the Kubernetes API with the kubeconfig
 * (Calico IPPools, kubeadm-config, control-plane flags, CNI config, node podCIDRs; overrides win).
 */
async function selfManagedNetwork(a: ResolvedArgs): Promise<NetworkCheck> {
  if (a.podCidrs && a.serviceCidrs) {
    return configuredNetwork(a.podCidrs, a.serviceCidrs, a.datapath === "auto" ? undefined : a.datapath);
  }
  let found: KubernetesClusterNetwork;
  try {
    found = await discoverClusterNetwork(kubernetesClientFromKubeconfig(a.kubeconfig as string), {
      podCidrs: a.podCidrs,
      serviceCidrs: a.serviceCidrs,
    });
  } catch (err) {
    const message = err instanceof ClusterNetworkDiscoveryError ? err.message : (err as Error).message;
    return {
      ok: false,
      problems: [
        {
          propertyPath: a.podCidrs ? "serviceCidrs" : "podCidrs",
          reason: `could not be discovered through the Kubernetes API (set podCidrs and serviceCidrs): ${message}`,
        },
      ],
    };
  }
  const pick = (kind: "pod" | "service") =>
    found.sources.filter((s) => s.kind === kind).map(({ range, from }) => ({ range, from }));
  return networkFrom({
    vpcCidrs: [],
    sources: { pods: pick("pod"), services: pick("service") },
    datapath: found.datapath?.datapath,
  });
}

/**
 * Checks every value and looks the networking up.
 * @param args the component's arguments
 * @param context what else was given
 * @param invokeOpts options of the lookups (the component as parent: its AWS provider is used)
 * @returns the facts; unknown during a preview when they depend on resources not created yet
 */
export function resolveForwarding(
  args: PodPacketForwardingArgs,
  context: ArgsContext,
  invokeOpts: pulumi.InvokeOptions,
): pulumi.Output<Resolved> {
  const eksComponent = args.cluster instanceof eks.Cluster ? args.cluster : undefined;
  const eksFacts = eksComponent ? eksClusterFacts(eksComponent, invokeOpts) : pulumi.output(undefined);
  return pulumi.all([argumentValues(args), eksFacts]).apply(async ([plain, facts]) => {
    const check = checkArgs(plain, context);
    if (!check.ok) {
      throw argsError(check.problems);
    }
    const a = check.args;
    let network: ClusterNetwork;
    let apiServer: ApiServer | undefined;
    if (facts) {
      network = unwrap(eksNetwork(facts, a));
    } else if (a.cluster) {
      const named = await lookupNamedCluster(a.cluster, invokeOpts);
      network = unwrap(eksNetwork(named.facts, a));
      apiServer = named.apiServer;
      if (!a.kubeconfig && !context.kubernetesProvider && !apiServer) {
        throw argsError([
          {
            propertyPath: "cluster",
            reason:
              `${JSON.stringify(a.cluster)} reports no API endpoint or CA yet (is it still CREATING?); ` +
              "wait for ACTIVE or set kubeconfig",
          },
        ]);
      }
    } else {
      network = unwrap(await selfManagedNetwork(a));
    }
    return { args: a, network, apiServer, filter: a.mirrorTarget ? filterPlan(a, network) : undefined };
  });
}
