// A Fargate pod's capture sidecar, run the way Fargate would: inside the pod's own network namespace (no node
// agent, no host network) with only the capabilities a Fargate container keeps. Fargate runs containers with the
// container runtime's default set and accepts no added capability but SYS_PTRACE (ECS `KernelCapabilities`: "Tasks
// launched on AWS Fargate only support adding the SYS_PTRACE kernel capability"; EKS Fargate likewise refuses
// NET_ADMIN). The default set is containerd's and Docker's (moby/moby `oci/caps/defaults.go` DefaultCapabilities):
// it keeps NET_RAW, which a packet socket needs. `capsh --drop` removes every other capability from the bounding set
// before the sidecar starts, so the sidecar runs with exactly that set, as root, like a container.
import { spawn } from "child_process";
import * as fs from "fs";
import { AgentHandle, ENTRYPOINT, agentProgram, childHandle } from "./cluster";

/** The container runtime's default capabilities (moby/moby oci/caps/defaults.go), what a Fargate container keeps. */
export const FARGATE_CAPABILITIES: readonly string[] = [
  "chown",
  "dac_override",
  "fsetid",
  "fowner",
  "mknod",
  "net_raw",
  "setgid",
  "setuid",
  "setfcap",
  "setpcap",
  "net_bind_service",
  "sys_chroot",
  "kill",
  "audit_write",
];

/** Every capability of Linux 6.x, by number (include/uapi/linux/capability.h). */
const ALL_CAPABILITIES: readonly string[] = [
  "chown",
  "dac_override",
  "dac_read_search",
  "fowner",
  "fsetid",
  "kill",
  "setgid",
  "setuid",
  "setpcap",
  "linux_immutable",
  "net_bind_service",
  "net_broadcast",
  "net_admin",
  "net_raw",
  "ipc_lock",
  "ipc_owner",
  "sys_module",
  "sys_rawio",
  "sys_chroot",
  "sys_ptrace",
  "sys_pacct",
  "sys_admin",
  "sys_boot",
  "sys_nice",
  "sys_resource",
  "sys_time",
  "sys_tty_config",
  "mknod",
  "lease",
  "audit_write",
  "audit_control",
  "setfcap",
  "mac_override",
  "mac_admin",
  "syslog",
  "wake_alarm",
  "block_suspend",
  "audit_read",
  "perfmon",
  "bpf",
  "checkpoint_restore",
];

/** The capabilities the sidecar must not have: all the kernel knows minus the Fargate set. */
export function capabilitiesToDrop(): string[] {
  const last = Number(fs.readFileSync("/proc/sys/kernel/cap_last_cap", "utf8").trim());
  return ALL_CAPABILITIES.slice(0, last + 1).filter((c) => !FARGATE_CAPABILITIES.includes(c));
}

/** How a sidecar is started in a Fargate pod's namespace. */
export interface SidecarRunner {
  /** For logs and tables. */
  readonly description: string;
  /** Starts the sidecar with `env` in namespace `netns`. */
  start(opts: {
    netns: string;
    env: Record<string, string>;
    stateDir: string;
    logFile: string;
  }): Promise<AgentHandle>;
}

/** Runs the checkout's entrypoint as the sidecar (`AGENT_ROLE=sidecar`) under capsh with Fargate's capabilities. */
export class CapshSidecarRunner implements SidecarRunner {
  readonly description: string;
  constructor(private readonly entrypoint = ENTRYPOINT) {
    this.description = `${entrypoint} as AGENT_ROLE=sidecar under capsh (${FARGATE_CAPABILITIES.length} default capabilities)`;
  }

  async start(o: {
    netns: string;
    env: Record<string, string>;
    stateDir: string;
    logFile: string;
  }): Promise<AgentHandle> {
    const fd = fs.openSync(o.logFile, "a");
    const drop = capabilitiesToDrop()
      .map((c) => `cap_${c}`)
      .join(",");
    const child = spawn(
      "ip",
      ["netns", "exec", o.netns, "capsh", `--drop=${drop}`, "--", "-c", `exec /bin/sh ${this.entrypoint}`],
      {
        env: {
          PATH: process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin",
          AGENT_PROGRAM: agentProgram(),
          ...o.env,
          AGENT_ROLE: "sidecar",
          STATE_DIR: o.stateDir,
          READY_FILE: `${o.stateDir}/ready`,
        },
        stdio: ["ignore", fd, fd],
      },
    );
    fs.closeSync(fd);
    return childHandle(child, o.stateDir);
  }
}
