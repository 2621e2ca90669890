/**
 * Fake EKS and EC2 APIs over an `AwsWorld`: the real SDK v3 clients are intercepted (aws-sdk-client-mock) and
 * answer like AWS does: EC2 filters (values OR'ed, filters AND'ed), MaxResults/NextToken pagination, one
 * reservation per instance, and AWS's own errors for unknown clusters and filters.
 */
import { mockClient, type AwsStub } from "aws-sdk-client-mock";
import {
  DescribeClusterCommand,
  EKSClient,
  ResourceNotFoundException,
  type EKSClientResolvedConfig,
  type ServiceInputTypes as EksInputs,
  type ServiceOutputTypes as EksOutputs,
} from "@aws-sdk/client-eks";
import {
  DescribeInstancesCommand,
  DescribeNetworkInterfacesCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  EC2Client,
  EC2ServiceException,
  type EC2ClientResolvedConfig,
  type ServiceInputTypes,
  type ServiceOutputTypes,
  type Filter,
  type NetworkInterface,
  type Tag,
} from "@aws-sdk/client-ec2";
import type { AwsWorld } from "./world";

/** The installed fakes; `restore()` puts the real clients back. Tests may add handlers to the mocks. */
export interface FakeAws {
  /** aws-sdk-client-mock stub of every EC2Client. */
  ec2: AwsStub<ServiceInputTypes, ServiceOutputTypes, EC2ClientResolvedConfig>;
  /** aws-sdk-client-mock stub of every EKSClient. */
  eks: AwsStub<EksInputs, EksOutputs, EKSClientResolvedConfig>;
  /** Number of API calls answered so far, by command name. */
  calls: Record<string, number>;
  /** Undo the interception. */
  restore(): void;
}

/** AWS's error for a malformed request, as the SDK raises it. */
export function ec2Error(name: string, message: string): EC2ServiceException {
  return new EC2ServiceException({ name, message, $fault: "client", $metadata: { httpStatusCode: 400 } });
}

type Resolver = (name: string) => string[] | undefined;

/** True when a resource matches every filter (EC2 semantics; `*` wildcards in values). */
export function matchesFilters(filters: Filter[] | undefined, resolve: Resolver): boolean {
  return (filters ?? []).every((f) => {
    const actual = resolve(f.Name ?? "");
    if (actual === undefined) {
      throw ec2Error("InvalidParameterValue", `The filter '${f.Name}' is invalid`);
    }
    const wanted = (f.Values ?? []).map(
      (v) => new RegExp(`^${v.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`),
    );
    return actual.some((a) => wanted.some((w) => w.test(a)));
  });
}

/** Resolves `tag:<key>` and `tag-key` filters against a tag list; undefined for other names. */
export function tagFilter(name: string, tags: Tag[] | undefined): string[] | undefined {
  if (name.startsWith("tag:")) {
    const key = name.slice(4);
    return (tags ?? []).filter((t) => t.Key === key).map((t) => t.Value ?? "");
  }
  if (name === "tag-key") {
    return (tags ?? []).map((t) => t.Key ?? "");
  }
  return undefined;
}

/** One page of `items` for MaxResults/NextToken; the token is opaque to callers, as AWS's is. */
export function paginate<T>(
  items: T[],
  maxResults: number | undefined,
  nextToken: string | undefined,
  max = 1000,
) {
  if (maxResults !== undefined && (maxResults < 5 || maxResults > max)) {
    throw ec2Error(
      "InvalidParameterValue",
      `Value ( ${maxResults} ) for parameter maxResults is invalid. Expecting a value between 5 and ${max}.`,
    );
  }
  const start = nextToken ? Number(Buffer.from(nextToken, "base64").toString("utf8").split(":")[1]) : 0;
  if (!Number.isInteger(start)) {
    throw ec2Error("InvalidParameterValue", "The token is invalid");
  }
  const size = maxResults ?? (nextToken ? max : items.length || 1);
  const page = items.slice(start, start + size);
  const end = start + size;
  return { page, nextToken: end < items.length ? Buffer.from(`page:${end}`).toString("base64") : undefined };
}

/** All ENIs of the world: those attached to instances (as DescribeNetworkInterfaces shows them) and the rest. */
export function allNetworkInterfaces(world: AwsWorld): NetworkInterface[] {
  const attached = world.instances.flatMap((i) =>
    (i.NetworkInterfaces ?? []).map((n): NetworkInterface => ({
      NetworkInterfaceId: n.NetworkInterfaceId,
      InterfaceType: n.InterfaceType as NetworkInterface["InterfaceType"],
      Description: n.Description,
      SubnetId: n.SubnetId,
      VpcId: n.VpcId,
      OwnerId: n.OwnerId,
      Status: n.Status as NetworkInterface["Status"],
      PrivateIpAddress: n.PrivateIpAddress,
      AvailabilityZone: i.Placement?.AvailabilityZone,
      Attachment: { ...n.Attachment, InstanceId: i.InstanceId, InstanceOwnerId: world.accountId },
      TagSet: [
        { Key: "node.k8s.amazonaws.com/instance_id", Value: i.InstanceId },
        ...(i.Tags ?? [])
          .filter((t) => t.Key === "eks:cluster-name")
          .map((t) => ({ Key: "cluster.k8s.amazonaws.com/name", Value: t.Value })),
      ],
    })),
  );
  return [...attached, ...world.networkInterfaces];
}

