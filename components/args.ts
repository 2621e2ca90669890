/**
 * The vocabulary of `PodPacketForwarding`: one argument per stack config key, shared by TypeScript users, the stack
 * program, the embedding API, the offline plan and the plugin for other languages.
 */
import type * as eks from "@pulumi/eks";
import type * as pulumi from "@pulumi/pulumi";

/** Where VPC Traffic Mirroring sends its copies: set exactly one field. */
export interface MirrorTargetArgs {
  /** An existing ENI (`eni-...`), e.g. a sensor's. Accepts 10 source ENIs (100 on the largest sizes): small clusters only. */
  networkInterfaceId?: pulumi.Input<string>;
  /** A Network Load Balancer with a UDP 4789 listener in front of the sensors (no source limit). */
  networkLoadBalancerArn?: pulumi.Input<string>;
  /** A Gateway Load Balancer endpoint (`vpce-...`; no source limit). */
  gatewayLoadBalancerEndpointId?: pulumi.Input<string>;
}

/** A registry other than the cluster's ECR to push the agent image to. */
export interface ImageRegistryArgs {
  /** Repository to push to, without tag, e.g. `registry.example.com/secops/extrahop-rpcapd`. */
  repository: pulumi.Input<string>;
  /** User name for the registry. Absent: the credentials of the Docker config (`~/.docker/config.json`) are used. */
  username?: pulumi.Input<string>;
  /** Password or token (a secret). Required with `username`; also used as the nodes' image pull secret. */
  password?: pulumi.Input<string>;
}

/** A sensor whose side the component configures through the ExtraHop REST API. */
export interface SensorApiArgs {
  /** The sensor's REST API, `https://<sensor>[:port]`. */
  apiUrl: pulumi.Input<string>;
  /** API key of a sensor user allowed to change the running config (kept secret). */
  apiKey: pulumi.Input<string>;
  /** PEM bundle of the CA that signed the sensor's certificate (for a self-signed one: the certificate itself). */
  caCertificate?: pulumi.Input<string>;
  /** Name the certificate carries, when `apiUrl` uses an address it does not name. */
  tlsServerName?: pulumi.Input<string>;
  /** Skip certificate verification (warned about; prefer `caCertificate`). Default false. */
  tlsInsecure?: boolean;
  /** Also add the pod ranges to Remote L3 Device Discovery (when the sensor runs L2 discovery). Default false. */
  addToRemoteDiscovery?: pulumi.Input<boolean>;
}

/** A Fargate profile selector: pods of the namespace carrying every label. */
export interface FargateProfileSelectorArgs {
  /** Namespace (`*` and `?` wildcards allowed, as in EKS). */
  namespace: string;
  /** Labels the pod must carry, all of them. */
  labels?: { [key: string]: string };
}

/** A Fargate profile: which pods run on Fargate. */
export interface FargateProfileArgs {
  /** Profile name. */
  name: string;
  /** Selectors (1-5): a pod matches one when it is in its namespace and carries every label of it. */
  selectors: FargateProfileSelectorArgs[];
}

/** An inclusive port range. */
export interface PortRangeArgs {
  /** First port. */
  from: number;
  /** Last port. */
  to: number;
}

/** A Kubernetes toleration (core/v1 Toleration). */
export interface TolerationArgs {
  /** Taint key; absent with `operator: Exists` tolerates every taint. */
  key?: pulumi.Input<string>;
  /** `Exists` or `Equal` (default `Equal`). */
  operator?: pulumi.Input<string>;
  /** Taint value, for `Equal`. */
  value?: pulumi.Input<string>;
  /** `NoSchedule`, `PreferNoSchedule` or `NoExecute`; absent matches every effect. */
  effect?: pulumi.Input<string>;
  /** For `NoExecute`: seconds the pod stays after the taint appears; absent = forever. */
  tolerationSeconds?: pulumi.Input<number>;
}

/** CPU and memory of the agent container (core/v1 ResourceRequirements, quantities as strings). */
export interface AgentResourcesArgs {
  /** Requests, e.g. `{ cpu: "100m", memory: "128Mi" }`. */
  requests?: pulumi.Input<{ [resource: string]: pulumi.Input<string> }>;
  /** Limits, e.g. `{ memory: "256Mi" }`. */
  limits?: pulumi.Input<{ [resource: string]: pulumi.Input<string> }>;
}

