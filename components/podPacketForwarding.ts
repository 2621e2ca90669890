/**
 * `PodPacketForwarding`: gives an ExtraHop sensor every packet of a cluster's pods, once. It looks up (or
 * discovers) the cluster networking, builds and pushes the rpcapd agent image, configures VPC Traffic Mirroring for
 * the node ENIs (EKS, optional) and deploys the agent DaemonSet.
 *
 * Nothing is half-applied: argument values known at construction are checked before the component is even
 * registered; the rest (lookups, values known only later, such as an `eks.Cluster` created in the same update) is
 * checked before the first child is created. Either way one `InputPropertiesError` names every bad argument.
 */
import * as aws from "@pulumi/aws";
import * as eks from "@pulumi/eks";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { MirrorTargetArgs, PodPacketForwardingArgs } from "./args";
import { AgentImage } from "./agent/agentImage";
import { checkRpcapdPackage, stageBuildContext } from "./agent/buildContext";
import {
  AGENT_LABELS,
  AGENT_NAME,
  agentManifests,
  type AgentManifests,
  type AgentProbes,
} from "./agent/manifests";
import { agentBuildDirs } from "./agent/packageDirs";
import {
  DEFAULT_METRICS_PORT,
  DEFAULT_MIRROR_SETTLE_SECONDS,
  nodeAgentEnvironment,
  type DatapathSetting,
} from "./contract/agentEnv";
import { checkRpcapdArchitecture, RpcapdPackageError } from "./contract/rpcapdPackage";
import { DEFAULTS } from "./defaults";
import { mirrorSettleSeconds } from "./mirror/settle";
import type { MirrorFilterPlan } from "./mirror/filterRules";
import { mirrorOutcome, type MirrorOutcome } from "./mirror/reconcileOutcome";
import { VpcMirroring } from "./mirror/vpcMirroring";
import type { ClusterNetwork } from "./network/clusterNetwork";
import type { ApiServer } from "./network/eksLookup";
import { eksKubeconfig } from "./network/kubeconfig";
import {
  argumentValues,
  hasKubernetesProvider,
  knownValueProblems,
  resolveForwarding,
  type Resolved,
} from "./resolve";
import { DEFAULT_UNSUPPORTED_INSTANCE_TYPES } from "./contract/mirrorableInstanceTypes";
import { deployTimeCoverage, renderCoverage } from "./coverage";
import { fargateSidecarTransform, type FargateSidecarArgs } from "./fargate";
import { mirrorTargetKind } from "./mirror/vpcMirroring";
import { clusterSecurityGroups, SensorSecurityGroupRules } from "./securityGroups";
import { sensorConfiguration } from "./sensor/sensorConfiguration";
import { sensorSteps } from "./sensorSteps";
import { argsError, type ArgProblem, type ArgsContext } from "./validation";

/** The type token of the component (also what other languages construct). */
export const PodPacketForwardingType = "pod-packet-forwarding:index:PodPacketForwarding";

/** Port and paths of the agent's HTTP endpoint, as the agent serves them. */
const AGENT_PROBES: AgentProbes = {
  port: DEFAULT_METRICS_PORT,
  livenessPath: "/healthz",
  readinessPath: "/readyz",
};
/** Name of the image pull secret created for a registry with credentials. */
const PULL_SECRET_NAME = "extrahop-rpcapd-registry";

/** What the constructor hands to `initialize`. */
interface Pending {
  name: string;
  args: PodPacketForwardingArgs;
  context: ArgsContext;
  packagePath?: string;
}

/** The children and outputs `initialize` produces. */
interface ForwardingData {
  outputs: {
    podCidrs: pulumi.Output<string[]>;
    serviceCidrs: pulumi.Output<string[]>;
    networkSources: pulumi.Output<ClusterNetwork["sources"]>;
    agentEnvironment: pulumi.Output<Record<string, string>>;
    agentImage: pulumi.Output<string>;
    daemonSetNamespace: pulumi.Output<string>;
    outcome: pulumi.Output<MirrorOutcome>;
    sensorSteps: pulumi.Output<string[]>;
    coverage: pulumi.Output<string[] | undefined>;
  };
  daemonSet: k8s.apps.v1.DaemonSet;
  kubernetesProvider?: k8s.Provider;
  image?: AgentImage;
  mirroring?: VpcMirroring;
}

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

