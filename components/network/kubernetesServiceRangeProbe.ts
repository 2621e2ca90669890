/**
 * The service range as the API server states it when asked for a ClusterIP outside it: a dry-run create of a
 * Service with `clusterIP: 1.1.1.1` (the trick `kubectl create service clusterip x --clusterip 1.1.1.1` users
 * rely on). The answer is a 422 `Invalid` Status whose message has changed across Kubernetes versions
 * (kubernetes/kubernetes, pkg/registry/core/service/ipallocator and .../service/storage/alloc.go):
 *
 * - before about 1.8: `spec.clusterIP: Invalid value: "1.1.1.1": provided IP is not in the valid range` (no range);
 * - about 1.8 to 1.19: `... provided IP is not in the valid range. The range of valid IPs is 10.96.0.0/12`;
 * - 1.20 and 1.21: `spec.clusterIPs: Invalid value: []string{"1.1.1.1"}: failed to allocated ip:1.1.1.1 with
 *   error:provided IP is not in the valid range. The range of valid IPs is 10.96.0.0/12`;
 * - later: `... failed to allocate IP 1.1.1.1: the provided IP (1.1.1.1) is not in the valid range. The range of
 *   valid IPs is 10.96.0.0/12`;
 * - with the ServiceCIDR allocator (`MultiCIDRServiceAllocator`, default from 1.33) a real create answers
 *   `the provided network does not match the current range` (no range), while a dry run still checks against one
 *   ServiceCIDR and names it; the ServiceCIDR objects themselves are the better source there.
 *
 * Only the phrase `The range of valid IPs is <cidr>` is relied on; an answer without it is reported, not guessed.
 */
import { answerMessage, type KubernetesAnswer } from "./kubernetesApi";
import { parseCidrList } from "./kubernetesRanges";

/** Namespace the probe is submitted to: present in every cluster. */
export const PROBE_NAMESPACE = "default";
/** Collection the probe is posted to. */
export const PROBE_PATH = `/api/v1/namespaces/${PROBE_NAMESPACE}/services`;
/**
 * Addresses to ask for, in turn: the first kubectl users ask for, then one from TEST-NET-3 (RFC 5737), so that a
 * range containing the first (which no real cluster uses) still yields an answer.
 */
export const PROBE_CLUSTER_IPS = ["1.1.1.1", "203.0.113.1"] as const;

/** The Service submitted (dry run only: never stored). */
export function serviceRangeProbe(clusterIP: string): Record<string, unknown> {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "pod-packet-forwarding-range-probe", namespace: PROBE_NAMESPACE },
    spec: { type: "ClusterIP", clusterIP, ports: [{ name: "probe", port: 9, protocol: "TCP" }] },
  };
}

/** What a probe answer says. */
export type ProbeOutcome =
  | {
      /** The server named its range. */
      found: true;
      /** IPv4 CIDRs named. */
      ranges: string[];
      /** The server's message, for the record. */
      message: string;
    }
  | {
      /** The answer holds no range. */
      found: false;
      /** Why, for the list of what was tried. */
      reason: string;
    };

function messagesOf(answer: KubernetesAnswer): string[] {
  const messages = [answerMessage(answer)];
  const causes = (answer.body as { details?: { causes?: { message?: unknown }[] } } | undefined)?.details
    ?.causes;
  for (const cause of Array.isArray(causes) ? causes : []) {
    if (typeof cause?.message === "string") {
      messages.push(cause.message);
    }
  }
  return messages.filter(Boolean);
}

/**
 * Reads the service range out of the answer to {@link serviceRangeProbe}.
 * @param answer the API server's answer to the dry-run create
 * @param clusterIP the address the probe asked for
 */
export function serviceRangeFromProbeAnswer(answer: KubernetesAnswer, clusterIP: string): ProbeOutcome {
  if (answer.status >= 200 && answer.status < 300) {
    return {
      found: false,
      reason: `the server accepted ClusterIP ${clusterIP} (it lies inside the service range)`,
    };
  }
  const messages = messagesOf(answer);
  for (const message of messages) {
    const match = /The range of valid IPs is\s+(?:CIDR\s+)?([0-9A-Fa-f.:/,]+)/i.exec(message);
    if (match) {
      const ranges = parseCidrList(match[1].replace(/[.,]+$/, "")).ipv4;
      if (ranges.length) {
        return { found: true, ranges, message };
      }
    }
  }
  const said = messages[0] ? `: ${messages[0]}` : "";
  if (answer.status === 422) {
    return {
      found: false,
      reason: `the server refused ClusterIP ${clusterIP} without naming its range${said}`,
    };
  }
  return {
    found: false,
    reason: `${answer.status === 403 ? "forbidden" : "failed"} (${answer.status})${said}`,
  };
}
