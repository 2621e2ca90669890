/**
 * `pod-packet-forwarding coverage --stack <name>`: the live coverage report of a deployed stack (see
 * `coverageArgs.ts` for the options and docs/coverage.md for what it reports). Never throws: every failure is one
 * message on stderr and an exit code of `COVERAGE_EXIT`.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { EC2Client } from "@aws-sdk/client-ec2";
import { AGENT_LABELS, AGENT_NAME } from "../../components/agent/manifests";
import { DEFAULT_MIRROR_SETTLE_SECONDS } from "../../components/contract/agentEnv";
import { DEFAULT_UNSUPPORTED_INSTANCE_TYPES } from "../../components/contract/mirrorableInstanceTypes";
import {
  ClusterStateError,
  coverageReport,
  readClusterState,
  renderCoverage,
  type CoverageReport,
} from "../../components/coverage";
import type { FargateProfile } from "../../components/fargate";
import { mirrorSettleSeconds } from "../../components/mirror/settle";
import type { SkippedMirrorSource } from "../../components/mirror/reconcileOutcome";
import { kubernetesClientFromKubeconfig } from "../../components/network/kubernetesClient";
import { checkArgs } from "../../components/validation";
import { BackendError } from "../automation/backend";
import { ConfigFileError } from "../automation/configFile";
import { PulumiCliError } from "../automation/pulumiCli";
import { PROJECT_NAME, toConfigProblem } from "../stack/stackConfig";
import { AwsSettingsError, stackAwsSettings } from "./awsSettings";
import {
  COVERAGE_USAGE,
  CoverageUsageError,
  parseCoverageArgs,
  type CoverageInvocation,
} from "./coverageArgs";
import { readEc2Facts } from "./ec2Facts";
import {
  CredentialProvidersMissingError,
  loadCredentialProviders,
  stackCredentials,
  type CredentialProviderFactories,
} from "./stackCredentials";
import {
  defaultStackFile,
  factsFromStack,
  factsFromStackFile,
  openStackForReading,
  type StackFacts,
  type StackOpener,
} from "./stackFacts";

/** Exit codes. */
export const COVERAGE_EXIT = {
  /** The report was printed. */
  ok: 0,
  /** Reading the stack, the cluster or AWS failed. */
  failed: 1,
  /** Bad usage, config file or configuration. */
  usage: 2,
  /** The Pulumi CLI is needed (no stack file) and missing. */
  missingCli: 3,
  /** With `--fail-on-uncovered`: an entry is not covered or only partly. */
  notCovered: 5,
} as const;

/** What the command talks to; tests replace the stack opener and the credential providers. */
export interface CoverageIo {
  /** Results. */
  stdout: (text: string) => void;
  /** Warnings and errors. */
  stderr: (text: string) => void;
  /** Environment (HOME, KUBECONFIG, AWS_*, PATH, PULUMI_CONFIG_PASSPHRASE). */
  env: NodeJS.ProcessEnv;
  /** Folder the stack file is looked for in. Default the process's working directory. */
  cwd?: string;
  /** Opens the stack when there is no stack file. Default: the Automation API. */
  openStack?: StackOpener;
  /** Loads `@aws-sdk/credential-providers`. */
  credentialProviders?: () => Promise<CredentialProviderFactories>;
  /** Now, in ms (node ages). */
  now?: () => number;
}

class CommandError extends Error {
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
  }
}

async function stackFacts(inv: CoverageInvocation, io: CoverageIo): Promise<StackFacts> {
  const cwd = io.cwd ?? process.cwd();
  const file = inv.stackFile ? path.resolve(cwd, inv.stackFile) : defaultStackFile(cwd, inv.stack as string);
  if (file) {
    return factsFromStackFile(file);
  }
  const reader = await (io.openStack ?? openStackForReading)(inv.stack as string, io.env, inv.backend);
  return factsFromStack(reader, inv.stack as string);
}

