/**
 * The command line of `pod-packet-forwarding coverage`.
 */
import { parseArgs } from "node:util";

/** A parsed command line. */
export interface CoverageInvocation {
  /** Print the help. */
  help: boolean;
  /** Stack name. */
  stack?: string;
  /** Stack file to read instead of the stack. */
  stackFile?: string;
  /** Kubeconfig file. */
  kubeconfig?: string;
  /** Kubeconfig context. */
  context?: string;
  /** State backend URL (when the stack itself is read). */
  backend?: string;
  /** Print JSON. */
  json: boolean;
  /** Print the notes of covered entries too. */
  verbose: boolean;
  /** Exit 5 when anything is not fully covered. */
  failOnUncovered: boolean;
}

/** The command line is wrong. */
export class CoverageUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CoverageUsageError";
  }
}

/** The help text. */
export const COVERAGE_USAGE = `Usage: pod-packet-forwarding coverage --stack NAME [options]

Reports, for every node, Fargate profile and workload of the stack's cluster, whether its packets reach the sensor
(through the node agent, VPC Traffic Mirroring or a Fargate sidecar) and why not. Uncovered entries come first.

Reads the stack's config (Pulumi.<stack>.yaml in the current folder, --stack-file, or else the stack itself through
the Pulumi CLI, with its outputs), the Kubernetes API (nodes and pods) and, when the stack mirrors, EC2 (instances,
ENIs, mirror sessions) with exactly the stack's AWS settings: aws:region, aws:profile, aws:sharedCredentialsFiles,
aws:sharedConfigFiles, aws:accessKey/secretKey/token, aws:assumeRoles (chained).

Options:
  -s, --stack NAME          stack whose deployment is checked (required)
      --stack-file FILE     the stack's config file (default: Pulumi.<stack>.yaml here, else the stack itself)
      --backend URL         state backend when the stack itself is read (default: the embedding API's)
      --kubeconfig FILE     kubeconfig (default: the stack's kubeconfig, else KUBECONFIG, else ~/.kube/config)
      --context NAME        kubeconfig context (default: its current-context)
      --json                print the report as JSON
  -v, --verbose             also print the notes of covered entries
      --fail-on-uncovered   exit 5 when an entry is not covered or only partly covered (for CI gates)
  -h, --help                show this help

Needs list access to nodes and pods, and ec2:DescribeInstances, ec2:DescribeNetworkInterfaces and
ec2:DescribeTrafficMirrorSessions when the stack mirrors.

Exit codes: 0 report printed, 1 reading the cluster or AWS failed, 2 bad usage or config, 3 Pulumi CLI missing,
5 something is not covered (with --fail-on-uncovered).`;

/**
 * Parses the arguments after `coverage` (a leading `coverage` word is accepted too).
 * @throws CoverageUsageError naming the problem
 */
export function parseCoverageArgs(argv: string[]): CoverageInvocation {
  const args = argv[0] === "coverage" ? argv.slice(1) : argv;
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: {
        stack: { type: "string", short: "s" },
        "stack-file": { type: "string" },
        backend: { type: "string" },
        kubeconfig: { type: "string" },
        context: { type: "string" },
        json: { type: "boolean" },
        verbose: { type: "boolean", short: "v" },
        "fail-on-uncovered": { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (err) {
    throw new CoverageUsageError(
      (err as Error).message.replace(/\. To specify a positional argument.*$/s, ""),
    );
  }
  const v = parsed.values;
  const invocation: CoverageInvocation = {
    help: v.help ?? false,
    stack: v.stack,
    stackFile: v["stack-file"],
    kubeconfig: v.kubeconfig,
    context: v.context,
    backend: v.backend,
    json: v.json ?? false,
    verbose: v.verbose ?? false,
    failOnUncovered: v["fail-on-uncovered"] ?? false,
  };
  if (invocation.help) {
    return invocation;
  }
  if (parsed.positionals.length > 0) {
    throw new CoverageUsageError(`unexpected argument(s): ${parsed.positionals.join(" ")}`);
  }
  if (!invocation.stack) {
    throw new CoverageUsageError("--stack is required");
  }
  return invocation;
}
