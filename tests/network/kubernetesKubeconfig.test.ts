import * as assert from "node:assert/strict";
import * as YAML from "yaml";
import { KubeconfigError, parseKubeconfig } from "../../components/network/kubernetesKubeconfig";

const SECRET = "eyJhbGciOiJSUzI1NiIsImtpZCI6IjEyMyJ9.secret-token";

function config(
  overrides: Record<string, unknown> = {},
  user: Record<string, unknown> = { token: SECRET },
): string {
  return YAML.stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [
      { name: "prod", cluster: { server: "https://10.0.0.10:6443/", "certificate-authority-data": "Y2E=" } },
      { name: "lab", cluster: { server: "https://lab.example:6443" } },
    ],
    users: [{ name: "ops", user }],
    contexts: [
      { name: "ops@prod", context: { cluster: "prod", user: "ops", namespace: "extrahop" } },
      { name: "ops@lab", context: { cluster: "lab", user: "ops" } },
    ],
    "current-context": "ops@prod",
    ...overrides,
  });
}

function refusal(text: string, options = {}): string {
  try {
    parseKubeconfig(text, options);
  } catch (err) {
    assert.ok(err instanceof KubeconfigError, String(err));
    assert.ok(!err.message.includes(SECRET), "a message must never quote a credential");
    return err.message;
  }
  assert.fail("the kubeconfig was accepted");
}

describe("parseKubeconfig", () => {
  it("reads the current context: server (trailing slash dropped), CA data, token", () => {
    const connection = parseKubeconfig(config());
    assert.equal(connection.contextName, "ops@prod");
    assert.equal(connection.server, "https://10.0.0.10:6443");
    assert.equal(connection.certificateAuthority?.toString(), "ca");
    assert.equal(connection.token, SECRET);
    assert.equal(connection.insecureSkipTlsVerify, false);
  });

  it("a chosen context wins over current-context", () => {
    assert.equal(parseKubeconfig(config(), { context: "ops@lab" }).server, "https://lab.example:6443");
  });

  it("exec defaults as client-go: no args, no env, interactiveMode IfAvailable", () => {
    const connection = parseKubeconfig(
      config({}, { exec: { apiVersion: "client.authentication.k8s.io/v1beta1", command: "aws" } }),
    );
    assert.deepEqual(connection.exec, {
      apiVersion: "client.authentication.k8s.io/v1beta1",
      command: "aws",
      args: [],
      env: [],
      installHint: undefined,
      provideClusterInfo: false,
      interactiveMode: "IfAvailable",
    });
  });

  const refusals: [string, () => string, RegExp][] = [
    ["an empty kubeconfig", () => refusal("  \n"), /^kubeconfig: empty/],
    ["not YAML", () => refusal(`users: [ {token: ${SECRET}`), /^kubeconfig: not valid YAML/],
    [
      "no current context",
      () => refusal(config({ "current-context": undefined })),
      /no current-context and no context chosen \(contexts: ops@prod, ops@lab\)/,
    ],
    [
      "unknown context",
      () => refusal(config(), { context: "nope" }),
      /context "nope" not found \(contexts: ops@prod, ops@lab\)/,
    ],
    [
      "auth-provider",
      () => refusal(config({}, { "auth-provider": { name: "gcp", config: { "access-token": SECRET } } })),
      /auth-provider is not supported/,
    ],
    ["impersonation", () => refusal(config({}, { token: SECRET, as: "system:admin" })), /impersonation/],
    [
      "a certificate without its key",
      () => refusal(config({}, { "client-certificate-data": "Y2VydA==" })),
      /needs its key/,
    ],
    [
      "an unreadable CA file",
      () =>
        refusal(
          config({
            clusters: [
              {
                name: "prod",
                cluster: { server: "https://x:6443", "certificate-authority": "missing/ca.crt" },
              },
            ],
          }),
          { baseDirectory: "/nonexistent" },
        ),
      /clusters\[prod\]\.certificate-authority: cannot read \/nonexistent\/missing\/ca\.crt \(ENOENT\)/,
    ],
    [
      "an exec plugin of a removed API version",
      () =>
        refusal(config({}, { exec: { apiVersion: "client.authentication.k8s.io/v1alpha1", command: "x" } })),
      /v1alpha1" is not supported/,
    ],
    [
      "a proxy",
      () =>
        refusal(
          config({
            clusters: [{ name: "prod", cluster: { server: "https://x", "proxy-url": "http://proxy:3128" } }],
          }),
        ),
      /proxy-url is not supported/,
    ],
    [
      "a server that is not a URL",
      () => refusal(config({ clusters: [{ name: "prod", cluster: { server: "10.0.0.10:6443" } }] })),
      /clusters\[prod\]\.server "10\.0\.0\.10:6443" is not a URL/,
    ],
    [
      "a server that is not HTTP",
      () => refusal(config({ clusters: [{ name: "prod", cluster: { server: "ftp://10.0.0.10" } }] })),
      /server must be an https:\/\/ \(or http:\/\/\) URL/,
    ],
  ];
  for (const [title, run, expected] of refusals) {
    it(`refuses ${title}, saying which field`, () => {
      assert.match(run(), expected);
    });
  }
});
