/**
 * The Kubernetes side of the built-in sample account (`harness/aws/sampleCluster.ts`, cluster `demo`): the Nodes and
 * Pods the API would list for it, matching its EC2 side, and the cluster's Fargate profiles.
 *
 * - one Node per running worker of `demo` (the terminated worker, the other cluster's node and the bastion have none);
 *   the trunk-ENI worker's node group opted out of the agent (label `extrahop/norpcapd`), the t2.medium worker is
 *   tainted for batch work;
 * - the add-ons every EKS cluster runs (`aws-node` and `kube-proxy` DaemonSets on the host network, two CoreDNS
 *   replicas), a web Deployment, and the payments team's pods on the opted-out node: a StatefulSet and a Deployment
 *   using security groups for pods, whose pod carries the `vpc.amazonaws.com/pod-eni` annotation the VPC resource
 *   controller writes for the sample's branch ENI (aws/amazon-vpc-resource-controller-k8s
 *   `pkg/provider/branch/provider.go`, `CreateAndAnnotateResources`: a JSON list of `eniId`, `ifAddress`, `privateIp`,
 *   `vlanId`, `subnetCidr`);
 * - two Fargate profiles: `serverless` runs two workloads (one carrying the capture sidecar, one without), `batch`
 *   selects nothing that runs now. Fargate pods are labelled with their profile and scheduled by `fargate-scheduler`,
 *   each on its own Fargate node (the EKS user guide, "AWS Fargate considerations").
 */
import type { NetworkInterface } from "@aws-sdk/client-ec2";
import { BRANCH_ENI_NODE_TAG, BRANCH_ENI_VLAN_TAG, SAMPLE_CLUSTER } from "../../aws/sampleCluster";
import type { AwsWorld } from "../../aws/world";
import type { FargateProfile } from "../../../components/fargate";
import { ec2Node, fargateNode, type SampleNode } from "./eksNodes";
import { workloadPod, type SampleContainer, type SamplePod, type WorkloadPodSpec } from "./workloadPods";

/** The label key nodes opt out of the agent with (the component's default `excludeNodeLabel`). */
export const SAMPLE_EXCLUDE_LABEL = "extrahop/norpcapd";

/** When the sample's objects are listed: every node is older than the mirroring settle time by then. */
export const SAMPLE_LISTED_AT = "2026-11-20T12:00:00Z";

/** The sample cluster's Fargate profiles (the form of the `fargateProfiles` argument). */
export const SAMPLE_FARGATE_PROFILES: FargateProfile[] = [
  { name: "batch", selectors: [{ namespace: "batch", labels: { compute: "fargate" } }] },
  { name: "serverless", selectors: [{ namespace: "serverless" }] },
];

/** The sample's Kubernetes objects. */
export interface SampleKubernetes {
  /** Every Node, EC2 workers first, then Fargate nodes. */
  nodes: SampleNode[];
  /** Every Pod. */
  pods: SamplePod[];
  /** The cluster's Fargate profiles. */
  fargateProfiles: FargateProfile[];
  /** When the objects are listed (ms since the epoch). */
  listedAt: number;
}

/** The sidecar container as the transform or the patch adds it, with the image the plan shows. */
const SIDECAR: SampleContainer = {
  name: "extrahop-rpcapd",
  image: "111122223333.dkr.ecr.us-east-1.amazonaws.com/extrahop-rpcapd:9.6.0",
  resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "128Mi" } },
};

const CREATED = "2026-11-02T08:20:00Z";

function image(repo: string): string {
  return `602401143452.dkr.ecr.us-east-1.amazonaws.com/${repo}`;
}

/** The address a pod gets from its node's VPC CNI secondary ENI (custom networking: the pod subnet). */
function podAddressOn(world: AwsWorld, node: SampleNode, offset: number): string {
  const instanceId = /(i-[0-9a-f]+)$/.exec(node.spec?.providerID ?? "")?.[1];
  const instance = world.instances.find((i) => i.InstanceId === instanceId);
  const secondary = (instance?.NetworkInterfaces ?? []).find((e) => e.Attachment?.DeviceIndex === 1);
  const [a, b, c, d] = (secondary?.PrivateIpAddress ?? "100.64.0.0").split(".").map(Number);
  return `${a}.${b}.${c}.${d + offset}`;
}

