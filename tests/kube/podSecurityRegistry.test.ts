/**
 * Upstream's tests of the evaluator registry and of the registered checks, from
 * `staging/src/k8s.io/pod-security-admission/policy/registry_test.go` and `checks_test.go` (kubernetes/kubernetes
 * at dde51bfc48b109a0f311055843d4d81a1966e9da, read from the mirror kubernetes/pod-security-admission at
 * 8f84a87c7f617f64a4ddc1aea24aeeb7a2e07cb8): which revision of which check runs for each level and version, with
 * restricted overrides of baseline checks. Apache-2.0, The Kubernetes Authors.
 */
import { strict as assert } from "node:assert";
import type { Level } from "../../harness/kube/podSecurity/api/level";
import { parseVersion } from "../../harness/kube/podSecurity/api/version";
import type { Check, CheckID } from "../../harness/kube/podSecurity/check";
import { forbidden } from "../../harness/kube/podSecurity/checkResult";
import { defaultChecks, experimentalChecks } from "../../harness/kube/podSecurity/defaultChecks";
import { newEvaluator, validateChecks, type Evaluator } from "../../harness/kube/podSecurity/registry";

/** A check whose every revision answers `<id>:<version>`, so results tell which revision ran. */
function generateCheck(id: CheckID, level: "baseline" | "restricted", versions: string[]): Check {
  return {
    id,
    level,
    versions: versions.map((version) => {
      const v = parseVersion(version);
      return { minimumVersion: v, checkPod: () => forbidden(`${id}:${v.toString()}`) };
    }),
  };
}

function withOverrides(c: Check, overrides: CheckID[]): Check {
  return { ...c, versions: c.versions.map((v) => ({ ...v, overrideCheckIDs: overrides })) };
}

type RegistryCase = [level: Level, version: string, expectedReasons: string[]];

/** The upstream `registryTestCase.Run`: evaluate a nil pod, compare the reasons in order. */
function runCases(evaluator: () => Evaluator, cases: RegistryCase[], alsoAsRestricted = false): void {
  for (const [level, version, expected] of cases) {
    const levels: Level[] = alsoAsRestricted ? [level, "restricted"] : [level];
    for (const l of levels) {
      it(`${l}:${version}`, () => {
        const results = evaluator().evaluatePod({ level: l, version: parseVersion(version) }, null, null);
        assert.deepEqual(
          results.map((r) => r.forbiddenReason),
          expected,
        );
      });
    }
  }
}

