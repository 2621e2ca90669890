/**
 * STS `AssumeRole` over the Query protocol, as the STS API Reference describes it
 * (https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html): form parameters `RoleArn`,
 * `RoleSessionName` (2-64 characters of `[\w+=,.@-]`), `ExternalId`, `DurationSeconds` (900 up to the role's maximum,
 * default 3600), `Policy`, `PolicyArns.member.N.arn`, `Tags.member.N.Key|Value`, `TransitiveTagKeys.member.N`,
 * `SourceIdentity`; an `AssumeRoleResponse` with `AssumeRoleResult` (`Credentials`, `AssumedRoleUser`) in the STS
 * namespace; errors as `ErrorResponse` documents (`AccessDenied` 403 when the trust policy or the external id does
 * not admit the caller, `ValidationError` 400 for a malformed parameter).
 */
import { createHash } from "node:crypto";
import type { FakeAwsAccount, IssuedCredentials } from "./fakeAccount";
import { el, xmlDocument } from "./xml";

/** STS's XML namespace. */
export const STS_NAMESPACE = "https://sts.amazonaws.com/doc/2011-06-15/";

/** An STS error. */
export class StsQueryError extends Error {
  /** AWS error code. */
  readonly code: string;
  /** HTTP status. */
  readonly status: number;
  constructor(code: string, message: string, status: number) {
    super(message);
    this.name = "StsQueryError";
    this.code = code;
    this.status = status;
  }
}

/** The STS error document. */
export function stsErrorXml(code: string, message: string, requestId: string, status: number): string {
  return xmlDocument("ErrorResponse", STS_NAMESPACE, [
    el("Error", [
      el("Type", status >= 500 ? "Receiver" : "Sender"),
      el("Code", code),
      el("Message", message),
    ]),
    el("RequestId", requestId),
  ]);
}

/** Who is calling: the principal ARN of a user or an assumed-role session, and the role ARN behind a session. */
export interface Caller {
  /** ARN as AWS names the caller in messages. */
  arn: string;
  /** ARN that trust policies match: the user's, or the role's for a session. */
  trustArn: string;
  /** The caller's access key id. */
  accessKeyId: string;
}

function token(...parts: string[]): string {
  return createHash("sha256")
    .update(parts.join("\0"))
    .digest("base64")
    .replace(/[^A-Za-z0-9]/g, "");
}

/**
 * Answers `AssumeRole`, recording the issued credentials in `issued`.
 * @param account the account
 * @param caller who signed the request
 * @param params the form parameters
 * @param issued credentials issued so far (appended to)
 * @param requestId the request id to answer with
 */
export function assumeRole(
  account: FakeAwsAccount,
  caller: Caller,
  params: URLSearchParams,
  issued: IssuedCredentials[],
  requestId: string,
): string {
  const roleArn = params.get("RoleArn") ?? "";
  const sessionName = params.get("RoleSessionName") ?? "";
  if (!/^[\w+=,.@-]{2,64}$/.test(sessionName)) {
    throw new StsQueryError(
      "ValidationError",
      `1 validation error detected: Value '${sessionName}' at 'roleSessionName' failed to satisfy constraint: ` +
        "Member must satisfy regular expression pattern: [\\w+=,.@-]*",
      400,
    );
  }
  const role = account.roles.find((r) => r.roleArn === roleArn);
  const denied = new StsQueryError(
    "AccessDenied",
    `User: ${caller.arn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
    403,
  );
  if (!role || !role.trustedPrincipals.includes(caller.trustArn)) {
    throw denied;
  }
  const externalId = params.get("ExternalId") ?? undefined;
  if (role.externalId !== undefined && role.externalId !== externalId) {
    throw denied;
  }
  const duration = Number(params.get("DurationSeconds") ?? "3600");
  const max = role.maxSessionDuration ?? 3600;
  if (!Number.isInteger(duration) || duration < 900 || duration > max) {
    throw new StsQueryError(
      "ValidationError",
      `The requested DurationSeconds exceeds the MaxSessionDuration set for this role.`,
      400,
    );
  }
  const n = issued.length + 1;
  const roleName = roleArn.split("/").pop() ?? "";
  const credentials: IssuedCredentials = {
    accessKeyId: `ASIA${String(n).padStart(16, "0")}`,
    secretAccessKey: token("secret", roleArn, sessionName, String(n)).slice(0, 40),
    sessionToken: token("session", roleArn, sessionName, String(n)),
    roleArn,
    assumedRoleArn: `arn:aws:sts::${account.world.accountId}:assumed-role/${roleName}/${sessionName}`,
    sessionName,
    externalId,
    issuedTo: caller.accessKeyId,
  };
  issued.push(credentials);
  const expiration = new Date(Date.now() + duration * 1000).toISOString().replace(/\.\d+Z$/, "Z");
  const roleId = `AROA${token("role", roleArn).slice(0, 17).toUpperCase()}`;
  return xmlDocument("AssumeRoleResponse", STS_NAMESPACE, [
    el("AssumeRoleResult", [
      el("AssumedRoleUser", [
        el("AssumedRoleId", `${roleId}:${sessionName}`),
        el("Arn", credentials.assumedRoleArn),
      ]),
      el("Credentials", [
        el("AccessKeyId", credentials.accessKeyId),
        el("SecretAccessKey", credentials.secretAccessKey),
        el("SessionToken", credentials.sessionToken),
        el("Expiration", expiration),
      ]),
      ...(params.get("SourceIdentity") ? [el("SourceIdentity", params.get("SourceIdentity") ?? "")] : []),
    ]),
    el("ResponseMetadata", [el("RequestId", requestId)]),
  ]);
}
