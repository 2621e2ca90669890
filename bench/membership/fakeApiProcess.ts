// The fake Kubernetes API for the membership benchmark, in its own process (started inside the benchmark's
// network namespace): builds the cluster, serves it, and runs the churn when asked, over the IPC channel.
//   ready   -> { type: "ready", url, nodes: [{name, ip}], nextPodAddress, pods }
//   churn   <- { type: "churn", ratePerSecond, durationMs, seed, nodeUpdatesPerSecond }  -> { type: "churned", records }
//   counters <- { type: "counters" } -> { type: "counters", requests, byResource }
//   exit    <- { type: "exit" }
import { runChurn, seededRandom } from "../../harness/kube/churn";
import { buildCluster, nodeIp, nodeName } from "../../harness/kube/clusterObjects";
import { FakeKubeApi } from "../../harness/kube/server";
import { ObjectStore } from "../../harness/kube/store";

interface Churn {
  type: "churn";
  ratePerSecond: number;
  durationMs: number;
  seed: number;
  nodeUpdatesPerSecond: number;
}

const send = (m: unknown): void => {
  process.send?.(m);
};

async function heartbeats(store: ObjectStore, rate: number, durationMs: number, seed: number): Promise<void> {
  // Kubelets report node status about every 5 minutes when nothing changes (nodeStatusReportFrequency): MODIFIED
  // events that change nothing membership reads, but that every node watcher receives and parses.
  if (rate <= 0) {
    return;
  }
  const random = seededRandom(seed + 1);
  const keys = store.list("nodes").map((n) => n.key);
  const start = Date.now();
  for (let k = 0; k < Math.floor((durationMs / 1000) * rate); k++) {
    const wait = start + (k * 1000) / rate - Date.now();
    if (wait > 0) {
      await new Promise((r) => setTimeout(r, wait));
    }
    store.update("nodes", keys[Math.floor(random() * keys.length)], (n) => {
      const conditions = (n.status as { conditions: { lastHeartbeatTime: string }[] }).conditions;
      conditions.forEach((c) => (c.lastHeartbeatTime = new Date().toISOString().replace(/\.\d+Z$/, "Z")));
    });
  }
}

async function main(): Promise<void> {
  const nodes = Number(process.env.BENCH_NODES);
  const podsPerNode = Number(process.env.BENCH_PODS_PER_NODE);
  const token = process.env.BENCH_TOKEN ?? "";
  const store = new ObjectStore({ historySize: 100_000 });
  const cluster = buildCluster({ nodes, podsPerNode });
  store.seed("nodes", cluster.nodes);
  store.seed("pods", cluster.pods);
  const podCount = cluster.pods.length;
  cluster.nodes.length = 0;
  cluster.pods.length = 0;
  const fake = new FakeKubeApi({ store, tokens: token ? [token] : [] });
  const url = await fake.listen(0, "127.0.0.1");
  const nodeList = Array.from({ length: nodes }, (_, i) => ({ name: nodeName(i), ip: nodeIp(i) }));
  send({
    type: "ready",
    url,
    nodes: nodeList.slice(0, 3),
    nextPodAddress: cluster.nextPodAddress,
    pods: podCount,
  });
  process.on("message", (m: { type: string }) => {
    if (m.type === "churn") {
      const c = m as Churn;
      void Promise.all([
        runChurn({
          store,
          ratePerSecond: c.ratePerSecond,
          durationMs: c.durationMs,
          nodes: nodeList,
          nextAddress: cluster.nextPodAddress,
          seed: c.seed,
        }),
        heartbeats(store, c.nodeUpdatesPerSecond, c.durationMs, c.seed),
      ]).then(([records]) => send({ type: "churned", records }));
    } else if (m.type === "counters") {
      send({ type: "counters", requests: fake.requests, byResource: fake.requestsByResource });
    } else if (m.type === "exit") {
      void fake.close().then(() => process.exit(0));
    }
  });
}

void main();
