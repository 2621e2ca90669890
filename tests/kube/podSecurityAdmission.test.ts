/**
 * What the port takes from the admission side: the pod template admission evaluates for each kind (upstream's
 * `TestDefaultExtractPodSpec`, `staging/src/k8s.io/pod-security-admission/admission/admission_test.go`,
 * kubernetes/kubernetes at dde51bfc48b109a0f311055843d4d81a1966e9da, read from the mirror
 * kubernetes/pod-security-admission at 8f84a87c7f617f64a4ddc1aea24aeeb7a2e07cb8), the message formats of
 * `admission.go`, and the API server defaults (`pkg/apis/core/v1/defaults.go`) that change what the checks see.
 * Apache-2.0, The Kubernetes Authors.
 */
import { strict as assert } from "node:assert";
import * as pulumi from "@pulumi/pulumi";
import {
  enforceViolationMessage,
  wouldViolateMessage,
} from "../../harness/kube/podSecurity/admissionMessages";
import { Version } from "../../harness/kube/podSecurity/api/version";
import { podFromTemplate, withApiDefaults } from "../../harness/kube/podSecurity/apiDefaults";
import { aggregateCheckResults } from "../../harness/kube/podSecurity/checkResult";
import { defaultChecks } from "../../harness/kube/podSecurity/defaultChecks";
import { extractPodSpec } from "../../harness/kube/podSecurity/podSpecExtractor";
import { newEvaluator } from "../../harness/kube/podSecurity/registry";

const metadata = { name: "foo-pod" };
const spec = { containers: [{ name: "foo-container" }] };
const template = { metadata, spec };

describe("Pod Security port: admission", () => {
  it("TestDefaultExtractPodSpec: every kind admission evaluates yields its pod template; a Service is refused", () => {
    const objects = [
      { apiVersion: "v1", kind: "Pod", metadata, spec },
      { apiVersion: "v1", kind: "PodTemplate", metadata: { name: "foo-template" }, template },
      { apiVersion: "v1", kind: "ReplicationController", metadata: { name: "foo-rc" }, spec: { template } },
      { apiVersion: "apps/v1", kind: "ReplicaSet", metadata: { name: "foo-rs" }, spec: { template } },
      { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "foo-deployment" }, spec: { template } },
      { apiVersion: "apps/v1", kind: "StatefulSet", metadata: { name: "foo-ss" }, spec: { template } },
      { apiVersion: "apps/v1", kind: "DaemonSet", metadata: { name: "foo-ds" }, spec: { template } },
      { apiVersion: "batch/v1", kind: "Job", metadata: { name: "foo-job" }, spec: { template } },
      {
        apiVersion: "batch/v1",
        kind: "CronJob",
        metadata: { name: "foo-cronjob" },
        spec: { jobTemplate: { spec: { template } } },
      },
    ];
    for (const object of objects) {
      assert.deepEqual(extractPodSpec(object), { metadata, spec }, object.metadata.name);
    }
    assert.throws(
      () => extractPodSpec({ apiVersion: "v1", kind: "Service", metadata: { name: "foo-svc" } }),
      /unexpected object type: v1, Kind=Service/,
    );
  });

  it("an unresolved Pulumi Output in the object is refused rather than read as empty", () => {
    const withOutput = {
      apiVersion: "v1",
      kind: "Pod",
      metadata,
      spec: { containers: [pulumi.output(spec)] },
    };
    assert.throws(() => extractPodSpec(withOutput), /not plain JSON data/);
  });

  it("enforce and warn/audit messages read as admission's", () => {
    const e = newEvaluator(defaultChecks());
    const lv = { level: "baseline" as const, version: Version.latestVersion() };
    const result = aggregateCheckResults(
      e.evaluatePod(lv, {}, { hostNetwork: true, containers: [{ name: "a", ports: [{ hostPort: 8080 }] }] }),
    );
    assert.equal(
      enforceViolationMessage(lv, result),
      'violates PodSecurity "baseline:latest": host namespaces (hostNetwork=true), hostPort (container "a" uses hostPort 8080)',
    );
    assert.equal(
      wouldViolateMessage(lv, result),
      'would violate PodSecurity "baseline:latest": host namespaces (hostNetwork=true), hostPort (container "a" uses hostPort 8080)',
    );
  });

  describe("API server defaults", () => {
    it("a volume with no source becomes emptyDir, in Pods and in templates; the input is not changed", () => {
      const deployment = {
        apiVersion: "apps/v1",
        kind: "Deployment",
        spec: {
          template: { spec: { containers: [], volumes: [{ name: "scratch" }, { name: "s", secret: {} }] } },
        },
      };
      const defaulted = withApiDefaults(deployment);
      assert.deepEqual(defaulted.spec.template.spec.volumes, [
        { name: "scratch", emptyDir: {} },
        { name: "s", secret: {} },
      ]);
      assert.deepEqual(deployment.spec.template.spec.volumes[0], { name: "scratch" });
    });

    it("a hostNetwork Pod's ports get hostPort = containerPort; a template's and a non-hostNetwork Pod's do not", () => {
      const podSpec = (hostNetwork: boolean) => ({
        hostNetwork,
        initContainers: [{ name: "i", ports: [{ containerPort: 7000 }] }],
        containers: [
          { name: "c", ports: [{ containerPort: 8080 }, { containerPort: 9090, hostPort: 19090 }] },
        ],
      });
      const pod = podFromTemplate({ spec: podSpec(true) });
      const containers = (pod.spec as { containers: { ports: object[] }[] }).containers;
      assert.deepEqual(containers[0].ports, [
        { containerPort: 8080, hostPort: 8080 },
        { containerPort: 9090, hostPort: 19090 },
      ]);
      const inits = (pod.spec as { initContainers: { ports: object[] }[] }).initContainers;
      assert.deepEqual(inits[0].ports, [{ containerPort: 7000, hostPort: 7000 }]);
      const ds = withApiDefaults({
        apiVersion: "apps/v1",
        kind: "DaemonSet",
        spec: { template: { spec: podSpec(true) } },
      });
      assert.deepEqual(ds.spec.template.spec.containers[0].ports[0], { containerPort: 8080 });
      const notHost = podFromTemplate({ spec: podSpec(false) });
      assert.deepEqual((notHost.spec as { containers: { ports: object[] }[] }).containers[0].ports[0], {
        containerPort: 8080,
      });
    });
  });
});