/**
 * The mirror target's fields. The object itself must be given (its values may be Outputs): which field is set
 * decides the target kind, hence the reconciler's source limit.
 */
function targetFields(target: PodPacketForwardingArgs["mirrorTarget"]): MirrorTargetArgs {
  if (pulumi.Output.isInstance(target) || target instanceof Promise) {
    throw argsError([
      {
        propertyPath: "mirrorTarget",
        reason:
          "must be an object literal such as { networkLoadBalancerArn: nlb.arn } (its values may be Outputs)",
      },
    ]);
  }
  return (target ?? {}) as MirrorTargetArgs;
}

/** ExtraHop pod packet forwarding for one cluster. */
export class PodPacketForwarding extends pulumi.ComponentResource<ForwardingData> {
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
  public readonly daemonSet: pulumi.Output<k8s.apps.v1.DaemonSet>;
  /** The image build and its repository (undefined with a prebuilt `agentImage`). */
  public readonly image: pulumi.Output<AgentImage | undefined>;
  /** VPC Traffic Mirroring: target, filter and session reconciler (undefined without `mirrorTarget`). */
  public readonly mirroring: pulumi.Output<VpcMirroring | undefined>;
  /**
   * Who reports the packets of every node, Fargate profile and workload (agent, mirroring, sidecar) and what is NOT
   * covered and why, uncovered first, one line each: read from the cluster once the agents have rolled out. Undefined when the cluster cannot be
   * read with a kubeconfig (only a Kubernetes provider given), or when reading it failed (an info message says why).
   */
  public readonly coverage: pulumi.Output<string[] | undefined>;

  private pending?: Pending;
  private readonly sidecarArgs: Omit<FargateSidecarArgs, "image">;

  constructor(name: string, args: PodPacketForwardingArgs, opts?: pulumi.ComponentResourceOptions) {
    const context: ArgsContext = {
      eksCluster: args.cluster !== undefined,
      kubernetesProvider: hasKubernetesProvider(opts),
    };
    // Values known now: every problem at once, before anything is registered.
    const problems = knownValueProblems(argumentValues(args), context);
    const packagePath =
      args.rpcapdPackage && args.agentImage === undefined
        ? packageFile(args.rpcapdPackage, args.imagePlatform, problems)
        : undefined;
    if (problems.length) {
      throw argsError(problems);
    }
    super(PodPacketForwardingType, name, {}, opts);
    this.pending = { name, args, context, packagePath };
    this.sidecarArgs = {
      fargateProfiles: args.fargateProfiles ?? [],
      sensorIps: args.sensorIps,
      sensorPort: args.sensorPort,
      fargateCidrs: args.fargateCidrs,
    };

    const data = pulumi.output(this.getData());
    const out = <K extends keyof ForwardingData["outputs"]>(key: K) =>
      data.apply((d) => d.outputs[key]) as unknown as ForwardingData["outputs"][K];
    this.podCidrs = out("podCidrs");
    this.serviceCidrs = out("serviceCidrs");
    this.networkSources = out("networkSources");
    this.agentEnvironment = out("agentEnvironment");
    this.agentImage = out("agentImage");
    this.daemonSetNamespace = out("daemonSetNamespace");
    this.daemonSetName = data.apply(() => AGENT_NAME);
    const outcome = out("outcome");
    this.mirroredEnis = outcome.apply((o) => o.mirrored);
    this.skippedMirrorSources = outcome.apply((o) => o.skipped);
    this.mirrorReconcileResult = outcome.apply((o) => o.result);
    this.sensorSteps = out("sensorSteps");
    this.coverage = out("coverage");
    this.daemonSet = data.apply((d) => d.daemonSet);
    this.image = data.apply((d) => d.image);
    this.mirroring = data.apply((d) => d.mirroring);
  }

