/**
 * Every container of a pod, in the order upstream visits them: init containers, containers, ephemeral containers.
 * Port of `visitContainers` (`staging/src/k8s.io/pod-security-admission/policy/visitor.go`), kubernetes/kubernetes at dde51bfc48b109a0f311055843d4d81a1966e9da (read from the mirror
 * kubernetes/pod-security-admission at 8f84a87c7f617f64a4ddc1aea24aeeb7a2e07cb8). Apache-2.0, The Kubernetes Authors.
 */
import type { Container, PodSpec } from "./podTypes";

/** Calls `visitor` for each init, regular and ephemeral container. */
export function visitContainers(podSpec: PodSpec, visitor: (container: Container) => void): void {
  for (const list of [podSpec.initContainers, podSpec.containers, podSpec.ephemeralContainers]) {
    for (const container of list ?? []) {
      visitor(container ?? {});
    }
  }
}