describe("Pod Security port: upstream registry tests", () => {
  describe("TestCheckRegistry", () => {
    const checks = [
      generateCheck("a", "baseline", ["v1.0"]),
      generateCheck("b", "baseline", ["v1.10"]),
      generateCheck("c", "baseline", ["v1.0", "v1.5", "v1.10"]),
      generateCheck("d", "baseline", ["v1.11", "v1.15", "v1.20"]),
      generateCheck("e", "restricted", ["v1.0"]),
      generateCheck("f", "restricted", ["v1.12", "v1.16", "v1.21"]),
      withOverrides(generateCheck("g", "restricted", ["v1.10"]), ["a"]),
      withOverrides(generateCheck("h", "restricted", ["v1.0"]), ["b"]),
    ];
    const multiOverride = generateCheck("i", "restricted", ["v1.10", "v1.21"]);
    multiOverride.versions[0].overrideCheckIDs = ["c"];
    multiOverride.versions[1].overrideCheckIDs = ["d"];
    checks.push(multiOverride);
    runCases(
      () => newEvaluator(checks),
      [
        ["privileged", "v1.0", []],
        ["privileged", "latest", []],
        ["baseline", "v1.0", ["a:v1.0", "c:v1.0"]],
        ["baseline", "v1.4", ["a:v1.0", "c:v1.0"]],
        ["baseline", "v1.5", ["a:v1.0", "c:v1.5"]],
        ["baseline", "v1.10", ["a:v1.0", "b:v1.10", "c:v1.10"]],
        ["baseline", "v1.11", ["a:v1.0", "b:v1.10", "c:v1.10", "d:v1.11"]],
        ["baseline", "latest", ["a:v1.0", "b:v1.10", "c:v1.10", "d:v1.20"]],
        ["restricted", "v1.0", ["a:v1.0", "c:v1.0", "e:v1.0", "h:v1.0"]],
        ["restricted", "v1.4", ["a:v1.0", "c:v1.0", "e:v1.0", "h:v1.0"]],
        ["restricted", "v1.5", ["a:v1.0", "c:v1.5", "e:v1.0", "h:v1.0"]],
        ["restricted", "v1.10", ["e:v1.0", "g:v1.10", "h:v1.0", "i:v1.10"]],
        ["restricted", "v1.11", ["d:v1.11", "e:v1.0", "g:v1.10", "h:v1.0", "i:v1.10"]],
        ["restricted", "latest", ["c:v1.10", "e:v1.0", "f:v1.21", "g:v1.10", "h:v1.0", "i:v1.21"]],
        ["restricted", "v1.10000", ["c:v1.10", "e:v1.0", "f:v1.21", "g:v1.10", "h:v1.0", "i:v1.21"]],
      ],
    );
  });

  describe("TestCheckRegistry_NoBaseline", () =>
    runCases(
      () =>
        newEvaluator([
          generateCheck("e", "restricted", ["v1.0"]),
          generateCheck("f", "restricted", ["v1.12", "v1.16", "v1.21"]),
          withOverrides(generateCheck("g", "restricted", ["v1.10"]), ["a"]),
          withOverrides(generateCheck("h", "restricted", ["v1.0"]), ["b"]),
        ]),
      [
        ["privileged", "v1.0", []],
        ["privileged", "latest", []],
        ["baseline", "v1.0", []],
        ["baseline", "v1.10", []],
        ["baseline", "latest", []],
        ["restricted", "v1.0", ["e:v1.0", "h:v1.0"]],
        ["restricted", "v1.10", ["e:v1.0", "g:v1.10", "h:v1.0"]],
        ["restricted", "latest", ["e:v1.0", "f:v1.21", "g:v1.10", "h:v1.0"]],
        ["restricted", "v1.10000", ["e:v1.0", "f:v1.21", "g:v1.10", "h:v1.0"]],
      ],
    ));

  describe("TestCheckRegistry_NoRestricted (restricted answers as baseline)", () =>
    runCases(
      () =>
        newEvaluator([
          generateCheck("a", "baseline", ["v1.0"]),
          generateCheck("b", "baseline", ["v1.10"]),
          generateCheck("c", "baseline", ["v1.0", "v1.5", "v1.10"]),
          generateCheck("d", "baseline", ["v1.11", "v1.15", "v1.20"]),
        ]),
      [
        ["baseline", "v1.0", ["a:v1.0", "c:v1.0"]],
        ["baseline", "v1.4", ["a:v1.0", "c:v1.0"]],
        ["baseline", "v1.5", ["a:v1.0", "c:v1.5"]],
        ["baseline", "v1.10", ["a:v1.0", "b:v1.10", "c:v1.10"]],
        ["baseline", "v1.11", ["a:v1.0", "b:v1.10", "c:v1.10", "d:v1.11"]],
        ["baseline", "latest", ["a:v1.0", "b:v1.10", "c:v1.10", "d:v1.20"]],
      ],
      true,
    ));

  describe("TestCheckRegistry_Empty", () =>
    runCases(
      () => newEvaluator([]),
      [
        ["privileged", "latest", []],
        ["baseline", "latest", []],
        ["restricted", "latest", []],
      ],
      true,
    ));

  describe("TestValidChecks", () => {
    it("every registered check is valid and overrides only checks that exist", () => {
      const all = [...defaultChecks(), ...experimentalChecks()];
      assert.doesNotThrow(() => validateChecks(all));
      const ids = new Set(all.map((c) => c.id));
      for (const check of all) {
        for (const v of check.versions) {
          for (const override of v.overrideCheckIDs ?? []) {
            assert.ok(ids.has(override), `check ${check.id} overrides non-existent check ${override}`);
          }
        }
      }
    });

    it("an invalid registration is refused (validation can fail)", () => {
      const a = generateCheck("a", "baseline", ["v1.0"]);
      assert.throws(() => validateChecks([a, a]), /multiple checks registered for ID a/);
      assert.throws(
        () => validateChecks([generateCheck("x", "baseline", ["v1.5", "v1.2"])]),
        /check x: versions must be strictly increasing/,
      );
      assert.throws(
        () => validateChecks([withOverrides(generateCheck("y", "baseline", ["v1.0"]), ["a"])]),
        /check y: only restricted checks may set overrides/,
      );
    });
  });
});
