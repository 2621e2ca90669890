/**
 * Builds agent/Dockerfile for real with buildah (`bud --isolation chroot --layers`), from the test base
 * image and a test vendor package, the way production builds it with docker/buildx (see docs/image.md).
 *
 * The build context is a staged copy of agent/ (so .dockerignore is exercised and the repository is never
 * written to) with the package under vendor/. Builds are serialized (one store, two cores) and memoized per
 * package kind for the process; across processes the `--layers` cache makes a rebuild of unchanged inputs
 * take seconds (the apt layer is shared by both package kinds).
 */
import * as fs from "fs";
import * as path from "path";
import { AGENT_PROGRAM_FILE, bundleAgentProgram } from "../../agent/build";
import { ensureBaseImage } from "./base";
import { buildah, housekeeping, imageExists, WORK_DIR } from "./buildah";
import { Mutex } from "./exec";
import { buildTestVendorPackages, PackageKind } from "./vendor";

export const REPO_ROOT = path.resolve(__dirname, "..", "..");
export const AGENT_DIR = path.join(REPO_ROOT, "agent");

export interface BuildAgentImageOptions {
  packageKind: PackageKind;
  /** Directory holding Dockerfile, .dockerignore, entrypoint.sh and src/ (bundled into agent.js); default <repo>/agent. */
  agentDir?: string;
  /** Image tag; default localhost/ppf-agent:test-<packageKind>. */
  tag?: string;
  /** Print the build log to stderr as it runs. */
  echo?: boolean;
}

export interface AgentImage {
  tag: string;
  packageKind: PackageKind;
  baseImage: string;
  /** Wall time of this build (seconds), including the base image and packages when they were made. */
  buildSeconds: number;
  /** buildah's build log. */
  log: string;
}

const buildMutex = new Mutex();
const memo = new Map<string, Promise<AgentImage>>();

/** Builds (once per process and options) the agent image for one vendor package kind. */
export function buildAgentImage(opts: BuildAgentImageOptions): Promise<AgentImage> {
  const key = JSON.stringify([opts.packageKind, opts.agentDir ?? AGENT_DIR, opts.tag ?? ""]);
  let p = memo.get(key);
  if (!p) {
    p = buildMutex.run(() => build(opts));
    memo.set(key, p);
    p.catch(() => memo.delete(key));
  }
  return p;
}

/**
 * Stages agent/'s files, the bundled agent program (agent.js, as components/agent/buildContext.ts stages it for
 * production) and the vendor package into a fresh build context (unique per call, so concurrent test processes
 * never share one); returns its directory. The caller removes it.
 */
export function stageContext(agentDir: string, packageFile: string, name: string): string {
  fs.mkdirSync(path.join(WORK_DIR, "contexts"), { recursive: true });
  const ctx = fs.mkdtempSync(path.join(WORK_DIR, "contexts", `${name}-`));
  fs.mkdirSync(path.join(ctx, "vendor"), { recursive: true });
  // Modes and mtimes are kept: buildah's layer cache keys COPY on them as well as on content.
  const copy = (from: string, to: string) => {
    const st = fs.statSync(from);
    fs.copyFileSync(from, to);
    fs.chmodSync(to, st.mode & 0o7777);
    fs.utimesSync(to, st.atime, st.mtime);
  };
  for (const entry of fs.readdirSync(agentDir, { withFileTypes: true })) {
    if (entry.isFile()) {
      copy(path.join(agentDir, entry.name), path.join(ctx, entry.name));
    }
  }
  copy(packageFile, path.join(ctx, "vendor", path.basename(packageFile)));
  const program = path.join(ctx, AGENT_PROGRAM_FILE);
  if (fs.existsSync(path.join(agentDir, "src", "main.ts"))) {
    bundleAgentProgram(program);
    // A fixed mtime: buildah's layer cache keys COPY on it, and the bundle is rebuilt for every context.
    fs.utimesSync(program, 1704067200, 1704067200);
  }
  return ctx;
}

