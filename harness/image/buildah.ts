/**
 * buildah with a dedicated store, so the agent's image tests never touch (or fight over) the machine's
 * default container storage: `--storage-driver vfs` (works without overlay/fuse), `--root` under
 * /var/tmp (kept across runs: base image and build layers are the cache), `--runroot` under /run (locks
 * and mount state, reset at boot). Override the locations with PPF_BUILDAH_ROOT / PPF_BUILDAH_RUNROOT.
 */
import * as fs from "fs";
import * as path from "path";
import { exec, ExecOptions, ExecResult } from "./exec";

/** Where base rootfs work, test vendor packages and build contexts go. */
export const WORK_DIR = process.env.PPF_IMAGE_WORKDIR ?? "/var/tmp/ppf-buildah";
export const STORAGE_ROOT = process.env.PPF_BUILDAH_ROOT ?? path.join(WORK_DIR, "storage");
export const STORAGE_RUNROOT = process.env.PPF_BUILDAH_RUNROOT ?? "/run/ppf-buildah";

export function buildahArgv(args: readonly string[]): string[] {
  return [
    "buildah",
    "--storage-driver",
    "vfs",
    "--root",
    STORAGE_ROOT,
    "--runroot",
    STORAGE_RUNROOT,
    ...args,
  ];
}

export function buildah(args: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
  fs.mkdirSync(STORAGE_ROOT, { recursive: true });
  fs.mkdirSync(STORAGE_RUNROOT, { recursive: true });
  // Isolation for RUN steps and `buildah run`: chroot (no OCI runtime; crun cannot set rlimits here).
  return exec(buildahArgv(args), { ...opts, env: { BUILDAH_ISOLATION: "chroot", ...(opts.env ?? {}) } });
}

export async function imageExists(image: string): Promise<boolean> {
  const r = await buildah(["inspect", "--type", "image", "--format", "{{.FromImageID}}", image], {
    check: false,
  });
  return r.code === 0;
}

export interface ImageConfig {
  id: string;
  entrypoint: string[];
  cmd: string[];
  env: string[];
}

export async function inspectImage(image: string): Promise<ImageConfig> {
  const r = await buildah(["inspect", "--type", "image", image]);
  const j = JSON.parse(r.stdout);
  const cfg = j.OCIv1?.config ?? {};
  return { id: j.FromImageID, entrypoint: cfg.Entrypoint ?? [], cmd: cfg.Cmd ?? [], env: cfg.Env ?? [] };
}

export interface ImageSize {
  /** Sum of the uncompressed layers (what `docker images` shows), bytes. */
  uncompressedBytes: number;
  /** Sum of the gzip-compressed layers plus config (what a registry stores and a node pulls), bytes. */
  compressedBytes: number;
  layers: number;
}

/** Measures an image by pushing it to a throw-away OCI layout with gzip layers. */
export async function imageSize(image: string): Promise<ImageSize> {
  const dir = fs.mkdtempSync(path.join(WORK_DIR, "oci-"));
  try {
    await buildah(["push", "--quiet", "--compression-format", "gzip", image, `oci:${dir}:measure`]);
    const index = JSON.parse(fs.readFileSync(path.join(dir, "index.json"), "utf8"));
    const blob = (digest: string) => path.join(dir, "blobs", ...digest.split(":"));
    const manifest = JSON.parse(fs.readFileSync(blob(index.manifests[0].digest), "utf8"));
    let compressed = manifest.config.size as number;
    let uncompressed = 0;
    for (const layer of manifest.layers as { size: number }[]) {
      compressed += layer.size;
    }
    const config = JSON.parse(fs.readFileSync(blob(manifest.config.digest), "utf8"));
    // Uncompressed size: gunzip each layer and count the bytes.
    for (const layer of manifest.layers as { digest: string }[]) {
      const r = await exec(["sh", "-c", 'gzip -dc "$1" | wc -c', "sh", blob(layer.digest)]);
      uncompressed += Number(r.stdout.trim());
    }
    return {
      uncompressedBytes: uncompressed,
      compressedBytes: compressed,
      layers: config.rootfs.diff_ids.length,
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export function formatBytes(n: number): string {
  return `${(n / 1e6).toFixed(1)} MB`;
}

/** Working containers made by runInImage are named ppf-run-<pid of the test process>-<random>. */
export function runContainerName(): string {
  return `ppf-run-${process.pid}-${Math.random().toString(16).slice(2, 10)}`;
}

let housekept: Promise<void> | undefined;

/**
 * Once per process, before the first build: removes working containers left by test processes that no
 * longer exist (a killed run), and, when the store has grown past PPF_BUILDAH_MAX_GB (default 4; vfs
 * keeps a full copy of every layer), drops untagged images, i.e. the layer cache (the next build then
 * re-runs apt, about 15 s).
 */
export function housekeeping(): Promise<void> {
  housekept ??= (async () => {
    const r = await buildah(["containers", "--all", "--format", "{{.ContainerName}}"], { check: false });
    for (const name of r.stdout.split("\n")) {
      const m = name.trim().match(/^ppf-run-(\d+)-/);
      if (m && !pidAlive(Number(m[1]))) {
        await buildah(["rm", name.trim()], { check: false });
      }
    }
    const maxBytes = Number(process.env.PPF_BUILDAH_MAX_GB ?? "4") * 1e9;
    const du = await exec(["du", "-sb", STORAGE_ROOT], { check: false });
    if (Number(du.stdout.split(/\s/)[0]) > maxBytes) {
      await buildah(["rmi", "--prune"], { check: false });
    }
  })();
  return housekept;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}
