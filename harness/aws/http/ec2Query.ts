/**
 * The EC2 Query API over HTTP for the few Describe calls the coverage command makes, answering from an `AwsWorld`
 * with the semantics of `harness/aws/fakeAws.ts` (filters, MaxResults/NextToken pages, AWS's own errors) but on the
 * wire: form-encoded requests (`Action`, `Version`, `Filter.N.Name`, `Filter.N.Value.M`, `InstanceId.N`, ...) and
 * XML answers in the EC2 namespace with `item` lists and lowerCamelCase element names, as the EC2 API Reference
 * shows them ("Making API requests" / "Query requests", and the example responses of DescribeInstances,
 * DescribeNetworkInterfaces and DescribeTrafficMirrorSessions, https://docs.aws.amazon.com/AWSEC2/latest/APIReference/).
 * The SDK's own deserializer reads these answers in the tests, so a misnamed element shows up as a missing field.
 */
import type { Filter, Instance, NetworkInterface, Tag, TrafficMirrorSession } from "@aws-sdk/client-ec2";
import { allNetworkInterfaces, matchesFilters, paginate, tagFilter } from "../fakeAws";
import type { AwsWorld } from "../world";
import { defined, el, items, xmlDocument, type XmlElement } from "./xml";

/** EC2's XML namespace (API version 2016-11-15, what SDK v3 sends as `Version`). */
export const EC2_NAMESPACE = "http://ec2.amazonaws.com/doc/2016-11-15/";

/** An EC2 error the fake answers with. */
export class Ec2QueryError extends Error {
  /** AWS error code, e.g. `InvalidParameterValue`. */
  readonly code: string;
  /** HTTP status. */
  readonly status: number;
  constructor(code: string, message: string, status = 400) {
    super(message);
    this.name = "Ec2QueryError";
    this.code = code;
    this.status = status;
  }
}

