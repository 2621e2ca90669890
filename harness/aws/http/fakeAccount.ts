/**
 * A fake AWS account for the wire-level fake: long-term access keys of IAM users, roles with their trust (who may
 * assume them, with which external id), the temporary credentials STS has issued, and the EC2 state.
 */
import type { AwsWorld } from "../world";

/** An IAM user's long-term access key. */
export interface FakeUserKey {
  /** `arn:aws:iam::<account>:user/<name>`. */
  userArn: string;
  /** `AKIA...` */
  accessKeyId: string;
  /** Its secret. */
  secretAccessKey: string;
}

/** An IAM role and its trust policy, reduced to what AssumeRole checks. */
export interface FakeRole {
  /** `arn:aws:iam::<account>:role/<name>`. */
  roleArn: string;
  /**
   * Principals the trust policy names: user ARNs, or role ARNs (which admit every session of that role, as a role
   * principal in a trust policy does).
   */
  trustedPrincipals: string[];
  /** The `sts:ExternalId` condition of the trust policy, when it has one. */
  externalId?: string;
  /** Maximum session duration in seconds (IAM default 3600). */
  maxSessionDuration?: number;
}

/** Temporary credentials STS issued. */
export interface IssuedCredentials {
  /** `ASIA...` */
  accessKeyId: string;
  /** Its secret. */
  secretAccessKey: string;
  /** The session token callers must send as `X-Amz-Security-Token`. */
  sessionToken: string;
  /** The role assumed. */
  roleArn: string;
  /** `arn:aws:sts::<account>:assumed-role/<role>/<session>`. */
  assumedRoleArn: string;
  /** Session name given. */
  sessionName: string;
  /** External id given, if any. */
  externalId?: string;
  /** Key id of the caller that assumed it. */
  issuedTo: string;
}

/** The account. */
export interface FakeAwsAccount {
  /** EC2 state (instances, ENIs, mirror sessions) and the account id / region. */
  world: AwsWorld;
  /** Users' long-term keys. */
  users: FakeUserKey[];
  /** Roles. */
  roles: FakeRole[];
  /**
   * Principals allowed to call EC2 (user ARNs, or role ARNs for their sessions); absent: every valid caller. Others
   * get `UnauthorizedOperation`, as an identity without `ec2:Describe*` does.
   */
  ec2Principals?: string[];
}
