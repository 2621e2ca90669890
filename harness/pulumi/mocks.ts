/**
 * Pulumi engine mocks that answer like the providers do (ids and computed outputs in AWS's formats), and
 * record every registered resource so tests and the offline plan can inspect the resource graph.
 */
import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import type { AwsWorld } from "../aws/world";
import { answerAwsInvoke } from "./providerAnswers";

/** A resource the program registered, with the inputs it was given and the state the mock answered. */
export interface RecordedResource {
  /** Type token, e.g. `aws:ecr/repository:Repository`. */
  type: string;
  /** Logical name. */
  name: string;
  /** Inputs as the engine received them (secrets unwrapped). */
  inputs: Record<string, unknown>;
  /** State the mock returned (inputs plus computed outputs). */
  state: Record<string, unknown>;
  /** Physical id. */
  id: string;
  /** Reference (`urn::id`) of the provider the resource was registered with, if any. */
  provider?: string;
}

/** An invoke the program made. */
export interface RecordedInvoke {
  /** Function token, e.g. `aws:ecr/getAuthorizationToken:getAuthorizationToken`. */
  token: string;
  /** Arguments. */
  args: Record<string, unknown>;
  /** Reference (`urn::id`) of the provider the invoke went through; absent for the default provider. */
  provider?: string;
}

/** How the mocks answer what a real provider would compute from the account. */
export interface MockBehaviour {
  /**
   * Runs the reconciler Lambda for an `aws.lambda.Invocation` (the function's recorded environment, the event
   * input) and returns its JSON result; default: a fixed placeholder summary.
   */
  invokeLambda?: (env: Record<string, string>, input: string) => Promise<string>;
  /** Outputs of an `eks:index:Cluster` component (a remote component: the mock answers for the eks provider). */
  eksCluster?: (name: string, inputs: Record<string, unknown>) => Record<string, unknown>;
}

/** What the mocks saw. */
export interface MockRecorder {
  /** Registered resources in registration order. */
  resources: RecordedResource[];
  /** Invokes in call order. */
  invokes: RecordedInvoke[];
}

/** The engine's marker of a secret value (`{ [SECRET_SIG]: SECRET_VALUE, value }`). */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";

/** Inputs with every secret wrapper replaced by its value, so tests read them as the provider will. */
function unwrapSecrets(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map(unwrapSecrets);
  }
  if (value && typeof value === "object") {
    const obj = value as Record<string, unknown>;
    if (SECRET_SIG in obj) {
      return unwrapSecrets(obj.value);
    }
    return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, unwrapSecrets(v)]));
  }
  return value;
}

function shortHash(...parts: string[]): string {
  return createHash("sha256").update(parts.join("\0")).digest("hex");
}

/** Computed outputs, per resource type, in the format the AWS provider returns them. */
function computedOutputs(
  world: Pick<AwsWorld, "accountId" | "region">,
  type: string,
  name: string,
  inputs: Record<string, unknown>,
): { id: string; state: Record<string, unknown> } {
  const h = shortHash(type, name);
  const arn = (service: string, resource: string) =>
    `arn:aws:${service}:${world.region}:${world.accountId}:${resource}`;
  switch (type) {
    case "aws:ecr/repository:Repository": {
      const repoName = `${name}-${h.slice(0, 7)}`;
      return {
        id: repoName,
        state: {
          name: repoName,
          arn: arn("ecr", `repository/${repoName}`),
          registryId: world.accountId,
          repositoryUrl: `${world.accountId}.dkr.ecr.${world.region}.amazonaws.com/${repoName}`,
        },
      };
    }
    case "docker:index/image:Image": {
      const imageName = String(inputs.imageName ?? name);
      const repo = imageName.replace(/:[^/:]+$/, "");
      return { id: imageName, state: { repoDigest: `${repo}@sha256:${shortHash(imageName)}` } };
    }
    case "aws:ec2/trafficMirrorTarget:TrafficMirrorTarget":
      return {
        id: `tmt-0${h.slice(0, 16)}`,
        state: { arn: arn("ec2", `traffic-mirror-target/tmt-0${h.slice(0, 16)}`), ownerId: world.accountId },
      };
    case "aws:ec2/trafficMirrorFilter:TrafficMirrorFilter":
      return {
        id: `tmf-0${h.slice(0, 16)}`,
        state: { arn: arn("ec2", `traffic-mirror-filter/tmf-0${h.slice(0, 16)}`) },
      };
    case "aws:ec2/trafficMirrorFilterRule:TrafficMirrorFilterRule":
      return {
        id: `tmfr-0${h.slice(0, 16)}`,
        state: { arn: arn("ec2", `traffic-mirror-filter-rule/tmfr-0${h.slice(0, 16)}`) },
      };
    case "aws:iam/role:Role":
      return {
        id: `${name}-${h.slice(0, 7)}`,
        state: {
          arn: `arn:aws:iam::${world.accountId}:role/${name}-${h.slice(0, 7)}`,
          name: `${name}-${h.slice(0, 7)}`,
        },
      };
    case "aws:lambda/function:Function":
      return {
        id: `${name}-${h.slice(0, 7)}`,
        state: {
          name: `${name}-${h.slice(0, 7)}`,
          arn: arn("lambda", `function:${name}-${h.slice(0, 7)}`),
          invokeArn: `arn:aws:apigateway:${world.region}:lambda:path/2015-03-31/functions/${arn("lambda", `function:${name}`)}/invocations`,
        },
      };
    case "aws:cloudwatch/logGroup:LogGroup":
      return {
        id: String(inputs.name ?? name),
        state: { arn: arn("logs", `log-group:${String(inputs.name ?? name)}`) },
      };
    case "aws:cloudwatch/eventRule:EventRule":
      return {
        id: `${name}-${h.slice(0, 7)}`,
        state: { arn: arn("events", `rule/${name}-${h.slice(0, 7)}`), name: `${name}-${h.slice(0, 7)}` },
      };
    case "aws:lambda/invocation:Invocation":
      return { id: `${name}-${h.slice(0, 7)}`, state: { result: JSON.stringify({ mocked: true }) } };
    default:
      return { id: `${name}-${h.slice(0, 8)}`, state: {} };
  }
}

