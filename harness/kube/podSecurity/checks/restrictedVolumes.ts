/**
 * Restricted: inline volumes only of the types configMap, csi, downwardAPI, emptyDir, ephemeral, image,
 * persistentVolumeClaim, projected and secret (replacing the baseline hostPath check).
 *
 * Port of `staging/src/k8s.io/pod-security-admission/policy/check_restrictedVolumes.go`, kubernetes/kubernetes at
 * dde51bfc48b109a0f311055843d4d81a1966e9da (read from the mirror kubernetes/pod-security-admission at
 * 8f84a87c7f617f64a4ddc1aea24aeeb7a2e07cb8, `policy/check_restrictedVolumes.go`). Apache-2.0, The Kubernetes Authors.
 * Reason and detail texts are upstream's, word for word.
 */
import { Version } from "../api/version";
import type { Check } from "../check";
import { ALLOWED, forbidden, type CheckResult } from "../checkResult";
import { present, type Maybe, type ObjectMeta, type PodSpec, type VolumeSourceField } from "../podTypes";
import { sortedSet } from "../stringSet";
import { joinQuote, pluralize } from "../text";
import { CHECK_HOST_PATH_VOLUMES_ID } from "./hostPathVolumes";

/** Volume sources a restricted pod may use. */
const ALLOWED_SOURCES: readonly VolumeSourceField[] = [
  "configMap",
  "csi",
  "downwardAPI",
  "emptyDir",
  "ephemeral",
  "image",
  "persistentVolumeClaim",
  "projected",
  "secret",
];

/** Restricted sources, in the order upstream tests them; the JSON field name is the type named in the detail. */
const RESTRICTED_SOURCES: readonly VolumeSourceField[] = [
  "hostPath",
  "gcePersistentDisk",
  "awsElasticBlockStore",
  "gitRepo",
  "nfs",
  "iscsi",
  "glusterfs",
  "rbd",
  "flexVolume",
  "cinder",
  "cephfs",
  "flocker",
  "fc",
  "azureFile",
  "vsphereVolume",
  "quobyte",
  "azureDisk",
  "photonPersistentDisk",
  "portworxVolume",
  "scaleIO",
  "storageos",
];

/** The check, as registered upstream. */
export function checkRestrictedVolumes(): Check {
  return {
    id: "restrictedVolumes",
    level: "restricted",
    versions: [
      {
        minimumVersion: Version.majorMinor(1, 0),
        checkPod: restrictedVolumes_1_0,
        overrideCheckIDs: [CHECK_HOST_PATH_VOLUMES_ID],
      },
    ],
  };
}

/** v1.0+: every volume uses an allowed source; a volume with none of the known sources is `unknown`. */
export function restrictedVolumes_1_0(_podMetadata: Maybe<ObjectMeta>, podSpec: Maybe<PodSpec>): CheckResult {
  const badVolumes: string[] = [];
  const badVolumeTypes: string[] = [];
  for (const volume of podSpec?.volumes ?? []) {
    const v = volume ?? {};
    if (ALLOWED_SOURCES.some((source) => present(v[source]))) {
      continue;
    }
    badVolumes.push(v.name ?? "");
    badVolumeTypes.push(RESTRICTED_SOURCES.find((source) => present(v[source])) ?? "unknown");
  }
  if (badVolumes.length > 0) {
    const types = sortedSet(badVolumeTypes);
    return forbidden(
      "restricted volume types",
      `${pluralize("volume", "volumes", badVolumes.length)} ${joinQuote(badVolumes)} ${pluralize("uses", "use", badVolumes.length)} ${pluralize("restricted volume type", "restricted volume types", types.length)} ${joinQuote(types)}`,
    );
  }
  return ALLOWED;
}