/** The EC2 error document (`<Response><Errors><Error>...`). */
export function ec2ErrorXml(code: string, message: string, requestId: string): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${code}</Code>` +
    `<Message>${message.replace(/&/g, "&amp;").replace(/</g, "&lt;")}</Message></Error></Errors>` +
    `<RequestID>${requestId}</RequestID></Response>`
  );
}

/** Values of a flattened list parameter (`Prefix.1`, `Prefix.2`, ...), in index order. */
export function listParam(params: URLSearchParams, prefix: string): string[] | undefined {
  const found = [...params]
    .map(([k, v]) => [new RegExp(`^${prefix.replace(/\./g, "\\.")}\\.(\\d+)$`).exec(k), v] as const)
    .filter((x): x is [RegExpExecArray, string] => x[0] !== null)
    .sort((a, b) => Number(a[0][1]) - Number(b[0][1]))
    .map(([, v]) => v);
  return found.length ? found : undefined;
}

/** `Filter.N.Name` / `Filter.N.Value.M` as SDK filters. */
export function filtersParam(params: URLSearchParams): Filter[] | undefined {
  const indexes = new Set(
    [...params.keys()]
      .map((k) => /^Filter\.(\d+)\.Name$/.exec(k)?.[1])
      .filter((i): i is string => i !== undefined),
  );
  if (indexes.size === 0) {
    return undefined;
  }
  return [...indexes]
    .sort((a, b) => Number(a) - Number(b))
    .map((i) => ({
      Name: params.get(`Filter.${i}.Name`) ?? "",
      Values: listParam(params, `Filter.${i}.Value`) ?? [],
    }));
}

function maxResults(params: URLSearchParams): number | undefined {
  const v = params.get("MaxResults");
  return v === null ? undefined : Number(v);
}

const tags = (name: string, list: Tag[] | undefined) =>
  items(
    name,
    list?.map((t) => defined([el("key", t.Key), el("value", t.Value)])),
  );

function instanceXml(i: Instance): XmlElement[] {
  return defined([
    el("instanceId", i.InstanceId),
    el("imageId", i.ImageId),
    el("instanceState", defined([el("code", i.State?.Code), el("name", i.State?.Name)])),
    el("privateDnsName", i.PrivateDnsName),
    el("instanceType", i.InstanceType),
    el("launchTime", i.LaunchTime?.toISOString()),
    el("placement", defined([el("availabilityZone", i.Placement?.AvailabilityZone)])),
    el("subnetId", i.SubnetId),
    el("vpcId", i.VpcId),
    el("privateIpAddress", i.PrivateIpAddress),
    el("architecture", i.Architecture),
    tags("tagSet", i.Tags),
    items(
      "networkInterfaceSet",
      i.NetworkInterfaces?.map((n) =>
        defined([
          el("networkInterfaceId", n.NetworkInterfaceId),
          el("subnetId", n.SubnetId),
          el("vpcId", n.VpcId),
          el("ownerId", n.OwnerId),
          el("status", n.Status),
          el("privateIpAddress", n.PrivateIpAddress),
          el("interfaceType", n.InterfaceType),
          n.Attachment
            ? el(
                "attachment",
                defined([
                  el("attachmentId", n.Attachment.AttachmentId),
                  el("deviceIndex", n.Attachment.DeviceIndex),
                  el("status", n.Attachment.Status),
                  el("attachTime", n.Attachment.AttachTime?.toISOString()),
                ]),
              )
            : undefined,
        ]),
      ),
    ),
  ]);
}

function networkInterfaceXml(n: NetworkInterface): XmlElement[] {
  return defined([
    el("networkInterfaceId", n.NetworkInterfaceId),
    el("subnetId", n.SubnetId),
    el("vpcId", n.VpcId),
    el("availabilityZone", n.AvailabilityZone),
    el("description", n.Description),
    el("ownerId", n.OwnerId),
    el("status", n.Status),
    el("privateIpAddress", n.PrivateIpAddress),
    el("interfaceType", n.InterfaceType),
    n.Attachment
      ? el(
          "attachment",
          defined([
            el("attachmentId", n.Attachment.AttachmentId),
            el("instanceId", n.Attachment.InstanceId),
            el("instanceOwnerId", n.Attachment.InstanceOwnerId),
            el("deviceIndex", n.Attachment.DeviceIndex),
            el("status", n.Attachment.Status),
          ]),
        )
      : undefined,
    items(
      "groupSet",
      n.Groups?.map((g) => defined([el("groupId", g.GroupId), el("groupName", g.GroupName)])),
    ),
    tags("tagSet", n.TagSet),
  ]);
}

function sessionXml(s: TrafficMirrorSession): XmlElement[] {
  return defined([
    el("trafficMirrorSessionId", s.TrafficMirrorSessionId),
    el("trafficMirrorTargetId", s.TrafficMirrorTargetId),
    el("trafficMirrorFilterId", s.TrafficMirrorFilterId),
    el("networkInterfaceId", s.NetworkInterfaceId),
    el("ownerId", s.OwnerId),
    el("packetLength", s.PacketLength),
    el("sessionNumber", s.SessionNumber),
    el("virtualNetworkId", s.VirtualNetworkId),
    el("description", s.Description),
    tags("tagSet", s.Tags),
  ]);
}

/** Runs `fn`, turning the shared fakes' EC2 exceptions into `Ec2QueryError`s. */
function withEc2Errors<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    const e = err as { name?: string; message?: string; $metadata?: unknown };
    if (e.$metadata !== undefined) {
      throw new Ec2QueryError(e.name ?? "InternalError", e.message ?? "");
    }
    throw err;
  }
}

function describeInstances(world: AwsWorld, params: URLSearchParams, requestId: string): string {
  const ids = listParam(params, "InstanceId");
  const filters = filtersParam(params);
  return withEc2Errors(() => {
    const instances = world.instances.filter(
      (i) =>
        (!ids || ids.includes(i.InstanceId ?? "")) &&
        matchesFilters(filters, (n) => {
          switch (n) {
            case "instance-state-name":
              return [i.State?.Name ?? ""];
            case "instance-id":
              return [i.InstanceId ?? ""];
            case "instance-type":
              return [i.InstanceType ?? ""];
            case "vpc-id":
              return i.VpcId ? [i.VpcId] : [];
            default:
              return tagFilter(n, i.Tags);
          }
        }),
    );
    const { page, nextToken } = paginate(instances, maxResults(params), params.get("NextToken") ?? undefined);
    return xmlDocument("DescribeInstancesResponse", EC2_NAMESPACE, [
      el("requestId", requestId),
      items(
        "reservationSet",
        page.map((i) => [
          el("reservationId", `r-${i.InstanceId?.slice(2)}`),
          el("ownerId", world.accountId),
          items("instancesSet", [instanceXml(i)]) as XmlElement,
        ]),
      ),
      el("nextToken", nextToken),
    ]);
  });
}

function describeNetworkInterfaces(world: AwsWorld, params: URLSearchParams, requestId: string): string {
  const ids = listParam(params, "NetworkInterfaceId");
  const filters = filtersParam(params);
  return withEc2Errors(() => {
    const all = allNetworkInterfaces(world);
    const unknown = (ids ?? []).find((id) => !all.some((e) => e.NetworkInterfaceId === id));
    if (unknown) {
      throw new Ec2QueryError(
        "InvalidNetworkInterfaceID.NotFound",
        `The networkInterface ID '${unknown}' does not exist`,
      );
    }
    const enis = all.filter(
      (e) =>
        (!ids || ids.includes(e.NetworkInterfaceId ?? "")) &&
        matchesFilters(filters, (n) => {
          switch (n) {
            case "network-interface-id":
              return [e.NetworkInterfaceId ?? ""];
            case "attachment.instance-id":
              return e.Attachment?.InstanceId ? [e.Attachment.InstanceId] : [];
            case "interface-type":
              return [e.InterfaceType ?? ""];
            case "vpc-id":
              return [e.VpcId ?? ""];
            default:
              return tagFilter(n, e.TagSet);
          }
        }),
    );
    const { page, nextToken } = paginate(enis, maxResults(params), params.get("NextToken") ?? undefined);
    return xmlDocument("DescribeNetworkInterfacesResponse", EC2_NAMESPACE, [
      el("requestId", requestId),
      items("networkInterfaceSet", page.map(networkInterfaceXml)),
      el("nextToken", nextToken),
    ]);
  });
}

function describeTrafficMirrorSessions(world: AwsWorld, params: URLSearchParams, requestId: string): string {
  const ids = listParam(params, "TrafficMirrorSessionId");
  const filters = filtersParam(params);
  return withEc2Errors(() => {
    const sessions = world.trafficMirrorSessions.filter(
      (s) =>
        (!ids || ids.includes(s.TrafficMirrorSessionId ?? "")) &&
        matchesFilters(filters, (n) => {
          switch (n) {
            case "traffic-mirror-session-id":
              return [s.TrafficMirrorSessionId ?? ""];
            case "traffic-mirror-target-id":
              return [s.TrafficMirrorTargetId ?? ""];
            case "traffic-mirror-filter-id":
              return [s.TrafficMirrorFilterId ?? ""];
            case "network-interface-id":
              return [s.NetworkInterfaceId ?? ""];
            case "session-number":
              return [String(s.SessionNumber ?? "")];
            case "owner-id":
              return [s.OwnerId ?? ""];
            default:
              return undefined;
          }
        }),
    );
    const { page, nextToken } = paginate(
      sessions,
      maxResults(params),
      params.get("NextToken") ?? undefined,
      1000,
    );
    return xmlDocument("DescribeTrafficMirrorSessionsResponse", EC2_NAMESPACE, [
      el("requestId", requestId),
      items("trafficMirrorSessionSet", page.map(sessionXml)),
      el("nextToken", nextToken),
    ]);
  });
}

/** The actions this fake serves. */
export const EC2_ACTIONS: Readonly<
  Record<string, (world: AwsWorld, params: URLSearchParams, requestId: string) => string>
> = {
  DescribeInstances: describeInstances,
  DescribeNetworkInterfaces: describeNetworkInterfaces,
  DescribeTrafficMirrorSessions: describeTrafficMirrorSessions,
};
