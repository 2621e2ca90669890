/**
 * Validation of the sensor resource's inputs, all problems at once, each naming the property and what is
 * allowed; runs in the provider's `check` (preview) and in the program for values known up front.
 */
import type { RunningConfigLayout } from "./runningConfigLayout";
import { UNKNOWN_VALUE } from "./sensorState";

/** One problem with an input. */
export interface SensorInputProblem {
  /** Property path, e.g. `forwardingRules[1].interfaceAddress`. */
  property: string;
  /** What is wrong and what is allowed. */
  reason: string;
}

/**
 * True for a canonical IPv4 CIDR (dotted quad without leading zeros, prefix 0-32, no host bits): the rule of
 * `isIpv4Cidr` in components/contract/cidr.ts, restated without ipaddr.js because this module runs inside the
 * serialized provider, which would otherwise carry the library by value (tests/sensor check they agree).
 */
export function isCanonicalIpv4Cidr(value: string): boolean {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(value);
  if (!match) {
    return false;
  }
  const octets = match.slice(1, 5);
  if (octets.some((o) => (o.length > 1 && o.startsWith("0")) || Number(o) > 255)) {
    return false;
  }
  const prefix = Number(match[5]);
  if (prefix > 32) {
    return false;
  }
  const address = octets.reduce((acc, o) => acc * 256 + Number(o), 0);
  const blockSize = 2 ** (32 - prefix);
  return address % blockSize === 0;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** A value a preview does not know yet: checked when it is known, at `pulumi up`. */
const isUnknown = (value: unknown) => value === UNKNOWN_VALUE;

function checkApiUrl(value: unknown, problems: SensorInputProblem[]): void {
  if (isUnknown(value)) {
    return;
  }
  let url: URL | undefined;
  try {
    url = typeof value === "string" ? new URL(value) : undefined;
  } catch {
    url = undefined;
  }
  if (
    !url ||
    url.protocol !== "https:" ||
    url.search ||
    url.hash ||
    !/^(\/|\/api\/v1\/?)?$/.test(url.pathname)
  ) {
    problems.push({
      property: "apiUrl",
      reason:
        `${JSON.stringify(value)} is not the sensor's HTTPS address (expected https://<sensor>[:port], ` +
        `optionally ending in /api/v1)`,
    });
  }
}

function checkTls(value: unknown, problems: SensorInputProblem[]): void {
  if (value === undefined || isUnknown(value)) {
    return;
  }
  if (!isRecord(value)) {
    problems.push({
      property: "tls",
      reason: "must be an object with caCertificate, serverName or insecure",
    });
    return;
  }
  const known = (v: unknown) => (isUnknown(v) ? undefined : v);
  const [caCertificate, insecure, serverName] = [
    known(value.caCertificate),
    known(value.insecure),
    known(value.serverName),
  ];
  if (
    caCertificate !== undefined &&
    (typeof caCertificate !== "string" || !caCertificate.includes("-----BEGIN CERTIFICATE-----"))
  ) {
    problems.push({
      property: "tls.caCertificate",
      reason: "must be PEM text (-----BEGIN CERTIFICATE-----...)",
    });
  }
  if (insecure !== undefined && typeof insecure !== "boolean") {
    problems.push({ property: "tls.insecure", reason: `${JSON.stringify(insecure)} is not a boolean` });
  }
  if (insecure === true && caCertificate !== undefined) {
    problems.push({
      property: "tls.insecure",
      reason:
        "cannot be combined with tls.caCertificate (a CA is only useful when the certificate is verified)",
    });
  }
  if (serverName !== undefined && (typeof serverName !== "string" || !/^[A-Za-z0-9.-]+$/.test(serverName))) {
    problems.push({ property: "tls.serverName", reason: `${JSON.stringify(serverName)} is not a host name` });
  }
}

function checkRules(value: unknown, problems: SensorInputProblem[]): void {
  if (isUnknown(value)) {
    return;
  }
  if (!Array.isArray(value) || value.length === 0) {
    problems.push({ property: "forwardingRules", reason: "needs at least one pod CIDR (podCidrs is empty)" });
    return;
  }
  const seen = new Set<string>();
  value.forEach((rule: unknown, i) => {
    const at = `forwardingRules[${i}]`;
    if (!isRecord(rule)) {
      problems.push({ property: at, reason: "must be { port, interfaceAddress }" });
      return;
    }
    const { port, interfaceAddress } = rule;
    if (isUnknown(port) || isUnknown(interfaceAddress)) {
      return;
    }
    if (typeof port !== "number" || !Number.isInteger(port) || port < 1 || port > 65535) {
      problems.push({
        property: `${at}.port`,
        reason: `sensorPort ${JSON.stringify(port)} must be between 1 and 65535`,
      });
    }
    if (typeof interfaceAddress !== "string" || !isCanonicalIpv4Cidr(interfaceAddress)) {
      problems.push({
        property: `${at}.interfaceAddress`,
        reason: `pod CIDR ${JSON.stringify(interfaceAddress)} is not an IPv4 CIDR such as 10.0.0.0/16`,
      });
    }
    const key = `${String(port)} ${String(interfaceAddress)}`;
    if (seen.has(key)) {
      problems.push({ property: at, reason: `pod CIDR ${String(interfaceAddress)} is listed twice` });
    }
    seen.add(key);
  });
}

function checkDiscovery(value: unknown, problems: SensorInputProblem[]): void {
  if (isUnknown(value)) {
    return;
  }
  if (!Array.isArray(value)) {
    problems.push({ property: "remoteDiscoveryCidrs", reason: "must be a list of IPv4 CIDRs" });
    return;
  }
  value.forEach((cidr: unknown, i) => {
    if (isUnknown(cidr)) {
      return;
    }
    if (typeof cidr !== "string" || !isCanonicalIpv4Cidr(cidr)) {
      problems.push({
        property: `remoteDiscoveryCidrs[${i}]`,
        reason: `${JSON.stringify(cidr)} is not an IPv4 CIDR such as 10.0.0.0/16`,
      });
    } else if (value.indexOf(cidr) !== i) {
      problems.push({ property: `remoteDiscoveryCidrs[${i}]`, reason: `${cidr} is listed twice` });
    }
  });
}

function checkLayout(value: unknown, problems: SensorInputProblem[]): void {
  const layout = value as Partial<RunningConfigLayout> | undefined;
  const isKey = (k: unknown) => typeof k === "string" && k.length > 0;
  const isPath = (p: unknown) => Array.isArray(p) && p.length > 0 && p.every(isKey);
  if (!isRecord(layout) || !isRecord(layout.ruleFields)) {
    problems.push({ property: "runningConfigLayout", reason: "must be a complete layout object" });
    return;
  }
  for (const name of ["rpcapPath", "remoteDiscoveryPath"] as const) {
    if (!isPath(layout[name])) {
      problems.push({ property: `runningConfigLayout.${name}`, reason: "must be a non-empty list of keys" });
    }
  }
  for (const name of ["rpcapEnabledKey", "forwardingRulesKey"] as const) {
    if (!isKey(layout[name])) {
      problems.push({ property: `runningConfigLayout.${name}`, reason: "must be a non-empty key" });
    }
  }
  for (const [name, key] of Object.entries(layout.ruleFields)) {
    if (!isKey(key)) {
      problems.push({
        property: `runningConfigLayout.ruleFields.${name}`,
        reason: "must be a non-empty key",
      });
    }
  }
}

/** Every problem with the inputs (empty when they are valid). */
export function checkSensorInputs(inputs: Record<string, unknown>): SensorInputProblem[] {
  const problems: SensorInputProblem[] = [];
  checkApiUrl(inputs.apiUrl, problems);
  if (!isUnknown(inputs.apiKey) && (typeof inputs.apiKey !== "string" || !/^\S+$/.test(inputs.apiKey))) {
    // The key goes into a header: whitespace or line breaks would corrupt it, and its value is never echoed.
    problems.push({
      property: "apiKey",
      reason: "must be a non-empty API key without spaces or line breaks",
    });
  }
  checkTls(inputs.tls, problems);
  checkRules(inputs.forwardingRules, problems);
  checkDiscovery(inputs.remoteDiscoveryCidrs, problems);
  checkLayout(inputs.runningConfigLayout, problems);
  return problems;
}
