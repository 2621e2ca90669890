/**
 * PodPacketForwarding on a self-managed cluster reached with a kubeconfig only: PODNET and SVCNET are discovered
 * through the Kubernetes API (a recorded kubeadm + Calico cluster behind HTTPS), each range reported with its
 * source; disagreeing sources fail before any child, naming both.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as YAML from "yaml";
import * as pulumi from "@pulumi/pulumi";
import { PodPacketForwarding } from "../../components";
import { sampleWorld } from "../../harness/aws/sampleCluster";
import { flavour, type FlavourName } from "../../harness/kube/discovery/flavours";
import { startFixtureServer, type FixtureServer } from "../../harness/kube/discovery/fixtureServer";
import { createTestPki, type TestPki } from "../../harness/kube/discovery/testPki";
import { installPulumiMocks, settle, type MockRecorder } from "../../harness/pulumi/mocks";
import { settled, valueOf } from "../../harness/pulumi/outputs";

const TOKEN = "lab-admin-token";
const AGENT_IMAGE = `registry.example.com/extrahop-rpcapd@sha256:${"d".repeat(64)}`;

describe("PodPacketForwarding: a self-managed cluster", function () {
  this.timeout(60000);
  let pki: TestPki;
  let server: FixtureServer | undefined;
  let recorder: MockRecorder;

  before(() => {
    pki = createTestPki();
  });
  beforeEach(async () => {
    recorder = await installPulumiMocks(sampleWorld());
  });
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  async function kubeconfigFor(name: FlavourName): Promise<string> {
    server = await startFixtureServer({ cluster: flavour(name), tls: pki.server, tokens: [TOKEN] });
    return YAML.stringify({
      apiVersion: "v1",
      kind: "Config",
      clusters: [
        {
          name: "lab",
          cluster: { server: server.url, "certificate-authority-data": pki.ca.toString("base64") },
        },
      ],
      users: [{ name: "admin", user: { token: TOKEN } }],
      contexts: [{ name: "lab", context: { cluster: "lab", user: "admin" } }],
      "current-context": "lab",
    });
  }

  it("discovers the ranges of kubeadm + Calico, names every source, and deploys with them", async () => {
    const ppf = new PodPacketForwarding("lab", {
      kubeconfig: pulumi.secret(await kubeconfigFor("kubeadmCalicoIpip")),
      sensorIps: ["192.168.200.5"],
      agentImage: AGENT_IMAGE,
    });
    const env = await valueOf(ppf.agentEnvironment);
    assert.equal(env.PODNET, "192.168.0.0/16");
    assert.equal(env.SVCNET, "10.96.0.0/12");
    const sources = await valueOf(ppf.networkSources);
    assert.match(sources.pods[0].from, /Calico IPPool/);
    assert.ok(sources.services.length >= 1 && sources.services.every((s) => s.from !== ""));
    await settle();
    const provider = recorder.resources.find((r) => r.type === "pulumi:providers:kubernetes");
    assert.match(String(provider?.inputs.kubeconfig), new RegExp(server?.url.replace(/[.]/g, "\\.") ?? ""));
    assert.ok(recorder.resources.some((r) => r.type === "kubernetes:apps/v1:DaemonSet"));
    // No ECR, no AWS call: the image is given.
    assert.deepEqual(
      recorder.resources.filter((r) => r.type.startsWith("aws:")),
      [],
    );
  });

  it("fails on sources that disagree, naming both, before the first child", async () => {
    const ppf = new PodPacketForwarding("lab", {
      kubeconfig: pulumi.secret(await kubeconfigFor("conflicting")),
      sensorIps: ["192.168.200.5"],
      agentImage: AGENT_IMAGE,
    });
    const s = await settled(ppf.podCidrs);
    assert.ok("error" in s);
    assert.match(s.error.message, /podCidrs: could not be discovered through the Kubernetes API/);
    assert.match(s.error.message, /192\.168\.0\.0\/16/);
    assert.match(s.error.message, /10\.244\.0\.0\/16/);
    await settle();
    assert.deepEqual(
      recorder.resources.filter((r) => !r.type.startsWith("pod-packet-forwarding:")),
      [],
    );
  });

  it("overrides win without asking the API", async () => {
    const ppf = new PodPacketForwarding("lab", {
      kubeconfig: pulumi.secret(await kubeconfigFor("bare")),
      sensorIps: ["192.168.200.5"],
      podCidrs: ["10.244.0.0/16"],
      serviceCidrs: ["10.96.0.0/12"],
      agentImage: AGENT_IMAGE,
    });
    assert.deepEqual(await valueOf(ppf.networkSources), {
      pods: [{ range: "10.244.0.0/16", from: "config podCidrs" }],
      services: [{ range: "10.96.0.0/12", from: "config serviceCidrs" }],
    });
    // Discovery asked nothing; only the coverage report listed nodes and pods after the rollout.
    assert.deepEqual(
      server?.requests.filter((r) => !/^\/api\/v1\/(nodes|pods)\?/.test(r.path)),
      [],
    );
  });

  it("builds the image and pushes it to the given registry, pinned by digest, with a pull secret", async () => {
    const pkg = path.join(os.tmpdir(), `ppf-selfmanaged-${process.pid}.deb`);
    fs.writeFileSync(pkg, "!<arch>\n");
    try {
      const ppf = new PodPacketForwarding("lab", {
        kubeconfig: pulumi.secret(await kubeconfigFor("kubeadmFlannel")),
        sensorIps: ["192.168.200.5"],
        rpcapdPackage: pkg,
        imageRegistry: {
          repository: "registry.example.com:5000/secops/extrahop-rpcapd",
          username: "robot",
          password: pulumi.secret("s3cret"),
        },
      });
      const ref = await valueOf(ppf.agentImage);
      assert.match(ref, /^registry\.example\.com:5000\/secops\/extrahop-rpcapd@sha256:[0-9a-f]{64}$/);
      await settle();
      const image = recorder.resources.find((r) => r.type === "docker:index/image:Image");
      assert.match(
        String(image?.inputs.imageName),
        /^registry\.example\.com:5000\/secops\/extrahop-rpcapd:agent-[0-9a-f]{16}$/,
      );
      assert.deepEqual(image?.inputs.registry, {
        server: "registry.example.com:5000",
        username: "robot",
        password: "s3cret",
      });
      const secret = recorder.resources.find((r) => r.type === "kubernetes:core/v1:Secret");
      assert.equal(secret?.inputs.type, "kubernetes.io/dockerconfigjson");
      const config = JSON.parse((secret?.inputs.stringData as Record<string, string>)[".dockerconfigjson"]);
      assert.deepEqual(
        config.auths["registry.example.com:5000"].auth,
        Buffer.from("robot:s3cret").toString("base64"),
      );
      const ds = recorder.resources.find((r) => r.type === "kubernetes:apps/v1:DaemonSet");
      const pod = (
        ds?.inputs as {
          spec: { template: { spec: { imagePullSecrets: unknown; containers: { image: string }[] } } };
        }
      ).spec.template.spec;
      assert.deepEqual(pod.imagePullSecrets, [{ name: "extrahop-rpcapd-registry" }]);
      assert.equal(pod.containers[0].image, ref);
      assert.deepEqual(
        recorder.resources.filter((r) => r.type.startsWith("aws:")),
        [],
      );
    } finally {
      fs.rmSync(pkg, { force: true });
    }
  });

  it("needs a kubeconfig (or a kubernetes provider) and a registry without an EKS cluster", () => {
    assert.throws(
      () =>
        new PodPacketForwarding("lab", { sensorIps: ["192.168.200.5"], rpcapdPackage: "/nonexistent.deb" }),
      (err: unknown) => {
        const errors = (err as pulumi.InputPropertiesError).errors.map((e) => e.propertyPath).sort();
        assert.deepEqual(errors, ["imageRegistry", "kubeconfig", "rpcapdPackage"]);
        return true;
      },
    );
  });
});
