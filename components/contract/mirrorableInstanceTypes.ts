/**
 * Which EC2 instance types can be a VPC Traffic Mirroring source, kept as data the user can override
 * (stack config `mirrorUnsupportedInstanceTypes`, reconciler env `UNSUPPORTED_INSTANCE_TYPES`).
 *
 * Source: "Traffic Mirroring quotas and limitations" / "Understand traffic mirror session concepts",
 * section "Instance types", Amazon VPC Traffic Mirroring guide
 * (https://docs.aws.amazon.com/vpc/latest/mirroring/traffic-mirroring-limits.html and
 * https://docs.aws.amazon.com/vpc/latest/mirroring/traffic-mirroring-sessions.html), as read on 2026-11-26:
 * - "Traffic Mirroring is not available on the following virtualized Nitro instance types:" (families below);
 * - "Traffic Mirroring is not available on bare metal instances.";
 * - "Traffic Mirroring is available only on the following non-Nitro instances types: C4, D2, G3, G3s, H1, I3,
 *   M4, P2, P3, R4, X1, and X1e. Note that this does not include T2 instances."
 * The page has changed over time (older copies list fewer Nitro families), so this list is a best effort: when
 * AWS refuses a session anyway, the reconciler reports AWS's own error for that ENI.
 */

/** Nitro families the AWS guide lists as unavailable for mirroring, grouped as the guide groups them. */
const UNSUPPORTED_NITRO_FAMILIES = {
  generalPurpose: ["m8g", "m6a", "m6i", "m6id", "m6idn", "m6in", "m7a", "m7g", "m7gd", "m7i", "m7i-flex"],
  computeOptimized: [
    "c8g",
    "c6a",
    "c6gd",
    "c6gn",
    "c6i",
    "c6id",
    "c6in",
    "c7a",
    "c7g",
    "c7gd",
    "c7gn",
    "c7i",
  ],
  memoryOptimized: [
    "r8g",
    "r6a",
    "r6i",
    "r6id",
    "r6idn",
    "r6in",
    "r7a",
    "r7g",
    "r7gd",
    "r7i",
    "r7iz",
    "x8g",
    "x2idn",
    "x2iedn",
    "x2iezn",
  ],
  storageOptimized: ["i4g", "i4i", "im4gn", "is4gen"],
  acceleratedComputing: ["inf2", "p5", "trn1", "trn1n"],
  highPerformanceComputing: ["hpc6a", "hpc6id", "hpc7a", "hpc7g"],
};

/**
 * Xen (non-Nitro) families that are NOT in the guide's short list of mirrorable non-Nitro types
 * (C4, D2, G3, G3s, H1, I3, M4, P2, P3, R4, X1, X1e). T2 is named explicitly by the guide.
 */
const UNSUPPORTED_XEN_FAMILIES = [
  "t1",
  "t2",
  "m1",
  "m2",
  "m3",
  "c1",
  "c3",
  "cc2",
  "cr1",
  "g2",
  "hi1",
  "hs1",
  "i2",
  "r3",
];

/**
 * The built-in list of unsupported instance types as glob patterns (`*` matches any run of characters):
 * one `<family>.*` per family above, plus `*.metal*` for bare metal (`m5.metal`, `m7i.metal-24xl`).
 */
export const DEFAULT_UNSUPPORTED_INSTANCE_TYPES: readonly string[] = Object.freeze([
  ...Object.values(UNSUPPORTED_NITRO_FAMILIES)
    .flat()
    .map((f) => `${f}.*`),
  ...UNSUPPORTED_XEN_FAMILIES.map((f) => `${f}.*`),
  "*.metal*",
]);

function globToRegExp(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*");
  return new RegExp(`^${escaped}$`, "i");
}

/**
 * The first pattern of `patterns` that matches `instanceType` (case-insensitive glob, `*` = any characters),
 * or undefined when the type is mirrorable.
 * @example unsupportedMatch("t2.medium", ["t2.*"]) === "t2.*"
 */
export function unsupportedMatch(instanceType: string, patterns: readonly string[]): string | undefined {
  return patterns.find((p) => globToRegExp(p).test(instanceType));
}

/**
 * Parses the reconciler's `UNSUPPORTED_INSTANCE_TYPES` env value: a JSON array of patterns, or a comma list.
 * Absent or empty string = the built-in list. `[]` = nothing is unsupported.
 */
export function parseUnsupportedInstanceTypes(value: string | undefined): readonly string[] {
  if (value === undefined || value.trim() === "") {
    return DEFAULT_UNSUPPORTED_INSTANCE_TYPES;
  }
  const trimmed = value.trim();
  if (trimmed.startsWith("[")) {
    const parsed: unknown = JSON.parse(trimmed);
    if (!Array.isArray(parsed) || !parsed.every((p) => typeof p === "string")) {
      throw new Error(`UNSUPPORTED_INSTANCE_TYPES must be a JSON array of strings, got ${value}`);
    }
    return parsed;
  }
  return trimmed
    .split(",")
    .map((p) => p.trim())
    .filter((p) => p !== "");
}
