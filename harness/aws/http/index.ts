/**
 * A fake AWS at the HTTP level (EC2 and STS Query protocols, SigV4-authenticated), reached by the real SDK through
 * `AWS_ENDPOINT_URL`. Test-only.
 */
export { EC2_ACTIONS, EC2_NAMESPACE, ec2ErrorXml, filtersParam, listParam } from "./ec2Query";
export type { FakeAwsAccount, FakeRole, FakeUserKey, IssuedCredentials } from "./fakeAccount";
export { startFakeAwsServer, type FakeAwsServer, type RecordedAwsRequest } from "./fakeAwsServer";
export { expectedSignature, parseAuthorization, signatureMatches, type SigV4Authorization } from "./sigv4";
export { assumeRole, STS_NAMESPACE } from "./stsQuery";
