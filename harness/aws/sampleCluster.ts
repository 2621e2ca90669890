/**
 * The built-in sample: an EKS cluster `demo` in us-east-1 with the awkward cases a real account has
 * (secondary VPC CIDR for custom networking, secondary and trunk ENIs, a branch ENI of a pod on the trunk node, a
 * terminated node, an unsupported instance type, nodes of another cluster, a bastion, control-plane, load-balancer
 * and endpoint ENIs). Its Kubernetes side (Nodes and Pods) is `harness/kube/sample/`.
 * `syntheticFleet` scales the worker set for benchmarks.
 */
import type { Instance, InstanceNetworkInterface, NetworkInterface, Tag } from "@aws-sdk/client-ec2";
import type { AwsWorld } from "./world";

/** Name of the sample cluster. */
export const SAMPLE_CLUSTER = "demo";
const ACCOUNT = "111122223333";
const VPC = "vpc-0a1b2c3d4e5f60718";
const LAUNCH = new Date("2026-11-02T08:15:00Z");

const privateSubnets = [
  { id: "subnet-0aa11bb22cc33dd44", cidr: "10.0.0.0/19", az: "us-east-1a" },
  { id: "subnet-0bb22cc33dd44ee55", cidr: "10.0.32.0/19", az: "us-east-1b" },
];
const podSubnets = [
  { id: "subnet-0cc33dd44ee55ff66", cidr: "100.64.0.0/17", az: "us-east-1a" },
  { id: "subnet-0dd44ee55ff660077", cidr: "100.64.128.0/17", az: "us-east-1b" },
];
const publicSubnet = { id: "subnet-0ee55ff6600770088", cidr: "10.0.96.0/22", az: "us-east-1a" };

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, "0");
}

/** Tags EKS managed node groups put on their instances. */
function nodeTags(cluster: string, nodegroup: string): Tag[] {
  return [
    { Key: `kubernetes.io/cluster/${cluster}`, Value: "owned" },
    { Key: "eks:cluster-name", Value: cluster },
    { Key: "eks:nodegroup-name", Value: nodegroup },
    { Key: "aws:autoscaling:groupName", Value: `eks-${nodegroup}-8ac7d2e4` },
  ];
}

function ip(subnetCidr: string, host: number): string {
  const [a, b, c] = subnetCidr.split("/")[0].split(".").map(Number);
  return `${a}.${b}.${c + Math.floor(host / 256)}.${host % 256}`;
}

interface EniSpec {
  id: string;
  deviceIndex: number;
  address: string;
  subnet: { id: string; cidr: string };
  type?: string;
  description?: string;
}

function attachedEni(cluster: string, e: EniSpec): InstanceNetworkInterface {
  return {
    NetworkInterfaceId: e.id,
    InterfaceType: e.type ?? "interface",
    Description: e.description ?? (e.deviceIndex === 0 ? "" : "aws-K8S-i-secondary"),
    SubnetId: e.subnet.id,
    VpcId: VPC,
    OwnerId: ACCOUNT,
    Status: "in-use",
    PrivateIpAddress: e.address,
    PrivateIpAddresses: [{ Primary: true, PrivateIpAddress: e.address }],
    Attachment: {
      AttachmentId: `eni-attach-${e.id.slice(4)}`,
      DeviceIndex: e.deviceIndex,
      NetworkCardIndex: 0,
      Status: "attached",
      DeleteOnTermination: true,
      AttachTime: LAUNCH,
    },
    Groups: [{ GroupId: "sg-0f1e2d3c4b5a69788", GroupName: `eks-cluster-sg-${cluster}-1234567890` }],
  };
}

function instance(
  id: string,
  type: string,
  state: "running" | "terminated" | "pending" | "stopped",
  tags: Tag[],
  enis: InstanceNetworkInterface[],
  subnet: { id: string; az: string },
): Instance {
  const primary = enis.find((e) => e.Attachment?.DeviceIndex === 0);
  return {
    InstanceId: id,
    InstanceType: type as Instance["InstanceType"],
    ImageId: "ami-0c2b8ca1dad447f8a",
    LaunchTime: LAUNCH,
    Placement: { AvailabilityZone: subnet.az, Tenancy: "default" },
    PrivateIpAddress: state === "terminated" ? undefined : primary?.PrivateIpAddress,
    PrivateDnsName: primary?.PrivateIpAddress
      ? `ip-${primary.PrivateIpAddress.replace(/\./g, "-")}.ec2.internal`
      : "",
    State: {
      Code: { pending: 0, running: 16, stopped: 80, terminated: 48 }[state],
      Name: state,
    },
    SubnetId: state === "terminated" ? undefined : subnet.id,
    VpcId: state === "terminated" ? undefined : VPC,
    Architecture: type.startsWith("m7g") ? "arm64" : "x86_64",
    Hypervisor: "xen",
    Tags: tags,
    NetworkInterfaces: state === "terminated" ? [] : enis,
  };
}

