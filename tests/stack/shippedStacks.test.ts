/**
 * Pulumi.yaml and the shipped stack files under the Pulumi CLI's own config rules (ported in harness/pulumiCli
 * from pulumi/pulumi pkg/workspace/config.go and sdk/go/common/workspace/project.go), and in step with the
 * program's schema (components/validation.ts, read through adapters/stack/stackConfig.ts as `pulumi up` reads it).
 *
 * Why: the CLI requires every project key declared without a default, whatever its type, so an optional key
 * declared there stops `pulumi preview` for every stack before the program runs.
 */
import { strict as assert } from "node:assert";
import * as pulumi from "@pulumi/pulumi";
import * as YAML from "yaml";
import { z } from "zod";
import { checkConfig, readStackConfig, STRING_KEYS } from "../../adapters/stack/stackConfig";
import { argsSchema } from "../../components/validation";
import { createConfigValue } from "../../harness/pulumiCli/mergeConfig";
import {
  loadProject,
  type ProjectConfigItemsType,
  type ProjectConfigType,
} from "../../harness/pulumiCli/project";
import { stackConfiguration, type StackConfiguration } from "../../harness/pulumiCli/stackConfiguration";
import {
  MINIMAL_STACK,
  OWN_KUBECONFIG,
  PROJECT,
  projectText,
  prodWithEncryptedKubeconfig,
  shippedStacks,
  TEST_PASSPHRASE,
  type StackFixture,
} from "./stackFiles";

/** The stack config key of each argument (adapters/stack/stackConfig.ts: only `cluster` is named differently). */
const CONFIG_KEY_OF_ARG: Record<string, string> = { cluster: "clusterName" };
const argOfKey = (key: string) => Object.entries(CONFIG_KEY_OF_ARG).find(([, k]) => k === key)?.[0] ?? key;
const CONFIG_KEYS = Object.keys(argsSchema.shape).map((arg) => CONFIG_KEY_OF_ARG[arg] ?? arg);

/** What the program reads from the config the CLI passes (the real `readStackConfig`, through the runtime). */
function asProgramReadsIt(
  config: Record<string, string>,
  secretKeys: string[] = [],
): Record<string, unknown> {
  pulumi.runtime.setAllConfig(config, secretKeys);
  try {
    return readStackConfig(PROJECT);
  } finally {
    pulumi.runtime.setAllConfig({});
  }
}

/** The CLI's type name for a zod schema (`string`, `integer`, `boolean`, `array<…>`, `object`). */
function cliTypeOf(schema: z.ZodTypeAny): { type: string; items?: ProjectConfigItemsType } {
  let s = schema;
  while (s instanceof z.ZodOptional || s instanceof z.ZodDefault || s instanceof z.ZodEffects) {
    s = s instanceof z.ZodEffects ? s.innerType() : (s._def.innerType as z.ZodTypeAny);
  }
  if (s instanceof z.ZodString || s instanceof z.ZodEnum) {
    return { type: "string" };
  }
  if (s instanceof z.ZodNumber) {
    return { type: "integer" };
  }
  if (s instanceof z.ZodBoolean) {
    return { type: "boolean" };
  }
  if (s instanceof z.ZodArray) {
    return { type: "array", items: cliTypeOf(s.element) };
  }
  if (s instanceof z.ZodObject || s instanceof z.ZodRecord) {
    return { type: "object" };
  }
  throw new Error(`no CLI type for ${s.constructor.name}`);
}

function typeName(t: { type: string; items?: ProjectConfigItemsType }): string {
  return t.items ? `array<${typeName(t.items)}>` : t.type;
}

async function runCli(fixture: StackFixture, projectYaml = projectText()): Promise<StackConfiguration> {
  return stackConfiguration({
    projectText: projectYaml,
    stackName: fixture.stack,
    stackText: fixture.text,
    passphrase: fixture.passphrase,
  });
}

async function rejectsWith(promise: Promise<unknown>, text: string): Promise<void> {
  await assert.rejects(promise, (err: Error) => {
    assert.equal(err.message, text);
    return true;
  });
}

