/**
 * The sidecar for workloads outside the Pulumi program: the strategic merge and JSON patches carry exactly the
 * container the transform adds, at the pod template of each kind (CronJobs one level deeper), the files and the
 * `kubectl patch` command the plan prints.
 */
import { strict as assert } from "node:assert";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { CronJob } from "kubernetes-models/batch/v1/CronJob";
import {
  fargateSidecarPatch,
  fargateSidecarPlanLines,
  sidecarParts,
  sidecarPatchCommand,
  sidecarPatchFiles,
  SidecarPatchError,
  type SidecarPatchSettings,
} from "../../components/fargate";

const SETTINGS: SidecarPatchSettings = {
  image: `registry.example.com/extrahop-rpcapd@sha256:${"c".repeat(64)}`,
  sensorIps: ["10.0.200.10"],
  sensorPort: 2003,
  fargateCidrs: [],
  metricsPort: 9477,
  style: "auto",
  resources: { requests: { cpu: "50m", memory: "64Mi" } },
  readinessProbe: true,
};

/** The value a JSON pointer's parent designates in `doc` (RFC 6901), to check where an `add .../-` appends. */
function parentOf(doc: unknown, pointer: string): unknown {
  const segments = pointer.split("/").slice(1, -1);
  return segments.reduce<unknown>((v, s) => (v as Record<string, unknown> | undefined)?.[s], doc);
}

describe("Fargate sidecar patch", () => {
  it("carries the transform's container at the Deployment's pod template", () => {
    const patch = fargateSidecarPatch("Deployment", SETTINGS);
    const container = sidecarParts({ ...SETTINGS, style: "container" }).container;
    assert.deepEqual(patch.strategicMerge, {
      spec: {
        template: {
          spec: {
            containers: [container],
            volumes: [sidecarParts({ ...SETTINGS, style: "container" }).volume],
          },
        },
      },
    });
    const deployment = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "web" },
      spec: {
        selector: { matchLabels: { app: "web" } },
        template: {
          metadata: { labels: { app: "web" } },
          spec: { containers: [{ name: "app", image: "nginx" }], volumes: [{ name: "cache", emptyDir: {} }] },
        },
      },
    };
    for (const op of patch.json) {
      assert.ok(Array.isArray(parentOf(deployment, op.path)), `${op.path} appends to an existing list`);
    }
    // The patched object, as the API server would store it, still validates.
    const patched = JSON.parse(JSON.stringify(deployment));
    patched.spec.template.spec.containers.push(patch.json[0].value);
    patched.spec.template.spec.volumes.push(patch.json[1].value);
    new Deployment(patched).validate();
  });

  it("puts a native sidecar into a CronJob's job template", () => {
    const patch = fargateSidecarPatch("CronJob", SETTINGS);
    const spec = (
      patch.strategicMerge as {
        spec: { jobTemplate: { spec: { template: { spec: Record<string, unknown> } } } };
      }
    ).spec.jobTemplate.spec.template.spec;
    assert.deepEqual(Object.keys(spec), ["initContainers", "volumes"]);
    assert.equal((spec.initContainers as { restartPolicy: string }[])[0].restartPolicy, "Always");
    assert.equal(patch.json[0].path, "/spec/jobTemplate/spec/template/spec/initContainers/-");
    const cronJob = {
      apiVersion: "batch/v1",
      kind: "CronJob",
      metadata: { name: "nightly" },
      spec: {
        schedule: "0 3 * * *",
        jobTemplate: {
          spec: {
            template: {
              spec: { restartPolicy: "Never", containers: [{ name: "app", image: "x" }], ...spec },
            },
          },
        },
      },
    };
    new CronJob(cronJob as never).validate();
  });

  it("refuses Pods and kinds without a pod template", () => {
    assert.throws(() => fargateSidecarPatch("Pod", SETTINGS), SidecarPatchError);
    assert.throws(() => fargateSidecarPatch("DaemonSet", SETTINGS), /no pod template/);
  });

  it("writes both forms for every kind and prints the command", () => {
    const files = sidecarPatchFiles(SETTINGS);
    assert.equal(Object.keys(files).length, 12);
    for (const text of Object.values(files)) {
      JSON.parse(text);
    }
    assert.ok("fargate-sidecar.statefulset.strategic.json" in files);
    assert.equal(
      sidecarPatchCommand(
        { kind: "StatefulSet", name: "db", namespace: "apps" },
        "out/plan/fargate-sidecar.statefulset.strategic.json",
      ),
      "kubectl patch statefulset db -n apps --type strategic --patch-file out/plan/fargate-sidecar.statefulset.strategic.json",
    );
  });

  it("the plan section names the profiles, the commands and the missing fargateCidrs", () => {
    const lines = fargateSidecarPlanLines({
      fargateProfiles: [{ name: "apps", selectors: [{ namespace: "apps", labels: { tier: "web*" } }] }],
      workloadsWithoutSidecar: [{ kind: "Deployment", name: "web", namespace: "apps" }],
      patchFolder: "out/plan",
      fargateCidrsSet: false,
    });
    const text = lines.join("\n");
    assert.match(text, /profile apps: namespace "apps" with labels tier=web\*/);
    assert.match(
      text,
      /kubectl patch deployment web -n apps --type strategic --patch-file out\/plan\/fargate-sidecar\.deployment\.strategic\.json/,
    );
    assert.match(text, /fargateCidrs is not set/);
    assert.deepEqual(
      fargateSidecarPlanLines({ fargateProfiles: [], patchFolder: "x", fargateCidrsSet: true }),
      [],
    );
  });
});
