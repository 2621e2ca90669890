/**
 * Fake VPC Traffic Mirroring session API on top of `installFakeAws`: DescribeTrafficMirrorSessions (filters,
 * MaxResults/NextToken), CreateTrafficMirrorSession (ClientToken idempotency, TagSpecifications, AWS's limit
 * errors) and DeleteTrafficMirrorSession, answering from and writing to `world.trafficMirrorSessions`.
 *
 * Error codes are the ones the EC2 API error reference lists (`TrafficMirrorSessionsPerInterfaceLimitExceeded`,
 * `TrafficMirrorSourcesPerTargetLimitExceeded`, `IdempotentParameterMismatch`, `RequestLimitExceeded`,
 * `InvalidTrafficMirrorSessionId.NotFound`, `InvalidNetworkInterfaceID.NotFound`). AWS documents no specific code
 * for an unsupported source instance type; the fake answers `InvalidParameterValue` with a message naming the
 * type (an assumption, flagged as such).
 */
import {
  CreateTrafficMirrorSessionCommand,
  DeleteTrafficMirrorSessionCommand,
  DescribeTrafficMirrorSessionsCommand,
  type CreateTrafficMirrorSessionCommandInput,
  type Instance,
  type TagSpecification,
  type TrafficMirrorSession,
} from "@aws-sdk/client-ec2";
import {
  DEFAULT_UNSUPPORTED_INSTANCE_TYPES,
  unsupportedMatch,
} from "../../components/contract/mirrorableInstanceTypes";
import { ec2Error, matchesFilters, paginate, type FakeAws } from "./fakeAws";
import type { AwsWorld } from "./world";

/** A traffic mirror target the fake knows: ENI targets accept a limited number of source ENIs. */
export interface FakeTarget {
  /** `network-interface` (10 sources, 100 on the largest sizes), `network-load-balancer` or `gateway-load-balancer-endpoint` (no limit). */
  kind: "network-interface" | "network-load-balancer" | "gateway-load-balancer-endpoint";
  /** Source limit of an ENI target. Default 10. */
  sourceLimit?: number;
}

/** Options of `installFakeMirroring`. */
export interface FakeMirroringOptions {
  /** Targets by `tmt-...` id; a session to an unknown target fails with `InvalidTrafficMirrorTargetId.NotFound`. Default: any target, no limit. */
  targets?: Record<string, FakeTarget>;
  /** Instance types AWS refuses as sources (glob patterns). Default: the built-in list. */
  unsupportedInstanceTypes?: readonly string[];
}

/** Test controls of the fake mirroring API. */
export interface FakeMirroring {
  /** The next `times` calls of `command` (e.g. `CreateTrafficMirrorSession`) fail with `RequestLimitExceeded`. */
  throttle(command: string, times: number): void;
  /** Awaited before each call of `command` is answered: lets a test interleave two reconciles deterministically. */
  gate(command: string, wait: () => Promise<void>): void;
  /** Every create request received, in order (including idempotent replays and refused ones). */
  createRequests: CreateTrafficMirrorSessionCommandInput[];
}

/** The ENI with that id (attached to an instance, or standalone), without building the whole ENI list. */
function findEni(world: AwsWorld, id: string): { interfaceType: string; instance?: Instance } | undefined {
  for (const instance of world.instances) {
    const e = (instance.NetworkInterfaces ?? []).find((n) => n.NetworkInterfaceId === id);
    if (e) {
      return { interfaceType: String(e.InterfaceType ?? "interface"), instance };
    }
  }
  const standalone = world.networkInterfaces.find((n) => n.NetworkInterfaceId === id);
  return standalone ? { interfaceType: String(standalone.InterfaceType ?? "interface") } : undefined;
}

