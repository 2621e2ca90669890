/**
 * Where the Pod Security evaluator in this folder comes from. Every ported file names its upstream file; this is
 * the one commit they were all read at.
 *
 * kubernetes/kubernetes does not fit the reading tools here (1.9 GB), so the files were read from its published
 * mirror kubernetes/pod-security-admission, whose commit names the kubernetes/kubernetes commit it was published
 * from (`Kubernetes-commit:` trailer). Upstream code is Apache-2.0, The Kubernetes Authors.
 */

/** The upstream source of the port. */
export const UPSTREAM = {
  /** Path of the module inside kubernetes/kubernetes. */
  kubernetesPath: "staging/src/k8s.io/pod-security-admission",
  /** kubernetes/kubernetes commit the mirror commit was published from. */
  kubernetesCommit: "dde51bfc48b109a0f311055843d4d81a1966e9da",
  /** The published mirror that was read. */
  mirrorRepository: "kubernetes/pod-security-admission",
  /** Mirror commit (2026-07-01, "Merge pull request #139974"). */
  mirrorCommit: "8f84a87c7f617f64a4ddc1aea24aeeb7a2e07cb8",
  /** The newest policy version any check of that commit defines (sysctls v1.37). */
  newestPolicyVersion: "v1.37",
} as const;
