/**
 * The plan's engine: the Pulumi mocks answering from a fake AWS account (the built-in sample or one built from the
 * user's AWS CLI output), and the deploy-time reconcile run for real: the `aws.lambda.Invocation` runs the
 * reconciler Lambda's own handler against the fake EC2 API of that account, so the sessions the plan reports are
 * the ones the Lambda would create.
 */
import { EC2Client } from "@aws-sdk/client-ec2";
import * as pulumi from "@pulumi/pulumi";
import { installFakeAws } from "../../harness/aws/fakeAws";
import { installFakeMirroring } from "../../harness/aws/fakeMirroring";
import { installPulumiMocks, type MockRecorder } from "../../harness/pulumi/mocks";
import { makeHandler } from "../../lambda/reconciler/index";
import type { LogLine } from "../../lambda/reconciler/reconcile";

export { SAMPLE_CLUSTER, sampleWorld } from "../../harness/aws/sampleCluster";
export { registeredUrns, settle, type MockRecorder, type RecordedResource } from "../../harness/pulumi/mocks";
export type { AwsWorld } from "../../harness/aws/world";
import type { AwsWorld } from "../../harness/aws/world";

/** The running engine. */
export interface OfflineEngine {
  /** What the program registered and invoked. */
  recorder: MockRecorder;
  /** Every decision the reconciler logged, in order. */
  reconcileLog: LogLine[];
  /** The parent of each registered resource, by URN (empty for a top-level one). */
  parents: Map<string, string>;
  /** Warnings the program logged (`pulumi.log.warn`), as `pulumi up` would print them. */
  warnings: string[];
  /** Removes the fake AWS clients and gives `console.warn` back (the mocks stay until the next install). */
  stop(): void;
}

/**
 * What the AWS provider adds to an `aws.lambda.Invocation`'s input with `lifecycleScope: "CRUD"` on create: a `tf`
 * key with the `action` and the previous input (`@pulumi/aws` `lambda/invocation.d.ts`, "CRUD Lifecycle
 * Management"; the Terraform `aws_lambda_invocation` page shows the create payload as
 * `"tf": {"action": "create", "prev_input": null}`).
 */
function crudInput(input: string): unknown {
  return { ...(JSON.parse(input) as Record<string, unknown>), tf: { action: "create", prev_input: null } };
}

/**
 * Installs the engine for `world`: fake EC2/EKS for the Lambda's SDK client, the mocks for the program.
 * @param options `preview` mimics `pulumi preview` (the Invocation still runs: the mocks answer every output)
 */
export async function startOfflineEngine(
  world: AwsWorld,
  options: { stack?: string; preview?: boolean } = {},
): Promise<OfflineEngine> {
  const fake = installFakeAws(world);
  installFakeMirroring(fake, world);
  const reconcileLog: LogLine[] = [];
  const recorder = await installPulumiMocks(world, {
    stack: options.stack ?? "plan",
    preview: options.preview,
    behaviour: {
      invokeLambda: async (env, input) => {
        const handler = makeHandler({
          ec2: new EC2Client({ region: world.region }),
          env,
          log: (line) => reconcileLog.push(line),
        });
        return JSON.stringify(await handler(crudInput(input)));
      },
    },
  });
  const warnings = captureWarnings();
  return {
    recorder,
    reconcileLog,
    parents: recordParents(),
    warnings: warnings.lines,
    stop: () => {
      warnings.restore();
      fake.restore();
    },
  };
}

/** Warnings logged without an engine (the mocks) go to `console.warn` with this prefix (`@pulumi/pulumi` `log`). */
const WARNING_PREFIX = "warning: [runtime] ";

/** Collects the program's warnings instead of printing them; other console output passes through. */
function captureWarnings(): { lines: string[]; restore(): void } {
  const lines: string[] = [];
  const consoleWarn = console.warn;
  console.warn = (...args: unknown[]) => {
    const text = args.map(String).join(" ");
    if (text.startsWith(WARNING_PREFIX)) {
      lines.push(text.slice(WARNING_PREFIX.length));
    } else {
      consoleWarn(...args);
    }
  };
  return {
    lines,
    restore: () => {
      console.warn = consoleWarn;
    },
  };
}

/** Records each registration's parent as the mock monitor names it (the mocks' recorder keeps no parents). */
function recordParents(): Map<string, string> {
  const parents = new Map<string, string>();
  const monitor = (pulumi.runtime as unknown as { getMonitor(): unknown }).getMonitor() as {
    newUrn(parent: string, type: string, name: string): string;
  };
  const newUrn = monitor.newUrn.bind(monitor);
  monitor.newUrn = (parent, type, name) => {
    const urn = newUrn(parent, type, name);
    parents.set(urn, parent ?? "");
    return urn;
  };
  return parents;
}
