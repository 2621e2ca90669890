/**
 * What EC2 says about the cluster's nodes, for the coverage report: instance types and states (DescribeInstances),
 * every ENI attached to them with its type (DescribeNetworkInterfaces: `interface`, `trunk`, `efa`, ...), and the
 * mirror sessions on those ENIs (DescribeTrafficMirrorSessions). Ids are sent as filter values, at most 200 per call
 * (EC2's limit on values per filter), with the SDK's paginators for the pages.
 *
 * A session counts as this stack's when its `pod-packet-forwarding/owner` tag starts with `<project>/<stack>/`, the
 * owner value the component gives its reconciler. An ENI without ours but with 3 sessions of others cannot get one
 * (3 sessions per source ENI, Amazon VPC Traffic Mirroring quotas).
 */
import {
  paginateDescribeInstances,
  paginateDescribeNetworkInterfaces,
  paginateDescribeTrafficMirrorSessions,
  type EC2Client,
  type Instance,
  type NetworkInterface,
  type TrafficMirrorSession,
} from "@aws-sdk/client-ec2";
import type { InstanceEnis } from "../../components/coverage";
import { OWNER_TAG_KEY } from "../../components/contract/mirror";
import type { SkippedMirrorSource } from "../../components/mirror/reconcileOutcome";

/** Values EC2 accepts per filter. */
const FILTER_VALUES = 200;
/** Sessions AWS allows per source ENI. */
const SESSIONS_PER_ENI = 3;

/** What EC2 said. */
export interface Ec2Facts {
  /** ENIs per instance. */
  instances: InstanceEnis[];
  /** ENIs with a session of this stack. */
  mirroredEnis: string[];
  /** ENIs that cannot get a session, with the reason. */
  skipped: SkippedMirrorSource[];
}

function chunks<T>(items: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += FILTER_VALUES) {
    out.push(items.slice(i, i + FILTER_VALUES));
  }
  return out;
}

async function collect<P, T>(pages: AsyncIterable<P>, pick: (page: P) => T[] | undefined): Promise<T[]> {
  const items: T[] = [];
  for await (const page of pages) {
    items.push(...(pick(page) ?? []));
  }
  return items;
}

/**
 * Reads the nodes' instances, ENIs and mirror sessions.
 * @param ec2 a client built with the stack's credentials and region
 * @param instanceIds the nodes' instance ids (from their provider ids)
 * @param ownerPrefix owner tag prefix of this stack's sessions, e.g. `pod-packet-forwarding/prod/`
 */
export async function readEc2Facts(
  ec2: EC2Client,
  instanceIds: string[],
  ownerPrefix: string,
): Promise<Ec2Facts> {
  const instances: Instance[] = [];
  const enis: NetworkInterface[] = [];
  for (const ids of chunks(instanceIds)) {
    instances.push(
      ...(
        await collect(
          paginateDescribeInstances(
            { client: ec2, pageSize: 1000 },
            { Filters: [{ Name: "instance-id", Values: ids }] },
          ),
          (p) => p.Reservations,
        )
      ).flatMap((r) => r.Instances ?? []),
    );
    enis.push(
      ...(await collect(
        paginateDescribeNetworkInterfaces(
          { client: ec2, pageSize: 1000 },
          { Filters: [{ Name: "attachment.instance-id", Values: ids }] },
        ),
        (p) => p.NetworkInterfaces,
      )),
    );
  }
  const sessions: TrafficMirrorSession[] = [];
  for (const ids of chunks(enis.map((e) => e.NetworkInterfaceId ?? ""))) {
    sessions.push(
      ...(await collect(
        paginateDescribeTrafficMirrorSessions(
          { client: ec2, pageSize: 1000 },
          { Filters: [{ Name: "network-interface-id", Values: ids }] },
        ),
        (p) => p.TrafficMirrorSessions,
      )),
    );
  }
  const ours = (s: TrafficMirrorSession) =>
    (s.Tags ?? []).some((t) => t.Key === OWNER_TAG_KEY && (t.Value ?? "").startsWith(ownerPrefix));
  const mirroredEnis = [...new Set(sessions.filter(ours).map((s) => s.NetworkInterfaceId ?? ""))].sort();
  const skipped: SkippedMirrorSource[] = [];
  const facts: InstanceEnis[] = instances.map((i) => {
    const own = enis.filter((e) => e.Attachment?.InstanceId === i.InstanceId);
    for (const e of own) {
      const id = e.NetworkInterfaceId ?? "";
      const others = sessions.filter((s) => s.NetworkInterfaceId === id && !ours(s)).length;
      if (e.InterfaceType === "interface" && !mirroredEnis.includes(id) && others >= SESSIONS_PER_ENI) {
        skipped.push({
          instanceId: i.InstanceId ?? "",
          instanceType: i.InstanceType ?? "",
          networkInterfaceId: id,
          reason: "session-limit",
          detail: `${id} already has ${others} mirror sessions of others (AWS allows ${SESSIONS_PER_ENI} per ENI)`,
        });
      }
    }
    return {
      instanceId: i.InstanceId ?? "",
      instanceType: i.InstanceType,
      networkInterfaces: own.map((e) => ({
        networkInterfaceId: e.NetworkInterfaceId ?? "",
        interfaceType: e.InterfaceType ?? "interface",
        deviceIndex: e.Attachment?.DeviceIndex,
      })),
    };
  });
  return { instances: facts, mirroredEnis, skipped };
}
