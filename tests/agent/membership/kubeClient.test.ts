// The agent's Kubernetes client: watch lines split anywhere by the transport, errors carrying the server's Status,
// requests counted by verb, HTTPS verified against the ServiceAccount CA, and the in-cluster configuration.
import * as assert from "assert";
import * as fc from "fast-check";
import * as fs from "fs";
import * as https from "https";
import type { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";
import type { WatchEvent } from "../../../agent/src/kube/apiTypes";
import { kubeConfigFromEnv } from "../../../agent/src/kube/clientConfig";
import { createKubeApi } from "../../../agent/src/kube/httpClient";
import { KubeApiError } from "../../../agent/src/kube/kubeApi";
import { parseLabelSelector } from "../../../agent/src/kube/labelSelector";
import { LineSplitter } from "../../../agent/src/kube/lineSplitter";
import { ListStreamReader } from "../../../agent/src/kube/listStream";
import { createTestPki } from "../../../harness/kube/discovery/testPki";
import { startFakeApi } from "./support";

describe("kube client", () => {
  it("splits lines the same way whatever the chunk boundaries", () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: "grapheme", maxLength: 20 }), { maxLength: 8 }),
        fc.array(fc.nat(200)),
        (words, cuts) => {
          const lines = words.map((w) => w.replace(/\n/g, " ")).filter((w) => w.trim() !== "");
          const text = lines.map((l) => `${l}\n`).join("");
          const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
          const got: string[] = [];
          const s = new LineSplitter();
          let last = 0;
          for (const p of [...points, text.length]) {
            s.push(text.slice(last, p), (l) => got.push(l));
            last = p;
          }
          assert.deepStrictEqual(got, lines);
          assert.strictEqual(s.rest(), "");
        },
      ),
    );
  });

  it("streams list items one by one, whatever the chunk boundaries and member order", () => {
    fc.assert(
      fc.property(
        fc.array(fc.jsonValue(), { maxLength: 6 }),
        fc.jsonValue(),
        fc.array(fc.nat(5000)),
        fc.boolean(),
        fc.boolean(),
        (values, extra, cuts, itemsFirst, indent) => {
          // Items are objects (as in every Kubernetes list), with strings that look like structure.
          const items = values.map((v, i) => ({ v, i, s: 'a"b}\\]{[,:' }));
          const doc = itemsFirst
            ? { kind: "PodList", items, metadata: { resourceVersion: "7", extra }, n: 5 }
            : { kind: "PodList", n: null, metadata: { resourceVersion: "7", extra }, items };
          const text = JSON.stringify(doc, null, indent ? 1 : 0);
          const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
          const reader = new ListStreamReader();
          const got: unknown[] = [];
          let last = 0;
          for (const p of [...points, text.length]) {
            reader.push(text.slice(last, p), (json) => got.push(JSON.parse(json)));
            last = p;
          }
          const end = reader.end();
          const { items: expectedItems, ...rest } = JSON.parse(text) as { items: unknown[] };
          assert.deepStrictEqual(got, expectedItems);
          assert.deepStrictEqual(end.members, rest);
          assert.strictEqual(end.items, items.length);
        },
      ),
      { numRuns: 1000 },
    );
    const cut = new ListStreamReader();
    cut.push('{"items":[{"a":1},{"b"', () => undefined);
    assert.throws(() => cut.end(), /ended in the middle/);
  });

  it("reads watch events split across chunks at arbitrary bytes", async () => {
    const { fake, url } = await startFakeApi({ nodes: 1, podsPerNode: 0 });
    try {
      const events = [
        { type: "ADDED", object: { metadata: { name: "a", resourceVersion: "5" } } },
        { type: "BOOKMARK", object: { metadata: { resourceVersion: "6" } } },
      ];
      const text = events.map((e) => JSON.stringify(e)).join("\n") + "\n";
      fake.addRoute("GET", /^\/api\/v1\/pods$/, async (_req, res) => {
        res.writeHead(200, { "Content-Type": "application/json" });
        for (let i = 0; i < text.length; i += 7) {
          res.write(text.slice(i, i + 7));
          await new Promise((r) => setImmediate(r));
        }
        res.end();
      });
      const got: WatchEvent[] = [];
      const api = createKubeApi({ baseUrl: url });
      await api.watch({
        path: "/api/v1/pods",
        query: {},
        onEvent: (e) => got.push(e),
        signal: new AbortController().signal,
        idleTimeoutMs: 10_000,
      });
      assert.deepStrictEqual(got, events);
      assert.deepStrictEqual(api.requestCounts(), { watch: 1 });
    } finally {
      await fake.close();
    }
  });

  it("failures carry the HTTP status and the server's Status", async () => {
    const { fake, url } = await startFakeApi({ nodes: 1, podsPerNode: 0 }, { tokens: ["t"] });
    try {
      const api = createKubeApi({ baseUrl: url });
      await assert.rejects(api.listPage("/api/v1/pods", {}), (e: unknown) => {
        assert.ok(e instanceof KubeApiError);
        assert.strictEqual(e.status, 401);
        assert.strictEqual(e.apiStatus?.reason, "Unauthorized");
        assert.strictEqual(e.expired, false);
        return true;
      });
      fake.setTokens([]);
      const page = await api.listPage("/api/v1/pods", { limit: 1 });
      fake.expireSnapshots();
      await assert.rejects(
        api.listPage("/api/v1/pods", { limit: 1, continue: page.continueToken }),
        (e: unknown) => e instanceof KubeApiError && e.expired,
      );
      const r = await api.request("GET", "/api/v1/nodes/nope");
      assert.strictEqual(r.status, 404);
      assert.deepStrictEqual(api.requestCounts(), { list: 3, get: 1 });
    } finally {
      await fake.close();
    }
  });

  it("verifies HTTPS against the CA file and sends the token from the token file", async function () {
    let pki: ReturnType<typeof createTestPki>;
    try {
      pki = createTestPki();
    } catch (err) {
      throw new Error(
        `the TLS test needs the openssl command (scripts/install-test-deps.sh installs it): ${(err as Error).message}`,
      );
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kube-tls-"));
    const caFile = path.join(dir, "ca.crt");
    const otherCaFile = path.join(dir, "other.crt");
    const tokenFile = path.join(dir, "token");
    fs.writeFileSync(caFile, pki.ca);
    fs.writeFileSync(otherCaFile, pki.otherCa);
    fs.writeFileSync(tokenFile, "sa-token\n");
    let seen = "";
    const server = https.createServer({ key: pki.server.key, cert: pki.server.cert }, (req, res) => {
      seen = req.headers.authorization ?? "";
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ kind: "NodeList", metadata: { resourceVersion: "9" }, items: [] }));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const baseUrl = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const page = await createKubeApi({ baseUrl, caFile, tokenFile }).listPage("/api/v1/nodes", {});
      assert.strictEqual(page.resourceVersion, "9");
      assert.strictEqual(seen, "Bearer sa-token");
      await assert.rejects(
        createKubeApi({ baseUrl, caFile: otherCaFile, tokenFile }).listPage("/api/v1/nodes", {}),
      );
    } finally {
      server.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("in-cluster configuration: KUBERNETES_SERVICE_HOST/PORT, overrides, IPv6", () => {
    assert.deepStrictEqual(
      kubeConfigFromEnv({ KUBERNETES_SERVICE_HOST: "10.100.0.1", KUBERNETES_SERVICE_PORT: "443" }),
      {
        baseUrl: "https://10.100.0.1:443",
        tokenFile: "/var/run/secrets/kubernetes.io/serviceaccount/token",
        caFile: "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt",
      },
    );
    assert.strictEqual(
      kubeConfigFromEnv({ KUBERNETES_SERVICE_HOST: "fd00::1" }).baseUrl,
      "https://[fd00::1]:443",
    );
    assert.deepStrictEqual(
      kubeConfigFromEnv({ KUBE_API_URL: "http://127.0.0.1:8080", KUBE_TOKEN_FILE: "/t", KUBE_CA_FILE: "/c" }),
      {
        baseUrl: "http://127.0.0.1:8080",
        tokenFile: "/t",
        caFile: "/c",
      },
    );
  });

  it("label selectors: equality, inequality, existence, sets", () => {
    const m = parseLabelSelector("component=extrahop-rpcapd, tier!=canary, app, !legacy, zone in (a, b)");
    assert.strictEqual(m({ component: "extrahop-rpcapd", app: "x", zone: "a" }), true);
    assert.strictEqual(m({ component: "extrahop-rpcapd", app: "x", zone: "a", tier: "canary" }), false);
    assert.strictEqual(m({ component: "extrahop-rpcapd", app: "x", zone: "c" }), false);
    assert.strictEqual(m({ component: "extrahop-rpcapd", zone: "a" }), false);
    assert.strictEqual(m({ component: "extrahop-rpcapd", app: "x", zone: "a", legacy: "" }), false);
    assert.strictEqual(parseLabelSelector("")(undefined), true);
    assert.throws(() => parseLabelSelector("bad key!=x=y"), /not a valid label key/);
  });
});
