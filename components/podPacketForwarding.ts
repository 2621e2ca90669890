/**
 * `PodPacketForwarding`: gives an ExtraHop sensor every packet of a cluster's pods, once. It looks up (or
 * discovers) the cluster networking, builds and pushes the rpcapd agent image, configures VPC Traffic Mirroring for
 * the node ENIs (EKS, optional) and deploys the agent DaemonSet.
 *
 * Nothing is half-applied: argument values known at construction are checked before any child exists
 * (`InputPropertiesError` naming each argument); values and lookups known only later (an `eks.Cluster` created in the
 * same update) are checked when they resolve, and every child's inputs wait for that check, so a failure registers
 * nothing further.
 */
import * as aws from "@pulumi/aws";
import * as eks from "@pulumi/eks";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { MirrorTargetArgs, PodPacketForwardingArgs } from "./args";
import { AgentImage } from "./agent/agentImage";
import { checkRpcapdPackage, stageBuildContext } from "./agent/buildContext";
import { agentEnvironment } from "./agent/environment";
import {
  AGENT_LABELS,
  AGENT_NAME,
  agentManifests,
  type AgentManifests,
  type AgentProbes,
} from "./agent/manifests";
import { DEFAULTS } from "./defaults";
import { planMirrorFilter, MirrorFilterInputError, type MirrorFilterPlan } from "./mirror/filterRules";
import { VpcMirroring } from "./mirror/vpcMirroring";
import {
  configuredNetwork,
  eksNetwork,
  type ClusterNetwork,
  type NetworkCheck,
} from "./network/clusterNetwork";
import { eksClusterFacts, lookupNamedCluster, type ApiServer } from "./network/eksLookup";
import { eksKubeconfig } from "./network/kubeconfig";
import { mirrorOutcome, type MirrorOutcome } from "./mirror/reconcileOutcome";
import { sensorSteps } from "./sensorSteps";
import {
  argsError,
  argsSchema,
  checkArgs,
  type ArgProblem,
  type ArgsContext,
  type ResolvedArgs,
} from "./validation";
import { agentBuildDirs } from "./agent/packageDirs";

/** The type token of the component (also what other languages construct). */
export const PodPacketForwardingType = "pod-packet-forwarding:index:PodPacketForwarding";

/** Port and paths of the agent's HTTP endpoint, as the agent serves them. */
const AGENT_PROBES: AgentProbes = { port: 9479, livenessPath: "/healthz", readinessPath: "/readyz" };
/** Name of the image pull secret created for a registry with credentials. */
const PULL_SECRET_NAME = "extrahop-rpcapd-registry";

/** A `.dockerconfigjson` for one registry (what `kubectl create secret docker-registry` writes). */
function dockerConfigJson(repository: string, username: string, password: string): string {
  const server = repository.split("/")[0];
  const auth = Buffer.from(`${username}:${password}`).toString("base64");
  return JSON.stringify({ auths: { [server]: { username, password, auth } } });
}

/** A kubeconfig for a cluster found by name: `aws eks get-token` with the stack's AWS profile. */
function lookedUpKubeconfig(r: Resolved, region: string): string {
  const api = r.apiServer as ApiServer;
  return eksKubeconfig({
    clusterName: r.network.clusterName ?? "",
    region,
    endpoint: api.endpoint,
    certificateAuthorityData: api.certificateAuthorityData,
    profile: new pulumi.Config("aws").get("profile"),
  });
}

