/**
 * The folder the plan writes the rendered Kubernetes manifests to. The plan never deletes what it did not write:
 * it uses a folder that is missing or empty, and marks it with a list of the files it wrote; on the next run it
 * replaces only those. A folder with anything else in it is refused.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { PlanInputError } from "./planInputError";

/** The marker file: the plan's own files in this folder, one name per line. */
export const MARKER = ".pod-packet-forwarding-plan";

/** One file to write. */
export interface ManifestFile {
  /** File name inside the folder (no separators). */
  name: string;
  /** Content. */
  text: string;
}

function ownFiles(dir: string): string[] | undefined {
  try {
    return fs
      .readFileSync(path.join(dir, MARKER), "utf8")
      .split("\n")
      .filter((line) => line !== "");
  } catch {
    return undefined;
  }
}

/**
 * Checks that the plan may write to `dir`, before anything runs.
 * @throws PlanInputError naming `--out` when `dir` is a file, or a non-empty folder the plan did not create
 */
export function checkManifestFolder(dir: string): void {
  let entries: string[];
  try {
    const stat = fs.statSync(dir);
    if (!stat.isDirectory()) {
      throw new PlanInputError("--out", dir, "is a file, not a folder");
    }
    entries = fs.readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") {
      return;
    }
    throw err;
  }
  const own = ownFiles(dir);
  if (own === undefined) {
    if (entries.length) {
      throw new PlanInputError(
        "--out",
        dir,
        `is not empty and was not written by the plan (${entries.length} entr${entries.length === 1 ? "y" : "ies"}); ` +
          "name a new or empty folder",
      );
    }
    return;
  }
  const foreign = entries.filter((e) => e !== MARKER && !own.includes(e));
  if (foreign.length) {
    throw new PlanInputError(
      "--out",
      dir,
      `holds files the plan did not write (${foreign.slice(0, 3).join(", ")}${foreign.length > 3 ? ", ..." : ""}); ` +
        "move them or name another folder",
    );
  }
}

/**
 * Writes the manifests: removes the plan's files of the previous run (and only those), writes the new ones and the
 * marker. Call `checkManifestFolder` first.
 * @returns the paths written
 */
export function writeManifestFolder(dir: string, files: ManifestFile[]): string[] {
  checkManifestFolder(dir);
  fs.mkdirSync(dir, { recursive: true });
  for (const name of ownFiles(dir) ?? []) {
    fs.rmSync(path.join(dir, path.basename(name)), { force: true });
  }
  const written = files.map((f) => {
    const file = path.join(dir, path.basename(f.name));
    fs.writeFileSync(file, f.text);
    return file;
  });
  fs.writeFileSync(path.join(dir, MARKER), files.map((f) => `${path.basename(f.name)}\n`).join(""));
  return written;
}