/** A worker node of `cluster`: primary ENI plus `secondary` VPC CNI ENIs (pods in the pod subnet). */
function worker(
  cluster: string,
  index: number,
  type: string,
  secondary: number,
  opts: { state?: "running" | "terminated"; trunk?: boolean } = {},
): Instance {
  const az = index % 2;
  const nodeSubnet = privateSubnets[az];
  const podSubnet = podSubnets[az];
  const id = `i-0${hex(0x5e1a000 + index, 16)}`;
  const enis: EniSpec[] = [
    {
      id: `eni-0${hex(0xa0000 + index * 16, 16)}`,
      deviceIndex: 0,
      address: ip(nodeSubnet.cidr, 10 + index),
      subnet: nodeSubnet,
    },
  ];
  for (let d = 1; d <= secondary; d++) {
    enis.push({
      id: `eni-0${hex(0xa0000 + index * 16 + d, 16)}`,
      deviceIndex: d,
      address: ip(podSubnet.cidr, 10 + index * 8 + d),
      subnet: podSubnet,
    });
  }
  if (opts.trunk) {
    enis.push({
      id: `eni-0${hex(0xa0000 + index * 16 + 15, 16)}`,
      deviceIndex: secondary + 1,
      address: ip(nodeSubnet.cidr, 2000 + index),
      subnet: nodeSubnet,
      type: "trunk",
      description: "aws-k8s-trunk-eni",
    });
  }
  return instance(
    id,
    type,
    opts.state ?? "running",
    [...nodeTags(cluster, "workers"), { Key: "Name", Value: `${cluster}-workers-node-${index}` }],
    enis.map((e) => attachedEni(cluster, e)),
    { id: nodeSubnet.id, az: nodeSubnet.az },
  );
}

/** ENIs that belong to no worker: EKS control plane, an NLB, a VPC endpoint, a branch ENI (pod SG). */
function nonWorkerEnis(cluster: string): NetworkInterface[] {
  const base = {
    VpcId: VPC,
    Status: "in-use" as const,
    Groups: [{ GroupId: "sg-0f1e2d3c4b5a69788", GroupName: `eks-cluster-sg-${cluster}-1234567890` }],
  };
  return [
    {
      ...base,
      NetworkInterfaceId: "eni-0c0ffee000000a001",
      InterfaceType: "interface",
      Description: `Amazon EKS ${cluster}`,
      RequesterId: "123456789012",
      RequesterManaged: false,
      OwnerId: ACCOUNT,
      SubnetId: privateSubnets[0].id,
      PrivateIpAddress: "10.0.1.200",
      Attachment: {
        AttachmentId: "eni-attach-0c0ffee0001",
        DeviceIndex: 1,
        InstanceOwnerId: "602401143452",
        Status: "attached",
      },
    },
    {
      ...base,
      NetworkInterfaceId: "eni-0b0a1a2b3c4d5e6f7",
      InterfaceType: "network_load_balancer",
      Description: "ELB net/k8s-default-web-0f1e2d3c4b/4a5b6c7d8e9f0a1b",
      RequesterManaged: true,
      OwnerId: ACCOUNT,
      SubnetId: publicSubnet.id,
      PrivateIpAddress: "10.0.97.41",
    },
    {
      ...base,
      NetworkInterfaceId: "eni-0e0d0c0b0a0908070",
      InterfaceType: "vpc_endpoint",
      Description: "VPC Endpoint Interface vpce-0123456789abcdef0",
      RequesterManaged: true,
      OwnerId: ACCOUNT,
      SubnetId: privateSubnets[1].id,
      PrivateIpAddress: "10.0.33.9",
    },
    {
      ...base,
      NetworkInterfaceId: "eni-0ba4c4b4a4b4c4d4e",
      InterfaceType: "branch",
      Description: "aws-k8s-branch-eni",
      OwnerId: ACCOUNT,
      SubnetId: privateSubnets[0].id,
      PrivateIpAddress: "10.0.2.77",
      TagSet: [
        { Key: "eks:eni:owner", Value: "eks-vpc-resource-controller" },
        { Key: "vpcresources.k8s.aws/cluster-name", Value: cluster },
      ],
    },
  ];
}