/**
 * `buildah bud` arguments that build agent/Dockerfile from a staged context: the local base image, the vendor
 * package under vendor/, never pulling.
 */
export function agentBudArgs(ctx: string, baseTag: string, pkg: string, tag: string): string[] {
  return [
    "--isolation",
    "chroot",
    "--pull=never",
    "--build-arg",
    `BASE_IMAGE=${baseTag}`,
    "--build-arg",
    `RPCAPD_PACKAGE=vendor/${path.basename(pkg)}`,
    "-f",
    path.join(ctx, "Dockerfile"),
    "-t",
    tag,
    ctx,
  ];
}

async function build(opts: BuildAgentImageOptions): Promise<AgentImage> {
  const started = Date.now();
  const agentDir = opts.agentDir ?? AGENT_DIR;
  for (const f of ["Dockerfile", "entrypoint.sh"]) {
    if (!fs.existsSync(path.join(agentDir, f))) {
      throw new Error(`${path.join(agentDir, f)} is missing: cannot build the agent image`);
    }
  }
  await housekeeping();
  const base = await ensureBaseImage();
  const pkgs = await buildTestVendorPackages();
  const pkg = opts.packageKind === "deb" ? pkgs.deb : pkgs.tarball;
  const tag = opts.tag ?? `localhost/ppf-agent:test-${opts.packageKind}`;
  const ctx = stageContext(agentDir, pkg, `agent-${opts.packageKind}`);
  const r = await buildah(["bud", "--layers", ...agentBudArgs(ctx, base.tag, pkg, tag)], {
    echo: opts.echo,
    timeoutMs: 900_000,
  }).finally(() => fs.rmSync(ctx, { recursive: true, force: true }));
  if (!(await imageExists(tag))) {
    throw new Error(`buildah reported success but ${tag} is not in the store`);
  }
  return {
    tag,
    packageKind: opts.packageKind,
    baseImage: base.tag,
    buildSeconds: (Date.now() - started) / 1000,
    log: r.stdout + r.stderr,
  };
}

const simMemo = new Map<string, Promise<string>>();

/**
 * The agent image plus tcpdump and socat, which the rpcapd stand-in needs (the production image has
 * neither). For the netns simulation: `runInImage({image: await buildSimImage({packageKind: "deb"}), ...})`.
 * Tag: localhost/ppf-agent-sim:test-<packageKind>.
 */
export function buildSimImage(opts: BuildAgentImageOptions): Promise<string> {
  const key = JSON.stringify([opts.packageKind, opts.agentDir ?? AGENT_DIR]);
  let p = simMemo.get(key);
  if (!p) {
    p = (async () => {
      const agent = await buildAgentImage(opts);
      return buildMutex.run(async () => {
        const tag = `localhost/ppf-agent-sim:test-${opts.packageKind}`;
        fs.mkdirSync(path.join(WORK_DIR, "contexts"), { recursive: true });
        const ctx = fs.mkdtempSync(path.join(WORK_DIR, "contexts", `sim-${opts.packageKind}-`));
        fs.writeFileSync(
          path.join(ctx, "Containerfile"),
          [
            `FROM ${agent.tag}`,
            "# test only: the rpcapd stand-in captures with tcpdump and connects with socat",
            "RUN set -eu; export DEBIAN_FRONTEND=noninteractive; apt-get update; " +
              "apt-get install -y --no-install-recommends tcpdump socat; " +
              "apt-get clean; rm -rf /var/lib/apt/lists/*",
            "",
          ].join("\n"),
        );
        await buildah(
          [
            "bud",
            "--isolation",
            "chroot",
            "--layers",
            "--pull=never",
            "-f",
            path.join(ctx, "Containerfile"),
            "-t",
            tag,
            ctx,
          ],
          { echo: opts.echo, timeoutMs: 900_000 },
        ).finally(() => fs.rmSync(ctx, { recursive: true, force: true }));
        return tag;
      });
    })();
    simMemo.set(key, p);
    p.catch(() => simMemo.delete(key));
  }
  return p;
}
