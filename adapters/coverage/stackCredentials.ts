/**
 * AWS SDK v3 credentials built from the stack's AWS settings with `@aws-sdk/credential-providers`, in the order the
 * Pulumi AWS provider applies them (hashicorp/aws-sdk-go-base `credentials.go`, `getCredentialsProvider` and
 * `assumeRoleCredentialsProvider`):
 * 1. the base credentials: static keys from the config; else the named profile (`fromIni`, with the stack's shared
 *    files), which wins over `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY` in the environment as it does in the
 *    provider; else the SDK's default chain (environment, `AWS_PROFILE`, shared files, SSO, container, instance);
 * 2. each role of `aws:assumeRoles` in order, assumed (`fromTemporaryCredentials`, STS AssumeRole in the stack's
 *    region) with the credentials of the step before.
 *
 * The package is loaded when the command runs: it is only needed by this command.
 */
import type { StackAwsSettings } from "./awsSettings";

/** Credentials as the SDK's clients take them. */
export interface AwsCredentials {
  /** Access key id. */
  accessKeyId: string;
  /** Secret access key. */
  secretAccessKey: string;
  /** Session token of temporary credentials. */
  sessionToken?: string;
  /** When they expire. */
  expiration?: Date;
}

/** A credentials provider as the SDK's clients take it. */
export type AwsCredentialsProvider = () => Promise<AwsCredentials>;

/** The functions of `@aws-sdk/credential-providers` this command uses (their documented signatures, reduced). */
export interface CredentialProviderFactories {
  /** Credentials of a shared-config profile. */
  fromIni(init: {
    profile?: string;
    filepath?: string;
    configFilepath?: string;
    ignoreCache?: boolean;
  }): AwsCredentialsProvider;
  /** The SDK's default chain. */
  fromNodeProviderChain(init?: { filepath?: string; configFilepath?: string }): AwsCredentialsProvider;
  /** STS AssumeRole with the given master credentials. */
  fromTemporaryCredentials(options: {
    params: {
      RoleArn: string;
      RoleSessionName?: string;
      ExternalId?: string;
      DurationSeconds?: number;
      Policy?: string;
      PolicyArns?: { arn: string }[];
      Tags?: { Key: string; Value: string }[];
      TransitiveTagKeys?: string[];
      SourceIdentity?: string;
    };
    masterCredentials?: AwsCredentialsProvider;
    clientConfig?: { region?: string };
  }): AwsCredentialsProvider;
}

/** `@aws-sdk/credential-providers` is not installed. */
export class CredentialProvidersMissingError extends Error {
  constructor(cause: string) {
    super(
      `@aws-sdk/credential-providers is needed to use the stack's AWS profile and roles but cannot be loaded (${cause}); ` +
        "install the project's dependencies (npm ci)",
    );
    this.name = "CredentialProvidersMissingError";
  }
}

/** The package's name, kept in a variable so the command still loads (and says what is missing) without it. */
const PACKAGE = "@aws-sdk/credential-providers";

/** Loads `@aws-sdk/credential-providers`. */
export async function loadCredentialProviders(): Promise<CredentialProviderFactories> {
  try {
    return (await import(PACKAGE)) as CredentialProviderFactories;
  } catch (err) {
    throw new CredentialProvidersMissingError((err as Error).message.split("\n")[0]);
  }
}

/** Session name when the stack's role sets none: names the tool in CloudTrail. */
export const DEFAULT_SESSION_NAME = "pod-packet-forwarding-coverage";

/**
 * The credentials of the stack's AWS provider.
 * @param settings the stack's AWS settings
 * @param providers `@aws-sdk/credential-providers`
 */
export function stackCredentials(
  settings: StackAwsSettings,
  providers: CredentialProviderFactories,
): AwsCredentialsProvider {
  const files = {
    ...(settings.sharedCredentialsFile ? { filepath: settings.sharedCredentialsFile } : {}),
    ...(settings.sharedConfigFile ? { configFilepath: settings.sharedConfigFile } : {}),
  };
  const keys = settings.staticKeys;
  let credentials: AwsCredentialsProvider = keys
    ? async () => ({ ...keys })
    : settings.profile
      ? providers.fromIni({ profile: settings.profile, ignoreCache: true, ...files })
      : providers.fromNodeProviderChain(files);
  for (const role of settings.assumeRoles) {
    credentials = providers.fromTemporaryCredentials({
      masterCredentials: credentials,
      clientConfig: { region: settings.region },
      params: {
        RoleArn: role.roleArn,
        RoleSessionName: role.sessionName ?? DEFAULT_SESSION_NAME,
        ...(role.externalId ? { ExternalId: role.externalId } : {}),
        ...(role.durationSeconds ? { DurationSeconds: role.durationSeconds } : {}),
        ...(role.policy ? { Policy: role.policy } : {}),
        ...(role.policyArns ? { PolicyArns: role.policyArns.map((arn) => ({ arn })) } : {}),
        ...(role.tags ? { Tags: Object.entries(role.tags).map(([Key, Value]) => ({ Key, Value })) } : {}),
        ...(role.transitiveTagKeys ? { TransitiveTagKeys: role.transitiveTagKeys } : {}),
        ...(role.sourceIdentity ? { SourceIdentity: role.sourceIdentity } : {}),
      },
    });
  }
  return credentials;
}
