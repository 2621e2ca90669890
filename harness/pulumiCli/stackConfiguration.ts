/**
 * The config path of `pulumi preview`/`up` for a project and one stack file, end to end: load Pulumi.yaml and the
 * stack file, open the stack's secrets (passphrase provider), apply and validate the project config
 * (`ValidateStackConfigAndApplyProjectConfig`), then produce what the program receives.
 *
 * Secrets: only the passphrase provider is modelled (a stack file with `encryptionsalt`); the passphrase comes
 * from the caller, as the CLI takes it from PULUMI_CONFIG_PASSPHRASE. A stack with `secure:` values and no
 * `encryptionsalt` uses another provider (Pulumi Cloud, KMS, Vault) that cannot be opened here, and is refused.
 */
import { ConfigMap } from "./configMap";
import { panicCrypter, passphraseCrypter, type Crypter } from "./crypter";
import { validateStackConfigAndApplyProjectConfig, type EscValue } from "./mergeConfig";
import { configForProgram, type ProgramConfig } from "./programConfig";
import { loadProject, type Project } from "./project";
import { loadProjectStack, type ProjectStack } from "./projectStack";

/** One stack, as `pulumi up --stack <name>` would see it. */
export interface StackInput {
  /** Pulumi.yaml's text. */
  projectText: string;
  /** Stack name. */
  stackName: string;
  /** Pulumi.<stack>.yaml's text; absent when the stack has no file (the CLI then starts from empty config). */
  stackText?: string;
  /** PULUMI_CONFIG_PASSPHRASE, for a stack with `encryptionsalt`. */
  passphrase?: string;
  /** The stack environment's `pulumiConfig`. */
  environment?: EscValue;
}

/** Everything the CLI settled before starting the program. */
export interface StackConfiguration {
  /** The project as loaded. */
  project: Project;
  /** The stack file as loaded (its config now merged with the project's defaults). */
  stack: ProjectStack;
  /** What the program receives. */
  program: ProgramConfig;
}

/** The stack's crypter: the passphrase provider's, or one that refuses to be used when nothing is encrypted. */
async function stackCrypter(stack: ProjectStack, passphrase: string | undefined): Promise<Crypter> {
  if (stack.encryptionSalt) {
    if (passphrase === undefined) {
      // readPassphrase, non-interactive (pkg/secrets/passphrase/manager.go).
      throw new Error(
        "passphrase must be set with PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE environment variables",
      );
    }
    return passphraseCrypter(passphrase, stack.encryptionSalt);
  }
  if (stack.config.secureKeys().length > 0) {
    throw new Error(
      `secure values without encryptionsalt use the ${stack.secretsProvider ?? "Pulumi Cloud"} secrets provider, which is not modelled`,
    );
  }
  return panicCrypter;
}

/**
 * The config the program receives for this stack, or the CLI's error (`Stack 'dev' is missing configuration
 * value 'sensorIps'`, `... must be of type 'array<string>'`, `... must be encrypted as it's secret`).
 */
export async function stackConfiguration(input: StackInput): Promise<StackConfiguration> {
  const project = loadProject(input.projectText);
  const stack =
    input.stackText === undefined
      ? { config: new ConfigMap(), warnings: [] }
      : loadProjectStack(project, input.stackText);
  const crypter = await stackCrypter(stack, input.passphrase);
  await validateStackConfigAndApplyProjectConfig({
    stackName: input.stackName,
    project,
    stackEnv: input.environment,
    stackConfig: stack.config,
    encrypter: crypter,
    decrypter: crypter,
  });
  return { project, stack, program: await configForProgram(stack.config, crypter) };
}
