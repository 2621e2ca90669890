/**
 * The CLI's own expectations for its config rules, ported test by test so the port in harness/pulumiCli is
 * checked against the CLI rather than against our reading of it. Source: pulumi/pulumi
 * pkg/workspace/config_project_test.go and pkg/workspace/config_test.go at the commit in
 * harness/pulumiCli/source.ts; each `it` names the Go test (and subtest) it ports.
 */
import { strict as assert } from "node:assert";
import { mustMakeKey, parseKey } from "../../harness/pulumiCli/configKey";
import { ConfigMap } from "../../harness/pulumiCli/configMap";
import { ConfigValue } from "../../harness/pulumiCli/configValue";
import {
  base64Crypter,
  errorCrypter,
  nopCrypter,
  panicCrypter,
  type Crypter,
} from "../../harness/pulumiCli/crypter";
import { JsonNumber } from "../../harness/pulumiCli/goJson";
import {
  validateStackConfigAndApplyProjectConfig,
  validateStackConfigValue,
  validateStackConfigValues,
  type EscValue,
} from "../../harness/pulumiCli/mergeConfig";
import { loadProject, type Project } from "../../harness/pulumiCli/project";
import { loadProjectStack, type ProjectStack } from "../../harness/pulumiCli/projectStack";

function loadBoth(projectYaml: string, stackYaml: string): { project: Project; stack: ProjectStack } {
  const project = loadProject(projectYaml);
  const stack = loadProjectStack(project, stackYaml);
  // The Go tests assert that loading printed nothing.
  assert.deepEqual(stack.warnings, []);
  return { project, stack };
}

function validate(
  project: Project,
  stack: ProjectStack,
  crypter: Crypter = panicCrypter,
  env?: EscValue,
): Promise<void> {
  return validateStackConfigAndApplyProjectConfig({
    stackName: "dev",
    project,
    stackEnv: env,
    stackConfig: stack.config,
    encrypter: crypter,
    decrypter: crypter,
  });
}

/** `getConfigValue`: the stored text, read with the nop decrypter. */
async function getConfigValue(config: ConfigMap, key: string): Promise<string> {
  const value = config.raw(parseKey(key));
  assert.ok(value, `Couldn't find a value for config key ${key}`);
  return value.value(nopCrypter);
}

async function rejectsWith(promise: Promise<unknown>, text: string): Promise<void> {
  await assert.rejects(promise, (err: Error) => {
    assert.ok(err.message.includes(text), `"${err.message}" should contain "${text}"`);
    return true;
  });
}