/**
 * Installs the mocks (before the program is imported or run).
 * @param world account and region the computed outputs are formatted for
 * @param preview true to mimic `pulumi preview` (outputs the mock returns are still known)
 */
export async function installPulumiMocks(
  world: AwsWorld,
  options: { project?: string; stack?: string; preview?: boolean; behaviour?: MockBehaviour } = {},
): Promise<MockRecorder> {
  const recorder: MockRecorder = { resources: [], invokes: [] };
  const behaviour = options.behaviour ?? {};
  await pulumi.runtime.setMocks(
    {
      async newResource(args: pulumi.runtime.MockResourceArgs) {
        const inputs = unwrapSecrets(args.inputs) as Record<string, unknown>;
        const { id, state } = computedOutputs(world, args.type, args.name, inputs);
        if (args.type === "aws:lambda/invocation:Invocation" && behaviour.invokeLambda) {
          const fn = recorder.resources.find(
            (r) => r.type === "aws:lambda/function:Function" && r.state.name === inputs.functionName,
          );
          const env = ((fn?.inputs.environment as { variables?: Record<string, string> } | undefined)
            ?.variables ?? {}) as Record<string, string>;
          state.result = await behaviour.invokeLambda(env, String(inputs.input ?? "{}"));
        }
        if (args.type === "eks:index:Cluster" && behaviour.eksCluster) {
          Object.assign(state, behaviour.eksCluster(args.name, inputs));
        }
        const full = { ...inputs, ...state };
        recorder.resources.push({
          type: args.type,
          name: args.name,
          inputs,
          state: full,
          id,
          provider: args.provider,
        });
        return { id, state: full };
      },
      call(args: pulumi.runtime.MockCallArgs) {
        recorder.invokes.push({
          token: args.token,
          args: args.inputs as Record<string, unknown>,
          provider: args.provider,
        });
        const answer = answerAwsInvoke(world, args.token, args.inputs as Record<string, unknown>);
        if (answer) {
          return answer;
        }
        if (args.token === "aws:ecr/getAuthorizationToken:getAuthorizationToken") {
          return {
            userName: "AWS",
            password: "eyJwYXlsb2FkIjoiZmFrZSJ9",
            proxyEndpoint: `https://${world.accountId}.dkr.ecr.${world.region}.amazonaws.com`,
            authorizationToken: Buffer.from("AWS:eyJwYXlsb2FkIjoiZmFrZSJ9").toString("base64"),
            expiresAt: "2026-11-27T04:00:00Z",
            id: world.region,
          };
        }
        if (args.token === "aws:index/getCallerIdentity:getCallerIdentity") {
          return {
            accountId: world.accountId,
            arn: `arn:aws:iam::${world.accountId}:user/ci`,
            userId: "AIDAEXAMPLE",
            id: world.accountId,
          };
        }
        if (
          args.token === "aws:index/getRegion:getRegion" ||
          args.token === "aws:index/getRegion:getRegionPlain"
        ) {
          return { name: world.region, region: world.region, id: world.region };
        }
        if (args.token === "aws:index/getPartition:getPartition") {
          return { partition: "aws", dnsSuffix: "amazonaws.com", id: "aws" };
        }
        throw new Error(`no mock for invoke ${args.token}`);
      },
    },
    options.project ?? "pod-packet-forwarding",
    options.stack ?? "test",
    options.preview ?? false,
  );
  useEngineUrns();
  return recorder;
}

/**
 * Makes the mock monitor name resources as the engine does: the parent's whole type chain joined with `$`
 * (pulumi/pulumi sdk/go/common/resource/urn.go, `NewURN`: "qualifiedType = parentType + "$" + baseType" with the
 * parent's qualified type), where the SDK's mock keeps only the parent's last type. Tests compare URNs of
 * existing stacks with these.
 */
function useEngineUrns(): void {
  const monitor = (pulumi.runtime as unknown as { getMonitor(): unknown }).getMonitor() as {
    newUrn(parent: string, type: string, name: string): string;
  };
  monitor.newUrn = (parent: string, type: string, name: string) => {
    const qualified = parent ? `${parent.split("::")[2]}$${type}` : type;
    return `urn:pulumi:${pulumi.getStack()}::${pulumi.getProject()}::${qualified}::${name}`;
  };
}

/** Every URN the mock monitor registered, in registration order. */
export function registeredUrns(): string[] {
  const monitor = (pulumi.runtime as unknown as { getMonitor(): unknown }).getMonitor() as {
    resources: Map<string, unknown>;
  };
  return [...monitor.resources.keys()];
}

/**
 * Resolves once every resource registration and invoke the program started has been answered, so the recorder
 * holds the whole graph. (The SDK's RPC-queue wait is internal, hence the typed import.)
 */
export async function settle(): Promise<void> {
  const settings = (await import("@pulumi/pulumi/runtime/settings")) as unknown as {
    waitForRPCs(): Promise<void>;
  };
  await settings.waitForRPCs();
}