/** Arguments of `PodPacketForwarding`. Values in `[...]` are the agent env variables they become. */
export interface PodPacketForwardingArgs {
  /**
   * The EKS cluster: an `eks.Cluster` of `@pulumi/eks` (its VPC, service range and kubeconfig are used; it may be
   * created in the same update) or the name of an existing EKS cluster (looked up through the AWS provider). Absent:
   * a self-managed cluster, reached through `kubeconfig` or the `kubernetes` provider in the resource options, whose
   * networking is discovered through the Kubernetes API (Calico IPPools, kubeadm-config, static-pod flags, node
   * podCIDRs) unless `podCidrs` and `serviceCidrs` are both given. Stack config key: `clusterName`.
   */
  cluster?: eks.Cluster | pulumi.Input<string>;
  /**
   * Kubeconfig to deploy with (a secret). Default: the `eks.Cluster`'s own, or one built from the EKS lookup that
   * authenticates with `aws eks get-token` (the AWS CLI on the deploying machine, with the stack's `aws:profile`).
   */
  kubeconfig?: pulumi.Input<string>;
  /** ExtraHop sensor IPv4 addresses, 1-10; each receives a full copy. [`EXTRAHOP_SENSOR_IP`] */
  sensorIps: pulumi.Input<pulumi.Input<string>[]>;
  /** Port of the sensor's packet-forwarding (RPCAP) rule, 1-65535. Default 2003. [`RPCAPD_TARGET_PORT`] */
  sensorPort?: pulumi.Input<number>;
  /**
   * Pod address ranges (IPv4 CIDRs). Default: looked up (EKS: every associated CIDR of the cluster's VPC;
   * self-managed: discovered). [`PODNET`]
   */
  podCidrs?: pulumi.Input<pulumi.Input<string>[]>;
  /** Service ranges (IPv4 CIDRs). Default: looked up (EKS `serviceIpv4Cidr`; self-managed: discovered). [`SVCNET`] */
  serviceCidrs?: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * The node datapath: `auto` (detected by the agent on each node), `vpc-cni`, `calico`, `flannel` or `cilium`.
   * Default `auto`. [`DATAPATH`]
   */
  datapath?: pulumi.Input<string>;
  /**
   * When set, VPC Traffic Mirroring copies what leaves every eligible node ENI to this target, and the agent reports
   * the rest (`VPC_MIRRORING=true`). EKS only. [`VPC_MIRRORING`]
   */
  mirrorTarget?: MirrorTargetArgs;
  /** Session number of the mirror sessions, 1-32766 (the lowest matching session on an ENI wins). Default 10. */
  mirrorSessionNumber?: pulumi.Input<number>;
  /** Bytes of each packet to mirror, 1-8500. Default: whole packets. */
  mirrorPacketLength?: pulumi.Input<number>;
  /** VXLAN network identifier of the mirror sessions, 0-16777215. Default: AWS picks one. */
  mirrorVni?: pulumi.Input<number>;
  /** Mirror DNS queries to the VPC resolver (network service `amazon-dns`). Default true. */
  mirrorAmazonDns?: pulumi.Input<boolean>;
  /** Instance types or families (`t2.*`) that cannot be mirrored; replaces the built-in list (AWS's documentation). */
  mirrorUnsupportedInstanceTypes?: pulumi.Input<pulumi.Input<string>[]>;
  /** EventBridge schedule of the full mirror reconcile that heals missed events. Default `rate(5 minutes)`. */
  reconcileSchedule?: pulumi.Input<string>;
  /**
   * Subnets used only by Fargate pods. With sidecars, the filter leaves packets to them to the pods' sidecars and the
   * sidecars skip what another Fargate pod sent. [`MIRROR_EXCLUDED_CIDRS`, sidecar `FARGATE_CIDRS`]
   */
  fargateCidrs?: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * Ignored (kept so that stacks of the first release still deploy): mirroring copies each packet where it leaves a
   * mirrored ENI, so no range needs declaring to avoid double copies. A value only adds a warning; remove it.
   * @deprecated
   */
  mirroredOnlyCidrs?: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * Path of the vendor's rpcapd installer (`.deb` or the "other Linux" `.tar.gz`), absolute or relative to the working
   * directory: the agent image is built from it. Required unless `agentImage` is set.
   */
  rpcapdPackage?: string;
  /** A prebuilt agent image pinned by digest (`repo@sha256:...`); no build, no registry. */
  agentImage?: pulumi.Input<string>;
  /** Push the built image to this registry instead of a new ECR repository (the default on EKS; required elsewhere). */
  imageRegistry?: pulumi.Input<ImageRegistryArgs>;
  /** Platform of the image build, `linux/amd64` or `linux/arm64`; must match the rpcapd package. Default `linux/amd64`. */
  imagePlatform?: pulumi.Input<string>;
  /** Namespace of the agent. Default `extrahop`. [`AGENT_NAMESPACE`] */
  namespace?: pulumi.Input<string>;
  /**
   * Create the namespace (labelled `pod-security.kubernetes.io/enforce: privileged`, which the agent needs). Set
   * false to use an existing namespace; it must allow privileged pods. Default true.
   */
  createNamespace?: pulumi.Input<boolean>;
  /** Nodes carrying this label key get no agent. Default `extrahop/norpcapd`. */
  excludeNodeLabel?: pulumi.Input<string>;
  /** Tolerations of the agent. Default: every taint (`[{ operator: "Exists" }]`), as node agents such as kube-proxy. */
  tolerations?: pulumi.Input<pulumi.Input<TolerationArgs>[]>;
  /** Extra node selector of the agent (the exclusion label still applies). Default none. */
  nodeSelector?: pulumi.Input<{ [key: string]: pulumi.Input<string> }>;
  /** CPU and memory of the agent. Default requests 100m / 128Mi, memory limit 256Mi. */
  resources?: pulumi.Input<AgentResourcesArgs>;
  /** Priority class of the agent. Default `system-node-critical`. */
  priorityClassName?: pulumi.Input<string>;
  /**
   * Sensors to configure for the user (RPCAP on, one packet-forwarding rule per pod range on `sensorPort`, optionally
   * Remote L3 Device Discovery, running config saved; only what was added is removed on destroy). Absent: the
   * steps are listed in the `sensorSteps` output instead.
   */
  sensorApis?: SensorApiArgs[];
  /**
   * The cluster's Fargate profiles (name and selectors, as in the EKS API): workloads they select get the capture
   * sidecar from `sidecarTransform()`, and the coverage report tells which pods run there without one.
   */
  fargateProfiles?: FargateProfileArgs[];
  /**
   * Security group of the sensors: rules are added so the nodes (and `podSecurityGroupIds`) reach the RPCAP port and
   * the data ports the sensor picks, and, with mirroring behind an NLB, send VXLAN (UDP 4789). EKS only. Absent: the
   * `sensorSteps` output says what the sensors' group must allow.
   */
  sensorSecurityGroupId?: pulumi.Input<string>;
  /** Security groups that security groups for pods give to pods (SecurityGroupPolicy): they also reach the sensors. */
  podSecurityGroupIds?: pulumi.Input<string>[];
  /** Security group of the mirror target (ENI target, or an NLB with security groups): UDP 4789 is allowed into it. */
  mirrorTargetSecurityGroupId?: pulumi.Input<string>;
  /** The sensors' RPCAP data ports, when known (the sensor picks them; default every port, TCP and UDP). */
  sensorDataPorts?: PortRangeArgs;
  /**
   * Read the cluster once the agents have rolled out and report who covers every node, Fargate profile and workload
   * (output `coverage`, uncovered ones also as warnings). The read uses the deploying kubeconfig (on EKS it runs
   * `aws eks get-token`). Set false where no cluster should be contacted: unit tests under Pulumi mocks, offline
   * plans. Default true.
   */
  coverageReport?: boolean;
  /** Tags for every AWS resource created. */
  tags?: pulumi.Input<{ [key: string]: pulumi.Input<string> }>;
}
