/**
 * Security groups of the sensor path: which rules are computed for each combination of groups and mirror target,
 * what the plan says when a group is missing, and the rule resources the component registers (under the engine
 * mocks) with the groups of an `eks.Cluster` of the same program or of a cluster looked up by name.
 */
import { strict as assert } from "node:assert";
import * as eks from "@pulumi/eks";
import * as pulumi from "@pulumi/pulumi";
import {
  clusterSecurityGroups,
  sensorPathPlan,
  SensorSecurityGroupRules,
  type SourceGroup,
} from "../../components/securityGroups";
import { sampleWorld, SAMPLE_CLUSTER } from "../../harness/aws/sampleCluster";
import { installPulumiMocks, settle, type MockRecorder } from "../../harness/pulumi/mocks";

const node: SourceGroup<string> = { key: "node", label: "node security group", securityGroupId: "sg-node" };
const cluster: SourceGroup<string> = {
  key: "cluster",
  label: "cluster security group",
  securityGroupId: "sg-cluster",
};
const pods: SourceGroup<string> = {
  key: "pods-0",
  label: "pod security group 1",
  securityGroupId: "sg-pods",
};

const summary = (rules: ReturnType<typeof sensorPathPlan<string>>["rules"]) =>
  rules.map(
    (r) => `${r.securityGroupId}<-${r.sourceSecurityGroupId} ${r.protocol} ${r.ports.from}-${r.ports.to}`,
  );

