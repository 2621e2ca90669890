// Runs the agent inside the built image (agent/Dockerfile + test vendor package + tcpdump/socat for the
// stand-in), in a node's network namespace, with only NET_ADMIN and NET_RAW added, as the DaemonSet does.
// Uses the image helper's tooling in harness/image/.
import * as fs from "fs";
import * as path from "path";
import { buildSimImage } from "../image/agent";
import { startInImage } from "../image/run";
import { AgentHandle, AgentRunner } from "./cluster";

/** Runs the entrypoint inside the agent image built from agent/Dockerfile, in a simulated node. */
export class ImageRunner implements AgentRunner {
  readonly description: string;
  constructor(private readonly image: string) {
    this.description = `the entrypoint inside image ${image} (buildah run --isolation chroot, +NET_ADMIN +NET_RAW)`;
  }

  /** Builds (or reuses) the simulation image for the .deb package kind. */
  static async build(): Promise<ImageRunner> {
    return new ImageRunner(await buildSimImage({ packageKind: "deb" }));
  }

  async start(o: {
    netns: string;
    env: Record<string, string>;
    stateDir: string;
    logFile: string;
  }): Promise<AgentHandle> {
    // The state dir and the ServiceAccount token are bind-mounted, so the host sees the ready file.
    const env = { ...o.env };
    delete env.RPCAPD_BIN; // the image's default, /usr/local/bin/rpcapd (the stand-in from the test package)
    if (env.KUBE_TOKEN_FILE) {
      fs.copyFileSync(env.KUBE_TOKEN_FILE, path.join(o.stateDir, "token"));
      env.KUBE_TOKEN_FILE = "/state/token";
    }
    const h = await startInImage({
      image: this.image,
      netns: o.netns,
      env: { ...env, STATE_DIR: "/state", READY_FILE: "/state/ready" },
      cmd: [],
      entrypoint: true,
      volumes: [`${o.stateDir}:/state`],
    });
    let copied = 0;
    const flush = (): void => {
      const text = h.stdout() + h.stderr();
      if (text.length > copied) {
        fs.appendFileSync(o.logFile, text.slice(copied));
        copied = text.length;
      }
    };
    const timer = setInterval(flush, 500);
    const exited = h.exited.then((r) => {
      clearInterval(timer);
      flush();
      return { code: r.code, signal: r.signal };
    });
    return {
      hostStateDir: o.stateDir,
      exited,
      pid: () => h.pid(),
      async stop(sig: NodeJS.Signals = "SIGTERM", graceMs = 10_000) {
        const r = await h.stop(sig, graceMs);
        flush();
        return { code: r.code, signal: r.signal };
      },
    };
  }
}
