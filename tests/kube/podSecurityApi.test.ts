/**
 * Upstream's tests of the policy API helpers, from `staging/src/k8s.io/pod-security-admission/api/helpers_test.go`
 * (kubernetes/kubernetes at dde51bfc48b109a0f311055843d4d81a1966e9da, read from the mirror
 * kubernetes/pod-security-admission at 8f84a87c7f617f64a4ddc1aea24aeeb7a2e07cb8): version parsing, level-version
 * and policy equivalence, and the policy a namespace's labels select. Apache-2.0, The Kubernetes Authors.
 */
import { strict as assert } from "node:assert";
import { LEVELS, type Level } from "../../harness/kube/podSecurity/api/level";
import {
  fullyPrivileged,
  levelVersionEquivalent,
  levelVersionString,
  policyEquivalent,
  type LevelVersion,
  type Policy,
} from "../../harness/kube/podSecurity/api/levelVersion";
import { policyToEvaluate } from "../../harness/kube/podSecurity/api/policyToEvaluate";
import { parseVersion, Version } from "../../harness/kube/podSecurity/api/version";

const latest = Version.latestVersion();
const v = (minor: number) => Version.majorMinor(1, minor);
const lv = (level: Level, version: Version = latest): LevelVersion => ({ level, version });

/** The upstream `makeLabels`: the pairs under `pod-security.kubernetes.io/`, plus one unrelated label. */
function makeLabels(...kvs: string[]): Record<string, string> {
  const labels: Record<string, string> = { "other-label": "foo-bar" };
  for (let i = 0; i < kvs.length; i += 2) {
    labels[`pod-security.kubernetes.io/${kvs[i]}`] = kvs[i + 1];
  }
  return labels;
}

/** Policies compared field by field (Version is a class, so compare its printed form). */
function printed(p: Policy): string[] {
  return [p.enforce, p.warn, p.audit].map(levelVersionString);
}

describe("Pod Security port: upstream API helper tests", () => {
  describe("TestParseVersion", () => {
    for (const [text, expected] of [
      ["latest", latest],
      ["v1.0", v(0)],
      ["v1.1", v(1)],
      ["v1.20", v(20)],
      ["v1.10000", v(10000)],
    ] as const) {
      it(`parses ${text}`, () => assert.ok(parseVersion(text).equals(expected)));
    }
    for (const text of ["foo", "", "v2.0", "v1", "1.1"]) {
      it(`refuses ${JSON.stringify(text)}`, () => assert.throws(() => parseVersion(text)));
    }
  });

  describe("TestLevelVersionEquals", () => {
    const versions = [latest, v(18), v(30)];
    it("a LevelVersion should be equal to itself", () => {
      for (const l of LEVELS) {
        for (const version of versions) {
          assert.ok(
            levelVersionEquivalent(lv(l, version), { ...lv(l, version) }),
            levelVersionString(lv(l, version)),
          );
        }
      }
    });
    it("different levels should not be equal", () => {
      for (const l1 of LEVELS) {
        for (const l2 of LEVELS.filter((l) => l !== l1)) {
          assert.equal(levelVersionEquivalent(lv(l1), lv(l2)), false);
        }
      }
    });
    it("different non-privileged versions should not be equal", () => {
      for (const l of ["baseline", "restricted"] as const) {
        for (const v1 of versions) {
          for (const v2 of [v(16), v(13)]) {
            assert.equal(levelVersionEquivalent(lv(l, v1), lv(l, v2)), false);
          }
        }
      }
    });
    it("different privileged versions should be equal", () => {
      for (const v1 of versions) {
        for (const v2 of [v(16), v(13)]) {
          assert.ok(levelVersionEquivalent(lv("privileged", v1), lv("privileged", v2)));
        }
      }
    });
  });

  it("TestPolicyEquals", () => {
    const privileged: Policy = { enforce: lv("privileged"), audit: lv("privileged"), warn: lv("privileged") };
    assert.ok(fullyPrivileged(privileged));
    const privileged2: Policy = { ...privileged, enforce: lv("privileged", v(20)) };
    assert.ok(fullyPrivileged(privileged2));
    const baseline: Policy = { ...privileged, audit: lv("baseline") };
    assert.equal(fullyPrivileged(baseline), false);
    assert.ok(policyEquivalent(privileged, privileged2), "ignore privileged versions");
    assert.ok(policyEquivalent(baseline, baseline), "baseline policy equals itself");
    assert.equal(policyEquivalent(privileged, baseline), false, "privileged != baseline");
  });

  describe("TestPolicyToEvaluate", () => {
    const privilegedPolicy: Policy = {
      enforce: lv("privileged"),
      warn: lv("privileged"),
      audit: lv("privileged"),
    };
    const policy = (enforce: LevelVersion, warn: LevelVersion, audit: LevelVersion): Policy => ({
      enforce,
      warn,
      audit,
    });
    const p = lv("privileged");
    const cases: [desc: string, labels: Record<string, string>, expect: Policy, expectErr?: boolean][] = [
      ["simple enforce", makeLabels("enforce", "baseline"), policy(lv("baseline"), lv("baseline"), p)],
      ["simple warn", makeLabels("warn", "restricted"), policy(p, lv("restricted"), p)],
      ["simple audit", makeLabels("audit", "baseline"), policy(p, p, lv("baseline"))],
      [
        "enforce & warn",
        makeLabels("enforce", "baseline", "warn", "restricted"),
        policy(lv("baseline"), lv("restricted"), p),
      ],
      [
        "enforce version",
        makeLabels("enforce", "baseline", "enforce-version", "v1.22"),
        policy(lv("baseline", v(22)), lv("baseline", v(22)), p),
      ],
      [
        "enforce version & warn-version",
        makeLabels("enforce", "baseline", "enforce-version", "v1.22", "warn-version", "latest"),
        policy(lv("baseline", v(22)), lv("baseline"), p),
      ],
      [
        "enforce & warn-version",
        makeLabels("enforce", "baseline", "warn-version", "v1.23"),
        policy(lv("baseline"), lv("baseline", v(23)), p),
      ],
      [
        "fully specd",
        makeLabels(
          ...["enforce", "baseline", "enforce-version", "v1.20"],
          ...["warn", "restricted", "warn-version", "v1.21"],
          ...["audit", "restricted", "audit-version", "v1.22"],
        ),
        policy(lv("baseline", v(20)), lv("restricted", v(21)), lv("restricted", v(22))),
      ],
      [
        "enforce no warn",
        makeLabels("enforce", "baseline", "warn", "privileged"),
        policy(lv("baseline"), p, p),
      ],
      [
        "enforce warn error",
        makeLabels("enforce", "baseline", "warn", "foo"),
        policy(lv("baseline"), p, p),
        true,
      ],
      ["enforce error", makeLabels("enforce", "foo"), policy(lv("restricted"), p, p), true],
    ];
    for (const [desc, labels, expect, expectErr = false] of cases) {
      it(desc, () => {
        const { policy: actual, errors } = policyToEvaluate(labels, privilegedPolicy);
        assert.equal(errors.length > 0, expectErr, errors.join("; "));
        assert.deepEqual(printed(actual), printed(expect));
      });
    }
  });
});
