// The informer against the fake API server: pagination, watch resumption after server timeouts (no new list),
// bookmarks, 410 relists, expired continue tokens, failing watches with backoff, and token rotation.
import * as assert from "assert";
import { createKubeApi } from "../../../agent/src/kube/httpClient";
import { Backoff } from "../../../agent/src/membership/backoff";
import { Informer, InformerHandler } from "../../../agent/src/membership/informer";
import { makePod } from "../../../harness/kube/clusterObjects";
import type { FakeKubeApi } from "../../../harness/kube/server";
import type { ObjectStore } from "../../../harness/kube/store";
import { startFakeApi, tokenFile, waitFor } from "./support";

class Recorder implements InformerHandler {
  started = 0;
  ended = 0;
  abandoned = 0;
  listed: string[] = [];
  events: string[] = [];
  listStarted(): void {
    this.started++;
    this.listed = [];
  }
  listItem(o: unknown): void {
    this.listed.push((o as { metadata: { name: string } }).metadata.name);
  }
  listEnded(): void {
    this.ended++;
  }
  listAbandoned(): void {
    this.abandoned++;
  }
  event(type: string, o: unknown): void {
    this.events.push(`${type} ${(o as { metadata: { name: string } }).metadata.name}`);
  }
  progressed(): void {}
}

const quiet = (): void => undefined;
const FAST_BACKOFF = { initialMs: 20, maxMs: 200, jitter: 0 };

