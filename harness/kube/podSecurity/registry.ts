/**
 * The evaluator: which checks (and which revision of each) run for a level at a policy version. Port of
 * `Evaluator`, `NewEvaluator`, `EvaluatePod`, `validateChecks`, `populate`, `inflateVersions`, `mapCheckPodFns`
 * and `nextMinor` (`staging/src/k8s.io/pod-security-admission/policy/registry.go`), kubernetes/kubernetes at dde51bfc48b109a0f311055843d4d81a1966e9da (read from the mirror
 * kubernetes/pod-security-admission at 8f84a87c7f617f64a4ddc1aea24aeeb7a2e07cb8). Apache-2.0, The Kubernetes Authors.
 *
 * - `privileged` runs no check.
 * - `baseline` runs the baseline checks; `restricted` runs the restricted checks plus the baseline checks that no
 *   restricted check overrides at that version.
 * - A version newer than the newest any check defines (or `latest`) evaluates as that newest version; with an
 *   emulation version older than it, as the emulation version.
 * - Results come in check-id order (byte order), baseline ids first, so messages are stable.
 */
import type { LevelVersion } from "./api/levelVersion";
import { nextMinor, Version } from "./api/version";
import type { Check, CheckID, CheckPodFn, VersionedCheck } from "./check";
import type { CheckResult } from "./checkResult";
import type { Maybe, ObjectMeta, PodSpec } from "./podTypes";
import { compareGoStrings } from "./stringSet";

/** Evaluates pods against a level and version. */
export interface Evaluator {
  /** One result per check that runs for `lv` (none for `privileged`). */
  evaluatePod(lv: LevelVersion, podMetadata: Maybe<ObjectMeta>, podSpec: Maybe<PodSpec>): CheckResult[];
}

/**
 * An evaluator for `checks`. Throws (upstream returns the error) unless: ids are unique; levels are baseline or
 * restricted; each check has versions, none zero or `latest`, strictly increasing; only restricted checks override,
 * and only baseline checks.
 * @param checks the checks, e.g. {@link defaultChecks}
 * @param emulationVersion evaluate no newer than this version (a cluster emulating an older minor)
 */
export function newEvaluator(checks: readonly Check[], emulationVersion?: Version): Evaluator {
  validateChecks(checks);
  const baselineChecks = new Map<string, CheckPodFn[]>();
  const restrictedChecks = new Map<string, CheckPodFn[]>();
  let maxVersion = populate(checks, baselineChecks, restrictedChecks);
  if (emulationVersion && emulationVersion.older(maxVersion)) {
    maxVersion = emulationVersion;
  }
  return {
    evaluatePod(lv, podMetadata, podSpec) {
      if (lv.level === "privileged") {
        return [];
      }
      const version = maxVersion.older(lv.version) ? maxVersion : lv.version;
      const fns = (lv.level === "baseline" ? baselineChecks : restrictedChecks).get(version.toString()) ?? [];
      return fns.map((check) => check(podMetadata, podSpec));
    },
  };
}

/** Throws the first problem upstream's `validateChecks` reports, with its message. */
export function validateChecks(checks: readonly Check[]): void {
  const ids = new Map<CheckID, string>();
  for (const check of checks) {
    if (ids.has(check.id)) {
      throw new Error(`multiple checks registered for ID ${check.id}`);
    }
    ids.set(check.id, check.level);
    if (check.level !== "baseline" && check.level !== "restricted") {
      throw new Error(`check ${check.id}: invalid level ${String(check.level)}`);
    }
    if (check.versions.length === 0) {
      throw new Error(`check ${check.id}: empty`);
    }
    let maxVersion = Version.zero();
    for (const c of check.versions) {
      if (c.minimumVersion.equals(Version.zero())) {
        throw new Error(`check ${check.id}: undefined version found`);
      }
      if (c.minimumVersion.isLatest()) {
        throw new Error(`check ${check.id}: version cannot be 'latest'`);
      }
      if (maxVersion.equals(c.minimumVersion)) {
        throw new Error(`check ${check.id}: duplicate version ${c.minimumVersion.toString()}`);
      }
      if (!maxVersion.older(c.minimumVersion)) {
        throw new Error(`check ${check.id}: versions must be strictly increasing`);
      }
      maxVersion = c.minimumVersion;
    }
  }
  for (const check of checks) {
    for (const c of check.versions) {
      if (!c.overrideCheckIDs || c.overrideCheckIDs.length === 0) {
        continue;
      }
      if (check.level !== "restricted") {
        throw new Error(`check ${check.id}: only restricted checks may set overrides`);
      }
      for (const override of c.overrideCheckIDs) {
        const overriddenLevel = ids.get(override);
        if (overriddenLevel !== undefined && overriddenLevel !== "baseline") {
          throw new Error(`check ${check.id}: overrides ${overriddenLevel} check ${override}`);
        }
      }
    }
  }
}