/** The annotation the VPC resource controller writes on a pod that got `eni`. */
function podEniAnnotation(eni: NetworkInterface, subnetCidr: string): string {
  const vlan = Number(eni.TagSet?.find((t) => t.Key === BRANCH_ENI_VLAN_TAG)?.Value ?? 0);
  return JSON.stringify([
    {
      eniId: eni.NetworkInterfaceId,
      ifAddress: eni.MacAddress,
      privateIp: eni.PrivateIpAddress,
      vlanId: vlan,
      subnetCidr,
    },
  ]);
}

/**
 * The Kubernetes objects of the sample cluster, built from the sample account so node names, addresses, provider
 * ids and the branch ENI agree with EC2.
 * @param world the sample account (`sampleWorld()`)
 */
export function sampleKubernetes(world: AwsWorld): SampleKubernetes {
  const workers = world.instances.filter(
    (i) =>
      i.State?.Name === "running" &&
      (i.Tags ?? []).some((t) => t.Key === "eks:cluster-name" && t.Value === SAMPLE_CLUSTER),
  );
  const [web1, web2, payments, batch] = workers;
  const nodes = [
    ec2Node(web1),
    ec2Node(web2),
    ec2Node(payments, { labels: { [SAMPLE_EXCLUDE_LABEL]: "true" } }),
    ec2Node(batch, { taints: [{ key: "dedicated", value: "batch", effect: "NoSchedule" }] }),
  ];
  const [node1, node2, node3, node4] = nodes;
  const pods: SamplePod[] = [];
  const add = (spec: Omit<WorkloadPodSpec, "created">, seed: string) =>
    pods.push(workloadPod({ created: CREATED, ...spec }, seed));

  const allTaints = [{ operator: "Exists" as const }];
  for (const node of nodes) {
    const host = node.metadata.name;
    add(
      {
        namespace: "kube-system",
        controller: { kind: "DaemonSet", name: "aws-node" },
        labels: { "app.kubernetes.io/name": "aws-node", "k8s-app": "aws-node" },
        node,
        hostNetwork: true,
        priorityClassName: "system-node-critical",
        serviceAccountName: "aws-node",
        tolerations: allTaints,
        containers: [{ name: "aws-node", image: image("amazon-k8s-cni:v1.20.4-eksbuild.1") }],
      },
      `aws-node/${host}`,
    );
    add(
      {
        namespace: "kube-system",
        controller: { kind: "DaemonSet", name: "kube-proxy" },
        labels: { "k8s-app": "kube-proxy" },
        node,
        hostNetwork: true,
        priorityClassName: "system-node-critical",
        serviceAccountName: "kube-proxy",
        tolerations: allTaints,
        containers: [{ name: "kube-proxy", image: image("eks/kube-proxy:v1.33.5-minimal-eksbuild.2") }],
      },
      `kube-proxy/${host}`,
    );
  }
  for (const [i, node] of [node1, node2].entries()) {
    add(
      {
        namespace: "kube-system",
        controller: { kind: "Deployment", name: "coredns" },
        labels: { "eks.amazonaws.com/component": "coredns", "k8s-app": "kube-dns" },
        node,
        podIp: podAddressOn(world, node, 1),
        priorityClassName: "system-cluster-critical",
        serviceAccountName: "coredns",
        tolerations: [{ key: "CriticalAddonsOnly", operator: "Exists" }],
        containers: [
          {
            name: "coredns",
            image: image("eks/coredns:v1.12.4-eksbuild.1"),
            ports: [
              { name: "dns", containerPort: 53, protocol: "UDP" },
              { name: "dns-tcp", containerPort: 53 },
            ],
          },
        ],
      },
      `coredns/${i}`,
    );
  }
  for (const [i, node] of [node1, node2, node4].entries()) {
    add(
      {
        namespace: "web",
        controller: { kind: "Deployment", name: "storefront" },
        labels: { app: "storefront" },
        node,
        podIp: podAddressOn(world, node, 2),
        tolerations: node === node4 ? [{ key: "dedicated", operator: "Equal", value: "batch" }] : undefined,
        containers: [
          {
            name: "web",
            image: "public.ecr.aws/nginx/nginx:1.29",
            ports: [{ name: "http", containerPort: 8080 }],
          },
        ],
      },
      `storefront/${i}`,
    );
  }
  add(
    {
      namespace: "payments",
      controller: { kind: "StatefulSet", name: "ledger", ordinal: 0 },
      labels: { app: "ledger" },
      node: node3,
      podIp: podAddressOn(world, node3, 1),
      containers: [
        {
          name: "postgres",
          image: "public.ecr.aws/docker/library/postgres:17",
          ports: [{ name: "pg", containerPort: 5432 }],
        },
      ],
    },
    "ledger/0",
  );
  const branch = world.networkInterfaces.find(
    (e) =>
      e.InterfaceType === "branch" &&
      e.TagSet?.some((t) => t.Key === BRANCH_ENI_NODE_TAG && t.Value === payments.InstanceId),
  );
  if (branch) {
    const subnet = world.subnets.find((s) => s.SubnetId === branch.SubnetId)?.CidrBlock ?? "";
    add(
      {
        namespace: "payments",
        controller: { kind: "Deployment", name: "payments-api" },
        labels: { app: "payments-api", "security-group": "payments-pods" },
        annotations: { "vpc.amazonaws.com/pod-eni": podEniAnnotation(branch, subnet) },
        node: node3,
        podIp: branch.PrivateIpAddress,
        containers: [
          {
            name: "api",
            image: "111122223333.dkr.ecr.us-east-1.amazonaws.com/payments-api:4.2.1",
            ports: [{ name: "https", containerPort: 8443 }],
            // The VPC resource controller's webhook adds the branch ENI request to pods a SecurityGroupPolicy selects.
            resources: {
              requests: { "vpc.amazonaws.com/pod-eni": "1" },
              limits: { "vpc.amazonaws.com/pod-eni": "1" },
            },
          },
        ],
      },
      "payments-api/0",
    );
  }

  const fargateSubnet = world.subnets.find(
    (s) => s.AvailabilityZone === "us-east-1a" && s.CidrBlock?.startsWith("10.0.0."),
  );
  const fargateZone = fargateSubnet?.AvailabilityZone ?? "us-east-1a";
  const fargateWorkloads: { name: string; containers: SampleContainer[]; replicas: number }[] = [
    {
      name: "thumbnailer",
      replicas: 2,
      containers: [
        { name: "thumbnailer", image: "111122223333.dkr.ecr.us-east-1.amazonaws.com/thumbnailer:2.0.3" },
      ],
    },
    {
      name: "notifier",
      replicas: 1,
      containers: [
        { name: "notifier", image: "111122223333.dkr.ecr.us-east-1.amazonaws.com/notifier:1.8.0" },
        SIDECAR,
      ],
    },
  ];
  let host = 150;
  for (const w of fargateWorkloads) {
    for (let r = 0; r < w.replicas; r++) {
      const address = `10.0.0.${host++}`;
      const node = fargateNode(address, fargateZone, CREATED);
      nodes.push(node);
      add(
        {
          namespace: "serverless",
          controller: { kind: "Deployment", name: w.name },
          labels: { app: w.name, "eks.amazonaws.com/fargate-profile": "serverless" },
          annotations: { CapacityProvisioned: "0.25vCPU 0.5GB" },
          node,
          podIp: address,
          schedulerName: "fargate-scheduler",
          containers: w.containers,
        },
        `${w.name}/${r}`,
      );
    }
  }
  return { nodes, pods, fargateProfiles: SAMPLE_FARGATE_PROFILES, listedAt: Date.parse(SAMPLE_LISTED_AT) };
}
