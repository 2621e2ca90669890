/**
 * Where the stacks live: a local state folder by default, any backend URL when given, and a persistent workspace
 * folder per backend that keeps `Pulumi.<stack>.yaml` (config and the passphrase provider's encryption salt)
 * between runs (an inline program's default workspace is a fresh temp folder, which would lose the salt).
 */
import { createHash } from "node:crypto";
import * as os from "node:os";
import * as path from "node:path";

/** Default home of the local state and the workspaces: `$PPF_HOME`, else `~/.pulumi-ppf`. */
export function defaultHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.PPF_HOME ? path.resolve(env.PPF_HOME) : path.join(os.homedir(), ".pulumi-ppf");
}

/** Backend choices of a request. */
export interface BackendOptions {
  /** State backend URL (`file://...`, `s3://...`, `https://api.pulumi.com`, ...); default `file://<home>/state`. */
  backendUrl?: string;
  /** Home folder of the local state and workspaces; default `defaultHome(env)`. */
  home?: string;
  /** Secrets provider for new stacks (`passphrase`, `awskms://...`, ...); default the backend's (passphrase on DIY backends). */
  secretsProvider?: string;
  /** Environment to read the passphrase from; default `process.env`. */
  env?: NodeJS.ProcessEnv;
}

/** The resolved backend. */
export interface ResolvedBackend {
  /** Backend URL passed to the CLI as `PULUMI_BACKEND_URL`. */
  url: string;
  /** True for the default local folder. */
  local: boolean;
  /** Folder for `file://` state, to create when missing; undefined for other backends. */
  stateDir?: string;
  /** Persistent workspace folder for this backend. */
  workDir: string;
  /** Environment variables for every CLI call. */
  envVars: Record<string, string>;
  /** Secrets provider for new stacks, if any. */
  secretsProvider?: string;
}

/** The backend cannot be used as configured (e.g. the passphrase is missing). */
export class BackendError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BackendError";
  }
}

/** True for a Pulumi Cloud (service) backend, which encrypts secrets itself. */
function isServiceBackend(url: string): boolean {
  return /^https?:\/\//i.test(url);
}

/**
 * Resolves the backend and checks, before any CLI call, what it needs: a passphrase (`PULUMI_CONFIG_PASSPHRASE` or
 * `PULUMI_CONFIG_PASSPHRASE_FILE`, an empty passphrase is allowed when set explicitly) unless the backend is Pulumi
 * Cloud or a non-passphrase secrets provider is given.
 * @throws BackendError naming the variable to set
 */
export function resolveBackend(options: BackendOptions = {}): ResolvedBackend {
  const env = options.env ?? process.env;
  const home = options.home ? path.resolve(options.home) : defaultHome(env);
  const local = !options.backendUrl;
  const stateDir = local ? path.join(home, "state") : fileBackendDir(options.backendUrl as string);
  const url = local ? `file://${stateDir}` : (options.backendUrl as string);
  const usesPassphrase =
    !isServiceBackend(url) &&
    (options.secretsProvider === undefined || options.secretsProvider === "passphrase");
  const envVars: Record<string, string> = { PULUMI_BACKEND_URL: url, PULUMI_SKIP_UPDATE_CHECK: "true" };
  if (usesPassphrase) {
    if (env.PULUMI_CONFIG_PASSPHRASE !== undefined) {
      envVars.PULUMI_CONFIG_PASSPHRASE = env.PULUMI_CONFIG_PASSPHRASE;
    } else if (env.PULUMI_CONFIG_PASSPHRASE_FILE) {
      envVars.PULUMI_CONFIG_PASSPHRASE_FILE = env.PULUMI_CONFIG_PASSPHRASE_FILE;
    } else {
      throw new BackendError(
        `The state backend ${url} encrypts secrets (the kubeconfig) with a passphrase: set PULUMI_CONFIG_PASSPHRASE ` +
          "(or PULUMI_CONFIG_PASSPHRASE_FILE) to the stack's passphrase, or choose a KMS secrets provider " +
          "(--secrets-provider awskms://alias/...).",
      );
    }
  }
  const workDir = path.join(home, "workspaces", createHash("sha256").update(url).digest("hex").slice(0, 12));
  return { url, local, stateDir, workDir, envVars, secretsProvider: options.secretsProvider };
}

/** The folder of a `file://` backend URL (`file://~` is the home folder), undefined for other schemes. */
function fileBackendDir(url: string): string | undefined {
  if (!url.startsWith("file://")) {
    return undefined;
  }
  const rest = url.slice("file://".length);
  return rest === "~" || rest.startsWith("~/") ? path.join(os.homedir(), rest.slice(1)) : path.resolve(rest);
}
