/**
 * Test tooling for the agent image (no Docker engine needed): a debootstrapped base image, test vendor
 * packages carrying the rpcapd stand-in, real builds of agent/Dockerfile with buildah, and commands run
 * inside the built image, optionally in a network namespace. See docs/image.md.
 *
 *   const { tag } = await buildAgentImage({ packageKind: "deb" });      // production image
 *   const sim = await buildSimImage({ packageKind: "deb" });             // + tcpdump, socat (stand-in)
 *   const h = await startInImage({ image: sim, netns: "node1", entrypoint: true, cmd: [], env: {...} });
 *   ...; const result = await h.stop("SIGTERM");
 */
export { ensureBaseImage, debianMirrors } from "./base";
export type { BaseImage, DebianMirrors } from "./base";
export { buildTestVendorPackages, PACKAGE_KINDS, STANDIN } from "./vendor";
export type { PackageKind, TestVendorPackages } from "./vendor";
export { agentBudArgs, buildAgentImage, buildSimImage, stageContext, AGENT_DIR, REPO_ROOT } from "./agent";
export type { AgentImage, BuildAgentImageOptions } from "./agent";
export { runInImage, startInImage } from "./run";
export type { RunInImageOptions, RunHandle, RunResult } from "./run";
export {
  buildah,
  imageExists,
  imageSize,
  inspectImage,
  formatBytes,
  STORAGE_ROOT,
  STORAGE_RUNROOT,
  WORK_DIR,
} from "./buildah";
export type { ImageConfig, ImageSize } from "./buildah";
export { checkImagePrerequisites } from "./prereq";
