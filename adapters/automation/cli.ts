/**
 * `pod-packet-forwarding`: the command-line entry for people and CI, over the embedding API.
 *
 * Progress goes to stderr, results to stdout (JSON with --json, and always for `outputs`), so CI can capture
 * the results cleanly. Exit codes are listed in `EXIT` and in the help text.
 */
import * as path from "node:path";
import * as readline from "node:readline";
import { parseArgs } from "node:util";
import { ConfigError } from "../stack/stackConfig";
import { createEmbeddingApi, StackOperationError, type EmbeddingApi, type StackOptions } from "./api";
import { BackendError, defaultHome } from "./backend";
import { ConfigFileError, plainProjectConfig, readConfigFile } from "./configFile";
import { OutputsError, type DeployedOutputs } from "./outputs";
import type { ChangeSummary, ProgressEvent } from "./progress";
import { PulumiCliError } from "./pulumiCli";
import type { PodPacketForwardingConfig } from "./typedConfig";

/** Exit codes. */
export const EXIT = {
  /** The operation succeeded. */
  ok: 0,
  /** The operation ran and failed (provider or AWS error, program error, stack locked, no outputs). */
  failed: 1,
  /** Bad usage, an unreadable or invalid config file, invalid config, missing passphrase, or a refused
   * confirmation without a terminal: nothing was changed. */
  usage: 2,
  /** The Pulumi CLI is missing or too old: nothing was changed. */
  missingCli: 3,
  /** The confirmation prompt was answered no: nothing was changed. */
  declined: 4,
} as const;

/** The commands. */
export type Command = "preview" | "up" | "destroy" | "outputs";
const COMMANDS: readonly Command[] = ["preview", "up", "destroy", "outputs"];

/** A parsed command line. */
export interface CliInvocation {
  /** What to do; `help` prints the usage. */
  command: Command | "help";
  /** Stack name. */
  stack?: string;
  /** Config file path. */
  configFile?: string;
  /** AWS region. */
  region?: string;
  /** Backend URL. */
  backend?: string;
  /** Secrets provider for a new stack. */
  secretsProvider?: string;
  /** Skip confirmation. */
  yes: boolean;
  /** Print results as JSON. */
  json: boolean;
}

/** The command line is wrong. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** The help text. */
export function usage(env: NodeJS.ProcessEnv = process.env): string {
  return `Usage: pod-packet-forwarding <command> --stack NAME [options]

Deploys ExtraHop pod packet forwarding (the PodPacketForwarding component) to a Kubernetes cluster, EKS or
self-managed, through the Pulumi Automation API.

Commands:
  preview   show what up would change
  up        create or update the stack's resources (asks for confirmation unless --yes)
  destroy   delete every resource of the stack (asks for confirmation unless --yes)
  outputs   print the stack's outputs as JSON
  coverage  who reports each node's, Fargate profile's and workload's packets, from the live cluster
            (pod-packet-forwarding coverage --help)

Options:
  -s, --stack NAME            stack to operate on (required)
  -c, --config-file FILE      stack config as JSON (.json) or YAML: the config keys (clusterName, sensorIps, ...),
                              or a Pulumi.<stack>.yaml; required for preview and up, optional for destroy;
                              a relative rpcapdPackage is relative to this file's folder
  -r, --region REGION         AWS region (default: aws:region of the config file, then AWS_REGION, AWS_DEFAULT_REGION)
      --backend URL           state backend, e.g. s3://bucket/prefix or https://api.pulumi.com
                              (default: file://${defaultHome(env)}/state; PPF_HOME moves it)
      --secrets-provider P    secrets provider of a new stack (default passphrase: set PULUMI_CONFIG_PASSPHRASE)
  -y, --yes                   do not ask for confirmation (required when there is no terminal, e.g. in CI)
      --json                  print the result as JSON on stdout
  -h, --help                  show this help

Exit codes:
  0  success
  1  the operation ran and failed (see the errors above it)
  2  bad usage, config file or configuration, missing passphrase, or no --yes without a terminal (nothing changed)
  3  the Pulumi CLI is missing or too old (nothing changed)
  4  the confirmation was answered no (nothing changed)

Requires the Pulumi CLI (https://www.pulumi.com/docs/install/) and AWS credentials.`;
}

