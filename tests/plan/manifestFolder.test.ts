/**
 * The manifests folder never loses what the plan did not write: a new or empty folder is used, the plan's own files
 * of a previous run are replaced, anything else makes the plan refuse before it runs.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { checkManifestFolder, MARKER, writeManifestFolder } from "../../adapters/plan/manifestFolder";
import { PlanInputError } from "../../adapters/plan/planInputError";

describe("plan: manifests folder", () => {
  let tmp: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ppf-out-"));
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  const refuses = (dir: string, message: string) =>
    assert.throws(
      () => checkManifestFolder(dir),
      (err: unknown) => {
        assert.ok(err instanceof PlanInputError, String(err));
        assert.equal(err.message, message);
        return true;
      },
    );

  it("creates a missing folder (and its parents), uses an empty one, and marks both as the plan's", () => {
    const fresh = path.join(tmp, "a", "b");
    assert.deepEqual(
      writeManifestFolder(fresh, [{ name: "01-Namespace-x.yaml", text: "kind: Namespace\n" }]),
      [path.join(fresh, "01-Namespace-x.yaml")],
    );
    assert.deepEqual(fs.readdirSync(fresh).sort(), [MARKER, "01-Namespace-x.yaml"].sort());
    const empty = path.join(tmp, "empty");
    fs.mkdirSync(empty);
    writeManifestFolder(empty, [{ name: "01-a.yaml", text: "a" }]);
    assert.equal(fs.readFileSync(path.join(empty, MARKER), "utf8"), "01-a.yaml\n");
  });

  it("replaces only its own files of the previous run", () => {
    writeManifestFolder(tmp, [
      { name: "01-a.yaml", text: "a" },
      { name: "02-b.yaml", text: "b" },
    ]);
    writeManifestFolder(tmp, [{ name: "01-c.yaml", text: "c" }]);
    assert.deepEqual(fs.readdirSync(tmp).sort(), [MARKER, "01-c.yaml"].sort());
    assert.equal(fs.readFileSync(path.join(tmp, "01-c.yaml"), "utf8"), "c");
  });

  it("refuses a non-empty folder it did not write, a folder where someone added a file, and a file", () => {
    const foreign = path.join(tmp, "src");
    fs.mkdirSync(foreign);
    fs.writeFileSync(path.join(foreign, "main.go"), "package main\n");
    refuses(
      foreign,
      `--out ${foreign}: is not empty and was not written by the plan (1 entry); name a new or empty folder`,
    );
    assert.throws(() => writeManifestFolder(foreign, [{ name: "01-a.yaml", text: "a" }]), PlanInputError);
    assert.deepEqual(fs.readdirSync(foreign), ["main.go"], "nothing deleted, nothing written");

    const own = path.join(tmp, "own");
    writeManifestFolder(own, [{ name: "01-a.yaml", text: "a" }]);
    fs.writeFileSync(path.join(own, "notes.md"), "mine\n");
    refuses(
      own,
      `--out ${own}: holds files the plan did not write (notes.md); move them or name another folder`,
    );
    assert.throws(() => writeManifestFolder(own, []), PlanInputError);
    assert.equal(fs.readFileSync(path.join(own, "notes.md"), "utf8"), "mine\n");

    const file = path.join(tmp, "file.yaml");
    fs.writeFileSync(file, "x");
    refuses(file, `--out ${file}: is a file, not a folder`);
  });

  it("never follows a name out of the folder", () => {
    writeManifestFolder(tmp, [{ name: "../escape.yaml", text: "x" }]);
    assert.ok(fs.existsSync(path.join(tmp, "escape.yaml")));
    assert.ok(!fs.existsSync(path.join(path.dirname(tmp), "escape.yaml")));
  });
});
