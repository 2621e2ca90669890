// A fake Kubernetes API (harness/kube) as a process of its own, so it can listen inside a network namespace:
// `node fakeApiProcess.js <address> <port> <token> <objects.json>`; objects.json is { nodes: [...], pods: [...] }.
// Prints "ready <url>" once listening. Bundled by the tests with esbuild (nothing outside Node built-ins at run time).
import * as fs from "fs";
import type { KubeObject } from "../../../harness/kube/resources";
import { FakeKubeApi } from "../../../harness/kube/server";

async function main(): Promise<void> {
  const [address, port, token, objectsFile] = process.argv.slice(2);
  const objects = JSON.parse(fs.readFileSync(objectsFile, "utf8")) as {
    nodes: KubeObject[];
    pods: KubeObject[];
  };
  const api = new FakeKubeApi({ tokens: [token], bookmarkIntervalMs: 5_000 });
  api.store.seed("nodes", objects.nodes);
  api.store.seed("pods", objects.pods);
  const url = await api.listen(Number(port), address);
  process.stdout.write(`ready ${url}\n`);
}

void main();
