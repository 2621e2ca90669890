// Running shell scripts inside network namespaces, and creating them the way every simulated host starts
// (loopback up, reverse-path filtering off). The same few lines as the private `sh` of harness/sim/cluster.ts,
// which the VPC simulation does not export.
import { execFileSync } from "child_process";

/** Runs a POSIX sh script (`sh -ec`) inside a namespace and returns its stdout; throws with stderr and the script. */
export function nsSh(ns: string, script: string): string {
  try {
    return execFileSync("ip", ["netns", "exec", ns, "sh", "-ec", script], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`in netns ${ns}: ${err.stderr || err.message}\nscript:\n${script}`);
  }
}

/** Creates a namespace with loopback up and rp_filter off (the simulation routes asymmetrically on purpose). */
export function addNamespace(ns: string): void {
  execFileSync("ip", ["netns", "add", ns]);
  nsSh(ns, "ip link set lo up; sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0");
}

/** The MAC address of an interface inside a namespace. */
export function macOf(ns: string, dev: string): string {
  return nsSh(ns, `cat /sys/class/net/${dev}/address`).trim();
}