/** Everything decided once the argument values and the lookups are known. */
interface Resolved {
  args: ResolvedArgs;
  network: ClusterNetwork;
  apiServer?: ApiServer;
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

/** The arguments without the cluster (an `eks.Cluster` is a resource, not a value). */
function valueArgs(args: PodPacketForwardingArgs): Record<string, unknown> {
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
 * Checks the values known now. Unknown ones (Outputs) only count as present for the rules between arguments; they
 * are checked with the same schema when they resolve.
 */
function knownValueProblems(values: Record<string, unknown>, context: ArgsContext): ArgProblem[] {
  const known = Object.fromEntries(Object.entries(values).filter(([, v]) => isKnown(v)));
  const unknownKeys = Object.keys(values).filter((k) => !(k in known));
  const mask = Object.fromEntries(
    unknownKeys.filter((k) => k in argsSchema.shape).map((k) => [k, true as const]),
  ) as { [K in keyof typeof argsSchema.shape]?: true };
  const partial = argsSchema.partial(mask);
  const result = partial.safeParse(known);
  if (result.success) {
    const placeholders = Object.fromEntries(unknownKeys.map((k) => [k, true]));
    const check = checkArgs({ ...(result.data as object), ...placeholders }, context);
    // Schema problems of placeholders are not problems; only the rules between arguments count here.
    return check.ok
      ? []
      : check.problems.filter((p) => !unknownKeys.includes(p.propertyPath.split(/[.[]/)[0]));
  }
  const check = checkArgs(known, context);
  return check.ok ? [] : check.problems.filter((p) => !unknownKeys.includes(p.propertyPath.split(/[.[]/)[0]));
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
      mirrorAmazonDns: args.mirrorAmazonDns,
    });
  } catch (err) {
    if (err instanceof MirrorFilterInputError) {
      throw argsError([{ propertyPath: err.input, reason: err.message.slice(err.input.length + 2) }]);
    }
    throw err;
  }
}

/** ExtraHop pod packet forwarding for one cluster. */
export class PodPacketForwarding extends pulumi.ComponentResource {
  /** Pod address ranges the agent uses (`PODNET`). */
  public readonly podCidrs: pulumi.Output<string[]>;
  /** Service ranges (`SVCNET`). */
  public readonly serviceCidrs: pulumi.Output<string[]>;
  /** Where each pod and service range came from (lookup, discovery source, or config). */
  public readonly networkSources: pulumi.Output<ClusterNetwork["sources"]>;
  /** The env the agent runs with, by variable name. */
  public readonly agentEnvironment: pulumi.Output<Record<string, string>>;
  /** The image the DaemonSet runs (`repo@sha256:...`). */
  public readonly agentImage: pulumi.Output<string>;
  /** Namespace of the agent DaemonSet. */
  public readonly daemonSetNamespace: pulumi.Output<string>;
  /** Name of the agent DaemonSet. */
  public readonly daemonSetName: pulumi.Output<string>;
  /** ENIs with a mirror session after the deploy-time reconcile (empty without mirroring). */
  public readonly mirroredEnis: pulumi.Output<string[]>;
  /** Instances or ENIs the deploy-time reconcile left out of mirroring, with reasons. */
  public readonly skippedMirrorSources: pulumi.Output<MirrorOutcome["skipped"]>;
  /** What the deploy-time reconcile did (JSON), when mirroring. */
  public readonly mirrorReconcileResult: pulumi.Output<string | undefined>;
  /** What is left to configure on the sensor. */
  public readonly sensorSteps: pulumi.Output<string[]>;

  /** The agent DaemonSet. */
  public readonly daemonSet: k8s.apps.v1.DaemonSet;
  /** The Kubernetes provider the agent objects are created with (absent when one is passed in). */
  public readonly kubernetesProvider?: k8s.Provider;
  /** The image build and its repository (absent with a prebuilt `agentImage`). */
  public readonly image?: AgentImage;
  /** VPC Traffic Mirroring: target, filter and session reconciler (absent without `mirrorTarget`). */
  public readonly mirroring?: VpcMirroring;

