/**
 * The test base image: Debian 12 (bookworm) made locally with debootstrap --variant=minbase, trimmed like
 * the official debian:bookworm-slim (no docs, man pages or locales; dpkg told to skip them on later
 * installs; apt lists and caches emptied) and imported into the dedicated buildah store under a local tag
 * that agent/Dockerfile accepts as `--build-arg BASE_IMAGE=<tag>`.
 *
 * Cache: the tag carries a hash of the recipe (suite, mirrors, recipe version), so a re-run finds the
 * image in the store and returns in well under a second. PPF_IMAGE_REFRESH=1 rebuilds it.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { buildah, imageExists, WORK_DIR } from "./buildah";
import { exec, Mutex } from "./exec";

export const SUITE = "bookworm";
/** Bump when the recipe below changes, so cached images are not reused. */
const RECIPE_VERSION = 1;

export interface DebianMirrors {
  /** e.g. http://deb.debian.org/debian */
  main: string;
  /** e.g. http://deb.debian.org/debian-security; absent when the host has none configured. */
  security?: string;
}

/**
 * The Debian mirrors configured on this machine (deb822 `.sources` and one-line `.list` files under
 * /etc/apt), or PPF_DEBIAN_MIRROR / PPF_DEBIAN_SECURITY_MIRROR when set.
 */
export function debianMirrors(aptDir = "/etc/apt"): DebianMirrors {
  const entries: { uri: string; suites: string[] }[] = [];
  const files: string[] = [];
  if (fs.existsSync(path.join(aptDir, "sources.list"))) {
    files.push(path.join(aptDir, "sources.list"));
  }
  const d = path.join(aptDir, "sources.list.d");
  if (fs.existsSync(d)) {
    for (const f of fs.readdirSync(d).sort()) {
      files.push(path.join(d, f));
    }
  }
  for (const f of files) {
    const text = fs.readFileSync(f, "utf8");
    if (f.endsWith(".sources")) {
      for (const stanza of text.split(/\n\s*\n/)) {
        const field = (name: string) =>
          stanza
            .match(new RegExp(`^${name}:\\s*(.+)$`, "mi"))?.[1]
            .trim()
            .split(/\s+/) ?? [];
        if (field("Enabled")[0]?.toLowerCase() === "no" || !field("Types").includes("deb")) {
          continue;
        }
        for (const uri of field("URIs")) {
          entries.push({ uri, suites: field("Suites") });
        }
      }
    } else if (f.endsWith(".list")) {
      for (const line of text.split("\n")) {
        const m = line.replace(/#.*/, "").match(/^\s*deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)/);
        if (m) {
          entries.push({ uri: m[1], suites: [m[2]] });
        }
      }
    }
  }
  const strip = (u: string) => u.replace(/\/+$/, "");
  const main =
    process.env.PPF_DEBIAN_MIRROR ??
    entries.find((e) => e.suites.includes(SUITE))?.uri ??
    "http://deb.debian.org/debian";
  const security =
    process.env.PPF_DEBIAN_SECURITY_MIRROR ??
    entries.find((e) => e.suites.includes(`${SUITE}-security`))?.uri;
  return { main: strip(main), security: security ? strip(security) : undefined };
}

export interface BaseImage {
  /** Local tag to pass as BASE_IMAGE, e.g. localhost/ppf-debian:bookworm-1a2b3c4d5e6f. */
  tag: string;
  mirrors: DebianMirrors;
  /** False when it was found in the store. */
  built: boolean;
  seconds: number;
}

const mutex = new Mutex();
let memo: Promise<BaseImage> | undefined;

/** Makes (once per recipe, cached in the buildah store) the local Debian base image. */
export function ensureBaseImage(): Promise<BaseImage> {
  memo ??= mutex.run(buildBaseImage);
  memo.catch(() => (memo = undefined));
  return memo;
}

function sourcesFile(m: DebianMirrors): string {
  let s =
    `Types: deb\nURIs: ${m.main}\nSuites: ${SUITE} ${SUITE}-updates\nComponents: main\n` +
    "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n";
  if (m.security) {
    s +=
      `\nTypes: deb\nURIs: ${m.security}\nSuites: ${SUITE}-security\nComponents: main\n` +
      "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n";
  }
  return s;
}

// The same trimming the official Debian slim images apply, so package installs stay small.
const DPKG_SLIM = `# like debian:*-slim: do not install documentation, man pages or translations
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
`;
const APT_CLEAN = `DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
Acquire::Languages "none";
`;

async function buildBaseImage(): Promise<BaseImage> {
  const started = Date.now();
  const mirrors = debianMirrors();
  const key = crypto
    .createHash("sha256")
    .update(JSON.stringify({ SUITE, mirrors, RECIPE_VERSION }))
    .digest("hex")
    .slice(0, 12);
  const tag = `localhost/ppf-debian:${SUITE}-${key}`;
  if (process.env.PPF_IMAGE_REFRESH !== "1" && (await imageExists(tag))) {
    return { tag, mirrors, built: false, seconds: (Date.now() - started) / 1000 };
  }
  fs.mkdirSync(WORK_DIR, { recursive: true });
  const rootfs = path.join(WORK_DIR, `rootfs-${key}`);
  const tarball = `${rootfs}.tar`;
  fs.rmSync(rootfs, { recursive: true, force: true });
  try {
    await exec(["debootstrap", "--variant=minbase", SUITE, rootfs, mirrors.main], { timeoutMs: 600_000 });
    fs.rmSync(path.join(rootfs, "etc/apt/sources.list"), { force: true });
    fs.writeFileSync(path.join(rootfs, "etc/apt/sources.list.d/debian.sources"), sourcesFile(mirrors));
    fs.writeFileSync(path.join(rootfs, "etc/dpkg/dpkg.cfg.d/docker-slim"), DPKG_SLIM);
    fs.writeFileSync(path.join(rootfs, "etc/apt/apt.conf.d/docker-clean"), APT_CLEAN);
    await exec([
      "sh",
      "-c",
      `cd "$1" && rm -rf var/cache/apt/archives/*.deb var/cache/apt/*.bin var/lib/apt/lists/* \
                var/log/*.log var/log/apt/* tmp/* \
                usr/share/man/* usr/share/info/* usr/share/locale/* usr/share/groff/* usr/share/lintian/* && \
             find usr/share/doc -mindepth 1 -not -name copyright -not -type d -delete && \
             find usr/share/doc -mindepth 1 -type d -empty -delete`,
      "sh",
      rootfs,
    ]);
    await exec(["tar", "-C", rootfs, "--numeric-owner", "--xattrs", "-cf", tarball, "."]);
    const ctr = (await buildah(["from", "--pull=never", "scratch"])).stdout.trim();
    try {
      await buildah(["add", ctr, tarball, "/"]);
      await buildah([
        "config",
        "--env",
        "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "--cmd",
        "/bin/bash",
        "--label",
        `org.opencontainers.image.description=debootstrap --variant=minbase ${SUITE} from ${mirrors.main} (test base)`,
        ctr,
      ]);
      await buildah(["commit", "--quiet", "--rm", ctr, tag]);
    } catch (e) {
      await buildah(["rm", ctr], { check: false });
      throw e;
    }
  } finally {
    fs.rmSync(rootfs, { recursive: true, force: true });
    fs.rmSync(tarball, { force: true });
  }
  return { tag, mirrors, built: true, seconds: (Date.now() - started) / 1000 };
}
