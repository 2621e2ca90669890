/**
 * The capture sidecar for workloads that are not declared in the Pulumi program (Helm releases, kubectl, GitOps): a
 * patch the user applies to each workload that runs on Fargate, with no mutating webhook in the cluster. The same
 * container as the transform adds (`sidecarContainer.ts`), rendered as
 * - a strategic merge patch (`kubectl patch --type strategic`): `containers`, `initContainers` and `volumes` merge
 *   by `name` (their patch merge key in the Kubernetes API), so applying it twice changes nothing and the workload's
 *   own containers stay; a native sidecar lands at the end of `initContainers`, after the workload's own init
 *   containers;
 * - a JSON patch (`kubectl patch --type json`, RFC 6902) that appends to the lists; its `/volumes/-` operation fails
 *   on a pod template without `volumes` (RFC 6902 `add` needs the array to exist), and applying it twice adds the
 *   container twice, which the API server refuses (duplicate container name).
 * Pods cannot be patched (a pod's container list is immutable): patch the workload that owns them.
 */
import { workloadKind } from "./workloadKinds";
import { sidecarParts, sidecarStyleFor, type SidecarSettings, type SidecarStyle } from "./sidecarContainer";

/** Settings of a patch: the sidecar's, with the style still to decide per kind. */
export type SidecarPatchSettings = Omit<SidecarSettings, "style"> & { style: SidecarStyle };

/** The two forms of the patch for one workload kind. */
export interface SidecarPatch {
  /** Kind it applies to. */
  kind: string;
  /** Strategic merge patch (JSON object). */
  strategicMerge: Record<string, unknown>;
  /** JSON patch operations. */
  json: { op: "add"; path: string; value: unknown }[];
}

/** The patch cannot be rendered for this kind. */
export class SidecarPatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SidecarPatchError";
  }
}

function nest(path: readonly string[], leaf: Record<string, unknown>): Record<string, unknown> {
  return path.reduceRight<Record<string, unknown>>((inner, key) => ({ [key]: inner }), leaf);
}

/**
 * The sidecar patch for a workload kind.
 * @param kind `Deployment`, `StatefulSet`, `ReplicaSet`, `ReplicationController`, `Job` or `CronJob`
 * @param settings the sidecar's settings
 * @throws SidecarPatchError for Pods and kinds without a pod template
 */
export function fargateSidecarPatch(kind: string, settings: SidecarPatchSettings): SidecarPatch {
  const k = workloadKind(kind);
  if (!k || k.kind === "Pod") {
    throw new SidecarPatchError(
      kind === "Pod"
        ? "a Pod's containers cannot be changed once it exists: patch the workload that owns it"
        : `${kind} has no pod template that runs on Fargate (kinds: Deployment, StatefulSet, ReplicaSet, ` +
            "ReplicationController, Job, CronJob)",
    );
  }
  const style = sidecarStyleFor(settings.style, k.kind);
  const parts = sidecarParts({ ...settings, style });
  const list = style === "native" ? "initContainers" : "containers";
  const specPath = [...k.templatePath, "spec"];
  const pointer = `/${specPath.join("/")}`;
  return {
    kind: k.kind,
    strategicMerge: nest(specPath, { [list]: [parts.container], volumes: [parts.volume] }),
    json: [
      { op: "add", path: `${pointer}/${list}/-`, value: parts.container },
      { op: "add", path: `${pointer}/volumes/-`, value: parts.volume },
    ],
  };
}

/** File name of a patch in the plan's output folder, e.g. `fargate-sidecar.deployment.strategic.json` or `.jsonpatch.json`. */
export function sidecarPatchFileName(kind: string, form: "strategic" | "jsonpatch"): string {
  return `fargate-sidecar.${kind.toLowerCase()}.${form}.json`;
}

/**
 * The `kubectl patch` command for one workload.
 * @param workload its kind, name and namespace
 * @param patchFile path of the strategic merge patch file
 */
export function sidecarPatchCommand(
  workload: { kind: string; name: string; namespace: string },
  patchFile: string,
): string {
  const resource = workloadKind(workload.kind)?.resource ?? workload.kind.toLowerCase();
  return `kubectl patch ${resource} ${workload.name} -n ${workload.namespace} --type strategic --patch-file ${patchFile}`;
}

/**
 * Every patch file for the plan's output folder (strategic and JSON forms for each kind), by file name.
 * @param settings the sidecar's settings
 */
export function sidecarPatchFiles(settings: SidecarPatchSettings): Record<string, string> {
  const files: Record<string, string> = {};
  for (const kind of ["Deployment", "StatefulSet", "ReplicaSet", "ReplicationController", "Job", "CronJob"]) {
    const patch = fargateSidecarPatch(kind, settings);
    files[sidecarPatchFileName(kind, "strategic")] = `${JSON.stringify(patch.strategicMerge, null, 2)}\n`;
    files[sidecarPatchFileName(kind, "jsonpatch")] = `${JSON.stringify(patch.json, null, 2)}\n`;
  }
  return files;
}
