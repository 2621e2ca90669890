/**
 * What kube-apiserver answers to a Service whose ClusterIP lies outside the service range, in the forms it has
 * taken across versions. Ported from kubernetes/kubernetes:
 * - `pkg/registry/core/service/ipallocator` `ErrNotInRange.Error()`: "provided IP is not in the valid range" (about
 *   1.7 and before), "... The range of valid IPs is %s" (later), "the provided IP (%v) is not in the valid range.
 *   The range of valid IPs is %s" (current); `ErrMismatchedNetwork`: "the provided network does not match the
 *   current range" (the ServiceCIDR allocator, `cidrallocator.go`, when no ServiceCIDR contains the address);
 * - `pkg/registry/core/service/storage/rest.go` (1.20/1.21): "failed to allocated ip:%v with error:%v", and
 *   `.../storage/alloc.go` (later): "failed to allocate IP %v: %v";
 * - the Status envelope: k8s.io/apimachinery `errors.NewInvalid` ("%s %q is invalid: %v", reason `Invalid`, 422,
 *   one `FieldValueInvalid` cause per field error) and `field.Invalid` ("Invalid value: %#v: %s").
 * Open proposal kubernetes/kubernetes#141559 would drop the range from the message (`rangeWithheld`).
 */

/** The message forms, oldest first. */
export const SERVICE_RANGE_MESSAGE_STYLES = [
  "legacyNoRange",
  "clusterIP",
  "clusterIPsAllocated",
  "clusterIPsAllocate",
  "mismatchedNetwork",
  "rangeWithheld",
] as const;

/** One message form. */
export type ServiceRangeMessageStyle = (typeof SERVICE_RANGE_MESSAGE_STYLES)[number];

function fieldError(
  style: ServiceRangeMessageStyle,
  ip: string,
  range: string,
): { field: string; detail: string } {
  const list = `[]string{"${ip}"}`;
  switch (style) {
    case "legacyNoRange":
      return {
        field: "spec.clusterIP",
        detail: `Invalid value: "${ip}": provided IP is not in the valid range`,
      };
    case "clusterIP":
      return {
        field: "spec.clusterIP",
        detail: `Invalid value: "${ip}": provided IP is not in the valid range. The range of valid IPs is ${range}`,
      };
    case "clusterIPsAllocated":
      return {
        field: "spec.clusterIPs",
        detail:
          `Invalid value: ${list}: failed to allocated ip:${ip} with error:provided IP is not in the valid range. ` +
          `The range of valid IPs is ${range}`,
      };
    case "clusterIPsAllocate":
      return {
        field: "spec.clusterIPs",
        detail:
          `Invalid value: ${list}: failed to allocate IP ${ip}: the provided IP (${ip}) is not in the valid range. ` +
          `The range of valid IPs is ${range}`,
      };
    case "mismatchedNetwork":
      return {
        field: "spec.clusterIPs",
        detail: `Invalid value: ${list}: failed to allocate IP ${ip}: the provided network does not match the current range`,
      };
    case "rangeWithheld":
      return {
        field: "spec.clusterIPs",
        detail: `Invalid value: ${list}: failed to allocate IP ${ip}: the provided IP (${ip}) is not in the valid range`,
      };
  }
}

/**
 * The 422 Status body kube-apiserver returns for a Service named `name` asking for `ip` outside `range`.
 * @param style which version's wording
 * @param name the Service's name
 * @param ip the requested ClusterIP
 * @param range the server's service range
 */
export function outOfRangeStatus(
  style: ServiceRangeMessageStyle,
  name: string,
  ip: string,
  range: string,
): Record<string, unknown> {
  const { field, detail } = fieldError(style, ip, range);
  return {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message: `Service "${name}" is invalid: ${field}: ${detail}`,
    reason: "Invalid",
    details: { name, kind: "Service", causes: [{ reason: "FieldValueInvalid", message: detail, field }] },
    code: 422,
  };
}
