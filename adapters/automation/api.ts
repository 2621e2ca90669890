/**
 * The embedding API: `preview`, `up`, `destroy` and `outputs` of a named stack of this program, driven through the
 * Pulumi Automation API with an inline program that runs the same stack program as `index.ts`.
 *
 * Order of every operation: validate the config (no Pulumi involved), resolve the backend (passphrase present?),
 * find the CLI, then open the stack, write the config, run. Operations in one process run one at a time (the
 * Pulumi runtime of inline programs is process-wide).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import {
  CommandError,
  ConcurrentUpdateError,
  LocalWorkspace,
  StackNotFoundError,
  type ConfigMap,
  type EngineEvent,
  type OpMap,
  type OutputMap,
  type PulumiCommand,
  type PulumiFn,
} from "@pulumi/pulumi/automation";
import type { StackProgramOptions } from "../stack/program";
import { ConfigError, PROJECT_NAME } from "../stack/stackConfig";
import { resolveBackend, type BackendOptions, type ResolvedBackend } from "./backend";
import { parseOutputs, type DeployedOutputs } from "./outputs";
import {
  staleProjectKeys,
  toStackConfigMap,
  validateConfig,
  type PodPacketForwardingConfig,
} from "./typedConfig";
import { summarize, toProgressEvent, type ChangeSummary, type ProgressEvent } from "./progress";
import { locatePulumiCli, mapCliError } from "./pulumiCli";

/** What every operation needs: which stack, where its state is, how to report progress. */
export interface StackOptions extends BackendOptions {
  /** Stack name (`dev`, `prod`, or `org/project/stack` on Pulumi Cloud). */
  stack: string;
  /**
   * AWS region of the stack's AWS provider (lookups and resources); default `AWS_REGION`, then `AWS_DEFAULT_REGION`
   * of `env`. Written to the stack as `aws:region`.
   */
  region?: string;
  /** Folder a relative `rpcapdPackage` is resolved against; default the process's working directory. */
  projectDir?: string;
  /** Called for every resource step, diagnostic and the final summary, as they happen. */
  onProgress?: (event: ProgressEvent) => void;
  /** Environment: the passphrase, `AWS_REGION`, `PPF_HOME`, and the PATH the CLI is looked up on; default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Cancels the running operation (the engine stops gracefully). */
  signal?: AbortSignal;
  /** Pulumi CLI installation root (`<root>/bin/pulumi`); default the `pulumi` on PATH. */
  pulumiRoot?: string;
  /** Further stack program options (the component name: changing it replaces every resource). */
  program?: Omit<StackProgramOptions, "projectDir">;
}

/** Options of `preview` and `up`: the stack and its configuration. */
export interface DeployOptions extends StackOptions {
  /** The stack configuration (same keys and validation as `Pulumi.<stack>.yaml`). */
  config: PodPacketForwardingConfig;
}

/** Options of `destroy`: a config is optional (state alone drives a destroy). */
export interface DestroyOptions extends StackOptions {
  /** When given, validated and written to the stack first. */
  config?: PodPacketForwardingConfig;
}

/** Result of `preview`. */
export interface PreviewResult {
  /** Stack name. */
  stack: string;
  /** What `up` would do. */
  changes: ChangeSummary;
}

/** Result of `up`. */
export interface UpResult {
  /** Stack name. */
  stack: string;
  /** What was done. */
  changes: ChangeSummary;
  /** The stack outputs. */
  outputs: DeployedOutputs;
}

/** Result of `destroy`. */
export interface DestroyResult {
  /** Stack name. */
  stack: string;
  /** What was deleted. */
  changes: ChangeSummary;
}

/** An operation the engine ran and that failed (a provider error, AWS refusing, the program throwing). */
export class StackOperationError extends Error {
  /** `preview`, `up`, `destroy` or `outputs`. */
  readonly operation: string;
  /** Stack name. */
  readonly stack: string;
  /** Error diagnostics the engine reported during the operation. */
  readonly diagnostics: string[];
  constructor(operation: string, stack: string, detail: string, diagnostics: string[] = []) {
    super(`${operation} of stack ${stack} failed: ${detail}`);
    this.name = "StackOperationError";
    this.operation = operation;
    this.stack = stack;
    this.diagnostics = diagnostics;
  }
}

