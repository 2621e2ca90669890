/**
 * Test vendor packages: the rpcapd stand-in (harness/sim/rpcapd-standin.sh) packaged the way the vendor
 * ships rpcapd, so agent/Dockerfile is exercised on both inputs it accepts.
 *
 * - `.deb` (built with dpkg-deb --build, zstd like Ubuntu-built packages): the binary at
 *   /opt/extrahop/sbin/rpcapd, a sample /opt/extrahop/etc/rpcapd.ini (conffile) and
 *   /etc/init.d/rpcapd. Where the vendor's 9.x .deb puts rpcapd is not verified: the vendor's
 *   install-rpcapd.sh uses /usr/sbin/rpcapd and /etc/rpcapd.ini, its Ansible role edits
 *   /opt/extrahop/etc/rpcapd.ini. The Dockerfile accepts either (see agent/Dockerfile).
 * - "other Linux" tarball (.tar.gz): a top-level directory holding rpcapd-64bit-linux (the stand-in),
 *   rpcapd-32bit-linux (a placeholder that must not be picked), init scripts and rpcapd.ini.
 */
import * as fs from "fs";
import * as path from "path";
import { WORK_DIR } from "./buildah";
import { exec } from "./exec";

export const STANDIN = path.resolve(__dirname, "..", "sim", "rpcapd-standin.sh");

export type PackageKind = "deb" | "tarball";
export const PACKAGE_KINDS: readonly PackageKind[] = ["deb", "tarball"];

export interface TestVendorPackages {
  deb: string;
  tarball: string;
  /** Path of rpcapd inside the .deb (absolute, as installed). */
  debBinaryPath: string;
}

const SAMPLE_INI =
  "# sample written by the package; the agent writes its own\nActiveClient = 192.0.2.1,2003\nNullAuthPermit = YES\n";
const INIT_SCRIPT = "#!/bin/sh\n# placeholder init script (the image does not use it)\nexit 0\n";

let memo: Promise<TestVendorPackages> | undefined;

/** Builds both packages (once per process) into `${WORK_DIR}/vendor`, or `outDir`. */
export function buildTestVendorPackages(outDir = path.join(WORK_DIR, "vendor")): Promise<TestVendorPackages> {
  memo ??= build(outDir);
  memo.catch(() => (memo = undefined));
  return memo;
}

/** Fixed mtime (2024-01-01) so the same inputs give byte-identical packages and the build cache hits. */
const EPOCH = 1704067200;

function write(file: string, text: string, mode = 0o644): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  fs.chmodSync(file, mode);
}

function touchTree(dir: string): void {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      touchTree(p);
    }
    fs.utimesSync(p, EPOCH, EPOCH);
  }
  fs.utimesSync(dir, EPOCH, EPOCH);
}

async function build(outDir: string): Promise<TestVendorPackages> {
  const standin = fs.readFileSync(STANDIN, "utf8");
  fs.mkdirSync(outDir, { recursive: true });
  const stage = fs.mkdtempSync(path.join(WORK_DIR, "pkg-"));
  try {
    // .deb
    const debBinaryPath = "/opt/extrahop/sbin/rpcapd";
    const debRoot = path.join(stage, "deb");
    write(path.join(debRoot, debBinaryPath), standin, 0o755);
    write(path.join(debRoot, "opt/extrahop/etc/rpcapd.ini"), SAMPLE_INI);
    write(path.join(debRoot, "etc/init.d/rpcapd"), INIT_SCRIPT, 0o755);
    write(
      path.join(debRoot, "DEBIAN/control"),
      [
        "Package: rpcapd",
        "Version: 9.99.0-test",
        "Architecture: amd64",
        "Maintainer: pod-packet-forwarding tests <tests@example.invalid>",
        "Depends: libpcap0.8, tcpdump, socat",
        "Section: net",
        "Priority: optional",
        "Description: rpcapd test stand-in",
        " Captures with tcpdump and streams pcap to the ActiveClients (tests only).",
        "",
      ].join("\n"),
    );
    write(path.join(debRoot, "DEBIAN/conffiles"), "/opt/extrahop/etc/rpcapd.ini\n/etc/init.d/rpcapd\n");
    fs.chmodSync(path.join(debRoot, "DEBIAN"), 0o755);
    const deb = path.join(outDir, "rpcapd_9.99.0-test_amd64.deb");
    touchTree(debRoot);
    await exec(["dpkg-deb", "--root-owner-group", "-Zzstd", "--build", debRoot, deb], {
      env: { SOURCE_DATE_EPOCH: String(EPOCH) },
    });

    // tarball
    const tarDir = path.join(stage, "tar", "rpcapd");
    write(path.join(tarDir, "rpcapd-64bit-linux"), standin, 0o755);
    write(
      path.join(tarDir, "rpcapd-32bit-linux"),
      "#!/bin/sh\necho 'wrong binary: 32-bit placeholder' >&2\nexit 99\n",
      0o755,
    );
    write(path.join(tarDir, "rpcapd.debianinit"), INIT_SCRIPT, 0o755);
    write(path.join(tarDir, "rpcapd.sysvinit"), INIT_SCRIPT, 0o755);
    write(path.join(tarDir, "rpcapd.ini"), SAMPLE_INI);
    const tarball = path.join(outDir, "rpcapd-linux-test.tar.gz");
    touchTree(path.join(stage, "tar"));
    await exec([
      "sh",
      "-c",
      'tar -C "$1" --sort=name --owner=0 --group=0 --numeric-owner -cf - rpcapd | gzip -9n > "$2"',
      "sh",
      path.join(stage, "tar"),
      tarball,
    ]);
    return { deb, tarball, debBinaryPath };
  } finally {
    fs.rmSync(stage, { recursive: true, force: true });
  }
}
