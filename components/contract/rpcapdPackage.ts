/**
 * Which CPU architecture the vendor's rpcapd package is for, read from the file the user points `rpcapdPackage` at,
 * so that a mismatch with the image platform fails at preview instead of as an `exec format error` on every node.
 * Pure Node (fs, zlib), no tools:
 * - `.deb`: an `ar` archive (deb(5)) whose `control.tar[.gz|.xz|.zst]` member holds `./control` with the
 *   `Architecture:` field (deb-control(5)). Node decompresses gzip, and zstd from Node 22.15 on (zlib
 *   `zstdDecompressSync`); for xz, and zstd on older Node (Ubuntu 22.04 builds packages with zstd), the
 *   architecture comes from the file name, which Debian's naming puts there (`<package>_<version>_<arch>.deb`;
 *   the vendor's example names `rpcapd_<version>_amd64.<ubuntu>.deb`).
 * - "other Linux" tarball (`.tar.gz`, `.tgz`, `.tar`): the ELF header (e_machine, elf(5)) of `rpcapd-64bit-linux`
 *   (what the image installs), or else of the one file named `rpcapd`.
 */
import * as fs from "fs";
import * as path from "path";
import * as zlib from "zlib";

/** Debian's names of the architectures an ELF header can tell. */
const ELF_MACHINES: Record<number, string> = { 0x3e: "amd64", 0xb7: "arm64", 0x03: "i386", 0x28: "armhf" };
/** Image platforms and the Debian architecture each runs. */
const PLATFORM_ARCH: Record<string, string> = { "linux/amd64": "amd64", "linux/arm64": "arm64" };
const DEB_ARCHES = ["amd64", "arm64", "i386", "armhf", "armel", "ppc64el", "s390x", "riscv64", "all"];

/** What the package says about its architecture. */
export interface RpcapdPackageArchitecture {
  /** Debian architecture name (`amd64`, `arm64`, ...); undefined when the file does not tell. */
  architecture?: string;
  /** Where it was read. */
  source: "deb-control" | "deb-file-name" | "elf-header" | "unknown";
  /** What was read, in words (for messages). */
  detail: string;
}

/** The package could not be read as a .deb or a tarball. */
export class RpcapdPackageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RpcapdPackageError";
  }
}

/** Members of an `ar` archive: name -> contents. */
function arMembers(buf: Buffer): Map<string, Buffer> {
  if (buf.subarray(0, 8).toString("latin1") !== "!<arch>\n") {
    throw new RpcapdPackageError("not a Debian package: no ar archive signature");
  }
  const out = new Map<string, Buffer>();
  let off = 8;
  while (off + 60 <= buf.length) {
    const name = buf
      .subarray(off, off + 16)
      .toString("latin1")
      .trim()
      .replace(/\/$/, "");
    const size = Number(
      buf
        .subarray(off + 48, off + 58)
        .toString("latin1")
        .trim(),
    );
    if (!Number.isFinite(size)) {
      throw new RpcapdPackageError(`not a Debian package: bad ar member size at byte ${off}`);
    }
    out.set(name, buf.subarray(off + 60, off + 60 + size));
    off += 60 + size + (size % 2);
  }
  return out;
}

