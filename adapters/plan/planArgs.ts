/**
 * The plan's command line. A mistake is one line naming the option.
 */
import { parseArgs } from "node:util";
import type { PlanRequest } from "./planInputs";
import { PlanInputError } from "./planInputError";

/** Default manifests folder. */
export const DEFAULT_OUT = "out/plan";

/** The help text. */
export const PLAN_USAGE = `Usage: npm run plan -- [options]

Runs the stack program offline (fake AWS account, Pulumi engine mocks; nothing is created) and prints what
pulumi up would do; writes the rendered Kubernetes manifests for review.

Options:
  --config FILE               the stack config: JSON or YAML config keys, or a Pulumi.<stack>.yaml as it is
                              (default: the built-in sample config)
  --describe-cluster FILE     output of aws eks describe-cluster --name NAME   (with --describe-vpcs)
  --describe-vpcs FILE        output of aws ec2 describe-vpcs --vpc-ids VPC     (with --describe-cluster)
  --describe-instances FILE   output of aws ec2 describe-instances (the nodes the mirror reconcile sees)
                              (default account: the built-in sample, EKS cluster demo)
  --out DIR                   manifests folder, new or empty, or written by the plan before (default ${DEFAULT_OUT})
  -h, --help                  show this help

Exit codes: 0 planned, 1 the plan itself failed, 2 a mistake in the options, files or configuration.`;

const OPTIONS = {
  config: { type: "string" },
  "describe-cluster": { type: "string" },
  "describe-vpcs": { type: "string" },
  "describe-instances": { type: "string" },
  out: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

/** A parsed command line. */
export interface PlanInvocation extends PlanRequest {
  /** Print the help. */
  help: boolean;
  /** Manifests folder as given. */
  out: string;
}

/**
 * Parses the plan's arguments (without `node` and the script).
 * @throws PlanInputError naming the option
 */
export function parsePlanArgs(argv: string[]): PlanInvocation {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    // node:util names the option: "Unknown option '--confg'. To specify ...", "Option '--out <value>' argument missing".
    // "Option '--config' argument is ambiguous.\nDid you forget ...": the option is the value of another.
    const message = (err as Error).message
      .split("\n")[0]
      .replace(/\. To specify a positional argument.*$/s, "");
    const option = /'(-[^' ]+)/.exec(message)?.[1] ?? "options";
    const known = Object.keys(OPTIONS).map((o) => `--${o}`);
    const reason = /^Unknown option/.test(message)
      ? `unknown option (known: ${known.join(", ")})`
      : /argument missing|ambiguous/.test(message)
        ? "needs a file or folder name"
        : message.replace(/^Option '[^']*' /, "");
    throw new PlanInputError(option, undefined, reason);
  }
  const { values, positionals } = parsed;
  if (positionals.length) {
    throw new PlanInputError(
      positionals[0],
      undefined,
      "unexpected argument (files are given with --config, --describe-cluster, ...)",
    );
  }
  for (const [name, value] of Object.entries(values)) {
    if (value === "") {
      throw new PlanInputError(`--${name}`, undefined, "needs a file or folder name");
    }
  }
  return {
    help: values.help ?? false,
    config: values.config,
    cluster: values["describe-cluster"],
    vpcs: values["describe-vpcs"],
    instances: values["describe-instances"],
    out: values.out ?? DEFAULT_OUT,
  };
}