describe("sensor path security groups", () => {
  it("opens RPCAP control and every data port, TCP and UDP, from the node and pod groups only", () => {
    const plan = sensorPathPlan({
      sensorSecurityGroupId: "sg-sensor",
      nodeGroups: [node, cluster],
      podGroups: [pods],
      sensorPort: 2003,
    });
    assert.deepEqual(summary(plan.rules), [
      "sg-sensor<-sg-node tcp 0-65535",
      "sg-sensor<-sg-node udp 0-65535",
      "sg-sensor<-sg-cluster tcp 0-65535",
      "sg-sensor<-sg-cluster udp 0-65535",
      "sg-sensor<-sg-pods tcp 0-65535",
      "sg-sensor<-sg-pods udp 0-65535",
    ]);
    assert.match(plan.rules[0].description, /RPCAP control and data/);
    assert.ok(plan.rules.every((r) => r.description.length <= 255));
    assert.ok(new Set(plan.rules.map((r) => r.key)).size === plan.rules.length, "keys are unique");
    assert.match(plan.lines.join("\n"), /ExtraHop does not document a range/);
  });

  it("keeps a separate control rule when the data ports are narrowed below the RPCAP port", () => {
    const plan = sensorPathPlan({
      sensorSecurityGroupId: "sg-sensor",
      nodeGroups: [node],
      podGroups: [],
      sensorPort: 2003,
      sensorDataPorts: { from: 30000, to: 30100 },
    });
    assert.deepEqual(summary(plan.rules), [
      "sg-sensor<-sg-node tcp 2003-2003",
      "sg-sensor<-sg-node tcp 30000-30100",
      "sg-sensor<-sg-node udp 30000-30100",
    ]);
    assert.doesNotMatch(plan.lines.join("\n"), /does not document/);
  });

  it("creates nothing without the sensor group and says what the sensors need", () => {
    const plan = sensorPathPlan({ nodeGroups: [cluster], podGroups: [], sensorPort: 2003 });
    assert.deepEqual(plan.rules, []);
    const text = plan.lines.join("\n");
    assert.match(text, /sensorSecurityGroupId is not set: nothing is created/);
    assert.match(
      text,
      /TCP 2003 \(RPCAP control\) and TCP\+UDP all ports \(RPCAP data, sensor-chosen\) from cluster security group/,
    );
    assert.match(text, /podSecurityGroupIds is not set/);
  });

  it("lets the mirror sources send VXLAN to the target: an ENI target, an NLB and its sensors, a GWLB endpoint", () => {
    const eni = sensorPathPlan({
      sensorSecurityGroupId: "sg-sensor",
      nodeGroups: [node, cluster],
      podGroups: [pods],
      sensorPort: 2003,
      mirroring: { targetKind: "network-interface" },
    });
    const vxlan = (p: typeof eni) => summary(p.rules.filter((r) => r.key.endsWith("vxlan")));
    assert.deepEqual(vxlan(eni), ["sg-sensor<-sg-node udp 4789-4789", "sg-sensor<-sg-cluster udp 4789-4789"]);
    assert.match(eni.lines.join("\n"), /assumed to carry the sensor security group/);

    const nlb = sensorPathPlan({
      sensorSecurityGroupId: "sg-sensor",
      nodeGroups: [node],
      podGroups: [],
      sensorPort: 2003,
      mirroring: { targetKind: "network-load-balancer", targetSecurityGroupId: "sg-nlb" },
    });
    assert.deepEqual(vxlan(nlb), ["sg-nlb<-sg-node udp 4789-4789", "sg-sensor<-sg-node udp 4789-4789"]);

    const gwlb = sensorPathPlan({
      nodeGroups: [node],
      podGroups: [],
      sensorPort: 2003,
      mirroring: { targetKind: "gateway-load-balancer-endpoint" },
    });
    assert.deepEqual(vxlan(gwlb), []);
    assert.match(gwlb.lines.join("\n"), /GWLB endpoint: no rule is created/);

    const unknownEni = sensorPathPlan({
      nodeGroups: [node],
      podGroups: [],
      sensorPort: 2003,
      mirroring: { targetKind: "network-interface" },
    });
    assert.deepEqual(unknownEni.rules, []);
    assert.match(unknownEni.lines.join("\n"), /its security group must allow VXLAN \(UDP 4789\)/);
  });

  describe("component", function () {
    this.timeout(60000);
    let recorder: MockRecorder;
    beforeEach(async () => {
      recorder = await installPulumiMocks(sampleWorld(), {
        behaviour: {
          eksCluster: () => ({
            nodeSecurityGroupId: "sg-0eks0node000000001",
            clusterSecurityGroupId: "sg-0eks0clus00000001",
          }),
        },
      });
    });

    const rulesOf = () =>
      recorder.resources
        .filter((r) => r.type === "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
        .map(
          (r) =>
            `${r.inputs.securityGroupId}<-${r.inputs.referencedSecurityGroupId} ${r.inputs.ipProtocol} ${r.inputs.fromPort}-${r.inputs.toPort}`,
        )
        .sort();

    it("uses the eks.Cluster's node and cluster security groups", async () => {
      const c = new eks.Cluster("prod", { vpcId: "vpc-0a1b2c3d4e5f60718" });
      const groups = clusterSecurityGroups(c, {});
      new SensorSecurityGroupRules("ppf-sg", {
        sensorSecurityGroupId: "sg-0sensor0000000001",
        ...groups,
        mirroring: { targetKind: "network-load-balancer" },
      });
      await settle();
      assert.deepEqual(rulesOf(), [
        "sg-0sensor0000000001<-sg-0eks0clus00000001 tcp 0-65535",
        "sg-0sensor0000000001<-sg-0eks0clus00000001 udp 0-65535",
        "sg-0sensor0000000001<-sg-0eks0clus00000001 udp 4789-4789",
        "sg-0sensor0000000001<-sg-0eks0node000000001 tcp 0-65535",
        "sg-0sensor0000000001<-sg-0eks0node000000001 udp 0-65535",
        "sg-0sensor0000000001<-sg-0eks0node000000001 udp 4789-4789",
      ]);
    });

    it("uses the looked-up cluster security group of a cluster found by name, through the provider", async () => {
      const groups = clusterSecurityGroups(SAMPLE_CLUSTER, {});
      assert.equal(groups.nodeSecurityGroupId, undefined);
      new SensorSecurityGroupRules("ppf-sg", {
        sensorSecurityGroupId: "sg-0sensor0000000001",
        ...groups,
        podSecurityGroupIds: [pulumi.output("sg-0fargate000000001")],
      });
      await settle();
      assert.deepEqual(rulesOf(), [
        "sg-0sensor0000000001<-sg-0f1e2d3c4b5a69788 tcp 0-65535",
        "sg-0sensor0000000001<-sg-0f1e2d3c4b5a69788 udp 0-65535",
        "sg-0sensor0000000001<-sg-0fargate000000001 tcp 0-65535",
        "sg-0sensor0000000001<-sg-0fargate000000001 udp 0-65535",
      ]);
      assert.ok(
        recorder.invokes.some(
          (i) => i.token === "aws:eks/getCluster:getCluster" && i.args.name === SAMPLE_CLUSTER,
        ),
      );
    });

    it("puts an RPCAP port known only later into the control rule", async () => {
      new SensorSecurityGroupRules("ppf-sg", {
        sensorSecurityGroupId: "sg-0sensor0000000001",
        clusterSecurityGroupId: "sg-0f1e2d3c4b5a69788",
        sensorPort: pulumi.output(2055),
        sensorDataPorts: { from: 40000, to: 40100 },
      });
      await settle();
      assert.deepEqual(rulesOf(), [
        "sg-0sensor0000000001<-sg-0f1e2d3c4b5a69788 tcp 2055-2055",
        "sg-0sensor0000000001<-sg-0f1e2d3c4b5a69788 tcp 40000-40100",
        "sg-0sensor0000000001<-sg-0f1e2d3c4b5a69788 udp 40000-40100",
      ]);
    });

    it("registers no rule without the sensor group, and keeps the plan lines", async () => {
      const sg = new SensorSecurityGroupRules("ppf-sg", {
        clusterSecurityGroupId: pulumi.output("sg-0f1e2d3c4b5a69788"),
      });
      await settle();
      assert.deepEqual(rulesOf(), []);
      assert.match(sg.planLines.join("\n"), /sensorSecurityGroupId is not set/);
    });
  });
});