  /**
   * A resource transform that adds the capture sidecar to the workloads of this program that run on Fargate (those
   * `fargateProfiles` select), where no node agent runs. Register it before declaring them:
   * `pulumi.runtime.registerResourceTransform(forwarding.sidecarTransform())`. Workloads outside the program: see
   * `fargateSidecarPatch` (docs/fargate.md).
   */
  public sidecarTransform(): pulumi.ResourceTransform {
    return fargateSidecarTransform({ ...this.sidecarArgs, image: this.agentImage });
  }

  /** The coverage report once the agents have rolled out; a failure to read the cluster is reported, not an error. */
  private coverageOf(
    resolved: pulumi.Output<Resolved>,
    kubeconfig: pulumi.Output<string> | undefined,
    daemonSet: k8s.apps.v1.DaemonSet,
    outcome: pulumi.Output<MirrorOutcome>,
  ): pulumi.Output<string[] | undefined> {
    if (kubeconfig === undefined) {
      return pulumi.output(undefined);
    }
    return pulumi.all([resolved, kubeconfig, outcome, daemonSet.urn]).apply(async ([r, config, o]) => {
      if (!r.args.coverageReport) {
        return undefined;
      }
      try {
        const report = await deployTimeCoverage({
          kubeconfig: config,
          agent: {
            namespace: r.args.namespace,
            podLabels: { component: AGENT_NAME },
            excludeNodeLabel: r.args.excludeNodeLabel,
            architecture: r.args.imagePlatform === "linux/arm64" ? "arm64" : "amd64",
            tolerations: r.args.tolerations,
            nodeSelector: r.args.nodeSelector,
          },
          agentPods: pulumi.runtime.isDryRun() ? "scheduled" : "observed",
          fargateProfiles: r.args.fargateProfiles ?? [],
          mirroring: {
            enabled: r.args.mirrorTarget !== undefined,
            outcome: o,
            unsupportedInstanceTypes:
              r.args.mirrorUnsupportedInstanceTypes ?? DEFAULT_UNSUPPORTED_INSTANCE_TYPES,
            settleSeconds: mirrorSettleSeconds(r.args.reconcileSchedule, DEFAULT_MIRROR_SETTLE_SECONDS),
          },
        });
        for (const e of report.entries.filter((x) => x.status === "not-covered")) {
          pulumi.log.warn(
            `not covered: ${renderCoverage({ ...report, entries: [e] })[1]?.trim() ?? e.kind}`,
            this,
          );
        }
        return renderCoverage(report);
      } catch (err) {
        // The rollout has already shown whether the cluster is reachable; this is only the report.
        pulumi.log.info(`coverage report unavailable: ${(err as Error).message}`, this);
        return undefined;
      }
    });
  }

