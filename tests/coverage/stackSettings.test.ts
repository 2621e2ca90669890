/**
 * The stack's AWS settings as the coverage command reads them (the provider's key names and value forms, stack-file
 * YAML values and Automation API JSON strings alike), and the paginated Node/Pod lists it reads the cluster with.
 */
import { strict as assert } from "node:assert";
import { goDurationSeconds, stackAwsSettings } from "../../adapters/coverage";
import { LIST_PAGE_SIZE, readClusterState } from "../../components/coverage";
import { fixtureApi } from "../../harness/kube/discovery/fixtureCluster";
import { node, pod } from "./clusterFixture";

describe("stack AWS settings", () => {
  it("reads the provider's keys from YAML values and from JSON strings alike", () => {
    const roles = [
      { roleArn: "arn:aws:iam::1:role/A", externalId: "x", sessionName: "s", duration: "1h30m" },
      { roleArn: "arn:aws:iam::1:role/B" },
    ];
    const fromYaml = stackAwsSettings(
      { region: "eu-west-1", profile: "prod", assumeRoles: roles, sharedCredentialsFiles: ["~/creds"] },
      { HOME: "/home/u" },
    );
    const fromJson = stackAwsSettings(
      {
        region: "eu-west-1",
        profile: "prod",
        assumeRoles: JSON.stringify(roles),
        sharedCredentialsFiles: '["~/creds"]',
      },
      { HOME: "/home/u" },
    );
    assert.deepEqual(fromYaml, fromJson);
    assert.equal(fromYaml.sharedCredentialsFile, "/home/u/creds");
    assert.deepEqual(fromYaml.assumeRoles[0], {
      roleArn: "arn:aws:iam::1:role/A",
      externalId: "x",
      sessionName: "s",
      durationSeconds: 5400,
      policy: undefined,
      policyArns: undefined,
      tags: undefined,
      transitiveTagKeys: undefined,
      sourceIdentity: undefined,
    });
    assert.equal(stackAwsSettings({}, { AWS_REGION: "us-west-2" }).region, "us-west-2");
  });

  it("refuses what it cannot honour, naming the key", () => {
    assert.throws(() => stackAwsSettings({}, {}), /aws:region is not set/);
    assert.throws(
      () => stackAwsSettings({ region: "r", sharedCredentialsFiles: ["a", "b"] }, {}),
      /lists 2 files/,
    );
    assert.throws(
      () => stackAwsSettings({ region: "r", secretKey: { secure: "v1:abc" } }, {}),
      /aws:secretKey is encrypted/,
    );
    assert.throws(
      () => stackAwsSettings({ region: "r", assumeRole: { roleArn: "x" } }, {}),
      /use aws:assumeRoles/,
    );
    assert.throws(
      () => stackAwsSettings({ region: "r", assumeRoles: [{ externalId: "x" }] }, {}),
      /assumeRoles\[0\]\.roleArn is required/,
    );
    assert.throws(() => goDurationSeconds("1 hour"), /not a duration/);
    assert.equal(goDurationSeconds("900s"), 900);
    assert.deepEqual(stackAwsSettings({ region: "r", allowedAccountIds: ["1"] }, {}).warnings, [
      "aws:allowedAccountIds is not checked by the coverage command",
    ]);
  });
});

describe("cluster state", () => {
  it("lists every node and pod page by page", async () => {
    const nodes = Array.from({ length: LIST_PAGE_SIZE + 3 }, (_, i) => node({ name: `n${i}` }));
    const api = fixtureApi({
      objects: {
        "/api/v1/nodes": { kind: "NodeList", metadata: {}, items: nodes },
        "/api/v1/pods": { kind: "PodList", metadata: {}, items: [pod({ name: "p", node: "n0" })] },
      },
      servedGroups: [],
    });
    const state = await readClusterState(api);
    assert.equal(state.nodes.length, nodes.length);
    assert.equal(state.pods.length, 1);
    assert.equal(api.requests.filter((r) => r.path.startsWith("/api/v1/nodes")).length, 2);
  });

  it("names the list it could not read", async () => {
    const api = fixtureApi({ objects: {}, servedGroups: [], forbidden: ["/api/v1/pods"] });
    await assert.rejects(readClusterState(api), /cannot list (nodes|pods)/);
  });
});
