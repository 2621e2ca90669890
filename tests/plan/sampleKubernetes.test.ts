/**
 * The sample cluster's Kubernetes side agrees with its EC2 side (one Node per running worker of `demo`, with the
 * instance's name, address, provider id and type; the branch-ENI pod's annotation names the sample's branch ENI on
 * the trunk node) and every object passes the upstream Kubernetes OpenAPI schemas.
 */
import { strict as assert } from "node:assert";
import { Node } from "kubernetes-models/v1/Node";
import { Pod } from "kubernetes-models/v1/Pod";
import { BRANCH_ENI_NODE_TAG, SAMPLE_CLUSTER, sampleWorld } from "../../harness/aws/sampleCluster";
import { sampleKubernetes } from "../../harness/kube/sample/sampleKubernetes";

describe("plan: the sample cluster's Nodes and Pods", () => {
  const world = sampleWorld();
  const kube = sampleKubernetes(world);
  const workers = world.instances.filter(
    (i) =>
      i.State?.Name === "running" &&
      (i.Tags ?? []).some((t) => t.Key === "eks:cluster-name" && t.Value === SAMPLE_CLUSTER),
  );

  it("one Node per running worker of the cluster, named, addressed and typed as EC2 says", () => {
    const ec2Nodes = kube.nodes.filter((n) => n.spec?.providerID?.includes("/i-"));
    assert.equal(ec2Nodes.length, workers.length);
    for (const i of workers) {
      const node = ec2Nodes.find((n) => n.metadata.name === i.PrivateDnsName);
      assert.ok(node, `a Node for ${i.InstanceId}`);
      assert.equal(node.spec?.providerID, `aws:///${i.Placement?.AvailabilityZone}/${i.InstanceId}`);
      assert.equal(node.status?.addresses?.find((a) => a.type === "InternalIP")?.address, i.PrivateIpAddress);
      assert.equal(node.metadata.labels?.["node.kubernetes.io/instance-type"], i.InstanceType);
      assert.equal(node.metadata.labels?.["topology.kubernetes.io/zone"], i.Placement?.AvailabilityZone);
    }
  });

  it("the branch-ENI pod runs on the trunk node with the annotation of the branch ENI EC2 lists for it", () => {
    const pod = kube.pods.find((p) => p.metadata.annotations?.["vpc.amazonaws.com/pod-eni"]);
    assert.ok(pod, "a pod with a branch ENI");
    const [eni] = JSON.parse(pod.metadata.annotations?.["vpc.amazonaws.com/pod-eni"] ?? "[]") as {
      eniId: string;
      privateIp: string;
    }[];
    const branch = world.networkInterfaces.find((e) => e.NetworkInterfaceId === eni.eniId);
    assert.equal(branch?.InterfaceType, "branch");
    assert.equal(pod.status?.podIP, branch?.PrivateIpAddress);
    const instanceId = branch?.TagSet?.find((t) => t.Key === BRANCH_ENI_NODE_TAG)?.Value;
    const node = kube.nodes.find((n) => n.metadata.name === pod.spec?.nodeName);
    assert.equal(node?.spec?.providerID?.split("/").pop(), instanceId);
    const trunk = workers.find((i) => i.InstanceId === instanceId)?.NetworkInterfaces ?? [];
    assert.ok(
      trunk.some((e) => e.InterfaceType === "trunk"),
      "the node has a trunk ENI",
    );
  });

  it("has the cases the coverage report must explain: an excluded node, a tainted node, Fargate pods", () => {
    assert.ok(kube.nodes.some((n) => "extrahop/norpcapd" in (n.metadata.labels ?? {})));
    assert.ok(
      kube.nodes.some((n) => (n.spec?.taints ?? []).length > 0 && n.spec?.providerID?.includes("/i-")),
    );
    const fargate = kube.pods.filter((p) => p.spec?.schedulerName === "fargate-scheduler");
    assert.ok(fargate.length >= 2);
    for (const p of fargate) {
      const node = kube.nodes.find((n) => n.metadata.name === p.spec?.nodeName);
      assert.equal(node?.metadata.labels?.["eks.amazonaws.com/compute-type"], "fargate");
    }
  });

  it("every Node and Pod passes the Kubernetes OpenAPI schemas, and a broken one does not", () => {
    for (const n of kube.nodes) {
      new Node(n).validate();
    }
    for (const p of kube.pods) {
      new Pod(p).validate();
    }
    const broken = { ...kube.pods[0], spec: { ...kube.pods[0].spec, containers: [{ image: "x" }] } };
    assert.throws(() => new Pod(broken as never).validate());
  });

  it("is the same on every run", () => {
    assert.deepEqual(sampleKubernetes(sampleWorld()), kube);
  });
});
