/**
 * Node objects as an EKS cluster lists them: one per running EC2 worker (registered by its kubelet, labelled by the
 * kubelet, the AWS cloud provider and EKS managed node groups) and one per Fargate pod (the micro-VM EKS registers for
 * it). Fields follow what `kubectl get node -o yaml` shows on EKS:
 * - EC2 nodes are named after the instance's private DNS name, with `spec.providerID` `aws:///<zone>/<instance id>`
 *   (kubernetes/cloud-provider-aws `pkg/providers/v1/aws.go`, `KubernetesInstanceID`), addresses `InternalIP`,
 *   `InternalDNS` and `Hostname`, the well-known labels (`kubernetes.io/arch|os|hostname`,
 *   `node.kubernetes.io/instance-type`, `topology.kubernetes.io/region|zone`, their `beta`/`failure-domain`
 *   predecessors), and the node group's (`eks.amazonaws.com/nodegroup`, `capacityType`, `nodegroup-image`);
 * - capacity `pods` is the VPC CNI's max pods for the type (ENIs x (IPv4 per ENI - 1) + 2, amazon-vpc-cni-k8s
 *   `misc/eni-max-pods.txt`); a node with a trunk ENI is labelled `vpc.amazonaws.com/has-trunk-attached=true` and
 *   offers `vpc.amazonaws.com/pod-eni` branch ENIs (aws/amazon-vpc-resource-controller-k8s `pkg/config/type.go`,
 *   `pkg/aws/vpc/limits.go` `BranchInterface`);
 * - Fargate nodes are named `fargate-<private DNS name of the pod>`, labelled `eks.amazonaws.com/compute-type=fargate`,
 *   tainted `eks.amazonaws.com/compute-type=fargate:NoSchedule` and run one pod (as users report them, e.g.
 *   aws/amazon-cloudwatch-agent#580, aws/containers-roadmap#1476).
 */
import type { Instance } from "@aws-sdk/client-ec2";
import type { INode } from "kubernetes-models/v1/Node";
import type { ITaint } from "kubernetes-models/v1/Taint";
import type { NodeObject } from "../../../components/coverage";
import { uidFor } from "./generatedNames";

/** A Node as the API lists it, typed both as upstream's Node and as what the coverage report reads. */
export type SampleNode = INode & NodeObject;

/** What the VPC CNI and the VPC resource controller allow per instance type (the sample's types). */
const INSTANCE_LIMITS: Record<
  string,
  { cpu: string; memoryKi: number; enis: number; ipsPerEni: number; branch: number }
> = {
  "m5.large": { cpu: "2", memoryKi: 7_910_360, enis: 3, ipsPerEni: 10, branch: 9 },
  "m5.xlarge": { cpu: "4", memoryKi: 15_950_552, enis: 4, ipsPerEni: 15, branch: 18 },
  "m5.2xlarge": { cpu: "8", memoryKi: 32_408_076, enis: 4, ipsPerEni: 15, branch: 38 },
  "t2.medium": { cpu: "2", memoryKi: 3_955_144, enis: 3, ipsPerEni: 6, branch: 0 },
};

/** The kubelet and OS of the sample's nodes (EKS 1.33 on the Amazon Linux 2023 EKS AMI). */
const KUBELET_VERSION = "v1.33.5-eks-113cf36";
const OS_IMAGE = "Amazon Linux 2023.9.20251110";
const KERNEL = "6.1.156-177.286.amzn2023";
const RUNTIME = "containerd://1.7.27";

/** How long a kubelet takes from the instance's launch to registering its Node. */
const REGISTRATION_DELAY_MS = 90_000;

/** What a node carries beyond what EC2 says: labels and taints set by the cluster's operators. */
export interface NodeExtras {
  /** Extra labels (e.g. the agent's exclusion label). */
  labels?: Record<string, string>;
  /** Taints. */
  taints?: ITaint[];
}

function conditions(at: string): NonNullable<NonNullable<INode["status"]>["conditions"]> {
  return [
    ["MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"],
    ["DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"],
    ["PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"],
    ["Ready", "True", "KubeletReady", "kubelet is posting ready status"],
  ].map(([type, status, reason, message]) => ({
    type,
    status,
    reason,
    message,
    lastHeartbeatTime: at,
    lastTransitionTime: at,
  }));
}

/**
 * The Node of a running EC2 worker of an EKS managed node group.
 * @param instance the instance as DescribeInstances returns it
 * @param extras labels and taints added in the cluster
 */