describe("informer against the fake API", function () {
  let fake: FakeKubeApi;
  let store: ObjectStore;
  let url: string;
  const running: Informer[] = [];

  beforeEach(async () => {
    ({ fake, store, url } = await startFakeApi({ nodes: 2, podsPerNode: 3 }));
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((i) => i.stop()));
    await fake.close();
  });

  const start = (
    h: InformerHandler,
    extra: Partial<ConstructorParameters<typeof Informer>[0]> = {},
  ): Informer => {
    const i = new Informer({
      api: createKubeApi({ baseUrl: url }),
      path: "/api/v1/pods",
      pageSize: 3,
      handler: h,
      log: quiet,
      backoff: FAST_BACKOFF,
      ...extra,
    });
    running.push(i);
    i.start();
    return i;
  };
  const podWatches = (): { query: Record<string, string> }[] =>
    fake.requestLog.filter((r) => r.verb === "watch" && r.path === "/api/v1/pods");

  it("lists in pages of `limit` and watches from the list's resourceVersion", async () => {
    const h = new Recorder();
    start(h);
    await waitFor(() => podWatches().length === 1, "the first watch");
    // 2 nodes x (3 workload + agent + kube-proxy) = 10 pods, pages of 3.
    assert.strictEqual(h.listed.length, 10);
    assert.strictEqual(fake.requestsByResource.pods.list, 4);
    assert.deepStrictEqual(
      fake.requestLog
        .filter((r) => r.verb === "list")
        .map((r) => [r.query.limit, r.query.continue !== undefined]),
      [
        ["3", false],
        ["3", true],
        ["3", true],
        ["3", true],
      ],
    );
    const w = podWatches()[0].query;
    assert.strictEqual(w.resourceVersion, String(store.currentRv));
    assert.strictEqual(w.allowWatchBookmarks, "true");
  });

  it("a watch the server ends at timeoutSeconds resumes from the last resourceVersion, without a new list", async () => {
    const h = new Recorder();
    const i = start(h, { watchTimeoutSeconds: () => 1 });
    await waitFor(() => podWatches().length === 1, "the first watch");
    store.create("pods", makePod({ name: "late-1", nodeName: "n", hostIp: "10.0.0.10", ip: "10.9.0.1" }));
    const rvAfterCreate = store.currentRv;
    await waitFor(() => podWatches().length >= 3, "two resumed watches");
    assert.strictEqual(h.started, 1, "one list only");
    assert.strictEqual(fake.requestsByResource.pods.list, 4);
    assert.deepStrictEqual(h.events, ["ADDED late-1"]);
    assert.strictEqual(podWatches()[2].query.resourceVersion, String(rvAfterCreate));
    assert.ok(i.counters.watchRestarts >= 2);
  });

  it("bookmarks move the resourceVersion a resumed watch starts from", async () => {
    await fake.close();
    ({ fake, store, url } = await startFakeApi({ nodes: 1, podsPerNode: 1 }, { bookmarkIntervalMs: 20 }));
    const h = new Recorder();
    const i = start(h);
    await waitFor(() => podWatches().length === 1, "the first watch");
    // A change to another resource moves the global resourceVersion; only a bookmark tells the pod watch.
    store.update("nodes", store.list("nodes")[0].key, (n) => {
      n.metadata.annotations = { ...n.metadata.annotations, touched: "1" };
    });
    const moved = String(store.currentRv);
    await waitFor(() => i.counters.bookmarks > 0 && i.lastResourceVersion === moved, "a bookmark");
    fake.endWatches();
    await waitFor(() => podWatches().length === 2, "the resumed watch");
    assert.strictEqual(podWatches()[1].query.resourceVersion, moved);
    assert.deepStrictEqual(h.events, []);
  });

  it("410 Expired when resuming: lists again, once", async () => {
    const h = new Recorder();
    const i = start(h);
    await waitFor(() => podWatches().length === 1, "the first watch");
    fake.dropWatches();
    const victim = store.list("pods").find((p) => p.key.startsWith("team-"));
    store.delete("pods", victim?.key as string);
    store.compact();
    await waitFor(() => h.ended === 2, "the relist");
    assert.strictEqual(i.counters.relists, 1);
    assert.strictEqual(h.listed.length, 9);
    assert.strictEqual(fake.requestsByResource.pods.list, 4 + 3);
    await waitFor(() => podWatches().length === 3, "the watch after the relist");
  });

  it("an expired continue token abandons the list, which is tried again from the start", async () => {
    let disturbed = false;
    fake.addRoute("GET", /^\/api\/v1\/pods$/, (req) => {
      if (!disturbed && (req.url ?? "").includes("continue=")) {
        disturbed = true;
        fake.expireSnapshots();
      }
      return false;
    });
    const h = new Recorder();
    const i = start(h);
    await waitFor(() => h.ended === 1, "a complete list");
    assert.strictEqual(h.abandoned, 1);
    assert.strictEqual(i.counters.failures, 1);
    assert.strictEqual(h.listed.length, 10);
  });

  it("failing watches are retried with backoff until the server answers again", async () => {
    let refusals = 3;
    fake.addRoute("GET", /^\/api\/v1\/pods$/, (req, res) => {
      if ((req.url ?? "").includes("watch=1") && refusals > 0) {
        refusals--;
        res.writeHead(500, { "Content-Type": "application/json" });
        res.end(
          JSON.stringify({
            kind: "Status",
            status: "Failure",
            message: "etcdserver: leader changed",
            code: 500,
          }),
        );
        return;
      }
      return false;
    });
    const h = new Recorder();
    const i = start(h);
    await waitFor(() => fake.openWatches === 1, "a watch that stays open");
    assert.strictEqual(i.counters.failures, 3);
    assert.strictEqual(h.started, 1, "failed watches resume; they do not list again");
    store.create("pods", makePod({ name: "after", nodeName: "n", hostIp: "10.0.0.10", ip: "10.9.0.2" }));
    await waitFor(() => h.events.includes("ADDED after"), "the event after recovery");
  });

  it("reads the token file for every request: a rotated token is used at once", async () => {
    const token = tokenFile("token-1");
    try {
      fake.setTokens(["token-1"]);
      const h = new Recorder();
      const i = start(h, { api: createKubeApi({ baseUrl: url, tokenFile: token.file }) });
      await waitFor(() => fake.openWatches === 1, "the first watch");
      // The server stops accepting the old token before the file changes: requests fail meanwhile.
      fake.setTokens(["token-2"]);
      fake.dropWatches();
      await waitFor(() => i.counters.failures > 0, "a refused request");
      token.write("token-2");
      await waitFor(() => fake.openWatches === 1, "a watch with the new token");
      store.create("pods", makePod({ name: "rotated", nodeName: "n", hostIp: "10.0.0.10", ip: "10.9.0.3" }));
      await waitFor(() => h.events.includes("ADDED rotated"), "an event after rotation");
      assert.strictEqual(h.started, 1);
    } finally {
      token.remove();
    }
  });
});

describe("backoff", () => {
  it("doubles from 0.8 s to 30 s and adds up to 100 % jitter, then starts over after a success", () => {
    const none = new Backoff({ random: () => 0 });
    assert.deepStrictEqual(
      Array.from({ length: 8 }, () => none.fail()),
      [800, 1600, 3200, 6400, 12800, 25600, 30000, 30000],
    );
    none.succeed();
    assert.strictEqual(none.fail(), 800);
    const most = new Backoff({ random: () => 0.999 });
    assert.ok(most.fail() > 1599 && most.fail() > 3198);
  });
});
