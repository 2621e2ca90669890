// The fake Kubernetes API server's wire behaviour, which the membership tests and the benchmark rely on: list
// pagination and selectors, watch replay, 410 as an ERROR event, selection transitions, bookmarks, timeouts,
// authentication, counters, extra routes, and the churn driver.
import * as assert from "assert";
import * as http from "http";
import { runChurn } from "../../../harness/kube/churn";
import { buildCluster, makePod, nodeIp, nodeName } from "../../../harness/kube/clusterObjects";
import type { FakeKubeApi } from "../../../harness/kube/server";
import type { ObjectStore } from "../../../harness/kube/store";
import { startFakeApi } from "./support";

interface Reply {
  status: number;
  body: string;
}

function get(url: string, token?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers: token ? { Authorization: `Bearer ${token}` } : {} }, (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (body += c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on("error", reject);
  });
}

/** Reads a watch until `until` holds for the lines so far (or the stream ends); returns the parsed lines. */
function watchLines(
  url: string,
  until: (lines: { type: string; object: Record<string, unknown> }[]) => boolean,
): Promise<{ type: string; object: Record<string, unknown> }[]> {
  return new Promise((resolve, reject) => {
    const lines: { type: string; object: Record<string, unknown> }[] = [];
    const req = http.get(url, (res) => {
      let buffer = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => {
        buffer += c;
        let nl = buffer.indexOf("\n");
        while (nl >= 0) {
          lines.push(JSON.parse(buffer.slice(0, nl)));
          buffer = buffer.slice(nl + 1);
          nl = buffer.indexOf("\n");
        }
        if (until(lines)) {
          req.destroy();
          resolve(lines);
        }
      });
      res.on("end", () => resolve(lines));
    });
    req.on("error", (e) => (req.destroyed ? undefined : reject(e)));
  });
}

const names = (items: { metadata: { name: string } }[]): string[] => items.map((i) => i.metadata.name);

