/**
 * A recorded cluster served over HTTPS with the kubeconfig to reach it, for tests of code that takes a kubeconfig
 * (the component under Pulumi mocks, the offline plan): one call, then `kubeconfig` is what a user would paste.
 */
import * as YAML from "yaml";
import type { FixtureCluster } from "./fixtureCluster";
import { startFixtureServer, type FixtureServer } from "./fixtureServer";
import { flavour, type FlavourName } from "./flavours";
import { createTestPki, type TestPki } from "./testPki";

let pki: TestPki | undefined;

/** A running recorded cluster. */
export interface ServedCluster {
  /** Kubeconfig (context `admin@recorded`, bearer token, CA data) for the server. */
  kubeconfig: string;
  /** The server, with the requests it saw. */
  server: FixtureServer;
  /** Stops the server. */
  close(): Promise<void>;
}

/**
 * Serves a flavour (or any recording) on 127.0.0.1 and returns a kubeconfig for it.
 * @param cluster a flavour name or a recording
 */
export async function serveRecordedCluster(cluster: FlavourName | FixtureCluster): Promise<ServedCluster> {
  pki ??= createTestPki();
  const token = "recorded-cluster-token";
  const server = await startFixtureServer({
    cluster: typeof cluster === "string" ? flavour(cluster) : cluster,
    tls: pki.server,
    tokens: [token],
  });
  const kubeconfig = YAML.stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [
      {
        name: "recorded",
        cluster: { server: server.url, "certificate-authority-data": pki.ca.toString("base64") },
      },
    ],
    users: [{ name: "admin", user: { token } }],
    contexts: [{ name: "admin@recorded", context: { cluster: "recorded", user: "admin" } }],
    "current-context": "admin@recorded",
  });
  return { kubeconfig, server, close: () => server.close() };
}
