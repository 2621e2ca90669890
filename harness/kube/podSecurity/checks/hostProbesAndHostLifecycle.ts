/**
 * Baseline, from policy v1.34: probes (liveness, readiness, startup) and lifecycle hooks (postStart, preStop)
 * must not name a `host` in `httpGet` or `tcpSocket`: the kubelet would connect to that host on the pod's behalf.
 * Unset (the pod IP) is the only allowed value.
 *
 * Port of `staging/src/k8s.io/pod-security-admission/policy/check_hostProbesAndhostLifecycle.go`, kubernetes/kubernetes at
 * dde51bfc48b109a0f311055843d4d81a1966e9da (read from the mirror kubernetes/pod-security-admission at
 * 8f84a87c7f617f64a4ddc1aea24aeeb7a2e07cb8, `policy/check_hostProbesAndhostLifecycle.go`). Apache-2.0, The Kubernetes Authors.
 * Reason and detail texts are upstream's, word for word.
 */
import { Version } from "../api/version";
import type { Check } from "../check";
import { ALLOWED, forbidden, type CheckResult } from "../checkResult";
import { present, type Handler, type Maybe, type ObjectMeta, type PodSpec } from "../podTypes";
import { sortedSet } from "../stringSet";
import { joinQuote, pluralize } from "../text";
import { visitContainers } from "../visitContainers";

/** The check, as registered upstream. */
export function checkHostProbesAndHostLifecycle(): Check {
  return {
    id: "hostProbesAndHostLifecycle",
    level: "baseline",
    versions: [{ minimumVersion: Version.majorMinor(1, 34), checkPod: hostProbesAndHostLifecycleV1Dot34 }],
  };
}

function forbiddenHosts(handler: Maybe<Handler>): string[] {
  if (!present(handler)) {
    return [];
  }
  const badHosts: string[] = [];
  const httpHost = handler.httpGet?.host ?? "";
  if (present(handler.httpGet) && httpHost !== "") {
    badHosts.push(httpHost);
  }
  const tcpHost = handler.tcpSocket?.host ?? "";
  if (present(handler.tcpSocket) && tcpHost !== "") {
    badHosts.push(tcpHost);
  }
  return badHosts;
}

/** v1.34+: no probe or lifecycle handler names a host. */
export function hostProbesAndHostLifecycleV1Dot34(
  _podMetadata: Maybe<ObjectMeta>,
  podSpec: Maybe<PodSpec>,
): CheckResult {
  const badContainers: string[] = [];
  const hosts: string[] = [];
  visitContainers(podSpec ?? {}, (container) => {
    const handlers = [
      container.livenessProbe,
      container.readinessProbe,
      container.startupProbe,
      ...(present(container.lifecycle) ? [container.lifecycle.postStart, container.lifecycle.preStop] : []),
    ];
    for (const handler of handlers) {
      const badHosts = forbiddenHosts(handler);
      if (badHosts.length > 0) {
        badContainers.push(container.name ?? "");
        hosts.push(...badHosts);
      }
    }
  });
  const containers = sortedSet(badContainers);
  if (containers.length > 0) {
    const forbiddenList = sortedSet(hosts);
    return forbidden(
      "probe or lifecycle host",
      `${pluralize("container", "containers", containers.length)} ${joinQuote(containers)} ${pluralize("uses", "use", containers.length)} ${pluralize("probe or lifecycle host", "probe or lifecycle hosts", forbiddenList.length)} ${joinQuote(forbiddenList)}`,
    );
  }
  return ALLOWED;
}