/** Fills the per-version check lists; returns the newest minimum version of any check. */
function populate(
  checks: readonly Check[],
  baselineChecks: Map<string, CheckPodFn[]>,
  restrictedChecks: Map<string, CheckPodFn[]>,
): Version {
  let maxVersion = Version.zero();
  for (const c of checks) {
    const last = c.versions[c.versions.length - 1].minimumVersion;
    if (maxVersion.older(last)) {
      maxVersion = last;
    }
  }
  const restrictedVersioned = new Map<string, Map<CheckID, VersionedCheck>>();
  const baselineVersioned = new Map<string, Map<CheckID, VersionedCheck>>();
  const baselineIDs: CheckID[] = [];
  const restrictedIDs: CheckID[] = [];
  for (const c of checks) {
    if (c.level === "restricted") {
      restrictedIDs.push(c.id);
      inflateVersions(c, restrictedVersioned, maxVersion);
    } else {
      baselineIDs.push(c.id);
      inflateVersions(c, baselineVersioned, maxVersion);
    }
  }
  restrictedIDs.sort(compareGoStrings);
  baselineIDs.sort(compareGoStrings);
  const orderedIDs = [...baselineIDs, ...restrictedIDs];
  for (let v = Version.majorMinor(1, 0); v.older(nextMinor(maxVersion)); v = nextMinor(v)) {
    const key = v.toString();
    const overrides = new Set<CheckID>();
    for (const c of restrictedVersioned.get(key)?.values() ?? []) {
      for (const override of c.overrideCheckIDs ?? []) {
        overrides.add(override);
      }
    }
    for (const [id, c] of baselineVersioned.get(key) ?? []) {
      if (overrides.has(id)) {
        continue;
      }
      if (!restrictedVersioned.has(key)) {
        restrictedVersioned.set(key, new Map());
      }
      restrictedVersioned.get(key)?.set(id, c);
    }
    restrictedChecks.set(key, mapCheckPodFns(restrictedVersioned.get(key), orderedIDs));
    baselineChecks.set(key, mapCheckPodFns(baselineVersioned.get(key), orderedIDs));
  }
  return maxVersion;
}

/** Registers each revision of `check` for every version from its minimum up to the next revision's. */
function inflateVersions(
  check: Check,
  versions: Map<string, Map<CheckID, VersionedCheck>>,
  maxVersion: Version,
): void {
  check.versions.forEach((c, i) => {
    const nextVersion =
      i + 1 < check.versions.length ? check.versions[i + 1].minimumVersion : nextMinor(maxVersion);
    for (let v = c.minimumVersion; v.older(nextVersion); v = nextMinor(v)) {
      const key = v.toString();
      if (!versions.has(key)) {
        versions.set(key, new Map());
      }
      versions.get(key)?.set(check.id, c);
    }
  });
}

function mapCheckPodFns(
  checks: Map<CheckID, VersionedCheck> | undefined,
  orderedIDs: CheckID[],
): CheckPodFn[] {
  const fns: CheckPodFn[] = [];
  for (const id of orderedIDs) {
    const check = checks?.get(id);
    if (check) {
      fns.push(check.checkPod);
    }
  }
  return fns;
}
