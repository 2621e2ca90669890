/**
 * Fargate profile matching against the rules of the EKS user guide ("Define which Pods use AWS Fargate when
 * launched", https://docs.aws.amazon.com/eks/latest/userguide/fargate-profile.html): namespace and every label,
 * `*`/`?` wildcards in namespaces, label keys and values, the alphanumeric pick among matching profiles, and the
 * `eks.amazonaws.com/fargate-profile` label that pins a profile.
 */
import { strict as assert } from "node:assert";
import {
  describeSelector,
  fargatePatternMatches,
  fargatePlacement,
  selectorMatches,
  type FargateProfile,
} from "../../components/fargate";

describe("Fargate profiles", () => {
  it("wildcards behave as the guide's examples say", () => {
    // "prod* can represent prod and prod-metrics"
    assert.ok(fargatePatternMatches("prod*", "prod"));
    assert.ok(fargatePatternMatches("prod*", "prod-metrics"));
    // "value? can represent valuea ... it can't represent value and value-a"
    assert.ok(fargatePatternMatches("value?", "valuea"));
    assert.ok(!fargatePatternMatches("value?", "value"));
    assert.ok(!fargatePatternMatches("value?", "value-a"));
    // "in any position and in combination (for example, prod*, *dev, and frontend*?)"
    assert.ok(fargatePatternMatches("*dev", "team-dev"));
    assert.ok(fargatePatternMatches("frontend*?", "frontend-a"));
    assert.ok(!fargatePatternMatches("frontend*?", "frontend"));
    // No other pattern syntax: regular-expression characters are literal.
    assert.ok(!fargatePatternMatches("a.c", "abc"));
    assert.ok(fargatePatternMatches("a.c", "a.c"));
    assert.ok(!fargatePatternMatches("[ab]", "a"));
  });

  it("a selector needs the namespace and every one of its labels", () => {
    const selector = { namespace: "apps", labels: { app: "web", tier: "front*" } };
    assert.ok(selectorMatches(selector, "apps", { app: "web", tier: "frontend", extra: "x" }));
    assert.ok(!selectorMatches(selector, "apps", { app: "web" }));
    assert.ok(!selectorMatches(selector, "other", { app: "web", tier: "frontend" }));
    assert.ok(selectorMatches({ namespace: "apps" }, "apps", {}));
    // Wildcard label keys (`key?: value?` in the guide).
    assert.ok(selectorMatches({ namespace: "*", labels: { "key?": "value?" } }, "x", { keya: "valuea" }));
    assert.ok(!selectorMatches({ namespace: "*", labels: { "key?": "value?" } }, "x", { key: "valuea" }));
  });

  it("picks the first matching profile by name, or the one the pod names", () => {
    const profiles: FargateProfile[] = [
      { name: "prod-workload", selectors: [{ namespace: "shared" }] },
      { name: "beta-workload", selectors: [{ namespace: "shared" }, { namespace: "beta" }] },
      { name: "batch", selectors: [{ namespace: "jobs", labels: { fargate: "true" } }] },
    ];
    // The guide's own example: beta-workload sorts before prod-workload.
    assert.equal(fargatePlacement(profiles, "shared", {})?.profile.name, "beta-workload");
    assert.equal(
      fargatePlacement(profiles, "shared", { "eks.amazonaws.com/fargate-profile": "prod-workload" })?.profile
        .name,
      "prod-workload",
    );
    // A pinned profile must still match.
    assert.equal(
      fargatePlacement(profiles, "beta", { "eks.amazonaws.com/fargate-profile": "prod-workload" }),
      undefined,
    );
    assert.equal(fargatePlacement(profiles, "jobs", {}), undefined);
    assert.equal(fargatePlacement(profiles, "jobs", { fargate: "true" })?.selector.namespace, "jobs");
    assert.equal(fargatePlacement([], "shared", {}), undefined);
    // The annotation that keeps a pod on EC2 (CoreDNS carries it on EKS).
    assert.equal(
      fargatePlacement(profiles, "shared", {}, { "eks.amazonaws.com/compute-type": "ec2" }),
      undefined,
    );
  });

  it("describes a selector for people", () => {
    assert.equal(
      describeSelector({ namespace: "prod-*", labels: { app: "web" } }),
      'namespace "prod-*" with labels app=web',
    );
    assert.equal(describeSelector({ namespace: "apps" }), 'namespace "apps"');
  });
});