/** Tag the VPC resource controller puts on the trunk and branch ENIs it creates for a node. */
export const BRANCH_ENI_NODE_TAG = "node.k8s.amazonaws.com/instance_id";
/** Tag naming the trunk ENI a branch ENI is associated with. */
export const BRANCH_ENI_TRUNK_TAG = "vpcresources.k8s.aws/trunk-eni-id";
/** Tag holding a branch ENI's VLAN id on its trunk. */
export const BRANCH_ENI_VLAN_TAG = "vpcresources.k8s.aws/vlan-id";

/**
 * The branch ENI of a security-groups-for-pods pod on a worker with a trunk ENI. The VPC resource controller creates
 * it in the node's subnet, describes it `aws-k8s-branch-eni`, associates it with the trunk on a VLAN and tags it with
 * the node's instance id, the trunk and the VLAN (aws/amazon-vpc-resource-controller-k8s `pkg/config/type.go` and
 * `pkg/provider/branch/trunk/trunk.go`, `CreateAndAssociateBranchENIs`). EC2 shows no instance attachment for it.
 */
function branchEni(
  cluster: string,
  node: Instance,
  index: number,
  vlanId: number,
  host: number,
): NetworkInterface {
  const trunk = (node.NetworkInterfaces ?? []).find((e) => e.InterfaceType === "trunk");
  const subnet = privateSubnets.find((s) => s.id === node.SubnetId) ?? privateSubnets[0];
  return {
    NetworkInterfaceId: `eni-0${hex(0xb0000 + index * 16 + vlanId, 16)}`,
    InterfaceType: "branch",
    Description: "aws-k8s-branch-eni",
    OwnerId: ACCOUNT,
    VpcId: VPC,
    SubnetId: subnet.id,
    AvailabilityZone: subnet.az,
    Status: "in-use",
    PrivateIpAddress: ip(subnet.cidr, host),
    MacAddress: `0a:b4:${hex(index, 2)}:00:00:${hex(vlanId, 2)}`,
    Groups: [{ GroupId: "sg-0c4b2a1d9e8f70615", GroupName: "payments-pods" }],
    TagSet: [
      { Key: "eks:eni:owner", Value: "eks-vpc-resource-controller" },
      { Key: `kubernetes.io/cluster/${cluster}`, Value: "owned" },
      { Key: BRANCH_ENI_NODE_TAG, Value: node.InstanceId },
      { Key: BRANCH_ENI_TRUNK_TAG, Value: trunk?.NetworkInterfaceId },
      { Key: BRANCH_ENI_VLAN_TAG, Value: String(vlanId) },
    ],
  };
}

/**
 * The sample account: cluster `demo` (4 running workers: m5.large with 1 secondary ENI, m5.xlarge with 2,
 * m5.2xlarge with a trunk ENI (security groups for pods) and one pod's branch ENI, t2.medium which cannot be
 * mirrored; one terminated worker), cluster `other` with one worker, a bastion, and non-worker ENIs.
 */
export function sampleWorld(): AwsWorld {
  const instances = [
    worker(SAMPLE_CLUSTER, 1, "m5.large", 1),
    worker(SAMPLE_CLUSTER, 2, "m5.xlarge", 2),
    worker(SAMPLE_CLUSTER, 3, "m5.2xlarge", 1, { trunk: true }),
    worker(SAMPLE_CLUSTER, 4, "t2.medium", 1),
    worker(SAMPLE_CLUSTER, 5, "m5.large", 1, { state: "terminated" }),
    worker("other", 9, "m5.large", 0),
    instance(
      "i-0bba571011000beef",
      "t3.micro",
      "running",
      [{ Key: "Name", Value: "bastion" }],
      [
        attachedEni(SAMPLE_CLUSTER, {
          id: "eni-0bba571000000beef",
          deviceIndex: 0,
          address: "10.0.96.10",
          subnet: publicSubnet,
        }),
      ],
      { id: publicSubnet.id, az: publicSubnet.az },
    ),
  ];
  const world = worldWith(instances);
  world.networkInterfaces.push(branchEni(SAMPLE_CLUSTER, instances[2], 3, 1, 333));
  return world;
}