/**
 * Parses the command line (without `node` and the script).
 * @throws UsageError naming the problem
 */
export function parseCliArgs(argv: string[]): CliInvocation {
  let parsed: ReturnType<typeof parseOptions>;
  try {
    parsed = parseOptions(argv);
  } catch (err) {
    // node:util's messages name the option ("Unknown option '--stak'", "Option '-s, --stack <value>' argument missing").
    throw new UsageError((err as Error).message.replace(/\. To specify a positional argument.*$/s, ""));
  }
  const { values, positionals } = parsed;
  const base = {
    yes: values.yes ?? false,
    json: values.json ?? false,
    stack: values.stack,
    configFile: values["config-file"],
    region: values.region,
    backend: values.backend,
    secretsProvider: values["secrets-provider"],
  };
  if (values.help || positionals[0] === "help") {
    return { ...base, command: "help" };
  }
  if (positionals.length === 0) {
    throw new UsageError(`a command is required: ${COMMANDS.join(", ")}`);
  }
  if (positionals.length > 1) {
    throw new UsageError(`unexpected argument(s): ${positionals.slice(1).join(" ")}`);
  }
  const command = positionals[0] as Command;
  if (!COMMANDS.includes(command)) {
    throw new UsageError(
      `unknown command ${JSON.stringify(positionals[0])}: use one of ${COMMANDS.join(", ")}`,
    );
  }
  if (!base.stack) {
    throw new UsageError("--stack is required");
  }
  if ((command === "preview" || command === "up") && !base.configFile) {
    throw new UsageError(`--config-file is required for ${command}`);
  }
  if (command === "outputs" && base.configFile) {
    throw new UsageError("--config-file is not used by outputs");
  }
  return { ...base, command };
}

function parseOptions(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      stack: { type: "string", short: "s" },
      "config-file": { type: "string", short: "c" },
      region: { type: "string", short: "r" },
      backend: { type: "string" },
      "secrets-provider": { type: "string" },
      yes: { type: "boolean", short: "y" },
      json: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
}

/** What the CLI talks to; `main` takes it so tests run without a terminal or the Pulumi CLI. */
export interface CliIo {
  /** Results. */
  stdout: (text: string) => void;
  /** Progress, prompts and errors. */
  stderr: (text: string) => void;
  /** Asks a question on the terminal; absent when there is no terminal. */
  ask?: (question: string) => Promise<string>;
  /** Environment (PATH, AWS_REGION, PULUMI_CONFIG_PASSPHRASE, PPF_HOME). */
  env: NodeJS.ProcessEnv;
  /** The embedding API (default: the real one). */
  api?: EmbeddingApi;
  /** Cancels a running operation. */
  signal?: AbortSignal;
}

const VERBS: Record<string, [string, string, string]> = {
  create: ["create", "creating", "created"],
  update: ["update", "updating", "updated"],
  delete: ["delete", "deleting", "deleted"],
  replace: ["replace", "replacing", "replaced"],
  "create-replacement": ["create replacement", "creating replacement", "created replacement"],
  "delete-replaced": ["delete replaced", "deleting replaced", "deleted replaced"],
  read: ["read", "reading", "read"],
  import: ["import", "importing", "imported"],
};

/** One line of readable progress for an event, or undefined for events not worth a line (unchanged resources). */
export function renderProgress(event: ProgressEvent): string | undefined {
  switch (event.kind) {
    case "resource": {
      if (event.operation === "same" || event.operation === "refresh") {
        return undefined;
      }
      const verbs = VERBS[event.operation] ?? [event.operation, event.operation, event.operation];
      const verb = {
        planned: verbs[0],
        started: verbs[1],
        finished: verbs[2],
        failed: `FAILED to ${verbs[0]}`,
      }[event.phase];
      const diffs = event.diffs.length && event.phase !== "finished" ? ` [${event.diffs.join(", ")}]` : "";
      return `  ${verb.padEnd(13)} ${event.type}  ${event.name}${diffs}`;
    }
    case "diagnostic": {
      const prefix = event.severity === "info" ? "" : `${event.severity}: `;
      const about = event.name ? `${event.name}: ` : "";
      return event.message
        .split("\n")
        .map((line, i) => (i === 0 ? `${prefix}${about}${line}` : `    ${line}`))
        .join("\n");
    }
    case "summary":
      return `  done in ${Math.round(event.durationSeconds)}s`;
  }
}

