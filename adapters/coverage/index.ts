/**
 * `pod-packet-forwarding coverage`: the live coverage report of a deployed stack. See docs/coverage.md.
 */
export {
  goDurationSeconds,
  stackAwsSettings,
  AwsSettingsError,
  type AssumeRoleSetting,
  type StackAwsSettings,
} from "./awsSettings";
export {
  COVERAGE_USAGE,
  CoverageUsageError,
  parseCoverageArgs,
  type CoverageInvocation,
} from "./coverageArgs";
export { readEc2Facts, type Ec2Facts } from "./ec2Facts";
export { COVERAGE_EXIT, runCoverage, type CoverageIo } from "./runCoverage";
export {
  CredentialProvidersMissingError,
  DEFAULT_SESSION_NAME,
  loadCredentialProviders,
  stackCredentials,
  type AwsCredentials,
  type AwsCredentialsProvider,
  type CredentialProviderFactories,
} from "./stackCredentials";
export {
  defaultStackFile,
  factsFromStack,
  factsFromStackFile,
  openStackForReading,
  type StackFacts,
  type StackOpener,
  type StackReader,
} from "./stackFacts";