describe("Pulumi.yaml and the stack files under the CLI's config rules", function () {
  this.timeout(60000);
  const project = loadProject(projectText());
  const declared = [...project.config.entries()];

  it("Pulumi.yaml passes the CLI's project schema and config-declaration rules", () => {
    assert.equal(project.name, PROJECT);
    assert.ok(declared.length > 0);
  });

  it("declares a key without a default only when the program requires it of every stack too", () => {
    const required = declared
      .filter(([, t]) => t.default === undefined && t.value === undefined)
      .map(([k]) => k);
    assert.deepEqual(required, ["sensorIps"]);
    // The program refuses a stack without it: the CLI's early refusal loses nothing.
    assert.throws(
      () => checkConfig({ clusterName: "demo", rpcapdPackage: "x.deb" }),
      (err: Error) => err.message.includes("sensorIps: is required"),
    );
  });

  it("declares or documents every config key the program knows, and nothing else", () => {
    const text = projectText();
    for (const key of CONFIG_KEYS) {
      if (!project.config.has(key)) {
        assert.match(text, new RegExp(`^#\\s+${key} \\(`, "m"), `${key} is neither declared nor documented`);
      }
    }
    assert.deepEqual(
      declared.map(([k]) => k).filter((k) => !CONFIG_KEYS.includes(k)),
      [],
      "declared keys the program does not know",
    );
    for (const [key, t] of declared) {
      assert.ok(t.description.length > 20, `${key} needs a description`);
    }
  });

  for (const [key, t] of new Map<string, ProjectConfigType>(loadProject(projectText()).config)) {
    it(`${key}: the declared type is the program's, and the CLI's default reads back as the program's default`, () => {
      const schema = argsSchema.shape[argOfKey(key) as keyof typeof argsSchema.shape] as z.ZodTypeAny;
      assert.equal(typeName({ type: t.type ?? "", items: t.items }), typeName(cliTypeOf(schema)));
      // readStackConfig decodes every key outside STRING_KEYS as JSON: a string-typed key must be in it.
      assert.equal(STRING_KEYS.has(key), t.type === "string", `STRING_KEYS and the declared type of ${key}`);
      if (t.default !== undefined) {
        const passed = createConfigValue(t.default).text;
        const read = asProgramReadsIt({ [`${PROJECT}:${key}`]: passed })[key];
        const programDefault = (argsSchema.parse({ sensorIps: ["10.0.0.1"] }) as Record<string, unknown>)[
          argOfKey(key)
        ];
        assert.deepEqual(read, programDefault);
      }
    });
  }

  for (const fixture of [...shippedStacks(), MINIMAL_STACK]) {
    it(`${fixture.source} passes the CLI's rules, and the config it hands the program passes the program's schema`, async () => {
      const { program, stack } = await runCli(fixture);
      assert.deepEqual(stack.warnings, []);
      // The CLI passes the declared defaults along with the stack's own values.
      assert.equal(program.config[`${PROJECT}:namespace`], "extrahop");
      assert.equal(program.config[`${PROJECT}:sensorPort`], "2003");
      assert.match(program.config[`${PROJECT}:sensorIps`], /^\["[\d.]+"(,"[\d.]+")*\]$/);
      assert.doesNotThrow(() => checkConfig(asProgramReadsIt(program.config, program.secretKeys)));
    });
  }

  it("the CLI alone requires only sensorIps; what else a stack needs, the program says by key", async () => {
    const onlySensors = {
      stack: "bare",
      source: "sensors only",
      text: `config:\n  ${PROJECT}:sensorIps: [10.0.200.10]\n`,
    };
    const { program } = await runCli(onlySensors);
    assert.throws(
      () => checkConfig(asProgramReadsIt(program.config)),
      (err: Error) =>
        err.message.includes("rpcapdPackage: is required") && err.message.includes("kubeconfig: is required"),
    );
  });

  it("a stack without sensorIps stops in the CLI, naming the key", async () => {
    const doc = YAML.parseDocument(MINIMAL_STACK.text);
    doc.deleteIn(["config", `${PROJECT}:sensorIps`]);
    await rejectsWith(
      runCli({ ...MINIMAL_STACK, text: doc.toString() }),
      "Stack 'minimal' is missing configuration value 'sensorIps'",
    );
  });

  it("the CLI's type check refuses a single address where a list is declared", async () => {
    const dev = shippedStacks().find((s) => s.stack === "dev") as StackFixture;
    const doc = YAML.parseDocument(dev.text);
    doc.setIn(["config", `${PROJECT}:sensorIps`], "10.0.200.10");
    await rejectsWith(
      runCli({ ...dev, text: doc.toString() }),
      "Stack 'dev' with configuration key 'sensorIps' must be of type 'array<string>'",
    );
  });

  it("an optional key declared without a default (the old Pulumi.yaml) would stop every shipped stack", async () => {
    const doc = YAML.parseDocument(projectText());
    doc.setIn(["config", "kubeconfig"], { type: "string", secret: true });
    doc.setIn(["config", "mirrorVni"], { type: "integer" });
    for (const fixture of shippedStacks()) {
      await rejectsWith(
        runCli(fixture, doc.toString()),
        `Stack '${fixture.stack}' is missing configuration values 'kubeconfig' and 'mirrorVni'`,
      );
    }
  });

  it("a kubeconfig encrypted by the passphrase provider reaches the program decrypted and marked secret", async () => {
    const fixture = await prodWithEncryptedKubeconfig();
    const { program } = await runCli(fixture);
    assert.equal(program.config[`${PROJECT}:kubeconfig`], OWN_KUBECONFIG);
    assert.deepEqual(program.secretKeys, [`${PROJECT}:kubeconfig`]);
    assert.doesNotThrow(() => checkConfig(asProgramReadsIt(program.config, program.secretKeys)));
    await rejectsWith(runCli({ ...fixture, passphrase: `${TEST_PASSPHRASE}!` }), "incorrect passphrase");
    await rejectsWith(
      runCli({ ...fixture, passphrase: undefined }),
      "passphrase must be set with PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE environment variables",
    );
  });
});
