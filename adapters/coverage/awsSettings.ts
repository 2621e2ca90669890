/**
 * The stack's AWS provider settings (`aws:*` config keys), read the way the Pulumi AWS provider reads them, so the
 * coverage command's SDK clients use the account, role and region the stack's resources use.
 *
 * Honoured: `aws:region` (else `AWS_REGION`, `AWS_DEFAULT_REGION`), `aws:profile`, `aws:sharedCredentialsFiles` and
 * `aws:sharedConfigFiles` (one file each), `aws:accessKey`/`aws:secretKey`/`aws:token`, `aws:assumeRoles` (role ARN,
 * external id, session name, duration, policy, policy ARNs, tags, transitive tag keys, source identity; chained in
 * order, each assumed with the credentials of the one before). Refused with a message (so the command never reads
 * another account silently): `aws:assumeRoleWithWebIdentity`, custom `aws:endpoints`, several shared files, values
 * still encrypted. `aws:allowedAccountIds`/`aws:forbiddenAccountIds` are not checked (reported as a warning).
 */
import * as os from "node:os";
import * as path from "node:path";

/** One role of the `aws:assumeRoles` chain (pulumi-aws `config.AssumeRoles`). */
export interface AssumeRoleSetting {
  /** Role to assume. */
  roleArn: string;
  /** `sts:ExternalId` the role's trust policy may require. */
  externalId?: string;
  /** Session name. */
  sessionName?: string;
  /** Session duration in seconds (from the provider's Go duration string, e.g. `1h`). */
  durationSeconds?: number;
  /** Inline session policy (JSON). */
  policy?: string;
  /** Managed session policies. */
  policyArns?: string[];
  /** Session tags. */
  tags?: Record<string, string>;
  /** Tag keys passed on to later sessions of a chain. */
  transitiveTagKeys?: string[];
  /** Source identity. */
  sourceIdentity?: string;
}

/** The settings the credentials and clients are built from. */
export interface StackAwsSettings {
  /** Region of every client. */
  region: string;
  /** Shared-config profile. */
  profile?: string;
  /** Shared credentials file. */
  sharedCredentialsFile?: string;
  /** Shared config file. */
  sharedConfigFile?: string;
  /** Static keys from `aws:accessKey`/`aws:secretKey`/`aws:token`. */
  staticKeys?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Roles assumed in order. */
  assumeRoles: AssumeRoleSetting[];
  /** Settings present but not applied, one sentence each. */
  warnings: string[];
}

/** The stack's AWS settings cannot be honoured. */
export class AwsSettingsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AwsSettingsError";
  }
}

const STRUCTURED = new Set([
  "assumeRoles",
  "sharedCredentialsFiles",
  "sharedConfigFiles",
  "allowedAccountIds",
  "forbiddenAccountIds",
  "endpoints",
  "assumeRoleWithWebIdentity",
]);
const IGNORED = new Set([
  "skipCredentialsValidation",
  "skipMetadataApiCheck",
  "skipRegionValidation",
  "skipRequestingAccountId",
  "defaultTags",
  "ignoreTags",
  "maxRetries",
  "retryMode",
  "insecure",
]);

/** Units of Go's `time.ParseDuration`, in seconds. */
const UNITS: Record<string, number> = { ns: 1e-9, us: 1e-6, µs: 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };

/** Seconds of a Go duration string (`1h`, `15m`, `1h30m`, `900s`), as the provider parses `duration`. */
export function goDurationSeconds(text: string): number {
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join("") !== text) {
    throw new AwsSettingsError(
      `aws:assumeRoles duration ${JSON.stringify(text)} is not a duration such as 1h or 15m`,
    );
  }
  return Math.round(parts.reduce((sum, p) => sum + Number(p[1]) * UNITS[p[2]], 0));
}

function isEncrypted(value: unknown): boolean {
  return value !== null && typeof value === "object" && "secure" in (value as object);
}

function decode(key: string, value: unknown): unknown {
  if (typeof value === "string" && STRUCTURED.has(key)) {
    try {
      return JSON.parse(value);
    } catch {
      throw new AwsSettingsError(`aws:${key} is not valid JSON`);
    }
  }
  return value;
}

function expandPath(file: string, home: string): string {
  return path.resolve(file === "~" || file.startsWith("~/") ? path.join(home, file.slice(1)) : file);
}