describe("Pulumi CLI config rules (ported from pkg/workspace/config_project_test.go)", () => {
  it("TestStackConfigIsInheritedFromProjectConfig", async () => {
    const { project, stack } = loadBoth(
      "\nname: test\nruntime: dotnet\nconfig:\n  instanceSize: t3.micro\n  instanceCount: 20\n  protect: true",
      "\nconfig:\n  test:instanceSize: t4.large",
    );
    await validate(project, stack);
    assert.equal(stack.config.size, 3);
    assert.equal(await getConfigValue(stack.config, "test:instanceSize"), "t4.large");
    assert.equal(await getConfigValue(stack.config, "test:instanceCount"), "20");
    assert.equal(await getConfigValue(stack.config, "test:protect"), "true");
  });

  it("TestNamespacedConfigValuesAreInheritedCorrectly", async () => {
    const { project, stack } = loadBoth(
      '\nname: test\nruntime: dotnet\nconfig:\n  aws:region: us-west-1\n  pulumi:disable-default-providers: ["*"]\n  instanceSize: t3.micro',
      "\nconfig:\n  test:instanceSize: t4.large",
    );
    await validate(project, stack);
    assert.equal(stack.config.size, 3);
    assert.equal(await getConfigValue(stack.config, "test:instanceSize"), "t4.large");
    assert.equal(await getConfigValue(stack.config, "aws:region"), "us-west-1");
    assert.equal(await getConfigValue(stack.config, "pulumi:disable-default-providers"), '["*"]');
    assert.deepEqual(JSON.parse(await getConfigValue(stack.config, "pulumi:disable-default-providers")), [
      "*",
    ]);
  });

  it("TestLoadingStackConfigWithoutNamespacingTheProject", async () => {
    const { project, stack } = loadBoth(
      "\nname: test\nruntime: dotnet\nconfig:\n  aws:region: us-west-1\n  instanceSize: t3.micro",
      "\nconfig:\n  instanceSize: t4.large",
    );
    await validate(project, stack);
    assert.equal(stack.config.size, 2);
    assert.equal(await getConfigValue(stack.config, "test:instanceSize"), "t4.large");
    assert.equal(await getConfigValue(stack.config, "aws:region"), "us-west-1");
  });

  it("TestUntypedProjectConfigValuesAreNotValidated", async () => {
    const { project, stack } = loadBoth(
      "\nname: test\nruntime: dotnet\nconfig:\n  instanceSize: t3.micro\n  aws:region: us-west-1",
      "\nconfig:\n  instanceSize: 9999\n  aws:region: 42",
    );
    await validate(project, stack);
    assert.equal(stack.config.size, 2);
    assert.equal(await getConfigValue(stack.config, "test:instanceSize"), "9999");
    assert.equal(await getConfigValue(stack.config, "aws:region"), "42");
  });

  it("TestUntypedProjectConfigValuesWithOnlyDefaultOrOnlyValue", async () => {
    const { project, stack } = loadBoth(
      "\nname: test\nruntime: dotnet\nconfig:\n  instanceSize:\n    default: t3.micro\n  region:\n    value: us-west-1",
      "\nconfig:\n  aws:answer: 42",
    );
    await validate(project, stack);
    assert.equal(stack.config.size, 3);
    assert.equal(await getConfigValue(stack.config, "test:instanceSize"), "t3.micro");
    assert.equal(await getConfigValue(stack.config, "test:region"), "us-west-1");
    assert.equal(await getConfigValue(stack.config, "aws:answer"), "42");
  });

  it("TestUntypedStackConfigValuesDoNeedProjectDeclaration", async () => {
    const { project, stack } = loadBoth(
      "\nname: test\nruntime: dotnet\nconfig:\n  createVpc: true",
      "\nconfig:\n  instanceSize: 42",
    );
    await validate(project, stack);
    assert.equal(stack.config.size, 2);
    assert.equal(await getConfigValue(stack.config, "test:instanceSize"), "42");
    assert.equal(await getConfigValue(stack.config, "test:createVpc"), "true");
  });

  it("TestUntypedProjectConfigObjectValuesPassedDownToStack", async () => {
    const { project, stack } = loadBoth(
      "\nname: test\nruntime: dotnet\nconfig:\n  instanceSize:\n    value:\n      hello: world\n  aws:config:\n    value:\n      region: us-west-1",
      "\nconfig:\n  aws:whatever: 42",
    );
    await validate(project, stack);
    assert.equal(stack.config.size, 3);
    assert.equal(await getConfigValue(stack.config, "test:instanceSize"), '{"hello":"world"}');
    assert.equal(await getConfigValue(stack.config, "aws:config"), '{"region":"us-west-1"}');
    assert.equal(await getConfigValue(stack.config, "aws:whatever"), "42");
  });

  it("TestStackConfigErrorsWhenStackValueIsNotCorrectlyTyped", async () => {
    const { project, stack } = loadBoth(
      "\nname: test\nruntime: dotnet\nconfig:\n  values:\n    type: array\n    items:\n      type: string\n    default: [value]",
      "\nconfig:\n  test:values: someValue\n",
    );
    await rejectsWith(
      validate(project, stack),
      "Stack 'dev' with configuration key 'values' must be of type 'array<string>'",
    );
  });

  it("TestStackConfigIntegerTypeIsCorrectlyValidated", async () => {
    const projectYaml = "\nname: test\nruntime: dotnet\nconfig:\n  importantNumber:\n    type: integer\n";
    const valid = loadBoth(projectYaml, "\nconfig:\n  test:importantNumber: 20\n");
    await validate(valid.project, valid.stack);
    const invalid = loadBoth(projectYaml, "\nconfig:\n  test:importantNumber: hello\n");
    await rejectsWith(
      validate(invalid.project, invalid.stack),
      "Stack 'dev' with configuration key 'importantNumber' must be of type 'integer'",
    );
  });

  it("TestStackConfigErrorsWhenMissingStackValueForConfigTypeWithNoDefault", async () => {
    const { project, stack } = loadBoth(
      "\nname: test\nruntime: dotnet\nconfig:\n  values:\n    type: array\n    items:\n      type: string",
      "",
    );
    await rejectsWith(validate(project, stack), "Stack 'dev' is missing configuration value 'values'");
  });

  it("TestStackConfigErrorsWhenMissingTwoStackValueForConfigTypeWithNoDefault", async () => {
    const { project, stack } = loadBoth(
      "\nname: test\nruntime: dotnet\nconfig:\n  another:\n    type: string\n  values:\n    type: array\n    items:\n      type: string",
      "",
    );
    await rejectsWith(
      validate(project, stack),
      "Stack 'dev' is missing configuration values 'another' and 'values'",
    );
  });

  it("TestStackConfigErrorsWhenMissingMultipleStackValueForConfigTypeWithNoDefault", async () => {
    const { project, stack } = loadBoth(
      "\nname: test\nruntime: dotnet\nconfig:\n  hello:\n    type: integer\n  values:\n    type: array\n    items:\n      type: string\n  world:\n    type: string",
      "",
    );
    await rejectsWith(
      validate(project, stack),
      "Stack 'dev' is missing configuration values 'hello', 'values' and 'world'",
    );
  });

  it("TestStackConfigDoesNotErrorWhenProjectHasNotDefinedConfig", async () => {
    const { project, stack } = loadBoth(
      "\nname: test\nruntime: dotnet",
      "\nconfig:\n  hello: 21\n  world: 42\n  another: 42",
    );
    await validate(project, stack);
  });

  it("TestStackConfigSecretIsCorrectlyValidated", async () => {
    const projectYaml =
      "\nname: test\nruntime: dotnet\nconfig:\n  importantNumber:\n    type: integer\n    secret: true\n";
    const encrypted = await base64Crypter.encryptValue("20");
    const valid = loadBoth(projectYaml, `\nconfig:\n  test:importantNumber:\n    secure: ${encrypted}\n`);
    await validate(valid.project, valid.stack, base64Crypter);
    const invalid = loadBoth(projectYaml, "\nconfig:\n  test:importantNumber: 20\n");
    await rejectsWith(
      validate(invalid.project, invalid.stack, base64Crypter),
      "Stack 'dev' with configuration key 'importantNumber' must be encrypted as it's secret",
    );
  });

  it("TestEnvironmentMerge", async () => {
    const { project, stack } = loadBoth(
      "\nname: test\nruntime: nodejs",
      "\nconfig:\n  test:boolean: true\n  test:number: 42\n  test:string: foo\n  test:array:\n    - first\n    - second\n  test:object:\n    foo: bar\n    object:\n      baz: 42",
    );
    const v = (value: EscValue["value"]): EscValue => ({ value });
    const env = v({
      "test:boolean": v(false),
      "test:number": v(new JsonNumber("42")),
      "test:string": v("esc"),
      "test:array": v([v("second"), v("first")]),
      "test:secret": { value: "hunter2", secret: true },
      "test:object": v({
        boolean: v(true),
        number: v(new JsonNumber("42")),
        string: v("esc"),
        array: v([v("first"), v("second")]),
        object: v({ foo: v("bar") }),
        foo: v("qux"),
      }),
    });
    await validate(project, stack, base64Crypter, env);
    assert.deepEqual(
      stack.config.secureKeys().map((k) => k.toString()),
      [mustMakeKey("test", "secret").toString()],
    );
    const decrypted = Object.fromEntries(await stack.config.decrypt(base64Crypter));
    assert.deepEqual(decrypted, {
      "test:array": '["first","second"]',
      "test:boolean": "true",
      "test:number": "42",
      "test:object":
        '{"array":["first","second"],"boolean":true,"foo":"bar","number":42,"object":{"baz":42,"foo":"bar"},"string":"esc"}',
      "test:string": "foo",
      "test:secret": "hunter2",
    });
  });

  it("TestStackConfigUInt64", async () => {
    const { project, stack } = loadBoth(
      "\nname: test\nruntime: dotnet",
      "\nconfig:\n  test:instanceSize: 18446744073709551615",
    );
    await validate(project, stack);
    assert.equal(stack.config.size, 1);
    assert.equal(await getConfigValue(stack.config, "test:instanceSize"), "18446744073709551615");
  });
});