  constructor(name: string, args: PodPacketForwardingArgs, opts?: pulumi.ComponentResourceOptions) {
    super(PodPacketForwardingType, name, {}, opts);
    const children = { parent: this };
    const cluster = args.cluster;
    const eksComponent = cluster instanceof eks.Cluster ? cluster : undefined;
    const context: ArgsContext = {
      eksCluster: cluster !== undefined,
      kubernetesProvider: this.getProvider("kubernetes::Provider") !== undefined,
    };

    // 1. Values known now: every problem at once, before any child exists.
    const values = valueArgs(args);
    const problems = knownValueProblems(values, context);
    const packagePath =
      args.rpcapdPackage && args.agentImage === undefined
        ? this.packageProblem(args.rpcapdPackage, problems)
        : undefined;
    if (problems.length) {
      throw argsError(problems);
    }

    // 2. Everything else when it resolves; each child's inputs flow from `resolved`.
    const eksFacts = eksComponent ? eksClusterFacts(eksComponent, children) : pulumi.output(undefined);
    const resolved: pulumi.Output<Resolved> = pulumi.all([values, eksFacts]).apply(async ([plain, facts]) => {
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
        const named = await lookupNamedCluster(a.cluster, children);
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
    const settings = resolved.apply((r) => r.args);
    const network = resolved.apply((r) => r.network);

    // Kubernetes: the provider passed in, the eks.Cluster's kubeconfig, the given kubeconfig, or one built from the lookup.
    let k8sOpts: pulumi.CustomResourceOptions = children;
    if (!context.kubernetesProvider) {
      const kubeconfig = eksComponent
        ? pulumi.all([resolved, eksComponent.kubeconfigJson]).apply(([r, k]) => r.args.kubeconfig ?? k)
        : pulumi
            .all([resolved, aws.getRegionOutput({}, children).region])
            .apply(([r, region]) => r.args.kubeconfig ?? lookedUpKubeconfig(r, region));
      this.kubernetesProvider = new k8s.Provider(
        `${name}-k8s`,
        { kubeconfig: pulumi.secret(kubeconfig) },
        children,
      );
      k8sOpts = { parent: this, provider: this.kubernetesProvider };
    }

    // The agent image.
    const tags = pulumi
      .all([resolved, args.tags ?? {}])
      .apply(([, t]) => ({ "managed-by": "pod-packet-forwarding", ...(t as Record<string, string>) }));
    const registry = settings.apply((s) => s.imageRegistry);
    if (args.agentImage !== undefined) {
      this.agentImage = pulumi.all([resolved, args.agentImage]).apply(([, ref]) => ref);
    } else {
      const dirs = agentBuildDirs();
      this.image = new AgentImage(
        `${name}-agent`,
        {
          context: stageBuildContext(dirs.agentDir, packagePath as string, dirs.stagingRoot),
          platform: typeof args.imagePlatform === "string" ? args.imagePlatform : DEFAULTS.imagePlatform,
          tags,
          registry: args.imageRegistry
            ? {
                repository: registry.apply((r) => r?.repository ?? ""),
                username: registry.apply((r) => r?.username ?? ""),
                password: pulumi.secret(registry.apply((r) => r?.password ?? "")),
                withCredentials: registry.apply((r) => r?.username !== undefined),
              }
            : undefined,
        },
        children,
      );
      this.agentImage = this.image.imageRef;
    }

    // VPC Traffic Mirroring.
    let outcome: pulumi.Output<MirrorOutcome> = resolved.apply(() => mirrorOutcome(undefined));
    if (args.mirrorTarget !== undefined) {
      this.mirroring = new VpcMirroring(
        `${name}-mirror`,
        {
          clusterName: network.apply((n) => n.clusterName ?? ""),
          vpcId: network.apply((n) => n.vpcId ?? ""),
          target: gatedTarget(args.mirrorTarget, resolved),
          filterPlan: resolved.apply((r) => r.filter as MirrorFilterPlan),
          sessionNumber: settings.apply((s) => s.mirrorSessionNumber),
          packetLength: settings.apply((s) => s.mirrorPacketLength),
          virtualNetworkId: settings.apply((s) => s.mirrorVni),
          unsupportedInstanceTypes: settings.apply((s) => s.mirrorUnsupportedInstanceTypes),
          reconcileSchedule: settings.apply((s) => s.reconcileSchedule),
          tags,
        },
        children,
      );
      outcome = this.mirroring.reconcileResult.apply((result) => {
        const o = mirrorOutcome(result);
        for (const s of o.skipped) {
          pulumi.log.warn(
            `not mirrored: ${s.instanceId}${s.networkInterfaceId ? `/${s.networkInterfaceId}` : ""} ` +
              `(${s.instanceType}): ${s.detail}`,
            this,
          );
        }
        return o;
      });
    }

    // The agent.
    const environment = pulumi.all([settings, network]).apply(([s, n]) =>
      agentEnvironment({
        sensorIps: s.sensorIps,
        sensorPort: s.sensorPort,
        podCidrs: n.podCidrs,
        serviceCidrs: n.serviceCidrs,
        vpcMirroring: s.mirrorTarget !== undefined,
      }),
    );
    const createNamespace = typeof args.createNamespace === "boolean" ? args.createNamespace : true;
    if (!createNamespace) {
      pulumi.log.warn(
        "createNamespace is false: the existing namespace must admit privileged pods " +
          "(label pod-security.kubernetes.io/enforce=privileged): hostNetwork and NET_ADMIN/NET_RAW need it",
        this,
      );
    }
    const manifests = pulumi.all([settings, environment]).apply(([s, env]) =>
      agentManifests({
        namespace: s.namespace,
        createNamespace,
        image: this.agentImage,
        environment: { ...env, AGENT_NAMESPACE: s.namespace },
        excludeNodeLabel: s.excludeNodeLabel,
        architecture: s.imagePlatform === "linux/arm64" ? "arm64" : "amd64",
        tolerations: s.tolerations,
        nodeSelector: s.nodeSelector,
        resources: s.resources,
        priorityClassName: s.priorityClassName,
        probes: AGENT_PROBES,
        imagePullSecret: s.imageRegistry?.username ? PULL_SECRET_NAME : undefined,
      }),
    );
    const part = <T>(pick: (m: AgentManifests) => T) => pulumi.output(manifests.apply(pick));
    const ns = createNamespace
      ? new k8s.core.v1.Namespace(
          `${name}-ns`,
          { metadata: part((m) => m.namespace?.metadata ?? {}) },
          k8sOpts,
        )
      : undefined;
    const inNamespace = { ...k8sOpts, dependsOn: ns ? [ns] : [] };
    const sa = new k8s.core.v1.ServiceAccount(
      `${name}-sa`,
      { metadata: part((m) => m.serviceAccount.metadata ?? {}) },
      inNamespace,
    );
    const role = new k8s.rbac.v1.ClusterRole(
      `${name}-role`,
      {
        metadata: part((m) => m.clusterRole.metadata ?? {}),
        rules: part((m) => m.clusterRole.rules ?? []),
      },
      k8sOpts,
    );
    const binding = new k8s.rbac.v1.ClusterRoleBinding(
      `${name}-binding`,
      {
        metadata: part((m) => m.clusterRoleBinding.metadata ?? {}),
        roleRef: part((m) => m.clusterRoleBinding.roleRef),
        subjects: part((m) => m.clusterRoleBinding.subjects ?? []),
      },
      { ...k8sOpts, dependsOn: [sa, role] },
    );
    const pullSecret =
      args.imageRegistry !== undefined && args.agentImage === undefined
        ? new k8s.core.v1.Secret(
            `${name}-pull-secret`,
            {
              metadata: settings.apply((s) => ({
                name: PULL_SECRET_NAME,
                namespace: s.namespace,
                labels: AGENT_LABELS,
              })),
              type: "kubernetes.io/dockerconfigjson",
              stringData: pulumi.secret(
                registry.apply((r): Record<string, string> =>
                  r?.username
                    ? { ".dockerconfigjson": dockerConfigJson(r.repository, r.username, r.password ?? "") }
                    : {},
                ),
              ),
            },
            { ...inNamespace, additionalSecretOutputs: ["stringData", "data"] },
          )
        : undefined;
    // The provider awaits the rollout (every scheduled pod Ready), like `kubectl rollout status`; a node that
    // cannot start the agent fails the update.
    this.daemonSet = new k8s.apps.v1.DaemonSet(
      `${name}-daemonset`,
      {
        metadata: part((m) => m.daemonSet.metadata ?? {}),
        spec: part((m) => m.daemonSet.spec ?? { selector: {}, template: {} }),
      },
      {
        ...k8sOpts,
        dependsOn: [binding, ...(pullSecret ? [pullSecret] : [])],
        customTimeouts: { create: "10m", update: "10m" },
      },
    );

    this.podCidrs = network.apply((n) => n.podCidrs);
    this.serviceCidrs = network.apply((n) => n.serviceCidrs);
    this.networkSources = network.apply((n) => n.sources);
    this.agentEnvironment = environment.apply((e): Record<string, string> => ({ ...e }));
    this.daemonSetNamespace = settings.apply((s) => s.namespace);
    this.daemonSetName = pulumi.output(AGENT_NAME);
    this.mirroredEnis = outcome.apply((o) => o.mirrored);
    this.skippedMirrorSources = outcome.apply((o) => o.skipped);
    this.mirrorReconcileResult = outcome.apply((o) => o.result);
    this.sensorSteps = pulumi.all([settings, network]).apply(([s, n]) =>
      sensorSteps({
        sensorIps: s.sensorIps,
        sensorPort: s.sensorPort,
        podCidrs: n.podCidrs,
        vpcMirroring: s.mirrorTarget !== undefined,
      }),
    );
    this.registerOutputs({
      podCidrs: this.podCidrs,
      serviceCidrs: this.serviceCidrs,
      networkSources: this.networkSources,
      agentEnvironment: this.agentEnvironment,
      agentImage: this.agentImage,
      daemonSetNamespace: this.daemonSetNamespace,
      daemonSetName: this.daemonSetName,
      mirroredEnis: this.mirroredEnis,
      skippedMirrorSources: this.skippedMirrorSources,
      mirrorReconcileResult: this.mirrorReconcileResult,
      sensorSteps: this.sensorSteps,
    });
  }

  /** Checks the vendor package file now (preview), adding a problem naming `rpcapdPackage` if it is unusable. */
  private packageProblem(rpcapdPackage: string, problems: ArgProblem[]): string | undefined {
    try {
      return checkRpcapdPackage(rpcapdPackage, process.cwd());
    } catch (err) {
      problems.push({ propertyPath: "rpcapdPackage", reason: (err as Error).message });
      return undefined;
    }
  }
}

/**
 * The mirror target's fields, each released once the arguments are checked. The object itself must be given (its
 * values may be Outputs): which field is set decides the target kind, hence the reconciler's source limit.
 */
function gatedTarget(
  target: PodPacketForwardingArgs["mirrorTarget"],
  resolved: pulumi.Output<Resolved>,
): MirrorTargetArgs {
  if (pulumi.Output.isInstance(target) || target instanceof Promise) {
    throw argsError([
      {
        propertyPath: "mirrorTarget",
        reason:
          "must be an object literal such as { networkLoadBalancerArn: nlb.arn } (its values may be Outputs)",
      },
    ]);
  }
  const t = (target ?? {}) as MirrorTargetArgs;
  const gate = (v: pulumi.Input<string> | undefined) =>
    v === undefined ? undefined : pulumi.all([resolved, v]).apply(([, x]) => x);
  return {
    networkInterfaceId: gate(t.networkInterfaceId),
    networkLoadBalancerArn: gate(t.networkLoadBalancerArn),
    gatewayLoadBalancerEndpointId: gate(t.gatewayLoadBalancerEndpointId),
  };
}

/** Ranges of a cluster without EKS: both given, or discovered through the Kubernetes API. */
async function selfManagedNetwork(a: ResolvedArgs): Promise<NetworkCheck> {
  if (a.podCidrs && a.serviceCidrs) {
    return configuredNetwork(a.podCidrs, a.serviceCidrs);
  }
  return {
    ok: false,
    problems: [
      {
        propertyPath: "podCidrs",
        reason: "and serviceCidrs are required (discovery through the Kubernetes API is not available yet)",
      },
    ],
  };
}
