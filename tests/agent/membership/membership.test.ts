// Membership end to end against the fake API, with a recording kernel stand-in: the first lists land as one
// transaction, then only changes travel; pods leaving the field selection arrive as DELETED; a relist after 410 is
// a diff; stop() ends the watches.
import * as assert from "assert";
import { createKubeApi } from "../../../agent/src/kube/httpClient";
import { Membership, startMembership } from "../../../agent/src/membership";
import { addressInTen, makeAgentPod, makePod, nodeIp, nodeName } from "../../../harness/kube/clusterObjects";
import type { FakeKubeApi } from "../../../harness/kube/server";
import type { ObjectStore } from "../../../harness/kube/store";
import { NODE_READING } from "./fixtures";
import { RecordingSink, startFakeApi, waitFor } from "./support";

describe("membership against the fake API", () => {
  let fake: FakeKubeApi;
  let store: ObjectStore;
  let url: string;
  let sink: RecordingSink;
  let m: Membership | undefined;

  // Three nodes with 2 workload pods each; node 0 has no agent (agentless: 1). This agent runs on node 1.
  beforeEach(async () => {
    ({ fake, store, url } = await startFakeApi({ nodes: 3, podsPerNode: 2, agentless: 1 }));
    sink = new RecordingSink();
    m = startMembership({
      api: createKubeApi({ baseUrl: url }),
      nodeName: nodeName(1),
      agentNamespace: "extrahop",
      agentSelector: "component=extrahop-rpcapd",
      sidecarContainerName: "extrahop-rpcapd",
      vpcMirroring: false,
      mirrorSettleSeconds: 360,
      isMirrorable: NODE_READING.isMirrorable,
      hostLocalPodCidrs: false,
      sink,
      log: () => undefined,
      tuning: { pageSize: 2, batchWindowMs: 20 },
    });
    await m.synced;
  });
  afterEach(async () => {
    await m?.stop();
    await fake.close();
  });

  // Workload pod addresses: node i's pods are addressInTen(1, 2i) and addressInTen(1, 2i+1).
  const podIp = (node: number, k: number): string => addressInTen(1, node * 2 + k);

  it("the first lists of pods and nodes reach the kernel as one transaction", () => {
    assert.strictEqual(sink.transactions.length, 1);
    assert.deepStrictEqual(
      sink.contents("covered4"),
      [nodeIp(1), nodeIp(2), podIp(1, 0), podIp(1, 1), podIp(2, 0), podIp(2, 1)].sort(),
    );
    assert.deepStrictEqual(sink.contents("nodes4"), [nodeIp(0), nodeIp(1), nodeIp(2)].sort());
    assert.deepStrictEqual(sink.contents("sidecar4"), []);
    const s = m?.stats();
    assert.strictEqual(s?.synced, true);
    assert.strictEqual(s?.kernelBatches, 1);
    assert.strictEqual(s?.lists, 2);
    assert.deepStrictEqual(s?.setSizes, { covered4: 6, coverednets4: 0, sidecar4: 0, nodes4: 3 });
    assert.deepStrictEqual(m?.selfNode(), { mirrorCovered: false, addresses: [nodeIp(1)] });
  });

  it("a new pod on a covered node adds its address; deleting it removes it; other updates change nothing", async () => {
    store.create(
      "pods",
      makePod({ name: "new-1", nodeName: nodeName(2), hostIp: nodeIp(2), ip: "10.9.0.1" }),
    );
    await waitFor(() => sink.transactions.length === 2, "the add");
    assert.deepStrictEqual(sink.transactions[1], { covered4: { add: ["10.9.0.1"], delete: [] } });
    store.update("pods", "default/new-1", (p) => {
      p.metadata.annotations = { touched: "yes" };
    });
    store.delete("pods", "default/new-1");
    await waitFor(() => sink.transactions.length === 3, "the delete");
    assert.deepStrictEqual(sink.transactions[2], { covered4: { add: [], delete: ["10.9.0.1"] } });
  });

  it("a pod on a node without agent adds nothing until an agent there is Ready", async () => {
    store.create(
      "pods",
      makePod({ name: "new-0", nodeName: nodeName(0), hostIp: nodeIp(0), ip: "10.9.0.2" }),
    );
    const agent = makeAgentPod(nodeName(0), nodeIp(0), { ready: false });
    store.create("pods", agent);
    const key = `extrahop/${agent.metadata.name}`;
    store.update("pods", key, (p) => {
      const conditions = (p.status as { conditions: { type: string; status: string }[] }).conditions;
      conditions.forEach((c) => (c.status = "True"));
    });
    await waitFor(() => sink.contents("covered4").includes("10.9.0.2"), "node 0 covered");
    const last = sink.transactions[sink.transactions.length - 1];
    assert.deepStrictEqual(
      [...(last.covered4?.add ?? [])].sort(),
      [nodeIp(0), podIp(0, 0), podIp(0, 1), "10.9.0.2"].sort(),
    );
    assert.strictEqual(sink.transactions.length, 2, "the events landed in one batch");
  });

  it("a pod that finishes leaves the field selection and arrives as DELETED", async () => {
    const key = store
      .list("pods")
      .find((p) => p.fields["spec.nodeName"] === nodeName(2) && p.namespace.startsWith("team-"))
      ?.key as string;
    const ip = JSON.parse(store.list("pods").find((p) => p.key === key)?.json as string).status
      .podIP as string;
    store.update("pods", key, (p) => {
      (p.status as { phase: string }).phase = "Succeeded";
    });
    await waitFor(() => sink.transactions.length === 2, "the removal");
    assert.deepStrictEqual(sink.transactions[1], { covered4: { add: [], delete: [ip] } });
  });

  it("after 410 the relist reaches the kernel as a diff, not a rewrite", async () => {
    fake.dropWatches();
    const gone = store
      .list("pods")
      .find((p) => p.fields["spec.nodeName"] === nodeName(1) && p.namespace.startsWith("team-"));
    store.delete("pods", gone?.key as string);
    store.create(
      "pods",
      makePod({ name: "while-away", nodeName: nodeName(1), hostIp: nodeIp(1), ip: "10.9.0.3" }),
    );
    store.compact();
    await waitFor(() => (m?.stats().relists ?? 0) >= 1 && sink.transactions.length === 2, "relist applied");
    assert.deepStrictEqual(sink.transactions[1], {
      covered4: { add: ["10.9.0.3"], delete: [JSON.parse(gone?.json as string).status.podIP] },
    });
  });

  it("stop() ends both watches", async () => {
    await waitFor(() => fake.openWatches === 2, "two watches");
    await m?.stop();
    m = undefined;
    await waitFor(() => fake.openWatches === 0, "no watch");
  });
});
