// Debian 12's nodejs 18 (what the agent image runs) for the benchmark, without installing it on the host: the
// packages are fetched with `apt-get download` into a cache directory and unpacked there; a wrapper runs that node
// in a private mount namespace where /usr/share/nodejs (the absolute path Debian's node loads its externalized
// builtins from) is the unpacked copy.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/** Packages Debian's nodejs 18 needs beyond what any Debian 12 host has. */
const PACKAGES = [
  "nodejs=18.*",
  "libnode108",
  "libc-ares2",
  "node-acorn",
  "node-cjs-module-lexer",
  "node-undici",
  "node-busboy",
];

/** The command that runs Debian's nodejs 18 (fetched and unpacked once into the cache directory). */
export function debianNode18(cache = path.join(os.tmpdir(), "ppf-debian-node18")): string[] {
  const root = path.join(cache, "root");
  const wrapper = path.join(cache, "node");
  if (!fs.existsSync(wrapper)) {
    fs.mkdirSync(cache, { recursive: true });
    execFileSync("apt-get", ["download", ...PACKAGES], { cwd: cache, stdio: "ignore" });
    for (const deb of fs.readdirSync(cache).filter((f) => f.endsWith(".deb"))) {
      execFileSync("dpkg", ["-x", path.join(cache, deb), root]);
    }
    const lib = path.join(root, "usr/lib/x86_64-linux-gnu");
    fs.writeFileSync(
      wrapper,
      [
        "#!/bin/sh",
        "exec unshare -m sh -c '" +
          "mount -t tmpfs none /usr/share && mkdir -p /usr/share/nodejs && " +
          `mount --bind ${root}/usr/share/nodejs /usr/share/nodejs && ` +
          `LD_LIBRARY_PATH=${lib} exec ${root}/usr/bin/node "$@"' node "$@"`,
        "",
      ].join("\n"),
      { mode: 0o755 },
    );
  }
  return [wrapper];
}
