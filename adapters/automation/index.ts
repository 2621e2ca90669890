/**
 * Embedding API of pod-packet-forwarding: deploy the stack program from another Node program (a portal, a CI job)
 * through the Pulumi Automation API. See docs/embedding.md.
 *
 * ```ts
 * import { up } from "./adapters/automation"; // from the checkout
 * const result = await up({ stack: "prod", region: "us-east-1", config: { clusterName: "prod", sensorIps: ["10.0.200.10"], rpcapdPackage: "/srv/rpcapd.deb" }, onProgress: console.log });
 * console.log(result.outputs.agentEnvironment, result.changes);
 * ```
 */
export {
  createEmbeddingApi,
  destroy,
  openLocalStack,
  outputs,
  preview,
  up,
  StackOperationError,
  type ApiDependencies,
  type DeployOptions,
  type DestroyOptions,
  type DestroyResult,
  type EmbeddingApi,
  type EngineOptions,
  type OpenStackRequest,
  type PreviewResult,
  type StackHandle,
  type StackOpener,
  type StackOptions,
  type UpResult,
} from "./api";
export {
  BackendError,
  defaultHome,
  resolveBackend,
  type BackendOptions,
  type ResolvedBackend,
} from "./backend";
export { ConfigFileError, readConfigFile, type ConfigFile } from "./configFile";
export { inlineProgram } from "./inlineProgram";
export { OutputsError, parseOutputs, type DeployedOutputs } from "./outputs";
export {
  summarize,
  toProgressEvent,
  type ChangeSummary,
  type DiagnosticProgress,
  type ProgressEvent,
  type ResourceProgress,
  type SummaryProgress,
} from "./progress";
export { locatePulumiCli, MINIMUM_PULUMI_VERSION, PULUMI_INSTALL_URL, PulumiCliError } from "./pulumiCli";
export { toStackConfigMap, validateConfig, type PodPacketForwardingConfig } from "./typedConfig";
export { ConfigError, PROJECT_NAME } from "../stack/stackConfig";