/** The part of an Automation API `Stack` this module uses: a seam for tests, which cannot run the CLI. */
export interface StackHandle {
  /** `pulumi config --json`. */
  getAllConfig(): Promise<ConfigMap>;
  /** `pulumi config set-all`. */
  setAllConfig(config: ConfigMap): Promise<void>;
  /** `pulumi config rm-all`. */
  removeAllConfig(keys: string[]): Promise<void>;
  /** `pulumi preview`. */
  preview(opts: EngineOptions): Promise<{ changeSummary: OpMap }>;
  /** `pulumi up`. */
  up(opts: EngineOptions): Promise<{ outputs: OutputMap; summary: { resourceChanges?: OpMap } }>;
  /** `pulumi destroy`. */
  destroy(opts: EngineOptions): Promise<{ summary: { resourceChanges?: OpMap } }>;
  /** `pulumi stack output --json`. */
  outputs(): Promise<OutputMap>;
}

/** Options passed to the engine operations. */
export interface EngineOptions {
  /** Engine event callback. */
  onEvent: (event: EngineEvent) => void;
  /** Cancellation. */
  signal?: AbortSignal;
}

/** What `openStack` gets. */
export interface OpenStackRequest {
  /** Stack name. */
  stack: string;
  /** The inline program. */
  program: PulumiFn;
  /** Resolved backend. */
  backend: ResolvedBackend;
  /** The CLI found by `locatePulumiCli`. */
  cli: PulumiCommand;
  /** True to create the stack when missing (preview, up); false to require it (destroy, outputs). */
  create: boolean;
}

/** Opens (creates or selects) a stack. */
export type StackOpener = (request: OpenStackRequest) => Promise<StackHandle>;

/** Dependencies of the API; the defaults use the real CLI. Tests replace them. */
export interface ApiDependencies {
  /** Finds the CLI (default `locatePulumiCli`): in `root`, else on `envPath`. */
  locateCli: (root: string | undefined, envPath: string | undefined) => Promise<PulumiCommand>;
  /** Opens the stack (default: `LocalWorkspace` with an inline program and a persistent work folder). */
  openStack: StackOpener;
}

/** The default `openStack`: a `LocalWorkspace` in the backend's persistent folder, with the inline program. */
export const openLocalStack: StackOpener = async ({ stack, program, backend, cli, create }) => {
  fs.mkdirSync(backend.workDir, { recursive: true });
  if (backend.stateDir) {
    fs.mkdirSync(backend.stateDir, { recursive: true });
  }
  const args = { stackName: stack, projectName: PROJECT_NAME, program };
  const opts = {
    workDir: backend.workDir,
    pulumiCommand: cli,
    envVars: backend.envVars,
    secretsProvider: backend.secretsProvider,
    projectSettings: { name: PROJECT_NAME, runtime: "nodejs" as const },
  };
  return create ? LocalWorkspace.createOrSelectStack(args, opts) : LocalWorkspace.selectStack(args, opts);
};

const defaultDependencies: ApiDependencies = {
  locateCli: (root, envPath) => locatePulumiCli({ root, envPath }),
  openStack: openLocalStack,
};

/** The typed embedding API over a set of dependencies. */
export interface EmbeddingApi {
  /** Shows what `up` would change. */
  preview(options: DeployOptions): Promise<PreviewResult>;
  /** Creates or updates the stack's resources; returns the outputs. */
  up(options: DeployOptions): Promise<UpResult>;
  /** Deletes every resource of the stack (the stack and its history stay). */
  destroy(options: DestroyOptions): Promise<DestroyResult>;
  /** The outputs of the last successful `up`. */
  outputs(options: StackOptions): Promise<DeployedOutputs>;
}

/**
 * Builds the API over the given dependencies (tests pass fakes; `preview`, `up`, `destroy` and `outputs` exported
 * below use the real CLI).
 */