/** Intercepts every EKSClient and EC2Client so they answer from `world` (which stays live and mutable). */
export function installFakeAws(world: AwsWorld): FakeAws {
  const ec2 = mockClient(EC2Client);
  const eks = mockClient(EKSClient);
  const calls: Record<string, number> = {};
  const count = (name: string) => {
    calls[name] = (calls[name] ?? 0) + 1;
  };

  eks.on(DescribeClusterCommand).callsFake(async (input) => {
    count("DescribeCluster");
    const cluster = world.clusters.find((c) => c.name === input.name);
    if (!cluster) {
      throw new ResourceNotFoundException({
        message: `No cluster found for name: ${input.name}.`,
        $metadata: { httpStatusCode: 404 },
      });
    }
    return { cluster };
  });

  ec2.on(DescribeVpcsCommand).callsFake(async (input) => {
    count("DescribeVpcs");
    const missing = (input.VpcIds ?? []).filter((id: string) => !world.vpcs.some((v) => v.VpcId === id));
    if (missing.length) {
      throw ec2Error("InvalidVpcID.NotFound", `The vpc ID '${missing[0]}' does not exist`);
    }
    const vpcs = world.vpcs.filter(
      (v) =>
        (!input.VpcIds || input.VpcIds.includes(v.VpcId ?? "")) &&
        matchesFilters(input.Filters, (n) => (n === "vpc-id" ? [v.VpcId ?? ""] : tagFilter(n, v.Tags))),
    );
    return { Vpcs: vpcs };
  });

  ec2.on(DescribeSubnetsCommand).callsFake(async (input) => {
    count("DescribeSubnets");
    const subnets = world.subnets.filter(
      (s) =>
        (!input.SubnetIds || input.SubnetIds.includes(s.SubnetId ?? "")) &&
        matchesFilters(input.Filters, (n) =>
          n === "vpc-id" ? [s.VpcId ?? ""] : n === "subnet-id" ? [s.SubnetId ?? ""] : tagFilter(n, s.Tags),
        ),
    );
    const { page, nextToken } = paginate(subnets, input.MaxResults, input.NextToken);
    return { Subnets: page, NextToken: nextToken };
  });

  ec2.on(DescribeInstancesCommand).callsFake(async (input) => {
    count("DescribeInstances");
    const instances = world.instances.filter(
      (i) =>
        (!input.InstanceIds || input.InstanceIds.includes(i.InstanceId ?? "")) &&
        matchesFilters(input.Filters, (n) => {
          switch (n) {
            case "instance-state-name":
              return [i.State?.Name ?? ""];
            case "instance-id":
              return [i.InstanceId ?? ""];
            case "vpc-id":
              return i.VpcId ? [i.VpcId] : [];
            case "instance-type":
              return [i.InstanceType ?? ""];
            case "network-interface.network-interface-id":
              return (i.NetworkInterfaces ?? []).map((e) => e.NetworkInterfaceId ?? "");
            default:
              return tagFilter(n, i.Tags);
          }
        }),
    );
    const { page, nextToken } = paginate(instances, input.MaxResults, input.NextToken);
    return {
      Reservations: page.map((i) => ({
        ReservationId: `r-${i.InstanceId?.slice(2)}`,
        OwnerId: world.accountId,
        Instances: [i],
      })),
      NextToken: nextToken,
    };
  });

  ec2.on(DescribeNetworkInterfacesCommand).callsFake(async (input) => {
    count("DescribeNetworkInterfaces");
    const enis = allNetworkInterfaces(world).filter(
      (e) =>
        (!input.NetworkInterfaceIds || input.NetworkInterfaceIds.includes(e.NetworkInterfaceId ?? "")) &&
        matchesFilters(input.Filters, (n) => {
          switch (n) {
            case "network-interface-id":
              return [e.NetworkInterfaceId ?? ""];
            case "attachment.instance-id":
              return e.Attachment?.InstanceId ? [e.Attachment.InstanceId] : [];
            case "interface-type":
              return [e.InterfaceType ?? ""];
            case "vpc-id":
              return [e.VpcId ?? ""];
            case "status":
              return [e.Status ?? ""];
            default:
              return tagFilter(n, e.TagSet);
          }
        }),
    );
    const { page, nextToken } = paginate(enis, input.MaxResults, input.NextToken);
    return { NetworkInterfaces: page, NextToken: nextToken };
  });

  return {
    ec2,
    eks,
    calls,
    restore: () => {
      ec2.restore();
      eks.restore();
    },
  };
}