/** The validated arguments of the stack's config (defaults applied). */
function stackArgs(facts: StackFacts) {
  const raw: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(facts.config)) {
    raw[key === "clusterName" ? "cluster" : key] = value;
  }
  // Encrypted values (the kubeconfig of a stack file) are present, only unreadable here.
  for (const key of facts.encrypted) {
    raw[key === "clusterName" ? "cluster" : key] = "encrypted";
  }
  const check = checkArgs(raw, { eksCluster: raw.cluster !== undefined, kubernetesProvider: false });
  if (!check.ok) {
    throw new CommandError(
      `the configuration of ${facts.source} is invalid:\n${check.problems.map((p) => `  - ${toConfigProblem(p)}`).join("\n")}`,
      COVERAGE_EXIT.usage,
    );
  }
  return check.args;
}

function kubeconfigText(
  inv: CoverageInvocation,
  facts: StackFacts,
  io: CoverageIo,
): { text: string; from: string } {
  const cwd = io.cwd ?? process.cwd();
  const read = (file: string, from: string) => {
    try {
      return { text: fs.readFileSync(file, "utf8"), from };
    } catch (err) {
      throw new CommandError(
        `cannot read the kubeconfig ${file} (${from}): ${(err as Error).message}`,
        COVERAGE_EXIT.usage,
      );
    }
  };
  if (inv.kubeconfig) {
    return read(path.resolve(cwd, inv.kubeconfig), "--kubeconfig");
  }
  if (typeof facts.config.kubeconfig === "string" && !facts.encrypted.includes("kubeconfig")) {
    return { text: facts.config.kubeconfig, from: `the kubeconfig of ${facts.source}` };
  }
  const fromEnv = io.env.KUBECONFIG?.split(path.delimiter).find((f) => f !== "");
  if (fromEnv) {
    return read(fromEnv, "KUBECONFIG");
  }
  return read(path.join(io.env.HOME ?? os.homedir(), ".kube", "config"), "~/.kube/config");
}

function instanceIdOf(providerId: string | undefined): string | undefined {
  return /^aws:\/\/\/[^/]*\/(i-[0-9a-f]+)$/.exec(providerId ?? "")?.[1];
}

function mergeSkipped(a: SkippedMirrorSource[], b: SkippedMirrorSource[]): SkippedMirrorSource[] {
  const key = (s: SkippedMirrorSource) => `${s.instanceId}/${s.networkInterfaceId ?? ""}`;
  const seen = new Set(a.map(key));
  return [...a, ...b.filter((s) => !seen.has(key(s)))];
}