export function createEmbeddingApi(deps: Partial<ApiDependencies> = {}): EmbeddingApi {
  const { locateCli, openStack } = { ...defaultDependencies, ...deps };
  let queue: Promise<unknown> = Promise.resolve();
  const serialized = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = queue.then(fn, fn);
    queue = run.catch(() => undefined);
    return run;
  };

  interface Prepared {
    handle: StackHandle;
    engine: EngineOptions;
    errors: string[];
    configError: () => ConfigError | undefined;
  }

  /** Everything before the engine runs: validation first, then backend, CLI, stack, config. */
  async function prepare(
    options: StackOptions,
    config: PodPacketForwardingConfig | undefined,
    create: boolean,
  ): Promise<Prepared> {
    const env = options.env ?? process.env;
    const projectDir = path.resolve(options.projectDir ?? process.cwd());
    const region = options.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
    if (!/^[A-Za-z0-9][A-Za-z0-9._/-]*$/.test(options.stack)) {
      throw new ConfigError([
        `stack: ${JSON.stringify(options.stack)} is not a stack name (letters, digits, - _ . and /)`,
      ]);
    }
    if (config !== undefined) {
      const parsed = validateConfig(config, projectDir);
      if (!region && (parsed.clusterName || (parsed.rpcapdPackage && !parsed.agentImage))) {
        throw new ConfigError([
          "aws:region: is required (pass region, or set AWS_REGION) to look up the cluster and to push the agent image",
        ]);
      }
    }
    const backend = resolveBackend(options);
    const cli = await locateCli(options.pulumiRoot, env.PATH);
    let captured: ConfigError | undefined;
    // Loaded when the engine runs it: the component's provider SDKs take seconds to load, which `--help`, usage
    // errors and config errors never need.
    const program: PulumiFn = async () => {
      const { inlineProgram } = await import("./inlineProgram");
      return inlineProgram({ ...options.program, projectDir }, (err) => {
        captured = err;
      })();
    };
    let handle: StackHandle;
    try {
      handle = await openStack({ stack: options.stack, program, backend, cli, create });
    } catch (err) {
      if (err instanceof StackNotFoundError) {
        throw new StackOperationError(
          "select",
          options.stack,
          `no stack named ${options.stack} in ${backend.url}`,
        );
      }
      throw mapCliError(err);
    }
    if (config !== undefined) {
      const map = toStackConfigMap(config, region);
      const stale = staleProjectKeys(Object.keys(await handle.getAllConfig()), map);
      if (stale.length) {
        await handle.removeAllConfig(stale);
      }
      await handle.setAllConfig(map);
    }
    const errors: string[] = [];
    const engine: EngineOptions = {
      signal: options.signal,
      onEvent: (event) => {
        const progress = toProgressEvent(event);
        if (!progress) {
          return;
        }
        if (progress.kind === "diagnostic" && progress.severity === "error") {
          errors.push(progress.name ? `${progress.name}: ${progress.message}` : progress.message);
        }
        options.onProgress?.(progress);
      },
    };
    return { handle, engine, errors, configError: () => captured };
  }

  /** Runs an engine operation, mapping its failure to ConfigError / PulumiCliError / StackOperationError. */
  async function run<T>(
    operation: string,
    stack: string,
    prepared: Prepared,
    fn: () => Promise<T>,
  ): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      const configError = prepared.configError();
      if (configError) {
        throw configError;
      }
      if (err instanceof ConcurrentUpdateError) {
        throw new StackOperationError(
          operation,
          stack,
          "another update of this stack is in progress (wait for it, or run `pulumi cancel` if it died)",
        );
      }
      const mapped = mapCliError(err);
      if (mapped !== err) {
        throw mapped;
      }
      if (err instanceof CommandError) {
        const detail = prepared.errors.length ? prepared.errors.join("; ") : lastLines(err.message);
        throw new StackOperationError(operation, stack, detail, prepared.errors);
      }
      throw err;
    }
  }

  return {
    preview: (options) =>
      serialized(async () => {
        const p = await prepare(options, options.config, true);
        const result = await run("preview", options.stack, p, () => p.handle.preview(p.engine));
        return { stack: options.stack, changes: summarize(result.changeSummary) };
      }),
    up: (options) =>
      serialized(async () => {
        const p = await prepare(options, options.config, true);
        const result = await run("up", options.stack, p, () => p.handle.up(p.engine));
        return {
          stack: options.stack,
          changes: summarize(result.summary.resourceChanges),
          outputs: parseOutputs(options.stack, result.outputs),
        };
      }),
    destroy: (options) =>
      serialized(async () => {
        const p = await prepare(options, options.config, false);
        const result = await run("destroy", options.stack, p, () => p.handle.destroy(p.engine));
        return { stack: options.stack, changes: summarize(result.summary.resourceChanges) };
      }),
    outputs: (options) =>
      serialized(async () => {
        const p = await prepare(options, undefined, false);
        return parseOutputs(options.stack, await run("outputs", options.stack, p, () => p.handle.outputs()));
      }),
  };
}

/** The last lines of a CLI error (its message holds the whole output). */
function lastLines(message: string, n = 8): string {
  const lines = message
    .split("\n")
    .map((l) => l.trimEnd())
    .filter((l) => l.trim() !== "");
  return lines.slice(-n).join("\n");
}

const defaultApi = createEmbeddingApi();

/** Shows what `up` would change for the stack with this config. */
export const preview = (options: DeployOptions): Promise<PreviewResult> => defaultApi.preview(options);
/** Creates or updates the stack's resources with this config; returns the typed outputs and the changes. */
export const up = (options: DeployOptions): Promise<UpResult> => defaultApi.up(options);
/** Deletes every resource of the stack. */
export const destroy = (options: DestroyOptions): Promise<DestroyResult> => defaultApi.destroy(options);
/** The typed outputs of the stack's last `up`. */
export const outputs = (options: StackOptions): Promise<DeployedOutputs> => defaultApi.outputs(options);
