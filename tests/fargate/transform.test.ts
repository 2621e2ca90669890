/**
 * The sidecar transform on a Pulumi program run under the engine mocks: workloads whose pod template matches a
 * Fargate profile get the sidecar (Deployments, StatefulSets, Pods as a container; Jobs and CronJobs as a native
 * sidecar), everything else is registered exactly as declared, including a DaemonSet in a Fargate namespace and a
 * workload whose namespace is known only through an Output. The mocks cannot call engine-side transforms back, so
 * the program uses the in-process form; the engine-side form is checked to produce the same properties.
 */
import { strict as assert } from "node:assert";
import * as pulumi from "@pulumi/pulumi";
import {
  fargateSidecarTransform,
  fargateSidecarTransformation,
  withFargateSidecar,
  type FargateSidecarArgs,
} from "../../components/fargate";
import { sampleWorld } from "../../harness/aws/sampleCluster";
import { installPulumiMocks, settle, type MockRecorder } from "../../harness/pulumi/mocks";

const IMAGE = `123456789012.dkr.ecr.us-east-1.amazonaws.com/extrahop-rpcapd@sha256:${"b".repeat(64)}`;

type Container = {
  name: string;
  image?: string;
  restartPolicy?: string;
  env?: { name: string; value?: string }[];
};
type PodSpec = { containers: Container[]; initContainers?: Container[]; volumes?: { name: string }[] };

const args = (): FargateSidecarArgs => ({
  fargateProfiles: [
    { name: "apps", selectors: [{ namespace: "apps" }] },
    { name: "batch", selectors: [{ namespace: "jobs", labels: { fargate: "true" } }] },
  ],
  image: pulumi.output(IMAGE),
  sensorIps: [pulumi.output("10.0.200.10")],
  sensorPort: 2003,
  fargateCidrs: ["10.0.96.0/20"],
});

const app = (labels: Record<string, string> = { app: "web" }) => ({
  metadata: { labels },
  spec: { containers: [{ name: "app", image: "nginx:1.27" }] },
});