describe("fake Kubernetes API server", () => {
  let fake: FakeKubeApi;
  let store: ObjectStore;
  let url: string;

  beforeEach(async () => {
    ({ fake, store, url } = await startFakeApi({ nodes: 2, podsPerNode: 2 }, { bookmarkIntervalMs: 30 }));
  });
  afterEach(() => fake.close());

  it("lists with limit/continue over one snapshot, in key order, with resourceVersion and remainingItemCount", async () => {
    const first = JSON.parse((await get(`${url}/api/v1/pods?limit=3`)).body);
    assert.strictEqual(first.kind, "PodList");
    assert.strictEqual(first.metadata.resourceVersion, String(store.currentRv));
    assert.strictEqual(first.metadata.remainingItemCount, 5);
    // A change after the first page does not show in later pages (consistent snapshot).
    store.create(
      "pods",
      makePod({ name: "aaa-late", namespace: "a", nodeName: nodeName(0), hostIp: nodeIp(0), ip: "10.9.0.1" }),
    );
    const rest: string[] = [];
    let token: string | undefined = first.metadata.continue;
    while (token) {
      const page = JSON.parse(
        (await get(`${url}/api/v1/pods?limit=3&continue=${encodeURIComponent(token)}`)).body,
      );
      assert.strictEqual(page.metadata.resourceVersion, first.metadata.resourceVersion);
      rest.push(...names(page.items));
      token = page.metadata.continue;
    }
    const all = [...names(first.items), ...rest];
    assert.strictEqual(all.length, 8);
    assert.ok(!all.includes("aaa-late"));
    const keys = store
      .list("pods")
      .filter((p) => p.key !== "a/aaa-late")
      .map((p) => p.key.split("/")[1]);
    assert.deepStrictEqual(all, keys);
  });

  it("an expired continue token is 410 Expired", async () => {
    const first = JSON.parse((await get(`${url}/api/v1/pods?limit=3`)).body);
    fake.expireSnapshots();
    const r = await get(`${url}/api/v1/pods?limit=3&continue=${encodeURIComponent(first.metadata.continue)}`);
    assert.strictEqual(r.status, 410);
    assert.strictEqual(JSON.parse(r.body).reason, "Expired");
  });

  it("field selectors on spec.nodeName and status.phase; unsupported fields are refused as the real server does", async () => {
    const onNode = JSON.parse(
      (await get(`${url}/api/v1/pods?fieldSelector=spec.nodeName%3D${nodeName(1)}`)).body,
    );
    assert.strictEqual(onNode.items.length, 4);
    store.update("pods", store.list("pods")[0].key, (p) => {
      (p.status as { phase: string }).phase = "Succeeded";
    });
    const live = JSON.parse(
      (
        await get(
          `${url}/api/v1/pods?fieldSelector=${encodeURIComponent("status.phase!=Succeeded,status.phase!=Failed")}`,
        )
      ).body,
    );
    assert.strictEqual(live.items.length, 7);
    const bad = await get(`${url}/api/v1/pods?fieldSelector=spec.foo%3Dbar`);
    assert.strictEqual(bad.status, 400);
    assert.strictEqual(JSON.parse(bad.body).message, "field label not supported: spec.foo");
  });

  it("label selectors and namespaced paths", async () => {
    const agents = JSON.parse(
      (await get(`${url}/api/v1/pods?labelSelector=component%3Dextrahop-rpcapd`)).body,
    );
    assert.strictEqual(agents.items.length, 2);
    const ns = JSON.parse((await get(`${url}/api/v1/namespaces/kube-system/pods`)).body);
    assert.strictEqual(ns.items.length, 2);
  });

  it("a watch without resourceVersion starts with the current objects as ADDED", async () => {
    const lines = await watchLines(`${url}/api/v1/nodes?watch=1`, (l) => l.length === 2);
    assert.deepStrictEqual(
      lines.map((l) => l.type),
      ["ADDED", "ADDED"],
    );
  });

  it("a watch from a resourceVersion replays later changes, including selection moves as ADDED/DELETED", async () => {
    const from = store.currentRv;
    const pod = store.list("pods").find((p) => p.namespace.startsWith("team-"))?.key as string;
    store.update("pods", pod, (p) => {
      (p.status as { phase: string }).phase = "Failed";
    });
    store.create("pods", makePod({ name: "new", nodeName: nodeName(0), hostIp: nodeIp(0), ip: "10.9.0.2" }));
    const selector = encodeURIComponent("status.phase!=Succeeded,status.phase!=Failed");
    const lines = await watchLines(
      `${url}/api/v1/pods?watch=1&resourceVersion=${from}&fieldSelector=${selector}`,
      (l) => l.length === 2,
    );
    assert.deepStrictEqual(
      lines.map((l) => [
        l.type,
        (l.object.metadata as { name: string }).name,
        (l.object.metadata as { resourceVersion: string }).resourceVersion,
      ]),
      [
        ["DELETED", pod.split("/")[1], String(from + 1)],
        ["ADDED", "new", String(from + 2)],
      ],
    );
  });

  it("a watch from a compacted resourceVersion gets HTTP 200, one ERROR event with a 410 Expired Status, and the end", async () => {
    const old = store.currentRv;
    store.create("pods", makePod({ name: "x", nodeName: nodeName(0), hostIp: nodeIp(0), ip: "10.9.0.3" }));
    store.compact();
    const lines = await watchLines(`${url}/api/v1/pods?watch=1&resourceVersion=${old - 1}`, () => false);
    assert.strictEqual(lines.length, 1);
    assert.strictEqual(lines[0].type, "ERROR");
    assert.deepStrictEqual(lines[0].object, {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: `too old resource version: ${old - 1} (${store.currentRv})`,
      reason: "Expired",
      code: 410,
    });
  });

  it("bookmarks carry the current resourceVersion; timeoutSeconds ends the stream", async () => {
    const lines = await watchLines(
      `${url}/api/v1/pods?watch=1&resourceVersion=${store.currentRv}&allowWatchBookmarks=true&timeoutSeconds=1`,
      () => false,
    );
    assert.ok(lines.length > 0);
    for (const l of lines) {
      assert.strictEqual(l.type, "BOOKMARK");
      assert.strictEqual(
        (l.object.metadata as { resourceVersion: string }).resourceVersion,
        String(store.currentRv),
      );
    }
  });

  it("checks bearer tokens and counts requests by verb", async () => {
    fake.setTokens(["secret"]);
    const refused = await get(`${url}/api/v1/nodes`);
    assert.strictEqual(refused.status, 401);
    assert.strictEqual(JSON.parse(refused.body).reason, "Unauthorized");
    assert.strictEqual((await get(`${url}/api/v1/nodes`, "secret")).status, 200);
    assert.strictEqual((await get(`${url}/api/v1/nodes/${nodeName(0)}`, "secret")).status, 200);
    assert.deepStrictEqual(fake.requests, { list: 2, get: 1 });
    assert.deepStrictEqual(fake.requestsByResource.nodes, { list: 2, get: 1 });
  });

  it("extra routes answer first (e.g. a dry-run Service create), or hand the request on", async () => {
    fake.addRoute("POST", /^\/api\/v1\/namespaces\/([^/]+)\/services$/, (_req, res, m) => {
      res.writeHead(422, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ kind: "Status", code: 422, message: `dry run in ${m[1]}` }));
    });
    const reply = await new Promise<Reply>((resolve) => {
      const req = http.request(
        `${url}/api/v1/namespaces/default/services?dryRun=All`,
        { method: "POST" },
        (res) => {
          let body = "";
          res.on("data", (c: Buffer) => (body += c.toString()));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.end("{}");
    });
    assert.strictEqual(reply.status, 422);
    assert.strictEqual(JSON.parse(reply.body).message, "dry run in default");
    assert.strictEqual(fake.requests.create, 1);
  });

  it("a generated 5,000-node cluster has no two pods with the same name or address", () => {
    const c = buildCluster({ nodes: 5000, podsPerNode: 1 });
    const keys = new Set(c.pods.map((p) => `${p.metadata.namespace}/${p.metadata.name}`));
    assert.strictEqual(keys.size, c.pods.length);
    const workloadIps = c.pods
      .filter((p) => !(p.spec as { hostNetwork?: boolean }).hostNetwork)
      .map((p) => (p.status as { podIP: string }).podIP);
    const nodeIps = c.nodes.map(
      (n) => (n.status as { addresses: { address: string }[] }).addresses[0].address,
    );
    assert.strictEqual(new Set([...workloadIps, ...nodeIps]).size, workloadIps.length + nodeIps.length);
  });

  it("the churn driver makes seeded, timestamped creations, deletions and updates", async () => {
    const nodes = [0, 1].map((i) => ({ name: nodeName(i), ip: nodeIp(i) }));
    const run = () =>
      runChurn({ store, ratePerSecond: 200, durationMs: 100, nodes, nextAddress: 100, seed: 7 });
    const records = await run();
    assert.strictEqual(records.length, 20);
    for (const r of records) {
      assert.ok(r.time > 0 && r.rv > 0 && r.ip !== "");
    }
    const ops = records.map((r) => r.op);
    assert.ok(ops.includes("create") && ops.includes("delete") && ops.includes("update"));
    for (const r of records.filter((x) => x.op === "create")) {
      assert.ok(store.get("pods", r.key) || records.some((d) => d.op === "delete" && d.key === r.key));
    }
    const again = await startFakeApi({ nodes: 2, podsPerNode: 2 });
    try {
      const replay = await runChurn({
        store: again.store,
        ratePerSecond: 200,
        durationMs: 100,
        nodes,
        nextAddress: 100,
        seed: 7,
      });
      assert.deepStrictEqual(
        replay.map((r) => [r.op, r.ip]),
        records.map((r) => [r.op, r.ip]),
      );
    } finally {
      await again.fake.close();
    }
  });
});
