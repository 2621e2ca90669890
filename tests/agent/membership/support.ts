// Helpers of the membership tests that talk to the fake API: waiting for conditions, a fake API with a small
// cluster, and a kernel stand-in that records every transaction.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { SetChanges, SetName } from "../../../agent/src/membership/sets";
import { buildCluster, ClusterShape } from "../../../harness/kube/clusterObjects";
import { FakeKubeApi, FakeKubeApiOptions } from "../../../harness/kube/server";
import { ObjectStore } from "../../../harness/kube/store";

/** Polls `condition` every 10 ms until it holds; fails with `what` after a generous safety limit. */
export async function waitFor(condition: () => boolean, what: string, limitMs = 30_000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > limitMs) {
      throw new Error(`timed out waiting for: ${what}`);
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A fake API serving a generated cluster, listening on localhost. */
export async function startFakeApi(
  shape: ClusterShape,
  options: Omit<FakeKubeApiOptions, "store"> = {},
): Promise<{ fake: FakeKubeApi; url: string; store: ObjectStore; nextPodAddress: number }> {
  const store = new ObjectStore();
  const cluster = buildCluster(shape);
  store.seed("nodes", cluster.nodes);
  store.seed("pods", cluster.pods);
  const fake = new FakeKubeApi({ ...options, store });
  const url = await fake.listen();
  return { fake, url, store, nextPodAddress: cluster.nextPodAddress };
}

/** A KernelSets stand-in that records transactions and keeps the resulting contents, refusing impossible ones. */
export class RecordingSink {
  /** Every transaction, in order. */
  readonly transactions: Partial<Record<SetName, SetChanges>>[] = [];
  /** Contents after the transactions. */
  readonly sets: Record<SetName, Set<string>> = {
    covered4: new Set(),
    coverednets4: new Set(),
    sidecar4: new Set(),
    nodes4: new Set(),
  };

  /** Applies one transaction. */
  apply = async (changes: Partial<Record<SetName, SetChanges>>): Promise<void> => {
    for (const [name, c] of Object.entries(changes) as [SetName, SetChanges][]) {
      for (const e of c.delete) {
        if (!this.sets[name].delete(e)) {
          throw new Error(`${name}: delete of absent element ${e}`);
        }
      }
      for (const e of c.add) {
        if (this.sets[name].has(e)) {
          throw new Error(`${name}: add of present element ${e}`);
        }
        this.sets[name].add(e);
      }
    }
    this.transactions.push(changes);
  };

  /** Elements of a set, sorted. */
  contents(name: SetName): string[] {
    return [...this.sets[name]].sort();
  }
}

/** A token file in a fresh temp dir. */
export function tokenFile(token: string): { file: string; write: (t: string) => void; remove: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "membership-token-"));
  const file = path.join(dir, "token");
  const write = (t: string): void => {
    // Write-then-rename, as the kubelet updates projected tokens (atomic for readers).
    fs.writeFileSync(`${file}.new`, t);
    fs.renameSync(`${file}.new`, file);
  };
  write(token);
  return { file, write, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