describe("Fargate sidecar transform", function () {
  this.timeout(60000);
  let recorder: MockRecorder;

  beforeEach(async () => {
    recorder = await installPulumiMocks(sampleWorld());
  });

  function podSpecOf(type: string, name: string): PodSpec {
    const r = recorder.resources.find((x) => x.type === type && x.name === name);
    assert.ok(r, `${type} ${name} was registered`);
    const spec = r.inputs.spec as Record<string, unknown>;
    if (type === "kubernetes:core/v1:Pod") {
      return spec as unknown as PodSpec;
    }
    const template =
      type === "kubernetes:batch/v1:CronJob"
        ? ((spec.jobTemplate as { spec: { template: unknown } }).spec.template as { spec: PodSpec })
        : (spec.template as { spec: PodSpec });
    return template.spec;
  }

  it("adds the sidecar to the program's workloads that run on Fargate, and only to them", async () => {
    const k8s = await import("@pulumi/kubernetes");
    class Workloads extends pulumi.ComponentResource {
      constructor(opts: pulumi.ComponentResourceOptions) {
        super("test:index:Workloads", "workloads", {}, opts);
        const child = { parent: this };
        const selector = { matchLabels: { app: "web" } };
        new k8s.apps.v1.Deployment(
          "web",
          { metadata: { namespace: "apps" }, spec: { selector, template: app() } },
          child,
        );
        new k8s.apps.v1.Deployment("api", { spec: { selector, template: app() } }, child);
        new k8s.apps.v1.StatefulSet(
          "db",
          { metadata: { namespace: "apps" }, spec: { selector, serviceName: "db", template: app() } },
          child,
        );
        new k8s.batch.v1.Job(
          "report",
          { metadata: { namespace: "jobs" }, spec: { template: app({ fargate: "true" }) } },
          child,
        );
        new k8s.batch.v1.Job(
          "local-report",
          { metadata: { namespace: "jobs" }, spec: { template: app() } },
          child,
        );
        new k8s.batch.v1.CronJob(
          "nightly",
          {
            metadata: { namespace: "jobs" },
            spec: { schedule: "0 3 * * *", jobTemplate: { spec: { template: app({ fargate: "true" }) } } },
          },
          child,
        );
        new k8s.apps.v1.DaemonSet(
          "logs",
          { metadata: { namespace: "apps" }, spec: { selector, template: app() } },
          child,
        );
        new k8s.core.v1.Pod(
          "debug",
          { metadata: { namespace: "apps", labels: { app: "debug" } }, spec: app().spec },
          child,
        );
        new k8s.apps.v1.Deployment(
          "late",
          { metadata: { namespace: pulumi.output("apps") }, spec: { selector, template: app() } },
          child,
        );
        new k8s.apps.v1.Deployment(
          "late-off",
          { metadata: { namespace: pulumi.output("default") }, spec: { selector, template: app() } },
          child,
        );
        new k8s.apps.v1.Deployment(
          "pinned",
          {
            metadata: { namespace: "apps" },
            spec: {
              selector,
              template: {
                ...app(),
                metadata: {
                  labels: { app: "web" },
                  annotations: { "eks.amazonaws.com/compute-type": "ec2" },
                },
              },
            },
          },
          child,
        );
        new k8s.core.v1.ConfigMap("settings", { metadata: { namespace: "apps" }, data: { a: "b" } }, child);
      }
    }
    new Workloads({ transformations: [fargateSidecarTransformation(args())] });
    await settle();

    const names = (spec: PodSpec) => spec.containers.map((c) => c.name);
    for (const [type, name] of [
      ["kubernetes:apps/v1:Deployment", "web"],
      ["kubernetes:apps/v1:StatefulSet", "db"],
      ["kubernetes:core/v1:Pod", "debug"],
      ["kubernetes:apps/v1:Deployment", "late"],
    ]) {
      const spec = podSpecOf(type, name);
      assert.deepEqual(names(spec), ["app", "extrahop-rpcapd"], `${name} gets the sidecar as a container`);
      const sidecar = spec.containers[1];
      assert.equal(sidecar.image, IMAGE);
      assert.ok(sidecar.env?.some((e) => e.name === "EXTRAHOP_SENSOR_IP" && e.value === "10.0.200.10"));
      assert.deepEqual(
        spec.volumes?.map((v) => v.name),
        ["extrahop-rpcapd-tmp"],
      );
    }
    for (const [type, name] of [
      ["kubernetes:batch/v1:Job", "report"],
      ["kubernetes:batch/v1:CronJob", "nightly"],
    ]) {
      const spec = podSpecOf(type, name);
      assert.deepEqual(names(spec), ["app"]);
      assert.deepEqual(
        spec.initContainers?.map((c) => [c.name, c.restartPolicy]),
        [["extrahop-rpcapd", "Always"]],
      );
    }
    for (const [type, name] of [
      ["kubernetes:apps/v1:Deployment", "api"],
      ["kubernetes:batch/v1:Job", "local-report"],
      ["kubernetes:apps/v1:DaemonSet", "logs"],
      ["kubernetes:apps/v1:Deployment", "late-off"],
      ["kubernetes:apps/v1:Deployment", "pinned"],
    ]) {
      const spec = podSpecOf(type, name);
      assert.deepEqual(spec, { containers: [{ name: "app", image: "nginx:1.27" }] }, `${name} is untouched`);
    }
    const configMap = recorder.resources.find((r) => r.name === "settings");
    assert.deepEqual(configMap?.inputs.data, { a: "b" });
  });

  it("the engine-side transform returns the same properties as the in-process one", async () => {
    const props = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { namespace: "apps" },
      spec: { template: app() },
    };
    const engine = await fargateSidecarTransform(args())({
      custom: true,
      type: "kubernetes:apps/v1:Deployment",
      name: "web",
      props,
      opts: {},
    });
    const direct = withFargateSidecar("kubernetes:apps/v1:Deployment", props, args());
    const resolve = async (p: unknown) =>
      JSON.stringify(await new Promise((r) => pulumi.output(p as pulumi.Input<object>).apply(r)));
    assert.ok(engine && direct);
    assert.equal(await resolve(engine.props), await resolve(direct));
    assert.match(await resolve(engine.props), /extrahop-rpcapd/);
    const untouched = await fargateSidecarTransform(args())({
      custom: true,
      type: "kubernetes:apps/v1:Deployment",
      name: "api",
      props: { metadata: { namespace: "default" }, spec: { template: app() } },
      opts: {},
    });
    assert.equal(untouched, undefined);
  });

  it("fails the program with the conflict named when the workload already uses the metrics port", async () => {
    const k8s = await import("@pulumi/kubernetes");
    const clash = {
      metadata: { namespace: "apps" },
      spec: {
        selector: { matchLabels: { app: "exporter" } },
        template: {
          metadata: { labels: { app: "exporter" } },
          spec: { containers: [{ name: "exporter", image: "exp:1", ports: [{ containerPort: 9477 }] }] },
        },
      },
    };
    assert.throws(
      () =>
        new k8s.apps.v1.Deployment("exporter", clash, {
          transformations: [fargateSidecarTransformation(args())],
        }),
      /already uses port 9477/,
    );
  });
});
