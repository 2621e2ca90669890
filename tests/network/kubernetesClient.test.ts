import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as YAML from "yaml";
import {
  kubernetesClientFromKubeconfig,
  KubernetesTransportError,
} from "../../components/network/kubernetesClient";
import {
  ClusterNetworkDiscoveryError,
  discoverClusterNetwork,
} from "../../components/network/kubernetesDiscovery";
import { flavour } from "../../harness/kube/discovery/flavours";
import {
  startFixtureServer,
  type FixtureServer,
  type FixtureServerOptions,
} from "../../harness/kube/discovery/fixtureServer";
import { serveRecordedCluster } from "../../harness/kube/discovery/servedCluster";
import { createTestPki, type TestPki } from "../../harness/kube/discovery/testPki";

const STANDIN = path.resolve(__dirname, "../../harness/kube/discovery/exec-credential-standin.sh");
const b64 = (data: Buffer | string) => Buffer.from(data).toString("base64");

/** A kubeconfig with one context, as `kubectl config view --raw` prints it. */
function kubeconfig(cluster: Record<string, unknown>, user: Record<string, unknown>): string {
  return YAML.stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "lab", cluster }],
    users: [{ name: "admin", user }],
    contexts: [{ name: "admin@lab", context: { cluster: "lab", user: "admin" } }],
    "current-context": "admin@lab",
  });
}

