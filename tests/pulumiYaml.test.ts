/**
 * Pulumi.yaml documents the stack config; the zod schema enforces it. This keeps the two in step: every schema
 * key is documented (or named in the header comment, for object keys), types agree, and declared defaults are
 * the schema's defaults. The stack files must pass the schema too.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as YAML from "yaml";
import { parseStackConfig, stackConfigSchema } from "../components/config";

interface Declared {
  type: string;
  default?: unknown;
  description?: string;
}

const projectFile = fs.readFileSync("Pulumi.yaml", "utf8");
const project = YAML.parse(projectFile) as { name: string; config: Record<string, Declared> };
const shape = stackConfigSchema.innerType().shape;

/** The stack file's config for this project, as the program would read it. */
function stackConfig(file: string): Record<string, unknown> {
  const { config } = YAML.parse(fs.readFileSync(file, "utf8")) as { config: Record<string, unknown> };
  const prefix = `${project.name}:`;
  return Object.fromEntries(
    Object.entries(config)
      .filter(([k]) => k.startsWith(prefix))
      .map(([k, v]) => [k.slice(prefix.length), v]),
  );
}

describe("Pulumi.yaml", () => {
  it("names the project pod-packet-forwarding", () => {
    assert.equal(project.name, "pod-packet-forwarding");
  });

  it("documents every config key, with a description", () => {
    for (const key of Object.keys(shape)) {
      const declared = project.config[key];
      if (declared) {
        assert.ok(declared.description && declared.description.length > 20, `${key} needs a description`);
      } else {
        assert.match(
          projectFile,
          new RegExp(`^#\\s+${key} \\(object`, "m"),
          `${key} is neither declared nor described`,
        );
      }
    }
    assert.deepEqual(
      Object.keys(project.config).filter((k) => !(k in shape)),
      [],
      "declared keys the schema does not know",
    );
  });

  it("declares the schema's defaults and types", () => {
    const defaults = parseStackConfig({
      clusterName: "demo",
      sensorIps: ["10.0.0.1"],
      rpcapdPackage: "x.deb",
    }) as unknown as Record<string, unknown>;
    for (const [key, declared] of Object.entries(project.config)) {
      if ("default" in declared) {
        assert.deepEqual(declared.default, defaults[key], `default of ${key}`);
      }
      const value = declared.default ?? { string: "x", integer: 1, boolean: true, array: [] }[declared.type];
      assert.ok(
        ["string", "integer", "boolean", "array"].includes(declared.type),
        `${key}: type ${declared.type}`,
      );
      if (declared.type === "integer") {
        assert.equal(typeof value, "number");
      }
    }
  });

  for (const file of fs
    .readdirSync(".")
    .filter((f) => /^Pulumi\.[\w-]+(\.example)?\.yaml$/.test(f) && f !== "Pulumi.yaml")) {
    it(`${file} passes the schema`, () => {
      assert.doesNotThrow(() => parseStackConfig(stackConfig(file)));
    });
  }
});
