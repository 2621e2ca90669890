/**
 * A project folder as `pulumi up` runs the program in: the CLI starts the program with the project folder as its
 * working directory, so the shipped stacks' relative `rpcapdPackage` (vendor/rpcapd_9.6.0.1234_amd64.deb) is found
 * there. The package is a real, minimal .deb (dpkg-deb, Architecture amd64) standing in for the vendor's.
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { SHIPPED_PACKAGE } from "./stackFiles";

const run = promisify(execFile);

/** A fresh folder holding the stand-in package at the shipped stacks' relative path. */
export async function makeProjectFolder(): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ppf-stack-"));
  const root = path.join(dir, "pkgroot");
  fs.mkdirSync(path.join(root, "DEBIAN"), { recursive: true });
  fs.mkdirSync(path.join(root, "usr", "sbin"), { recursive: true });
  fs.writeFileSync(path.join(root, "usr", "sbin", "rpcapd"), "#!/bin/sh\nexit 0\n", { mode: 0o755 });
  fs.writeFileSync(
    path.join(root, "DEBIAN", "control"),
    [
      "Package: rpcapd",
      "Version: 9.6.0.1234",
      "Architecture: amd64",
      "Maintainer: pod-packet-forwarding tests <tests@example.invalid>",
      "Description: rpcapd stand-in for the stack tests",
      "",
    ].join("\n"),
  );
  const target = path.join(dir, SHIPPED_PACKAGE);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  await run("dpkg-deb", ["--root-owner-group", "--build", root, target]);
  fs.rmSync(root, { recursive: true, force: true });
  return dir;
}

/** Runs `fn` with `dir` as the working directory, as the CLI runs the program. */
export async function inFolder<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const previous = process.cwd();
  process.chdir(dir);
  try {
    return await fn();
  } finally {
    process.chdir(previous);
  }
}