describe("Kubernetes API client from a kubeconfig, against an HTTPS API server", function () {
  let pki: TestPki;
  let server: FixtureServer | undefined;
  let scratch: string;

  before(() => {
    pki = createTestPki();
  });
  beforeEach(() => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), "kube-client-"));
  });
  afterEach(async () => {
    await server?.close();
    server = undefined;
    fs.rmSync(scratch, { recursive: true, force: true });
  });

  async function serve(
    options: Partial<FixtureServerOptions> & Pick<FixtureServerOptions, "cluster">,
  ): Promise<FixtureServer> {
    server = await startFixtureServer({ tls: pki.server, clientCa: pki.ca, ...options });
    return server;
  }

  it("bearer token and CA data: discovery end to end", async () => {
    const api = await serve({ cluster: flavour("kubeadmFlannel"), tokens: ["s3cret"] });
    const client = kubernetesClientFromKubeconfig(
      kubeconfig({ server: api.url, "certificate-authority-data": b64(pki.ca) }, { token: "s3cret" }),
    );
    const result = await discoverClusterNetwork(client);
    assert.deepEqual([result.podCidrs, result.serviceCidrs], [["10.244.0.0/16"], ["10.96.0.0/12"]]);
    assert.ok(api.requests.length >= 8);
    assert.ok(api.requests.every((r) => r.authorization === "Bearer s3cret"));
    assert.ok(api.requests.every((r) => r.userAgent?.startsWith("pod-packet-forwarding")));
  });

  it("client certificate: the dry-run probe goes over the wire too", async () => {
    const api = await serve({ cluster: flavour("cilium") });
    const client = kubernetesClientFromKubeconfig(
      kubeconfig(
        { server: api.url, "certificate-authority-data": b64(pki.ca) },
        { "client-certificate-data": b64(pki.client.cert), "client-key-data": b64(pki.client.key) },
      ),
    );
    const result = await discoverClusterNetwork(client);
    assert.deepEqual(result.serviceCidrs, ["10.96.0.0/12"]);
    assert.ok(
      api.requests.every((r) => r.clientCommonName === "kubernetes-admin" && r.authorization === undefined),
    );
    assert.deepEqual(
      api.requests.filter((r) => r.method === "POST").map((r) => r.path),
      ["/api/v1/namespaces/default/services?dryRun=All"],
    );
  });

  it("CA, certificate and key as files relative to the base directory", async () => {
    const api = await serve({ cluster: flavour("kubeadmCalicoIpip") });
    fs.mkdirSync(path.join(scratch, "pki"));
    fs.writeFileSync(path.join(scratch, "pki/ca.crt"), pki.ca);
    fs.writeFileSync(path.join(scratch, "pki/admin.crt"), pki.client.cert);
    fs.writeFileSync(path.join(scratch, "pki/admin.key"), pki.client.key);
    const client = kubernetesClientFromKubeconfig(
      kubeconfig(
        { server: api.url, "certificate-authority": "pki/ca.crt" },
        { "client-certificate": "pki/admin.crt", "client-key": "pki/admin.key" },
      ),
      { baseDirectory: scratch },
    );
    assert.deepEqual((await discoverClusterNetwork(client)).podCidrs, ["192.168.0.0/16"]);
  });

  it("no accepted credential: one clear message", async () => {
    const api = await serve({ cluster: flavour("kubeadmFlannel"), tokens: ["right"] });
    const client = kubernetesClientFromKubeconfig(
      kubeconfig({ server: api.url, "certificate-authority-data": b64(pki.ca) }, { token: "wrong" }),
    );
    await assert.rejects(discoverClusterNetwork(client), (err: unknown) => {
      assert.ok(err instanceof ClusterNetworkDiscoveryError);
      assert.deepEqual(err.problems, [
        "the API server refused the kubeconfig's credentials (unauthorized (401): Unauthorized)",
      ]);
      return true;
    });
  });

  it("a server certificate from another CA is a transport error naming the server", async () => {
    const api = await serve({ cluster: flavour("kubeadmFlannel"), tokens: ["t"] });
    const client = kubernetesClientFromKubeconfig(
      kubeconfig({ server: api.url, "certificate-authority-data": b64(pki.otherCa) }, { token: "t" }),
    );
    await assert.rejects(client.get("/api/v1/nodes"), (err: unknown) => {
      assert.ok(err instanceof KubernetesTransportError);
      assert.match(
        err.message,
        /^cannot reach the Kubernetes API at https:\/\/127\.0\.0\.1:\d+ \(context admin@lab\): /,
      );
      assert.match(err.message, /certificate/);
      return true;
    });
  });

  it("insecure-skip-tls-verify trusts any certificate", async () => {
    const api = await serve({ cluster: flavour("kubeadmFlannel"), tokens: ["t"] });
    const client = kubernetesClientFromKubeconfig(
      kubeconfig({ server: api.url, "insecure-skip-tls-verify": true }, { token: "t" }),
    );
    assert.equal((await client.get("/api/v1/nodes")).status, 200);
  });

  it("tls-server-name verifies the certificate against another name than the URL's host", async () => {
    const api = await serve({ cluster: flavour("kubeadmFlannel"), tokens: ["t"], tls: pki.namedServer });
    const cluster = { server: api.url, "certificate-authority-data": b64(pki.ca) };
    await assert.rejects(
      kubernetesClientFromKubeconfig(kubeconfig(cluster, { token: "t" })).get("/api/v1/nodes"),
      /does not match certificate's altnames/,
    );
    const named = kubernetesClientFromKubeconfig(
      kubeconfig({ ...cluster, "tls-server-name": "kube-apiserver.test" }, { token: "t" }),
    );
    assert.equal((await named.get("/api/v1/nodes")).status, 200);
  });

  it("exec plugin: the request in KUBERNETES_EXEC_INFO, the token cached, run again once after a 401", async () => {
    // The server accepts only the plugin's second token: the first answer is a 401, as for a revoked token.
    const api = await serve({ cluster: flavour("kubeadmFlannel"), tokens: ["eks-2"] });
    const client = kubernetesClientFromKubeconfig(
      kubeconfig(
        { server: api.url, "certificate-authority-data": b64(pki.ca) },
        {
          exec: {
            apiVersion: "client.authentication.k8s.io/v1beta1",
            command: STANDIN,
            args: ["eks", "get-token", "--cluster-name", "lab"],
            env: [
              { name: "STATE_DIR", value: scratch },
              { name: "TOKEN_PREFIX", value: "eks" },
            ],
            provideClusterInfo: true,
            interactiveMode: "Never",
          },
        },
      ),
    );
    const result = await discoverClusterNetwork(client);
    assert.deepEqual(result.podCidrs, ["10.244.0.0/16"]);
    assert.equal(fs.readFileSync(path.join(scratch, "runs"), "utf8").trim(), "2");
    const info = JSON.parse(fs.readFileSync(path.join(scratch, "exec-info.json"), "utf8"));
    assert.deepEqual(info, {
      apiVersion: "client.authentication.k8s.io/v1beta1",
      kind: "ExecCredential",
      spec: { interactive: false, cluster: { server: api.url, "certificate-authority-data": b64(pki.ca) } },
    });
    // Discovery's first requests run in parallel: they all carry the first token, and the refusals share one new run.
    const firstRefreshed = api.requests.findIndex((r) => r.authorization === "Bearer eks-2");
    assert.ok(firstRefreshed > 0);
    assert.ok(api.requests.slice(0, firstRefreshed).every((r) => r.authorization === "Bearer eks-1"));
    assert.ok(api.requests.slice(firstRefreshed).every((r) => r.authorization === "Bearer eks-2"));
  });

  it("exec plugin answering a client certificate (client.authentication.k8s.io/v1)", async () => {
    const api = await serve({ cluster: flavour("kubeadmFlannel") });
    fs.writeFileSync(path.join(scratch, "admin.crt"), pki.client.cert);
    fs.writeFileSync(path.join(scratch, "admin.key"), pki.client.key);
    const client = kubernetesClientFromKubeconfig(
      kubeconfig(
        { server: api.url, "certificate-authority-data": b64(pki.ca) },
        {
          exec: {
            apiVersion: "client.authentication.k8s.io/v1",
            command: STANDIN,
            env: [
              { name: "STATE_DIR", value: scratch },
              { name: "CREDENTIAL_VERSION", value: "client.authentication.k8s.io/v1" },
              { name: "CLIENT_CERT", value: path.join(scratch, "admin.crt") },
              { name: "CLIENT_KEY", value: path.join(scratch, "admin.key") },
            ],
            interactiveMode: "IfAvailable",
          },
        },
      ),
    );
    assert.equal((await client.get("/api/v1/nodes")).status, 200);
    assert.equal(api.requests[0].clientCommonName, "kubernetes-admin");
    const info = JSON.parse(fs.readFileSync(path.join(scratch, "exec-info.json"), "utf8"));
    assert.deepEqual(info.spec, { interactive: false });
  });

  it("exec plugin problems name the plugin and say what to do", async () => {
    const api = await serve({ cluster: flavour("kubeadmFlannel"), tokens: ["t"] });
    const cluster = { server: api.url, "certificate-authority-data": b64(pki.ca) };
    const missing = kubernetesClientFromKubeconfig(
      kubeconfig(cluster, {
        exec: {
          apiVersion: "client.authentication.k8s.io/v1beta1",
          command: "aws-cli-that-is-not-installed",
          installHint: "Install the AWS CLI: https://docs.aws.amazon.com/cli/",
          interactiveMode: "Never",
        },
      }),
    );
    await assert.rejects(
      missing.get("/api/v1/nodes"),
      /^ExecCredentialError: exec plugin "aws-cli-that-is-not-installed" not found: Install the AWS CLI/,
    );
    const wrongVersion = kubernetesClientFromKubeconfig(
      kubeconfig(cluster, {
        exec: {
          apiVersion: "client.authentication.k8s.io/v1",
          command: STANDIN,
          env: [{ name: "STATE_DIR", value: scratch }],
          interactiveMode: "Never",
        },
      }),
    );
    await assert.rejects(
      wrongVersion.get("/api/v1/nodes"),
      /configured for client.authentication.k8s.io\/v1 but answered/,
    );
    const failing = kubernetesClientFromKubeconfig(
      kubeconfig(cluster, {
        exec: {
          apiVersion: "client.authentication.k8s.io/v1beta1",
          command: STANDIN,
          interactiveMode: "Never",
        },
      }),
    );
    await assert.rejects(failing.get("/api/v1/nodes"), /STATE_DIR must name a writable directory/);
    assert.equal(api.requests.length, 0);
  });

  it("a token file is read for every request, so a rotated token is used at once", async () => {
    const api = await serve({ cluster: flavour("kubeadmFlannel"), tokens: ["first", "second"] });
    const tokenFile = path.join(scratch, "token");
    fs.writeFileSync(tokenFile, "first\n");
    const client = kubernetesClientFromKubeconfig(
      kubeconfig(
        { server: api.url, "certificate-authority-data": b64(pki.ca) },
        { token: "static", tokenFile },
      ),
    );
    assert.equal((await client.get("/api/v1/nodes")).status, 200);
    fs.writeFileSync(tokenFile, "second\n");
    assert.equal((await client.get("/api/v1/nodes")).status, 200);
    assert.deepEqual(
      api.requests.map((r) => r.authorization),
      ["Bearer first", "Bearer second"],
    );
  });

  it("basic auth, behind a proxy path prefix", async () => {
    const api = await serve({
      cluster: flavour("kubeadmFlannel"),
      basic: ["admin:pa:ss"],
      prefix: "/k8s/clusters/c-m-4x2kq",
    });
    const client = kubernetesClientFromKubeconfig(
      kubeconfig(
        { server: api.url, "certificate-authority-data": b64(pki.ca) },
        { username: "admin", password: "pa:ss" },
      ),
    );
    assert.deepEqual((await discoverClusterNetwork(client)).serviceCidrs, ["10.96.0.0/12"]);
    assert.ok(api.requests.every((r) => r.path.startsWith("/api") && r.authorization?.startsWith("Basic ")));
  });
});

describe("a recorded cluster served with its kubeconfig", () => {
  it("is what discovery finds through the kubeconfig alone", async () => {
    const served = await serveRecordedCluster("kubeadmCalicoIpip");
    try {
      const result = await discoverClusterNetwork(kubernetesClientFromKubeconfig(served.kubeconfig));
      assert.deepEqual([result.podCidrs, result.serviceCidrs], [["192.168.0.0/16"], ["10.96.0.0/12"]]);
      assert.ok(served.server.requests.length > 0);
    } finally {
      await served.close();
    }
  });
});
