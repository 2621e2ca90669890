/**
 * Pod churn against the fake API's store at a fixed rate: creations (a Running, Ready pod with a fresh address on
 * a random node), deletions (a random workload pod) and updates that change nothing membership reads (an
 * annotation), with the commit time of each change, so a benchmark can measure how long each change takes to
 * reach a kernel set. Seeded: the same seed gives the same sequence.
 */
import { addressInTen, makePod } from "./clusterObjects";
import type { ObjectStore } from "./store";

/** One change the driver made. */
export interface ChurnRecord {
  /** What it did. */
  op: "create" | "delete" | "update";
  /** Pod key (`namespace/name`). */
  key: string;
  /** The pod's address. */
  ip: string;
  /** The pod's node. */
  node: string;
  /** When the store committed it (ms epoch). */
  time: number;
  /** Its resourceVersion. */
  rv: number;
}

/** Churn settings. */
export interface ChurnOptions {
  /** The store to change. */
  store: ObjectStore;
  /** Changes per second. */
  ratePerSecond: number;
  /** How long (ms). */
  durationMs: number;
  /** Nodes new pods go to, with their addresses. */
  nodes: readonly { name: string; ip: string }[];
  /** First unused index for new pod addresses (addressInTen(1, i)). */
  nextAddress: number;
  /** Share of creations and deletions (the rest are updates); default 0.4 each. */
  createShare?: number;
  /** Share of deletions; default 0.4. */
  deleteShare?: number;
  /** PRNG seed (default 1). */
  seed?: number;
  /** Namespace prefix of the pods that may be deleted or updated (default `team-`). */
  namespacePrefix?: string;
  /** Stops early when aborted. */
  signal?: AbortSignal;
}

/** mulberry32: a small, seedable PRNG. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Runs the churn; resolves with what it did once the duration is over. */
export async function runChurn(o: ChurnOptions): Promise<ChurnRecord[]> {
  const random = seededRandom(o.seed ?? 1);
  const prefix = o.namespacePrefix ?? "team-";
  const workload = o.store
    .list("pods")
    .filter((p) => p.namespace.startsWith(prefix))
    .map((p) => p.key);
  let nextAddress = o.nextAddress;
  let serial = 0;
  const records: ChurnRecord[] = [];
  const period = 1000 / o.ratePerSecond;
  const start = Date.now();
  const total = Math.floor((o.durationMs / 1000) * o.ratePerSecond);
  const createShare = o.createShare ?? 0.4;
  const deleteShare = o.deleteShare ?? 0.4;
  let last: { rv: number; time: number } = { rv: 0, time: 0 };
  const unsubscribe = o.store.subscribe((e) => {
    last = { rv: e.rv, time: e.time };
  });
  try {
    for (let k = 0; k < total && !o.signal?.aborted; k++) {
      const due = start + k * period;
      const wait = due - Date.now();
      if (wait > 0) {
        await new Promise((r) => setTimeout(r, wait));
      }
      const roll = random();
      if (roll < createShare || workload.length === 0) {
        const node = o.nodes[Math.floor(random() * o.nodes.length)];
        const ip = addressInTen(1, nextAddress++);
        const name = `churn-7d9f8b6c5-${(++serial).toString(36).padStart(5, "0")}`;
        const namespace = `${prefix}churn`;
        o.store.create(
          "pods",
          makePod({ name, namespace, nodeName: node.name, hostIp: node.ip, ip, labels: { app: "churn" } }),
        );
        workload.push(`${namespace}/${name}`);
        records.push({ op: "create", key: `${namespace}/${name}`, ip, node: node.name, ...last });
      } else {
        const index = Math.floor(random() * workload.length);
        const key = workload[index];
        const pod = o.store.get("pods", key);
        if (!pod) {
          workload.splice(index, 1);
          continue;
        }
        const ip = String((pod.status as { podIP?: string }).podIP ?? "");
        const node = String((pod.spec as { nodeName?: string }).nodeName ?? "");
        if (roll < createShare + deleteShare) {
          o.store.delete("pods", key);
          workload[index] = workload[workload.length - 1];
          workload.pop();
          records.push({ op: "delete", key, ip, node, ...last });
        } else {
          o.store.update("pods", key, (p) => {
            p.metadata.annotations = { ...p.metadata.annotations, "example.com/revision": String(k) };
          });
          records.push({ op: "update", key, ip, node, ...last });
        }
      }
    }
  } finally {
    unsubscribe();
  }
  return records;
}