async function report(
  inv: CoverageInvocation,
  io: CoverageIo,
): Promise<{ report: CoverageReport; facts: StackFacts; warnings: string[] }> {
  const facts = await stackFacts(inv, io);
  const args = stackArgs(facts);
  const warnings: string[] = [];
  const kube = kubeconfigText(inv, facts, io);
  let state;
  try {
    state = await readClusterState(
      kubernetesClientFromKubeconfig(kube.text, {
        context: inv.context,
        baseDirectory: io.cwd ?? process.cwd(),
      }),
    );
  } catch (err) {
    throw new CommandError(`Kubernetes API (${kube.from}): ${(err as Error).message}`, COVERAGE_EXIT.failed);
  }
  const outputs = facts.outputs ?? {};
  const mirroring =
    args.mirrorTarget !== undefined ||
    (outputs.agentEnvironment as Record<string, string> | undefined)?.VPC_MIRRORING === "true";
  let mirroredEnis = (outputs.mirroredEnis as string[] | undefined) ?? [];
  let skipped = (outputs.skippedMirrorSources as SkippedMirrorSource[] | undefined) ?? [];
  let instances;
  if (mirroring) {
    const settings = stackAwsSettings(facts.aws, io.env);
    warnings.push(...settings.warnings);
    const credentials = stackCredentials(
      settings,
      await (io.credentialProviders ?? loadCredentialProviders)(),
    );
    const ec2 = new EC2Client({ region: settings.region, credentials });
    const ids = [
      ...new Set(
        state.nodes.map((n) => instanceIdOf(n.spec?.providerID)).filter((i): i is string => i !== undefined),
      ),
    ];
    const stackName = (inv.stack as string).split("/").pop();
    try {
      const live = await readEc2Facts(ec2, ids, `${PROJECT_NAME}/${stackName}/`);
      instances = live.instances;
      mirroredEnis = live.mirroredEnis;
      skipped = mergeSkipped(skipped, live.skipped);
    } catch (err) {
      throw new CommandError(
        `AWS (region ${settings.region}): ${(err as Error).message}`,
        COVERAGE_EXIT.failed,
      );
    } finally {
      ec2.destroy();
    }
  }
  const fargateProfiles = Array.isArray(facts.config.fargateProfiles)
    ? (facts.config.fargateProfiles as FargateProfile[])
    : [];
  const now = io.now?.() ?? Date.now();
  return {
    facts,
    warnings,
    report: coverageReport({
      nodes: state.nodes,
      pods: state.pods,
      fargateProfiles,
      agent: {
        namespace: args.namespace,
        podLabels: { component: AGENT_LABELS.component ?? AGENT_NAME },
        excludeNodeLabel: args.excludeNodeLabel,
        architecture: args.imagePlatform === "linux/arm64" ? "arm64" : "amd64",
        tolerations: args.tolerations,
        nodeSelector: args.nodeSelector,
      },
      agentPods: "observed",
      mirroring: {
        enabled: mirroring,
        mirroredEnis,
        skipped,
        unsupportedInstanceTypes: args.mirrorUnsupportedInstanceTypes ?? DEFAULT_UNSUPPORTED_INSTANCE_TYPES,
        instances,
        settleSeconds: mirrorSettleSeconds(args.reconcileSchedule, DEFAULT_MIRROR_SETTLE_SECONDS),
      },
      now,
    }),
  };
}

function exitOf(err: unknown): { code: number; message: string } {
  if (err instanceof CommandError) {
    return { code: err.code, message: err.message };
  }
  if (err instanceof CoverageUsageError) {
    return {
      code: COVERAGE_EXIT.usage,
      message: `${err.message}\nRun pod-packet-forwarding coverage --help for usage.`,
    };
  }
  if (err instanceof ConfigFileError || err instanceof BackendError || err instanceof AwsSettingsError) {
    return { code: COVERAGE_EXIT.usage, message: err.message };
  }
  if (err instanceof PulumiCliError) {
    return {
      code: COVERAGE_EXIT.missingCli,
      message: `${err.message} (or pass --stack-file Pulumi.<stack>.yaml to read the stack's config without it)`,
    };
  }
  if (err instanceof CredentialProvidersMissingError || err instanceof ClusterStateError) {
    return { code: COVERAGE_EXIT.failed, message: err.message };
  }
  return { code: COVERAGE_EXIT.failed, message: err instanceof Error ? err.message : String(err) };
}

/**
 * Runs the command and returns its exit code.
 * @param argv the arguments after `coverage`
 * @param io output, environment and the seams tests replace
 */
export async function runCoverage(argv: string[], io: CoverageIo): Promise<number> {
  try {
    const inv = parseCoverageArgs(argv);
    if (inv.help) {
      io.stdout(COVERAGE_USAGE);
      return COVERAGE_EXIT.ok;
    }
    const { report: r, facts, warnings } = await report(inv, io);
    for (const w of warnings) {
      io.stderr(`warning: ${w}`);
    }
    if (inv.json) {
      io.stdout(JSON.stringify({ stack: inv.stack, source: facts.source, ...r }, null, 2));
    } else {
      io.stdout(renderCoverage(r, { verbose: inv.verbose }).join("\n"));
    }
    const gaps = r.entries.some((e) => e.status === "not-covered" || e.status === "partial");
    return inv.failOnUncovered && gaps ? COVERAGE_EXIT.notCovered : COVERAGE_EXIT.ok;
  } catch (err) {
    const { code, message } = exitOf(err);
    io.stderr(`error: ${message}`);
    return code;
  }
}
