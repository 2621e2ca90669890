/**
 * The shape of a Pod Security check: an id, the level it belongs to, and versions of its logic. Port of `Check`,
 * `VersionedCheck`, `CheckPodFn` and `CheckID` from `staging/src/k8s.io/pod-security-admission/policy/checks.go`,
 * kubernetes/kubernetes at dde51bfc48b109a0f311055843d4d81a1966e9da (read from the mirror
 * kubernetes/pod-security-admission at 8f84a87c7f617f64a4ddc1aea24aeeb7a2e07cb8). Apache-2.0, The Kubernetes Authors.
 */
import type { Version } from "./api/version";
import type { CheckResult } from "./checkResult";
import type { Maybe, ObjectMeta, PodSpec } from "./podTypes";

/** Unique id of a check, e.g. `hostNamespaces`. */
export type CheckID = string;

/** Decides whether a pod is allowed. Metadata and spec may be nil (Go pointers); the registry tests pass nil. */
export type CheckPodFn = (podMetadata: Maybe<ObjectMeta>, podSpec: Maybe<PodSpec>) => CheckResult;

/** One revision of a check's logic. */
export interface VersionedCheck {
  /** First policy version this revision applies to; {@link Version.zero} when not yet assigned. Never `latest`. */
  minimumVersion: Version;
  /** The logic. */
  checkPod: CheckPodFn;
  /** Baseline checks this (restricted) revision replaces. */
  overrideCheckIDs?: CheckID[];
}

/** A check and its revisions. */
export interface Check {
  /** Unique id. */
  id: CheckID;
  /** `baseline` (also run for restricted) or `restricted`. */
  level: "baseline" | "restricted";
  /** Revisions, strictly increasing minimum versions. */
  versions: VersionedCheck[];
}