function oneFile(key: string, value: unknown, home: string): string | undefined {
  if (value === undefined) {
    return undefined;
  }
  const files = Array.isArray(value) ? value : [value];
  if (files.length === 0) {
    return undefined;
  }
  if (files.length > 1 || typeof files[0] !== "string") {
    throw new AwsSettingsError(
      `aws:${key} lists ${files.length} files; the coverage command reads one (merge them, or set the one holding the profile)`,
    );
  }
  return expandPath(files[0], home);
}

function role(value: unknown, index: number): AssumeRoleSetting {
  const r = (value ?? {}) as Record<string, unknown>;
  const str = (k: string) => (typeof r[k] === "string" && r[k] !== "" ? (r[k] as string) : undefined);
  const roleArn = str("roleArn");
  if (!roleArn) {
    throw new AwsSettingsError(`aws:assumeRoles[${index}].roleArn is required`);
  }
  return {
    roleArn,
    externalId: str("externalId"),
    sessionName: str("sessionName"),
    durationSeconds: str("duration") ? goDurationSeconds(str("duration") as string) : undefined,
    policy: str("policy"),
    policyArns: Array.isArray(r.policyArns) ? (r.policyArns as string[]) : undefined,
    tags: r.tags && typeof r.tags === "object" ? (r.tags as Record<string, string>) : undefined,
    transitiveTagKeys: Array.isArray(r.transitiveTagKeys) ? (r.transitiveTagKeys as string[]) : undefined,
    sourceIdentity: str("sourceIdentity"),
  };
}

/**
 * The settings from the stack's `aws:*` config.
 * @param aws the `aws:` keys without the prefix, with their values (strings, or decoded YAML values)
 * @param env environment (`AWS_REGION`, `AWS_DEFAULT_REGION`, `HOME`)
 * @throws AwsSettingsError naming the key that cannot be honoured
 */
export function stackAwsSettings(aws: Record<string, unknown>, env: NodeJS.ProcessEnv): StackAwsSettings {
  const home = env.HOME ?? os.homedir();
  const values: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(aws)) {
    if (isEncrypted(raw)) {
      throw new AwsSettingsError(
        `aws:${key} is encrypted in the stack file: run the command where the Pulumi CLI can decrypt it (without --stack-file)`,
      );
    }
    values[key] = decode(key, raw);
  }
  const warnings: string[] = [];
  for (const key of Object.keys(values)) {
    if (key === "assumeRole") {
      throw new AwsSettingsError("aws:assumeRole is the old single-role form: use aws:assumeRoles (a list)");
    }
    if (key === "assumeRoleWithWebIdentity" || key === "endpoints") {
      throw new AwsSettingsError(`aws:${key} is not supported by the coverage command`);
    }
    if (key === "allowedAccountIds" || key === "forbiddenAccountIds") {
      warnings.push(`aws:${key} is not checked by the coverage command`);
    }
  }
  const region = (values.region as string | undefined) ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (!region) {
    throw new AwsSettingsError(
      "aws:region is not set in the stack (and neither AWS_REGION nor AWS_DEFAULT_REGION)",
    );
  }
  const accessKey = values.accessKey as string | undefined;
  const secretKey = values.secretKey as string | undefined;
  if ((accessKey === undefined) !== (secretKey === undefined)) {
    throw new AwsSettingsError("aws:accessKey and aws:secretKey must be set together");
  }
  const roles = values.assumeRoles === undefined ? [] : values.assumeRoles;
  if (!Array.isArray(roles)) {
    throw new AwsSettingsError("aws:assumeRoles must be a list of roles");
  }
  for (const key of Object.keys(values)) {
    const known = [
      "region",
      "profile",
      "sharedCredentialsFiles",
      "sharedConfigFiles",
      "accessKey",
      "secretKey",
      "token",
      "assumeRoles",
      "allowedAccountIds",
      "forbiddenAccountIds",
    ];
    if (!known.includes(key) && !IGNORED.has(key)) {
      warnings.push(`aws:${key} is not applied by the coverage command`);
    }
  }
  return {
    region,
    profile: typeof values.profile === "string" && values.profile !== "" ? values.profile : undefined,
    sharedCredentialsFile: oneFile("sharedCredentialsFiles", values.sharedCredentialsFiles, home),
    sharedConfigFile: oneFile("sharedConfigFiles", values.sharedConfigFiles, home),
    staticKeys:
      accessKey && secretKey
        ? {
            accessKeyId: accessKey,
            secretAccessKey: secretKey,
            sessionToken: values.token as string | undefined,
          }
        : undefined,
    assumeRoles: roles.map(role),
    warnings,
  };
}
