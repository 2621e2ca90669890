/**
 * One program under the engine mocks with an `eks.Cluster`, a Fargate profile and security-groups-for-pods pods:
 * the program's Fargate workloads get the sidecar through the transform, the sensor's security group gets its rules,
 * and the deploy-time coverage report (the cluster read through its kubeconfig, the reconcile's outcome) names every
 * uncovered workload with its reason.
 */
import { strict as assert } from "node:assert";
import * as eks from "@pulumi/eks";
import * as pulumi from "@pulumi/pulumi";
import { DEFAULT_UNSUPPORTED_INSTANCE_TYPES } from "../../components/contract/mirrorableInstanceTypes";
import { deployTimeCoverage, renderCoverage } from "../../components/coverage";
import { fargateSidecarTransformation, type FargateProfile } from "../../components/fargate";
import { clusterSecurityGroups, SensorSecurityGroupRules } from "../../components/securityGroups";
import { sampleWorld } from "../../harness/aws/sampleCluster";
import { serveRecordedCluster, type ServedCluster } from "../../harness/kube/discovery/servedCluster";
import { installPulumiMocks, settle, type MockRecorder } from "../../harness/pulumi/mocks";
import { node, pod } from "./clusterFixture";

const IMAGE = `123456789012.dkr.ecr.us-east-1.amazonaws.com/extrahop-rpcapd@sha256:${"f".repeat(64)}`;
const PROFILES: FargateProfile[] = [{ name: "web", selectors: [{ namespace: "web" }] }];

describe("deploy time: Fargate profile and security groups for pods", function () {
  this.timeout(60000);
  let recorder: MockRecorder;
  let cluster: ServedCluster;

  before(async () => {
    const agent = (n: string) =>
      pod({
        name: `agent-${n}`,
        namespace: "extrahop",
        node: n,
        labels: { component: "extrahop-rpcapd" },
        hostNetwork: true,
      });
    cluster = await serveRecordedCluster({
      objects: {
        "/api/v1/nodes": {
          kind: "NodeList",
          metadata: {},
          items: [
            node({ name: "ip-10-0-1-1", instanceId: "i-0000000000000001a", type: "m5.large" }),
            node({
              name: "ip-10-0-2-2",
              instanceId: "i-0000000000000002b",
              type: "m5.large",
              labels: { "extrahop/norpcapd": "" },
            }),
            node({
              name: "fargate-ip-10-0-96-5.ec2.internal",
              labels: { "eks.amazonaws.com/compute-type": "fargate" },
            }),
          ],
        },
        "/api/v1/pods": {
          kind: "PodList",
          metadata: {},
          items: [
            agent("ip-10-0-1-1"),
            pod({
              name: "checkout-0",
              namespace: "shop",
              node: "ip-10-0-2-2",
              owner: { kind: "StatefulSet", name: "checkout" },
              annotations: { "vpc.amazonaws.com/pod-eni": '[{"eniId":"eni-0b1"}]' },
            }),
            pod({
              name: "cart-0",
              namespace: "shop",
              node: "ip-10-0-1-1",
              owner: { kind: "StatefulSet", name: "cart" },
              annotations: { "vpc.amazonaws.com/pod-eni": '[{"eniId":"eni-0b2"}]' },
            }),
            pod({
              name: "legacy-web-0",
              namespace: "web",
              node: "fargate-ip-10-0-96-5.ec2.internal",
              owner: { kind: "StatefulSet", name: "legacy-web" },
              labels: { "eks.amazonaws.com/fargate-profile": "web" },
            }),
          ],
        },
      },
      servedGroups: [],
    });
    recorder = await installPulumiMocks(sampleWorld(), {
      behaviour: {
        eksCluster: () => ({
          nodeSecurityGroupId: "sg-0eks0node000000001",
          clusterSecurityGroupId: "sg-0eks0clus00000001",
        }),
      },
    });
  });
  after(async () => {
    await cluster.close();
  });

  it("adds the sidecar, creates the sensor rules and reports every uncovered workload with its reason", async () => {
    const k8s = await import("@pulumi/kubernetes");
    const eksCluster = new eks.Cluster("prod", { vpcId: "vpc-0a1b2c3d4e5f60718" });
    new SensorSecurityGroupRules("ppf-sensor", {
      sensorSecurityGroupId: "sg-0sensor0000000001",
      ...clusterSecurityGroups(eksCluster, {}),
      podSecurityGroupIds: ["sg-0checkout00000001"],
      mirroring: { targetKind: "network-load-balancer" },
    });
    class Apps extends pulumi.ComponentResource {
      constructor() {
        super(
          "test:index:Apps",
          "apps",
          {},
          {
            transformations: [
              fargateSidecarTransformation({
                fargateProfiles: PROFILES,
                image: IMAGE,
                sensorIps: ["10.0.200.10"],
              }),
            ],
          },
        );
        new k8s.apps.v1.Deployment(
          "storefront",
          {
            metadata: { namespace: "web" },
            spec: {
              selector: { matchLabels: { app: "storefront" } },
              template: {
                metadata: { labels: { app: "storefront" } },
                spec: { containers: [{ name: "app", image: "shop:1" }] },
              },
            },
          },
          { parent: this },
        );
      }
    }
    new Apps();
    await settle();

    const storefront = recorder.resources.find((r) => r.name === "storefront");
    const containers = (storefront?.inputs.spec as { template: { spec: { containers: { name: string }[] } } })
      .template.spec.containers;
    assert.deepEqual(
      containers.map((c) => c.name),
      ["app", "extrahop-rpcapd"],
    );
    const rules = recorder.resources.filter(
      (r) => r.type === "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    );
    assert.equal(
      rules.filter((r) => r.inputs.ipProtocol === "tcp").length,
      3,
      "RPCAP TCP from node, cluster and pod groups",
    );
    assert.equal(
      rules.filter((r) => r.inputs.fromPort === 4789).length,
      2,
      "VXLAN from node and cluster groups",
    );

    const report = await deployTimeCoverage({
      kubeconfig: cluster.kubeconfig,
      agent: {
        namespace: "extrahop",
        podLabels: { component: "extrahop-rpcapd" },
        excludeNodeLabel: "extrahop/norpcapd",
        architecture: "amd64",
        tolerations: [{ operator: "Exists" }],
      },
      agentPods: "observed",
      fargateProfiles: PROFILES,
      mirroring: {
        enabled: true,
        outcome: { mirrored: ["eni-01a0", "eni-02b0"], skipped: [] },
        unsupportedInstanceTypes: DEFAULT_UNSUPPORTED_INSTANCE_TYPES,
        settleSeconds: 360,
      },
    });
    const uncovered = report.entries.filter((e) => e.kind === "workload" && e.status === "not-covered");
    assert.deepEqual(
      uncovered.map((e) => [e.name, e.reasons]),
      [
        [
          "shop/StatefulSet/checkout",
          [
            "branch ENI (security groups for pods) cannot be mirrored and node ip-10-0-2-2 has no agent: excluded by the label extrahop/norpcapd",
          ],
        ],
        ["web/StatefulSet/legacy-web", ["Fargate pod without the extrahop-rpcapd sidecar"]],
      ],
    );
    assert.equal(report.entries.find((e) => e.name === "shop/StatefulSet/cart")?.status, "covered");
    const text = renderCoverage(report).join("\n");
    assert.match(text, /NOT COVERED {2}Fargate profile web/);
    assert.ok(text.indexOf("NOT COVERED") < text.indexOf("covered  "), "uncovered first");
  });
});