/** Regular files of a tar archive (ustar, GNU long names, pax paths): path -> contents. */
export function tarFiles(buf: Buffer): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  let off = 0;
  let longName: string | undefined;
  const field = (o: number, n: number): string => {
    const s = buf.subarray(o, o + n).toString("latin1");
    const z = s.indexOf("\0");
    return z >= 0 ? s.slice(0, z) : s;
  };
  while (off + 512 <= buf.length) {
    if (buf.subarray(off, off + 512).every((b) => b === 0)) {
      break;
    }
    const size = parseInt(field(off + 124, 12).trim() || "0", 8);
    const type = field(off + 156, 1) || "0";
    const prefix = field(off + 257, 6).startsWith("ustar") ? field(off + 345, 155) : "";
    const name = longName ?? (prefix ? `${prefix}/${field(off, 100)}` : field(off, 100));
    longName = undefined;
    const data = buf.subarray(off + 512, off + 512 + size);
    if (type === "L") {
      longName = data.toString("latin1").replace(/\0.*$/s, "");
    } else if (type === "x") {
      const m = /\d+ path=([^\n]*)\n/.exec(data.toString("utf8"));
      longName = m?.[1];
    } else if (type === "0" || type === "7") {
      out.set(name.replace(/^\.\//, ""), data);
    }
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}

function decompress(member: string, data: Buffer): Buffer | string {
  if (member.endsWith(".gz")) {
    return zlib.gunzipSync(data);
  }
  if (member.endsWith(".zst")) {
    const z = zlib as unknown as { zstdDecompressSync?: (b: Buffer) => Buffer };
    return z.zstdDecompressSync
      ? z.zstdDecompressSync(data)
      : `${member}: this Node.js (${process.version}) has no zstd decoder`;
  }
  if (member.endsWith(".xz")) {
    return `${member}: Node.js has no xz decoder`;
  }
  return data;
}

/** The architecture in a package file name (`rpcapd_9.6.0_amd64.deb`, `rpcapd_9.6.0_amd64.ubuntu22.deb`). */
export function architectureFromFileName(file: string): string | undefined {
  const base = path.basename(file);
  const m = new RegExp(`_(${DEB_ARCHES.join("|")})(\\.|$)`).exec(base);
  return m?.[1];
}

/** The Debian architecture an ELF executable is built for, or why it cannot be told. */
export function elfArchitecture(data: Buffer): { architecture?: string; detail: string } {
  if (data.length < 20 || data.readUInt32BE(0) !== 0x7f454c46) {
    return {
      detail:
        data.subarray(0, 2).toString("latin1") === "#!"
          ? "a script, not an ELF executable"
          : "not an ELF executable",
    };
  }
  const le = data[5] === 1;
  const machine = le ? data.readUInt16LE(18) : data.readUInt16BE(18);
  const bits = data[4] === 2 ? 64 : 32;
  const architecture = ELF_MACHINES[machine];
  return {
    architecture,
    detail: `ELF ${bits}-bit, e_machine 0x${machine.toString(16)}${architecture ? ` (${architecture})` : " (unknown)"}`,
  };
}

function fromDeb(file: string, buf: Buffer): RpcapdPackageArchitecture {
  const members = arMembers(buf);
  const controlName = [...members.keys()].find((n) => /^control\.tar(\.(gz|xz|zst))?$/.test(n));
  if (!controlName) {
    throw new RpcapdPackageError(
      `not a Debian package: no control.tar member (members: ${[...members.keys()].join(", ")})`,
    );
  }
  const tar = decompress(controlName, members.get(controlName) as Buffer);
  if (typeof tar !== "string") {
    const control = tarFiles(tar).get("control");
    const arch = control ? /^Architecture:\s*(\S+)\s*$/m.exec(control.toString("utf8"))?.[1] : undefined;
    if (arch) {
      return { architecture: arch, source: "deb-control", detail: `Architecture: ${arch} (${controlName})` };
    }
  }
  const why = typeof tar === "string" ? tar : `${controlName} has no Architecture field`;
  const byName = architectureFromFileName(file);
  return byName
    ? { architecture: byName, source: "deb-file-name", detail: `${why}; "_${byName}" in the file name` }
    : { source: "unknown", detail: `${why}, and the file name names no architecture` };
}

function fromTarball(file: string, buf: Buffer): RpcapdPackageArchitecture {
  const tar = file.endsWith(".tar") ? buf : zlib.gunzipSync(buf);
  const files = tarFiles(tar);
  const pick = (name: string): string[] => [...files.keys()].filter((f) => path.posix.basename(f) === name);
  const found = pick("rpcapd-64bit-linux");
  const candidates = found.length > 0 ? found : pick("rpcapd");
  if (candidates.length !== 1) {
    throw new RpcapdPackageError(
      candidates.length === 0
        ? "the tarball holds no rpcapd-64bit-linux or rpcapd"
        : `the tarball holds several of them: ${candidates.join(", ")}`,
    );
  }
  const elf = elfArchitecture(files.get(candidates[0]) as Buffer);
  return {
    architecture: elf.architecture,
    source: elf.architecture ? "elf-header" : "unknown",
    detail: `${candidates[0]}: ${elf.detail}`,
  };
}

/** Reads the architecture of a vendor package (`.deb`, `.tar.gz`, `.tgz` or `.tar`). */
export function rpcapdPackageArchitecture(file: string): RpcapdPackageArchitecture {
  const buf = fs.readFileSync(file);
  const lower = file.toLowerCase();
  try {
    if (lower.endsWith(".deb")) {
      return fromDeb(file, buf);
    }
    if (lower.endsWith(".tar.gz") || lower.endsWith(".tgz") || lower.endsWith(".tar")) {
      return fromTarball(lower, buf);
    }
  } catch (e) {
    if (e instanceof RpcapdPackageError) {
      throw e;
    }
    throw new RpcapdPackageError(
      `cannot read ${path.basename(file)}: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  throw new RpcapdPackageError(`${path.basename(file)} is neither a .deb nor a .tar.gz/.tgz/.tar`);
}

/** Whether the package runs on the image platform. */
export interface ArchitectureCheck {
  /** False only on a known mismatch. */
  ok: boolean;
  /** What the package says. */
  found: RpcapdPackageArchitecture;
  /** A message naming both sides, for a mismatch or an unknown architecture. */
  message?: string;
}

/**
 * Checks the package against the image platform (`linux/amd64`, `linux/arm64`): a known mismatch is not ok; an
 * architecture the file does not tell is ok with a message (the image build's own checks still apply).
 */
export function checkRpcapdArchitecture(file: string, platform: string): ArchitectureCheck {
  const found = rpcapdPackageArchitecture(file);
  const want = PLATFORM_ARCH[platform];
  if (!found.architecture) {
    return {
      ok: true,
      found,
      message: `the architecture of ${path.basename(file)} cannot be told (${found.detail})`,
    };
  }
  if (want === undefined || found.architecture === want || found.architecture === "all") {
    return { ok: true, found };
  }
  const other = Object.entries(PLATFORM_ARCH).find(([, a]) => a === found.architecture)?.[0];
  return {
    ok: false,
    found,
    message:
      `${path.basename(file)} is built for ${found.architecture} (${found.detail}) but the image platform is ${platform}: ` +
      `use the vendor's ${want} package${other ? ` or set imagePlatform to ${other}` : ""}`,
  };
}