  /** Looks up and checks, then creates the children. Runs once the constructor has recorded its arguments. */
  protected async initialize(): Promise<ForwardingData> {
    // The constructor stores the arguments right after `super` returns; this runs from within `super`.
    await Promise.resolve();
    const { name, args, context, packagePath } = this.pending as Pending;
    this.pending = undefined;
    const children = { parent: this };
    const resolved = resolveForwarding(args, context, children);
    // Known (always during an update, and during a preview unless an input is created in the same update): any
    // problem fails here, before the first child.
    const internals = resolved as unknown as { isKnown: Promise<boolean>; promise(): Promise<Resolved> };
    if (await internals.isKnown) {
      await internals.promise();
    }
    const settings = resolved.apply((r) => r.args);
    const network = resolved.apply((r) => r.network);
    const eksComponent = args.cluster instanceof eks.Cluster ? args.cluster : undefined;

    // Kubernetes: the provider passed in, the eks.Cluster's kubeconfig, the given kubeconfig, or one built from the lookup.
    let kubernetesProvider: k8s.Provider | undefined;
    let k8sOpts: pulumi.CustomResourceOptions = children;
    let kubeconfig: pulumi.Output<string> | undefined;
    if (!context.kubernetesProvider) {
      kubeconfig = eksComponent
        ? pulumi.all([resolved, eksComponent.kubeconfigJson]).apply(([r, k]) => r.args.kubeconfig ?? k)
        : pulumi
            .all([resolved, aws.getRegionOutput({}, children).region])
            .apply(([r, region]) => r.args.kubeconfig ?? lookedUpKubeconfig(r, region));
      kubernetesProvider = new k8s.Provider(
        `${name}-k8s`,
        { kubeconfig: pulumi.secret(kubeconfig) },
        children,
      );
      k8sOpts = { parent: this, provider: kubernetesProvider };
    }

    // The agent image.
    const tags = settings.apply((s) => ({ "managed-by": "pod-packet-forwarding", ...s.tags }));
    const registry = settings.apply((s) => s.imageRegistry);
    let image: AgentImage | undefined;
    let agentImage: pulumi.Output<string>;
    if (args.agentImage !== undefined) {
      agentImage = settings.apply((s) => s.agentImage as string);
    } else {
      const dirs = agentBuildDirs();
      image = new AgentImage(
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
      agentImage = image.imageRef;
    }

    // VPC Traffic Mirroring.
    let mirroring: VpcMirroring | undefined;
    let outcome: pulumi.Output<MirrorOutcome> = resolved.apply(() => mirrorOutcome(undefined));
    if (args.mirrorTarget !== undefined) {
      mirroring = new VpcMirroring(
        `${name}-mirror`,
        {
          clusterName: network.apply((n) => n.clusterName ?? ""),
          vpcId: network.apply((n) => n.vpcId ?? ""),
          target: targetFields(args.mirrorTarget),
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
      outcome = mirroring.reconcileResult.apply((result) => {
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
    const environment = resolved.apply((r) =>
      nodeAgentEnvironment({
        sensorIps: r.args.sensorIps,
        sensorPort: r.args.sensorPort,
        podCidrs: r.network.podCidrs,
        serviceCidrs: r.network.serviceCidrs,
        vpcMirroring: r.args.mirrorTarget !== undefined,
        agentNamespace: r.args.namespace,
        datapath:
          r.args.datapath !== "auto" ? r.args.datapath : (r.network.datapath as DatapathSetting | undefined),
        ...(r.filter
          ? {
              mirrorSettleSeconds: mirrorSettleSeconds(
                r.args.reconcileSchedule,
                DEFAULT_MIRROR_SETTLE_SECONDS,
              ),
              nodePortRange: r.filter.nodePortRange,
              mirrorExcludedCidrs: r.filter.excludedBlocks,
              amazonDnsIps: r.filter.amazonDnsAddresses,
              mirrorAmazonDns: r.args.mirrorAmazonDns,
              unsupportedInstanceTypes: r.args.mirrorUnsupportedInstanceTypes,
            }
          : {}),
      }),
    );
    resolved.apply((r) =>
      [...(r.filter?.warnings ?? []), ...(r.network.warnings ?? [])].forEach((w) => pulumi.log.warn(w, this)),
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
        image: agentImage,
        environment: env,
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
      { metadata: part((m) => m.clusterRole.metadata ?? {}), rules: part((m) => m.clusterRole.rules ?? []) },
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
            inNamespace,
          )
        : undefined;
    // The sensor side: the agents are Ready only once a sensor accepts their RPCAP connection, so the rollout waits
    // for these.
    const sensors = (args.sensorApis ?? []).map((api, i) =>
      sensorConfiguration(
        `${name}-sensor-${i}`,
        {
          apiUrl: pulumi.all([resolved, api.apiUrl]).apply(([, url]) => url),
          apiKey: api.apiKey,
          tls: { caCertificate: api.caCertificate, serverName: api.tlsServerName, insecure: api.tlsInsecure },
          podCidrs: network.apply((n) => n.podCidrs),
          sensorPort: settings.apply((s) => s.sensorPort),
          addToRemoteDiscovery: api.addToRemoteDiscovery,
        },
        children,
      ),
    );
    // The provider awaits the rollout (every scheduled pod Ready), like `kubectl rollout status`; a node that
    // cannot start the agent fails the update.
    const daemonSet = new k8s.apps.v1.DaemonSet(
      `${name}-daemonset`,
      {
        metadata: part((m) => m.daemonSet.metadata ?? {}),
        spec: part((m) => m.daemonSet.spec ?? { selector: {}, template: {} }),
      },
      {
        ...k8sOpts,
        dependsOn: [binding, ...(pullSecret ? [pullSecret] : []), ...sensors],
        customTimeouts: { create: "10m", update: "10m" },
      },
    );

    if (args.sensorSecurityGroupId !== undefined && args.cluster !== undefined) {
      const groups = clusterSecurityGroups(args.cluster, children);
      new SensorSecurityGroupRules(
        `${name}-sensor-path`,
        {
          sensorSecurityGroupId: args.sensorSecurityGroupId,
          nodeSecurityGroupId: groups.nodeSecurityGroupId,
          clusterSecurityGroupId: groups.clusterSecurityGroupId,
          podSecurityGroupIds: args.podSecurityGroupIds,
          sensorPort: settings.apply((s) => s.sensorPort),
          sensorDataPorts: args.sensorDataPorts,
          mirroring:
            args.mirrorTarget !== undefined
              ? {
                  targetKind: mirrorTargetKind(targetFields(args.mirrorTarget)),
                  targetSecurityGroupId: args.mirrorTargetSecurityGroupId,
                }
              : undefined,
          tags,
        },
        children,
      );
    }

    const coverage = this.coverageOf(resolved, kubeconfig, daemonSet, outcome);
    return {
      outputs: {
        podCidrs: network.apply((n) => n.podCidrs),
        serviceCidrs: network.apply((n) => n.serviceCidrs),
        networkSources: network.apply((n) => n.sources),
        agentEnvironment: environment.apply((e): Record<string, string> => ({ ...e })),
        agentImage,
        daemonSetNamespace: settings.apply((s) => s.namespace),
        outcome,
        coverage,
        sensorSteps: resolved.apply((r) =>
          sensorSteps({
            sensorIps: r.args.sensorIps,
            sensorPort: r.args.sensorPort,
            podCidrs: r.network.podCidrs,
            vpcMirroring: r.args.mirrorTarget !== undefined,
            sensorConfigured: (r.args.sensorApis ?? []).length > 0,
          }),
        ),
      },
      daemonSet,
      kubernetesProvider,
      image,
      mirroring,
    };
  }
}

/**
 * Checks the vendor package file now (preview): it must be readable, and built for the image platform (rpcapd is a
 * native binary; an arm64 image with an amd64 rpcapd would fail on every node).
 */
function packageFile(
  rpcapdPackage: string,
  imagePlatform: PodPacketForwardingArgs["imagePlatform"],
  problems: ArgProblem[],
): string | undefined {
  let file: string;
  try {
    file = checkRpcapdPackage(rpcapdPackage, process.cwd());
  } catch (err) {
    problems.push({ propertyPath: "rpcapdPackage", reason: (err as Error).message });
    return undefined;
  }
  const platform = typeof imagePlatform === "string" ? imagePlatform : DEFAULTS.imagePlatform;
  try {
    const check = checkRpcapdArchitecture(file, platform);
    if (!check.ok) {
      problems.push({
        propertyPath: "imagePlatform",
        reason: check.message ?? "does not match rpcapdPackage",
      });
    } else if (check.message) {
      pulumi.log.warn(`rpcapdPackage: ${check.message}; the image build checks the binary again`);
    }
  } catch (err) {
    if (!(err instanceof RpcapdPackageError)) {
      throw err;
    }
    pulumi.log.warn(`rpcapdPackage: ${err.message}; the image build will tell whether it holds rpcapd`);
  }
  return file;
}