export function ec2Node(instance: Instance, extras: NodeExtras = {}): SampleNode {
  const name = instance.PrivateDnsName ?? "";
  const address = instance.PrivateIpAddress ?? "";
  const type = String(instance.InstanceType);
  const zone = instance.Placement?.AvailabilityZone ?? "";
  const region = zone.slice(0, -1);
  const arch = instance.Architecture === "arm64" ? "arm64" : "amd64";
  const tag = (key: string) => instance.Tags?.find((t) => t.Key === key)?.Value ?? "";
  const limits = INSTANCE_LIMITS[type] ?? INSTANCE_LIMITS["m5.large"];
  const created = new Date((instance.LaunchTime?.getTime() ?? 0) + REGISTRATION_DELAY_MS)
    .toISOString()
    .replace(".000", "");
  const trunk = (instance.NetworkInterfaces ?? []).some((e) => e.InterfaceType === "trunk");
  const maxPods = String(limits.enis * (limits.ipsPerEni - 1) + 2);
  const branch: Record<string, string> = trunk ? { "vpc.amazonaws.com/pod-eni": String(limits.branch) } : {};
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name,
      uid: uidFor(`node/${name}`),
      creationTimestamp: created,
      labels: {
        "beta.kubernetes.io/arch": arch,
        "beta.kubernetes.io/instance-type": type,
        "beta.kubernetes.io/os": "linux",
        "eks.amazonaws.com/capacityType": "ON_DEMAND",
        "eks.amazonaws.com/nodegroup": tag("eks:nodegroup-name"),
        "eks.amazonaws.com/nodegroup-image": instance.ImageId ?? "",
        "failure-domain.beta.kubernetes.io/region": region,
        "failure-domain.beta.kubernetes.io/zone": zone,
        "k8s.io/cloud-provider-aws": uidFor(`cloud-provider/${tag("eks:cluster-name")}`).replace(/-/g, ""),
        "kubernetes.io/arch": arch,
        "kubernetes.io/hostname": name,
        "kubernetes.io/os": "linux",
        "node.kubernetes.io/instance-type": type,
        "topology.kubernetes.io/region": region,
        "topology.kubernetes.io/zone": zone,
        ...(trunk ? { "vpc.amazonaws.com/has-trunk-attached": "true" } : {}),
        ...extras.labels,
      },
      annotations: {
        "alpha.kubernetes.io/provided-node-ip": address,
        "node.alpha.kubernetes.io/ttl": "0",
        "volumes.kubernetes.io/controller-managed-attach-detach": "true",
      },
    },
    spec: {
      providerID: `aws:///${zone}/${instance.InstanceId}`,
      ...(extras.taints?.length ? { taints: extras.taints } : {}),
    },
    status: {
      capacity: {
        cpu: limits.cpu,
        memory: `${limits.memoryKi}Ki`,
        "ephemeral-storage": "83873772Ki",
        pods: maxPods,
        ...branch,
      },
      allocatable: {
        cpu: `${Number(limits.cpu) * 1000 - 70}m`,
        memory: `${limits.memoryKi - 690_000}Ki`,
        "ephemeral-storage": "76224326324",
        pods: maxPods,
        ...branch,
      },
      conditions: conditions(created),
      addresses: [
        { type: "InternalIP", address },
        { type: "InternalDNS", address: name },
        { type: "Hostname", address: name },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        machineID: uidFor(`machine/${name}`).replace(/-/g, ""),
        systemUUID: `ec2${uidFor(`system/${name}`).slice(3)}`,
        bootID: uidFor(`boot/${name}`),
        kernelVersion: `${KERNEL}.${arch === "arm64" ? "aarch64" : "x86_64"}`,
        osImage: OS_IMAGE,
        containerRuntimeVersion: RUNTIME,
        kubeletVersion: KUBELET_VERSION,
        kubeProxyVersion: KUBELET_VERSION,
        operatingSystem: "linux",
        architecture: arch,
      },
    },
  };
}

/**
 * The Node EKS registers for one Fargate pod.
 * @param podAddress the pod's (and the node's) IPv4 address
 * @param zone availability zone of the pod's subnet
 * @param created when the pod was scheduled
 */
export function fargateNode(podAddress: string, zone: string, created: string): SampleNode {
  const dnsName = `ip-${podAddress.replace(/\./g, "-")}.ec2.internal`;
  const name = `fargate-${dnsName}`;
  const region = zone.slice(0, -1);
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name,
      uid: uidFor(`node/${name}`),
      creationTimestamp: created,
      labels: {
        "beta.kubernetes.io/arch": "amd64",
        "beta.kubernetes.io/os": "linux",
        "eks.amazonaws.com/compute-type": "fargate",
        "failure-domain.beta.kubernetes.io/region": region,
        "failure-domain.beta.kubernetes.io/zone": zone,
        "kubernetes.io/arch": "amd64",
        "kubernetes.io/hostname": dnsName,
        "kubernetes.io/os": "linux",
        "topology.kubernetes.io/region": region,
        "topology.kubernetes.io/zone": zone,
      },
      annotations: {
        "node.alpha.kubernetes.io/ttl": "0",
        "volumes.kubernetes.io/controller-managed-attach-detach": "true",
      },
    },
    spec: {
      providerID: `aws:///${zone}/${uidFor(`fargate/${name}`).replace(/-/g, "").slice(0, 10)}-${uidFor(`task/${name}`).replace(/-/g, "")}/${name}`,
      taints: [{ key: "eks.amazonaws.com/compute-type", value: "fargate", effect: "NoSchedule" }],
    },
    status: {
      capacity: { cpu: "2", memory: "3919300Ki", "ephemeral-storage": "30787492Ki", pods: "1" },
      allocatable: { cpu: "2", memory: "3816900Ki", "ephemeral-storage": "28373752553", pods: "1" },
      conditions: conditions(created),
      addresses: [
        { type: "InternalIP", address: podAddress },
        { type: "InternalDNS", address: dnsName },
        { type: "Hostname", address: dnsName },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        machineID: uidFor(`machine/${name}`).replace(/-/g, ""),
        systemUUID: `ec2${uidFor(`system/${name}`).slice(3)}`,
        bootID: uidFor(`boot/${name}`),
        kernelVersion: "5.10.245-245.983.amzn2.x86_64",
        osImage: "Amazon Linux 2",
        containerRuntimeVersion: RUNTIME,
        kubeletVersion: KUBELET_VERSION,
        kubeProxyVersion: KUBELET_VERSION,
        operatingSystem: "linux",
        architecture: "amd64",
      },
    },
  };
}
