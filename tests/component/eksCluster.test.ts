/**
 * PodPacketForwarding next to an `eks.Cluster` created in the same program (`@pulumi/eks` 4, a remote component:
 * under mocks one registration whose outputs the mock answers). During an update the component uses the cluster's
 * VPC, service range and kubeconfig; during a preview those are unknown and the component still previews.
 */
import { strict as assert } from "node:assert";
import * as eks from "@pulumi/eks";
import { PodPacketForwarding } from "../../components";
import { sampleWorld } from "../../harness/aws/sampleCluster";
import { installPulumiMocks, settle, type MockRecorder } from "../../harness/pulumi/mocks";
import { settled, valueOf } from "../../harness/pulumi/outputs";

const AGENT_IMAGE = `registry.example.com/extrahop-rpcapd@sha256:${"c".repeat(64)}`;
const KUBECONFIG = JSON.stringify({ apiVersion: "v1", kind: "Config", clusters: [{ name: "prod" }] });

/** What the eks provider answers for the cluster once it exists (the sample account's VPC). */
function eksOutputs(name: string): Record<string, unknown> {
  return {
    eksCluster: {
      name: `${name}-eksCluster-1234567`,
      vpcConfig: { vpcId: "vpc-0a1b2c3d4e5f60718" },
      kubernetesNetworkConfig: { ipFamily: "ipv4", serviceIpv4Cidr: "10.100.0.0/16", serviceIpv6Cidr: "" },
    },
    kubeconfigJson: KUBECONFIG,
    kubeconfig: JSON.parse(KUBECONFIG),
  };
}

describe("PodPacketForwarding: an eks.Cluster of the same program", function () {
  this.timeout(60000);

  describe("update", () => {
    let recorder: MockRecorder;
    before(async () => {
      recorder = await installPulumiMocks(sampleWorld(), { behaviour: { eksCluster: eksOutputs } });
    });

    it("deploys the agent through the cluster's kubeconfig with PODNET from its VPC and SVCNET from its config", async () => {
      const cluster = new eks.Cluster("prod", { vpcId: "vpc-0a1b2c3d4e5f60718" });
      const ppf = new PodPacketForwarding("ppf", {
        cluster,
        sensorIps: ["10.20.200.10"],
        agentImage: AGENT_IMAGE,
      });
      const env = await valueOf(ppf.agentEnvironment);
      assert.equal(env.PODNET, "10.0.0.0/16,100.64.0.0/16");
      assert.equal(env.SVCNET, "10.100.0.0/16");
      await valueOf(ppf.daemonSet.apply((d) => d.urn));
      await settle();
      const provider = recorder.resources.find((r) => r.type === "pulumi:providers:kubernetes");
      assert.equal(provider?.inputs.kubeconfig, KUBECONFIG);
      const k8sTypes = recorder.resources.filter((r) => r.type.startsWith("kubernetes:")).map((r) => r.type);
      assert.deepEqual(k8sTypes.sort(), [
        "kubernetes:apps/v1:DaemonSet",
        "kubernetes:core/v1:Namespace",
        "kubernetes:core/v1:ServiceAccount",
        "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole",
        "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
      ]);
      for (const r of recorder.resources.filter((x) => x.type.startsWith("kubernetes:"))) {
        assert.match(r.provider ?? "", /pulumi:providers:kubernetes::ppf-k8s::/, `${r.type} provider`);
      }
      const vpcLookups = recorder.invokes.filter((i) => i.token === "aws:ec2/getVpc:getVpc");
      assert.deepEqual(
        vpcLookups.map((i) => i.args.id),
        ["vpc-0a1b2c3d4e5f60718"],
      );
    });
  });

  describe("preview, the cluster not created yet", () => {
    let recorder: MockRecorder;
    before(async () => {
      // In preview the mock answers nothing for the cluster: its outputs stay unknown, as before its creation.
      recorder = await installPulumiMocks(sampleWorld(), { preview: true });
    });

    it("registers every child with unknown values instead of failing", async () => {
      const cluster = new eks.Cluster("prod", { vpcId: "vpc-0a1b2c3d4e5f60718" });
      const ppf = new PodPacketForwarding("ppf", {
        cluster,
        sensorIps: ["10.20.200.10"],
        agentImage: AGENT_IMAGE,
      });
      assert.deepEqual(await settled(ppf.podCidrs), { known: false });
      await settle();
      const types = recorder.resources.map((r) => r.type);
      for (const t of [
        "kubernetes:core/v1:Namespace",
        "kubernetes:apps/v1:DaemonSet",
        "pulumi:providers:kubernetes",
      ]) {
        assert.ok(types.includes(t), `${t} missing from the preview: ${types.join(", ")}`);
      }
    });
  });
});
