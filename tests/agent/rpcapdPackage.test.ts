// The rpcapd package's architecture, as the component reads it at preview (components/contract/rpcapdPackage.ts):
// real .deb files built with dpkg-deb (each compression it offers) and tarballs holding ELF headers of each
// architecture, plus the test vendor packages the image tests use.
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as zlib from "zlib";
import {
  architectureFromFileName,
  checkRpcapdArchitecture,
  elfArchitecture,
  rpcapdPackageArchitecture,
  RpcapdPackageError,
} from "../../components/contract/rpcapdPackage";

/** A minimal ELF header: magic, class, data (little endian), version, e_machine at offset 18. */
function elf(machine: number, bits: 32 | 64 = 64): Buffer {
  const b = Buffer.alloc(64);
  b.writeUInt32BE(0x7f454c46, 0);
  b[4] = bits === 64 ? 2 : 1;
  b[5] = 1;
  b[6] = 1;
  b.writeUInt16LE(2, 16);
  b.writeUInt16LE(machine, 18);
  return b;
}

const hasZstd =
  typeof (zlib as unknown as { zstdDecompressSync?: unknown }).zstdDecompressSync === "function";

describe("rpcapd package architecture (read at preview)", function () {
  let dir: string;

  before(function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "rpcapd-arch-"));
  });
  after(function () {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function deb(arch: string, compression: string, name: string): string {
    const root = path.join(dir, `root-${name}`);
    fs.mkdirSync(path.join(root, "DEBIAN"), { recursive: true });
    fs.mkdirSync(path.join(root, "opt", "extrahop", "sbin"), { recursive: true });
    fs.writeFileSync(
      path.join(root, "DEBIAN", "control"),
      `Package: rpcapd\nVersion: 9.6.0\nArchitecture: ${arch}\nMaintainer: t <t@example.invalid>\nDescription: t\n`,
    );
    fs.writeFileSync(
      path.join(root, "opt", "extrahop", "sbin", "rpcapd"),
      elf(arch === "arm64" ? 0xb7 : 0x3e),
    );
    const out = path.join(dir, name);
    execFileSync("dpkg-deb", ["--root-owner-group", `-Z${compression}`, "--build", root, out], {
      stdio: "ignore",
    });
    return out;
  }

  function tarball(files: Record<string, Buffer>, name: string): string {
    const root = path.join(dir, `tar-${name}`);
    for (const [f, data] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(root, f)), { recursive: true });
      fs.writeFileSync(path.join(root, f), data, { mode: 0o755 });
    }
    const out = path.join(dir, name);
    execFileSync("tar", ["-C", root, "-czf", out, "."]);
    return out;
  }

  it("a .deb with a gzip or uncompressed control member: the Architecture field", function () {
    for (const z of ["gzip", "none"]) {
      const r = rpcapdPackageArchitecture(deb("arm64", z, `rpcapd-${z}.deb`));
      assert.deepStrictEqual([r.architecture, r.source], ["arm64", "deb-control"], r.detail);
    }
  });

  it(`a .deb compressed with zstd (Ubuntu's default) or xz: ${hasZstd ? "zstd from control, " : ""}xz from the file name`, function () {
    const z = rpcapdPackageArchitecture(deb("amd64", "zstd", "rpcapd_9.6.0_amd64.ubuntu22.deb"));
    assert.strictEqual(z.architecture, "amd64");
    assert.strictEqual(z.source, hasZstd ? "deb-control" : "deb-file-name", z.detail);
    const x = rpcapdPackageArchitecture(deb("arm64", "xz", "rpcapd_9.6.0_arm64.deb"));
    assert.deepStrictEqual([x.architecture, x.source], ["arm64", "deb-file-name"], x.detail);
    assert.match(x.detail, /control\.tar\.xz: Node\.js has no xz decoder; "_arm64" in the file name/);
  });

  it("a .deb whose control cannot be read and whose name names no architecture: unknown, said so", function () {
    const r = rpcapdPackageArchitecture(deb("amd64", "xz", "vendor-rpcapd.deb"));
    assert.strictEqual(r.architecture, undefined);
    assert.strictEqual(r.source, "unknown");
  });

  it("the other-Linux tarball: the ELF header of rpcapd-64bit-linux, never the 32-bit one", function () {
    const t = tarball(
      {
        "rpcapd/rpcapd-64bit-linux": elf(0xb7),
        "rpcapd/rpcapd-32bit-linux": elf(0x03, 32),
        "rpcapd/rpcapd.ini": Buffer.from("x"),
      },
      "rpcapd-linux.tar.gz",
    );
    const r = rpcapdPackageArchitecture(t);
    assert.deepStrictEqual([r.architecture, r.source], ["arm64", "elf-header"]);
    assert.match(r.detail, /rpcapd\/rpcapd-64bit-linux: ELF 64-bit, e_machine 0xb7 \(arm64\)/);
  });

  it("a tarball without rpcapd, or with a script in its place, is refused or unknown with the reason", function () {
    assert.throws(
      () => rpcapdPackageArchitecture(tarball({ README: Buffer.from("x") }, "empty.tar.gz")),
      (e: unknown) =>
        e instanceof RpcapdPackageError && /holds no rpcapd-64bit-linux or rpcapd/.test(e.message),
    );
    const s = rpcapdPackageArchitecture(
      tarball({ "rpcapd/rpcapd-64bit-linux": Buffer.from("#!/bin/sh\n") }, "script.tgz"),
    );
    assert.strictEqual(s.architecture, undefined);
    assert.match(s.detail, /a script, not an ELF executable/);
  });

  it("anything else is refused with a clear message", function () {
    const f = path.join(dir, "rpcapd.zip");
    fs.writeFileSync(f, "PK");
    assert.throws(
      () => rpcapdPackageArchitecture(f),
      /rpcapd\.zip is neither a \.deb nor a \.tar\.gz\/\.tgz\/\.tar/,
    );
    const d = path.join(dir, "fake.deb");
    fs.writeFileSync(d, "not an archive");
    assert.throws(() => rpcapdPackageArchitecture(d), /not a Debian package: no ar archive signature/);
  });

  it("checks against the image platform: a mismatch names both sides and what to do", function () {
    const f = deb("amd64", "gzip", "rpcapd_9.6.0_amd64.deb");
    assert.strictEqual(checkRpcapdArchitecture(f, "linux/amd64").ok, true);
    const c = checkRpcapdArchitecture(f, "linux/arm64");
    assert.strictEqual(c.ok, false);
    assert.match(
      c.message ?? "",
      /rpcapd_9\.6\.0_amd64\.deb is built for amd64 \(Architecture: amd64 \(control\.tar\.gz\)\) but the image platform is linux\/arm64: use the vendor's arm64 package or set imagePlatform to linux\/amd64/,
    );
  });

  it("file names and ELF headers on their own", function () {
    assert.strictEqual(architectureFromFileName("/x/rpcapd_9.6.0-1_amd64.deb"), "amd64");
    assert.strictEqual(architectureFromFileName("rpcapd_9.6.0_arm64.ubuntu2204.deb"), "arm64");
    assert.strictEqual(architectureFromFileName("rpcapd.deb"), undefined);
    assert.strictEqual(elfArchitecture(elf(0x3e)).architecture, "amd64");
    assert.strictEqual(elfArchitecture(elf(0x28, 32)).architecture, "armhf");
    assert.strictEqual(elfArchitecture(Buffer.from("MZ")).architecture, undefined);
  });
});
