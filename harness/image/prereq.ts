import { hasCommand } from "./exec";

/**
 * What the image tooling needs: root, buildah, debootstrap, dpkg-deb, tar, ip. Returns the problems
 * (empty when all is there), so tests can fail loudly with a message that says what to install.
 */
export async function checkImagePrerequisites(): Promise<string[]> {
  const problems: string[] = [];
  if (typeof process.getuid === "function" && process.getuid() !== 0) {
    problems.push("must run as root (buildah with vfs storage, debootstrap, ip netns)");
  }
  const tools: [string, string][] = [
    ["buildah", "buildah"],
    ["debootstrap", "debootstrap"],
    ["dpkg-deb", "dpkg"],
    ["tar", "tar"],
    ["gzip", "gzip"],
    ["ip", "iproute2"],
  ];
  for (const [cmd, pkg] of tools) {
    if (!(await hasCommand(cmd))) {
      problems.push(`${cmd} is not installed (Debian package ${pkg})`);
    }
  }
  return problems;
}