/**
 * A cluster `demo` of `nodes` running m5.xlarge workers with 3 ENIs each (primary + 2 VPC CNI secondaries),
 * for benchmarks of discovery and reconcile at scale.
 */
export function syntheticFleet(nodes: number): AwsWorld {
  return worldWith(Array.from({ length: nodes }, (_, i) => worker(SAMPLE_CLUSTER, i + 1, "m5.xlarge", 2)));
}

function worldWith(instances: Instance[]): AwsWorld {
  return {
    accountId: ACCOUNT,
    region: "us-east-1",
    clusters: [
      {
        name: SAMPLE_CLUSTER,
        arn: `arn:aws:eks:us-east-1:${ACCOUNT}:cluster/${SAMPLE_CLUSTER}`,
        createdAt: new Date("2026-03-14T10:02:11Z"),
        version: "1.33",
        endpoint: "https://9F2A64E1C3B5D7A8E0F1B2C3D4E5F607.gr7.us-east-1.eks.amazonaws.com",
        roleArn: `arn:aws:iam::${ACCOUNT}:role/demo-eks-cluster-role`,
        resourcesVpcConfig: {
          subnetIds: [...privateSubnets.map((s) => s.id), publicSubnet.id],
          securityGroupIds: ["sg-0a9b8c7d6e5f40312"],
          clusterSecurityGroupId: "sg-0f1e2d3c4b5a69788",
          vpcId: VPC,
          endpointPublicAccess: true,
          endpointPrivateAccess: true,
          publicAccessCidrs: ["0.0.0.0/0"],
        },
        kubernetesNetworkConfig: {
          serviceIpv4Cidr: "172.20.0.0/16",
          ipFamily: "ipv4",
          elasticLoadBalancing: { enabled: false },
        },
        identity: {
          oidc: { issuer: "https://oidc.eks.us-east-1.amazonaws.com/id/9F2A64E1C3B5D7A8E0F1B2C3D4E5F607" },
        },
        status: "ACTIVE",
        certificateAuthority: {
          data: Buffer.from(
            "-----BEGIN CERTIFICATE-----\nMIIC/jCCAeagAwIBAgIBADANBgkqhkiG9w0BAQsFADAVMRMwEQYDVQQDEwprdWJl\n-----END CERTIFICATE-----\n",
          ).toString("base64"),
        },
        platformVersion: "eks.12",
        tags: {},
        accessConfig: { authenticationMode: "API_AND_CONFIG_MAP" },
      },
    ],
    vpcs: [
      {
        VpcId: VPC,
        OwnerId: ACCOUNT,
        State: "available",
        CidrBlock: "10.0.0.0/16",
        DhcpOptionsId: "dopt-0123456789abcdef0",
        InstanceTenancy: "default",
        IsDefault: false,
        CidrBlockAssociationSet: [
          {
            AssociationId: "vpc-cidr-assoc-0a1",
            CidrBlock: "10.0.0.0/16",
            CidrBlockState: { State: "associated" },
          },
          {
            AssociationId: "vpc-cidr-assoc-0b2",
            CidrBlock: "100.64.0.0/16",
            CidrBlockState: { State: "associated" },
          },
          {
            AssociationId: "vpc-cidr-assoc-0c3",
            CidrBlock: "10.1.0.0/16",
            CidrBlockState: { State: "disassociated" },
          },
        ],
        Tags: [{ Key: "Name", Value: "demo-vpc" }],
      },
    ],
    subnets: [...privateSubnets, ...podSubnets, publicSubnet].map((s) => ({
      SubnetId: s.id,
      VpcId: VPC,
      CidrBlock: s.cidr,
      AvailabilityZone: s.az,
      State: "available",
      OwnerId: ACCOUNT,
      AvailableIpAddressCount: 8000,
      MapPublicIpOnLaunch: s === publicSubnet,
      Tags: podSubnets.includes(s) ? [{ Key: "kubernetes.io/role/cni", Value: "1" }] : [],
    })),
    instances,
    networkInterfaces: nonWorkerEnis(SAMPLE_CLUSTER),
    trafficMirrorSessions: [],
  };
}