describe("Pulumi CLI config rules (ported from pkg/workspace/config_test.go TestValidateStackConfigValues)", () => {
  const project = (config: Project["config"] = new Map()): Project => ({ name: "testProject", config });

  it("No Decrypter Returns Nil", async () => {
    await validateStackConfigValues("stackA", project(), new ConfigMap(), undefined);
  });

  it("Empty Project With Decrypter Returns Nil", async () => {
    await validateStackConfigValues("stackA", project(), new ConfigMap(), nopCrypter);
  });

  it("Decrypt Error Is Propagated", async () => {
    const config = new ConfigMap();
    config.set(mustMakeKey("testProject", "someKey"), ConfigValue.secure("someVal"), false);
    await rejectsWith(
      validateStackConfigValues("stackA", project(), config, errorCrypter("decrypt failed")),
      "decrypt failed",
    );
  });

  it("Typed Config Validates", async () => {
    const config = new ConfigMap();
    config.set(mustMakeKey("testProject", "testInt"), ConfigValue.typed("1", "int"), false);
    config.set(mustMakeKey("testProject", "testNested1"), ConfigValue.object('{"float":1.0}'), false);
    config.set(mustMakeKey("testProject", "testNested2"), ConfigValue.object('{"bool":true}'), false);
    config.set(mustMakeKey("testProject", "testSecret"), ConfigValue.secure("dGVzdFZhbHVl"), false);
    const declared = new Map([
      ["testInt", { type: "integer", description: "", secret: false }],
      ["testNested1.float", { type: "integer", description: "", secret: false }],
      ["testNested2.bool", { type: "boolean", description: "", secret: false }],
      ["testSecret", { type: "string", description: "", secret: true }],
    ]);
    await validateStackConfigValues("stackA", project(declared), config, base64Crypter);
  });

  it("Secret Enforced", () => {
    assert.throws(
      () =>
        validateStackConfigValue(
          "stack1",
          "proj:secretKey",
          { description: "", secret: true },
          ConfigValue.plain("plain"),
          "plain",
        ),
      /must be encrypted/,
    );
  });

  it("Object Unmarshal Error", () => {
    assert.throws(
      () =>
        validateStackConfigValue(
          "stackX",
          "proj:objKey",
          { description: "", secret: false },
          ConfigValue.object("not-a-json"),
          "not-a-json",
        ),
      /invalid character/,
    );
  });

  it("Type Mismatch", () => {
    assert.throws(
      () =>
        validateStackConfigValue(
          "stackX",
          "proj:typeKey",
          { type: "number", description: "", secret: false },
          ConfigValue.plain("not-a-number"),
          "not-a-number",
        ),
      /must be of type/,
    );
  });
});