/** A readable change summary. */
export function describeChanges(changes: ChangeSummary, tense: "plan" | "done"): string {
  const counts: [number, string, string][] = [
    [changes.create, "to create", "created"],
    [changes.update, "to update", "updated"],
    [changes.replace, "to replace", "replaced"],
    [changes.delete, "to delete", "deleted"],
  ];
  const parts = counts
    .filter(([n]) => n > 0)
    .map(([n, plan, done]) => `${n} ${tense === "plan" ? plan : done}`);
  const unchanged = changes.same ? `${changes.same} unchanged` : "";
  return [...parts, unchanged].filter(Boolean).join(", ") || "no changes";
}

/** Human summary of the outputs a person acts on. */
function describeOutputs(o: DeployedOutputs): string {
  const lines = [
    `Agent image:   ${o.agentImage}`,
    `DaemonSet:     ${o.daemonSetNamespace}/${o.daemonSetName}`,
    `PODNET:        ${o.agentEnvironment.PODNET}`,
    `SVCNET:        ${o.agentEnvironment.SVCNET}`,
    `Mirrored ENIs: ${o.mirroredEnis.length}${o.skippedMirrorSources.length ? ` (${o.skippedMirrorSources.length} skipped)` : ""}`,
    "On the sensor:",
    ...o.sensorSteps.map((s, i) => `  ${i + 1}. ${s}`),
  ];
  return lines.join("\n");
}

/**
 * Runs a command line and returns the exit code. Never throws: every error becomes a message on stderr and an
 * exit code from `EXIT`.
 */
