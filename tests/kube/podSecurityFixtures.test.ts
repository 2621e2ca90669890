/**
 * The ported evaluator against upstream's serialized fixtures (`test/testdata/<level>/v1.<minor>/<pass|fail>`,
 * rendered from `test/fixtures_*.go` of `staging/src/k8s.io/pod-security-admission`, kubernetes/kubernetes at
 * dde51bfc48b109a0f311055843d4d81a1966e9da, read from the mirror kubernetes/pod-security-admission at
 * 8f84a87c7f617f64a4ddc1aea24aeeb7a2e07cb8). Upstream's `TestFixtures` only checks the files are in sync with the
 * Go cases and its `test/run.go` submits them to a live API server; here each is evaluated in memory at the level
 * and version it is filed under, after the API server's defaults (as `run.go` has the server apply them): every
 * `pass` pod is allowed, every `fail` pod forbidden, and forbidden by the check it is named after.
 */
import { strict as assert } from "node:assert";
import { withApiDefaults } from "../../harness/kube/podSecurity/apiDefaults";
import { Version } from "../../harness/kube/podSecurity/api/version";
import type { Check } from "../../harness/kube/podSecurity/check";
import { aggregateCheckResults } from "../../harness/kube/podSecurity/checkResult";
import { defaultChecks } from "../../harness/kube/podSecurity/defaultChecks";
import { extractPodSpec } from "../../harness/kube/podSecurity/podSpecExtractor";
import { newEvaluator } from "../../harness/kube/podSecurity/registry";
import { UPSTREAM } from "../../harness/kube/podSecurity/source";
import {
  expandMinors,
  loadUpstreamFixtures,
  type UpstreamFixtureCase,
} from "../../harness/kube/podSecurity/upstreamFixtures/upstreamFixtures";

const fixtures = loadUpstreamFixtures();
const checks = defaultChecks();
const evaluator = newEvaluator(checks);

/** The check a fixture is named after: its file name is the lower-cased check id and an index. */
function namedCheck(c: UpstreamFixtureCase): Check {
  const prefix = c.name.replace(/\d+$/, "");
  const check = checks.find((candidate) => candidate.id.toLowerCase() === prefix);
  assert.ok(check, `no check for fixture ${c.name}`);
  return check;
}

function evaluate(c: UpstreamFixtureCase, minor: number, with_: ReturnType<typeof newEvaluator> = evaluator) {
  const pod = extractPodSpec(withApiDefaults(fixtures.documents[c.document]));
  assert.ok(pod);
  const lv = { level: c.level, version: Version.majorMinor(1, minor) };
  return aggregateCheckResults(with_.evaluatePod(lv, pod.metadata, pod.spec));
}

describe("Pod Security port: upstream fixtures", () => {
  it("were read at the commit the port cites, and cover both levels at every version up to the newest", () => {
    assert.equal(fixtures.source.mirrorCommit, UPSTREAM.mirrorCommit);
    assert.equal(fixtures.source.kubernetesCommit, UPSTREAM.kubernetesCommit);
    const newest = Number(UPSTREAM.newestPolicyVersion.replace("v1.", ""));
    for (const level of ["baseline", "restricted"] as const) {
      const base = fixtures.cases.filter((c) => c.level === level && c.name === "base");
      assert.deepEqual(
        base.flatMap((c) => expandMinors(c.minors)).sort((a, b) => a - b),
        Array.from({ length: newest + 1 }, (_, i) => i),
      );
    }
    const files = fixtures.cases.reduce((n, c) => n + expandMinors(c.minors).length, 0);
    assert.equal(files, 4537, "upstream's testdata holds 4,537 fixture files (and a README)");
  });

  it("every pass fixture is allowed at its level and version", () => {
    const wrong: string[] = [];
    for (const c of fixtures.cases.filter((f) => f.expect === "pass")) {
      for (const minor of expandMinors(c.minors)) {
        const result = evaluate(c, minor);
        if (!result.allowed) {
          wrong.push(`${c.level}/v1.${minor}/pass/${c.name}: ${result.forbiddenReasons.join(", ")}`);
        }
      }
    }
    assert.deepEqual(wrong, []);
  });

  it("every fail fixture is forbidden at its level and version, by the check it is named after", () => {
    const wrong: string[] = [];
    for (const c of fixtures.cases.filter((f) => f.expect === "fail")) {
      const alone = newEvaluator([namedCheck(c)]);
      for (const minor of expandMinors(c.minors)) {
        if (evaluate(c, minor).allowed) {
          wrong.push(`${c.level}/v1.${minor}/fail/${c.name}: allowed`);
        }
        if (evaluate(c, minor, alone).allowed) {
          wrong.push(`${c.level}/v1.${minor}/fail/${c.name}: allowed by ${namedCheck(c).id} alone`);
        }
      }
    }
    assert.deepEqual(wrong, []);
  });

  it("a volume with no source passes restricted only once defaulted to emptyDir (upstream's `implicit empty dir`)", () => {
    const pass = fixtures.cases.find(
      (c) =>
        c.level === "restricted" &&
        c.expect === "pass" &&
        c.name === "restrictedvolumes0" &&
        expandMinors(c.minors).includes(37),
    );
    assert.ok(pass);
    const raw = extractPodSpec(fixtures.documents[pass.document]);
    assert.ok(raw);
    const lv = { level: "restricted" as const, version: Version.majorMinor(1, 37) };
    const result = aggregateCheckResults(evaluator.evaluatePod(lv, raw.metadata, raw.spec));
    assert.deepEqual(result.forbiddenDetails, ['volume "volume0" uses restricted volume type "unknown"']);
    assert.equal(evaluate(pass, 37).allowed, true);
  });

  it("a fixture evaluated at the wrong level is caught (the comparison can fail)", () => {
    const fail = fixtures.cases.find(
      (c) => c.level === "restricted" && c.expect === "fail" && c.name === "runasnonroot0",
    );
    assert.ok(fail);
    const minor = expandMinors(fail.minors)[0];
    assert.equal(evaluate(fail, minor).allowed, false);
    assert.equal(evaluate({ ...fail, level: "baseline" }, minor).allowed, true);
  });
});
