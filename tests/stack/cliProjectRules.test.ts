/**
 * The CLI's own expectations for loading a Pulumi.yaml and its `config:` block, ported test by test: pulumi/pulumi
 * sdk/go/common/workspace/project_test.go at the commit in harness/pulumiCli/source.ts (the tests about config
 * declarations, schema errors and the project loader; each `it` names the Go test it ports).
 */
import { strict as assert } from "node:assert";
import { GoMap } from "../../harness/pulumiCli/goValue";
import { loadProject, validateProjectConfig, type Project } from "../../harness/pulumiCli/project";

function throwsContaining(fn: () => unknown, ...texts: string[]): void {
  assert.throws(fn, (err: Error) => {
    for (const text of texts) {
      assert.ok(err.message.includes(text), `"${err.message}" should contain "${text}"`);
    }
    return true;
  });
}

describe("Pulumi CLI project rules (ported from sdk/go/common/workspace/project_test.go)", () => {
  const project = (config: Project["config"]): Project => ({ name: "test", config });

  it("TestProjectValidationSucceedsForObjectConfigType", () => {
    validateProjectConfig(
      project(
        new Map([
          [
            "example",
            { type: "object", description: "", secret: false, default: new GoMap([["hello", "world"]]) },
          ],
        ]),
      ),
    );
  });

  it("TestProjectValidationFailsForIncorrectDefaultValueType", () => {
    throwsContaining(
      () =>
        validateProjectConfig(
          project(
            new Map([
              ["instanceSize", { type: "integer", description: "", secret: false, default: "hello" }],
            ]),
          ),
        ),
      "The default value specified for configuration key 'instanceSize' is not of the expected type 'integer'",
    );
    throwsContaining(
      () =>
        validateProjectConfig(
          project(
            new Map([
              [
                "values",
                {
                  type: "array",
                  items: { type: "array", items: { type: "string" } },
                  description: "",
                  secret: false,
                  default: ["hello"],
                },
              ],
            ]),
          ),
        ),
      "The default value specified for configuration key 'values' is not of the expected type 'array<array<string>>'",
    );
  });

  it("TestProjectValidationSucceedsForCorrectDefaultValueType", () => {
    validateProjectConfig(
      project(new Map([["instanceSize", { type: "integer", description: "", secret: false, default: 1n }]])),
    );
    validateProjectConfig(
      project(
        new Map([
          [
            "values",
            {
              type: "array",
              items: { type: "array", items: { type: "string" } },
              description: "",
              secret: false,
              default: [["hello"]],
            },
          ],
        ]),
      ),
    );
  });

  describe("TestProjectLoadJSONInformativeErrors", () => {
    const load = (json: string) => loadProject(json, "Pulumi.json");

    it("a missing name attribute", () => {
      throwsContaining(
        () => load(`{"Name": "project", "runtime": "test"}`),
        "project is missing a 'name' attribute",
        "found 'Name' instead",
      );
    });

    it("a minor spelling mistake in a schema field", () => {
      throwsContaining(
        () => load(`{"name": "project", "runtime": "test", "template": {"displatName": "foo"}}`),
        "'displatName' not allowed; did you mean 'displayName'?",
      );
    });

    it("a major spelling mistake in a schema field", () => {
      throwsContaining(
        () => load(`{"name": "project", "runtime": "test", "template": {"displayNameDisplayName": "foo"}}`),
        "'displayNameDisplayName' not allowed",
        "'displayNameDisplayName' not allowed; the allowed attributes are " +
          "'config', 'description', 'displayName', 'important', 'metadata' and 'quickstart'",
      );
    });

    it("specific errors when only a single attribute is expected", () => {
      throwsContaining(
        () =>
          load(
            `{"name": "project", "runtime": "test", "backend": {"url": "https://pulumi.com", "name": "test"}}`,
          ),
        "'name' not allowed",
        "'name' not allowed; the only allowed attribute is 'url'",
      );
    });

    it("a minor spelling mistake even deeper in the schema", () => {
      throwsContaining(
        () => load(`{"name": "project", "runtime": "test", "plugins": {"providers": [{"nome": "test"}]}}`),
        "'nome' not allowed; did you mean 'name'",
      );
    });

    it("a major spelling mistake even deeper in the schema", () => {
      throwsContaining(
        () =>
          load(`{"name": "project", "runtime": "test", "plugins": {"providers": [{"displayName": "test"}]}}`),
        "'displayName' not allowed",
        "'displayName' not allowed; the allowed attributes are 'name', 'path' and 'version'",
      );
    });
  });

  it("TestProjectLoadsConfigSchemas", () => {
    const loaded = loadProject(`
name: test
runtime: dotnet
config:
  integerSchemaFull:
    type: integer
    description: a very important value
    default: 1
  integerSchemaSimple: 20
  textSchemaFull:
    type: string
    default: t3.micro
  textSchemaSimple: t4.large
  booleanSchemaFull:
    type: boolean
    default: true
  booleanSchemaSimple: false
  simpleArrayOfStrings:
    type: array
    items:
      type: string
    default: [hello]
  arrayOfArrays:
    type: array
    items:
      type: array
      items:
        type: string
  secretString:
    type: string
    secret: true
  `);
    assert.equal(loaded.config.size, 9);
    const get = (key: string) => {
      const found = loaded.config.get(key);
      assert.ok(found, `should be able to read ${key}`);
      return found;
    };
    const integerFull = get("integerSchemaFull");
    assert.equal(integerFull.type, "integer");
    assert.equal(integerFull.description, "a very important value");
    assert.equal(integerFull.default, 1n);
    assert.equal(integerFull.secret, false);
    assert.equal(integerFull.items, undefined);
    const integerSimple = get("integerSchemaSimple");
    assert.equal(integerSimple.type, undefined, "not explicitly typed");
    assert.equal(integerSimple.default, 20n);
    const textFull = get("textSchemaFull");
    assert.equal(textFull.type, "string");
    assert.equal(textFull.default, "t3.micro");
    assert.equal(textFull.description, "");
    assert.equal(get("textSchemaSimple").default, "t4.large");
    assert.equal(get("booleanSchemaFull").default, true);
    assert.equal(get("booleanSchemaSimple").type, undefined);
    assert.equal(get("booleanSchemaSimple").default, false);
    const simpleArray = get("simpleArrayOfStrings");
    assert.equal(simpleArray.type, "array");
    assert.equal(simpleArray.items?.type, "string");
    assert.deepEqual(simpleArray.default, ["hello"]);
    const arrayOfArrays = get("arrayOfArrays");
    assert.equal(arrayOfArrays.items?.type, "array");
    assert.equal(arrayOfArrays.items?.items?.type, "string");
    const secretString = get("secretString");
    assert.equal(secretString.type, "string");
    assert.equal(secretString.default, undefined);
    assert.equal(secretString.secret, true);
    assert.equal(secretString.items, undefined);
  });

  it("TestNamespacedProjectConfigShouldNotBeExplicitlyTyped", () => {
    throwsContaining(
      () =>
        loadProject(
          "\nname: test\nruntime: dotnet\nconfig:\n  aws:region:\n    type: string\n    value:\n      region: us-west-1",
        ),
      "Configuration key 'aws:region' is not namespaced by the project and should not define a type",
    );
  });

  it("TestProjectConfigCannotHaveBothValueAndDefault", () => {
    throwsContaining(
      () =>
        loadProject(
          "\nname: test\nruntime: dotnet\nconfig:\n  instanceSize:\n    type: string\n    default: t3.micro\n    value: t4.large",
        ),
      "project config 'instanceSize' cannot have both a 'default' and 'value' attribute",
    );
  });

  it("TestProjectConfigCannotBeTypedArrayWithoutItems", () => {
    throwsContaining(
      () =>
        loadProject(
          "\nname: test\nruntime: dotnet\nconfig:\n  instanceSize:\n    type: array\n    default: [t3.micro, t4.large]",
        ),
      "The configuration key 'instanceSize' declares an array but does not specify the underlying type via the 'items' attribute",
    );
  });

  it("TestNamespacedProjectConfigShouldNotBeProvideDefault", () => {
    throwsContaining(
      () => loadProject("\nname: test\nruntime: dotnet\nconfig:\n  aws:region:\n    default: us-west-1"),
      "Configuration key 'aws:region' is not namespaced by the project and should not define a default value",
      "Did you mean to use the 'value' attribute instead of 'default'?",
    );
  });

  it("TestLoadingConfigIsRewrittenToStackConfigDir", () => {
    const loaded = loadProject("\nname: test\nruntime: dotnet\nconfig: ./some/path");
    assert.equal(loaded.stackConfigDir, "./some/path");
    assert.equal(loaded.config.size, 0);
  });

  it("TestDefningBothConfigAndStackConfigDirErrorsOut", () => {
    throwsContaining(
      () =>
        loadProject("\nname: test\nruntime: dotnet\nconfig: ./some/path\nstackConfigDir: ./some/other/path"),
      "Should not use both config and stackConfigDir",
    );
  });

  it("TestConfigObjectAndStackConfigDirSuccessfullyLoadProject", () => {
    const loaded = loadProject(
      "\nname: test\nruntime: dotnet\nstackConfigDir: ./some/other/path\nconfig:\n  value: hello\n",
    );
    assert.equal(loaded.stackConfigDir, "./some/other/path");
    assert.equal(loaded.config.size, 1);
  });

  it("TestProjectLoadYAML", () => {
    throwsContaining(() => loadProject('"hello"'), "expected project to be an object");
    throwsContaining(() => loadProject("4: hello"), "expected only string keys, got '%!s(int=4)'");
    throwsContaining(() => loadProject("hello:\n    6: bad"), "project is missing a 'name' attribute");
    throwsContaining(() => loadProject("{}"), "project is missing a 'name' attribute");
    throwsContaining(() => loadProject("name:"), "project is missing a non-empty string 'name' attribute");
    throwsContaining(
      () => loadProject("name: project\nruntime: 4"),
      "3 errors occurred:",
      "* #/runtime: oneOf failed",
      "* #/runtime: expected string, but got number",
      "* #/runtime: expected object, but got number",
    );
    throwsContaining(
      () => loadProject("name: project\nruntime: test\nbackend: 4\nmain: {}"),
      "2 errors occurred:",
      "* #/main: expected string or null, but got object",
      "* #/backend: expected object or null, but got number",
    );
    assert.equal(loadProject("name: project\nruntime: test").name, "project");
    loadProject("name: project\nruntime: test\ndescription:\nmain: null\nbackend:\n");
  });
});