export async function main(argv: string[], io: CliIo): Promise<number> {
  if (argv[0] === "coverage") {
    // Loaded on demand: the other commands (and --help) do not pay for the Kubernetes and EC2 clients.
    return (await import("../coverage/runCoverage")).runCoverage(argv.slice(1), io);
  }
  let inv: CliInvocation;
  try {
    inv = parseCliArgs(argv);
  } catch (err) {
    io.stderr(`error: ${(err as Error).message}\nRun pod-packet-forwarding --help for usage.`);
    return EXIT.usage;
  }
  if (inv.command === "help") {
    io.stdout(usage(io.env));
    return EXIT.ok;
  }
  const needsConfirmation = (inv.command === "up" || inv.command === "destroy") && !inv.yes;
  if (needsConfirmation && !io.ask) {
    io.stderr(
      `error: refusing to ${inv.command} stack ${inv.stack} without confirmation: there is no terminal to ask on; pass --yes`,
    );
    return EXIT.usage;
  }
  const api = io.api ?? createEmbeddingApi();
  try {
    const file = inv.configFile ? readConfigFile(inv.configFile) : undefined;
    // Untyped file content: the API validates it against the schema before anything else happens.
    const fileConfig = file
      ? (plainProjectConfig(inv.configFile as string, file) as PodPacketForwardingConfig)
      : undefined;
    const base: StackOptions = {
      stack: inv.stack as string,
      region: inv.region ?? file?.region,
      // A relative rpcapdPackage in the file is relative to the file, as in a stack file next to Pulumi.yaml.
      projectDir: inv.configFile ? path.dirname(path.resolve(inv.configFile)) : undefined,
      backendUrl: inv.backend,
      secretsProvider: inv.secretsProvider,
      env: io.env,
      signal: io.signal,
      onProgress: (event) => {
        const line = renderProgress(event);
        if (line !== undefined) {
          io.stderr(line);
        }
      },
    };
    const print = (human: string, json: unknown) =>
      io.stdout(inv.json ? JSON.stringify(json, null, 2) : human);
    switch (inv.command) {
      case "preview": {
        io.stderr(`Previewing stack ${inv.stack}...`);
        const result = await api.preview({
          ...base,
          config: fileConfig ?? ({} as PodPacketForwardingConfig),
        });
        print(`Preview of stack ${inv.stack}: ${describeChanges(result.changes, "plan")}`, result);
        return EXIT.ok;
      }
      case "up": {
        const config = fileConfig ?? ({} as PodPacketForwardingConfig);
        if (needsConfirmation) {
          io.stderr(`Previewing stack ${inv.stack}...`);
          const plan = await api.preview({ ...base, config });
          io.stderr(`Plan for stack ${inv.stack}: ${describeChanges(plan.changes, "plan")}`);
          if (plan.changes.changed > 0) {
            const answer = await (io.ask as NonNullable<CliIo["ask"]>)(
              `Apply these changes to stack ${inv.stack}? [y/N] `,
            );
            if (!/^y(es)?$/i.test(answer.trim())) {
              io.stderr("Not confirmed: nothing was changed.");
              return EXIT.declined;
            }
          }
        }
        io.stderr(`Updating stack ${inv.stack}...`);
        const result = await api.up({ ...base, config });
        print(
          `Stack ${inv.stack} updated: ${describeChanges(result.changes, "done")}\n${describeOutputs(result.outputs)}`,
          result,
        );
        return EXIT.ok;
      }
      case "destroy": {
        if (needsConfirmation) {
          const answer = await (io.ask as NonNullable<CliIo["ask"]>)(
            `This deletes every resource of stack ${inv.stack} (agent, mirroring, image repository). Type the stack name to confirm: `,
          );
          if (answer.trim() !== inv.stack) {
            io.stderr("Not confirmed: nothing was changed.");
            return EXIT.declined;
          }
        }
        io.stderr(`Destroying stack ${inv.stack}...`);
        const result = await api.destroy({ ...base, config: fileConfig });
        print(`Stack ${inv.stack} destroyed: ${describeChanges(result.changes, "done")}`, result);
        return EXIT.ok;
      }
      case "outputs": {
        io.stdout(JSON.stringify(await api.outputs(base), null, 2));
        return EXIT.ok;
      }
    }
  } catch (err) {
    return reportError(err, io);
  }
}

/** Prints an error and returns its exit code. */
export function reportError(err: unknown, io: Pick<CliIo, "stderr">): number {
  if (err instanceof ConfigFileError || err instanceof BackendError) {
    io.stderr(`error: ${err.message}`);
    return EXIT.usage;
  }
  if (err instanceof ConfigError) {
    io.stderr(`error: ${err.message}\nNothing was changed.`);
    return EXIT.usage;
  }
  if (err instanceof PulumiCliError) {
    io.stderr(`error: ${err.message}`);
    return EXIT.missingCli;
  }
  if (err instanceof StackOperationError || err instanceof OutputsError) {
    io.stderr(`error: ${err.message}`);
    return EXIT.failed;
  }
  io.stderr(`error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  return EXIT.failed;
}

/** Process entry: real terminal, real environment, Ctrl-C cancels the running operation gracefully. */
export async function runCli(argv: string[] = process.argv.slice(2)): Promise<number> {
  const controller = new AbortController();
  const onSigint = () => {
    process.stderr.write("\nCancelling (the engine finishes the steps in flight)...\n");
    controller.abort();
  };
  process.once("SIGINT", onSigint);
  const interactive = Boolean(process.stdin.isTTY && process.stderr.isTTY);
  try {
    return await main(argv, {
      stdout: (t) => process.stdout.write(`${t}\n`),
      stderr: (t) => process.stderr.write(`${t}\n`),
      ask: interactive ? ask : undefined,
      env: process.env,
      signal: controller.signal,
    });
  } finally {
    process.removeListener("SIGINT", onSigint);
  }
}

function ask(question: string): Promise<string> {
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
  return new Promise((resolve) =>
    rl.question(question, (answer) => {
      rl.close();
      resolve(answer);
    }),
  );
}