/** Installs the mirroring handlers on `fake.ec2` (same call counter as the other fake APIs). */
export function installFakeMirroring(
  fake: FakeAws,
  world: AwsWorld,
  options: FakeMirroringOptions = {},
): FakeMirroring {
  const throttles: Record<string, number> = {};
  const gates: Record<string, () => Promise<void>> = {};
  const tokens = new Map<string, { fingerprint: string; session: TrafficMirrorSession }>();
  const createRequests: CreateTrafficMirrorSessionCommandInput[] = [];
  const unsupported = options.unsupportedInstanceTypes ?? DEFAULT_UNSUPPORTED_INSTANCE_TYPES;
  let nextId = world.trafficMirrorSessions.length + 1;

  const enter = async (name: string) => {
    fake.calls[name] = (fake.calls[name] ?? 0) + 1;
    if (gates[name]) {
      await gates[name]();
    }
    if ((throttles[name] ?? 0) > 0) {
      throttles[name] -= 1;
      const err = ec2Error("RequestLimitExceeded", "Request limit exceeded.");
      Object.assign(err, { $retryable: { throttling: true } });
      throw err;
    }
  };

  fake.ec2.on(DescribeTrafficMirrorSessionsCommand).callsFake(async (input) => {
    await enter("DescribeTrafficMirrorSessions");
    const sessions = world.trafficMirrorSessions.filter(
      (s) =>
        (!input.TrafficMirrorSessionIds ||
          input.TrafficMirrorSessionIds.includes(s.TrafficMirrorSessionId ?? "")) &&
        matchesFilters(input.Filters, (n) => {
          switch (n) {
            case "traffic-mirror-session-id":
              return [s.TrafficMirrorSessionId ?? ""];
            case "traffic-mirror-filter-id":
              return [s.TrafficMirrorFilterId ?? ""];
            case "traffic-mirror-target-id":
              return [s.TrafficMirrorTargetId ?? ""];
            case "network-interface-id":
              return [s.NetworkInterfaceId ?? ""];
            case "session-number":
              return [String(s.SessionNumber ?? "")];
            case "owner-id":
              return [s.OwnerId ?? ""];
            case "description":
              return [s.Description ?? ""];
            case "packet-length":
              return s.PacketLength === undefined ? [] : [String(s.PacketLength)];
            case "virtual-network-id":
              return s.VirtualNetworkId === undefined ? [] : [String(s.VirtualNetworkId)];
            default:
              // DescribeTrafficMirrorSessions documents no tag filters: unknown names (tag:...) are rejected.
              return undefined;
          }
        }),
    );
    const { page, nextToken } = paginate(sessions, input.MaxResults, input.NextToken);
    return { TrafficMirrorSessions: page.map((s) => structuredClone(s)), NextToken: nextToken };
  });

  fake.ec2.on(CreateTrafficMirrorSessionCommand).callsFake(async (input) => {
    await enter("CreateTrafficMirrorSession");
    createRequests.push(input);
    const { ClientToken, ...params } = input;
    const fingerprint = JSON.stringify(params, Object.keys(params).sort());
    if (ClientToken) {
      const previous = tokens.get(ClientToken);
      if (previous) {
        if (previous.fingerprint !== fingerprint) {
          throw ec2Error(
            "IdempotentParameterMismatch",
            `Client token '${ClientToken}' was used with different parameters.`,
          );
        }
        // AWS answers a replay with the original result and creates nothing.
        return { TrafficMirrorSession: structuredClone(previous.session), ClientToken };
      }
    }
    const eni = findEni(world, input.NetworkInterfaceId ?? "");
    if (!eni) {
      throw ec2Error(
        "InvalidNetworkInterfaceID.NotFound",
        `The networkInterface ID '${input.NetworkInterfaceId}' does not exist`,
      );
    }
    if (eni.interfaceType !== "interface") {
      throw ec2Error(
        "InvalidParameterValue",
        `Network interface '${input.NetworkInterfaceId}' of type ${eni.interfaceType} cannot be a traffic mirror source.`,
      );
    }
    const instance = eni.instance;
    if (instance && unsupportedMatch(String(instance.InstanceType), unsupported)) {
      throw ec2Error(
        "InvalidParameterValue",
        `Network interface '${input.NetworkInterfaceId}' is attached to instance type ${instance.InstanceType}, which is not supported as a traffic mirror source.`,
      );
    }
    const onEni = world.trafficMirrorSessions.filter(
      (s) => s.NetworkInterfaceId === input.NetworkInterfaceId,
    );
    if (onEni.length >= 3) {
      throw ec2Error(
        "TrafficMirrorSessionsPerInterfaceLimitExceeded",
        "The allowed number of Traffic Mirror sessions for the specified network interface has been exceeded.",
      );
    }
    const target = options.targets?.[input.TrafficMirrorTargetId ?? ""];
    if (options.targets && !target) {
      throw ec2Error(
        "InvalidTrafficMirrorTargetId.NotFound",
        `The traffic mirror target ID '${input.TrafficMirrorTargetId}' does not exist`,
      );
    }
    if (target?.kind === "network-interface") {
      const sources = new Set(
        world.trafficMirrorSessions
          .filter((s) => s.TrafficMirrorTargetId === input.TrafficMirrorTargetId)
          .map((s) => s.NetworkInterfaceId),
      );
      if (!sources.has(input.NetworkInterfaceId) && sources.size >= (target.sourceLimit ?? 10)) {
        throw ec2Error(
          "TrafficMirrorSourcesPerTargetLimitExceeded",
          `Sources per interface-target limit reached (${sources.size + 1})`,
        );
      }
    }
    const tagSpecs: TagSpecification[] = input.TagSpecifications ?? [];
    const tagSpec = tagSpecs.find((t) => t.ResourceType === "traffic-mirror-session");
    if (tagSpecs.some((t) => t.ResourceType !== "traffic-mirror-session")) {
      throw ec2Error(
        "InvalidParameterValue",
        "TagSpecifications ResourceType must be traffic-mirror-session",
      );
    }
    const session: TrafficMirrorSession = {
      TrafficMirrorSessionId: `tms-${(0x0a000000000000000n + BigInt(nextId++)).toString(16).padStart(17, "0")}`,
      TrafficMirrorTargetId: input.TrafficMirrorTargetId,
      TrafficMirrorFilterId: input.TrafficMirrorFilterId,
      NetworkInterfaceId: input.NetworkInterfaceId,
      OwnerId: world.accountId,
      PacketLength: input.PacketLength,
      SessionNumber: input.SessionNumber,
      VirtualNetworkId: input.VirtualNetworkId ?? 1000 + nextId,
      Description: input.Description,
      Tags: tagSpec?.Tags ?? [],
    };
    world.trafficMirrorSessions.push(session);
    if (ClientToken) {
      tokens.set(ClientToken, { fingerprint, session: structuredClone(session) });
    }
    return { TrafficMirrorSession: structuredClone(session), ClientToken };
  });

  fake.ec2.on(DeleteTrafficMirrorSessionCommand).callsFake(async (input) => {
    await enter("DeleteTrafficMirrorSession");
    const index = world.trafficMirrorSessions.findIndex(
      (s) => s.TrafficMirrorSessionId === input.TrafficMirrorSessionId,
    );
    if (index < 0) {
      throw ec2Error(
        "InvalidTrafficMirrorSessionId.NotFound",
        `The traffic mirror session ID '${input.TrafficMirrorSessionId}' does not exist`,
      );
    }
    world.trafficMirrorSessions.splice(index, 1);
    return { TrafficMirrorSessionId: input.TrafficMirrorSessionId };
  });

  return {
    throttle: (command, times) => {
      throttles[command] = times;
    },
    gate: (command, wait) => {
      gates[command] = wait;
    },
    createRequests,
  };
}
