/**
 * Runs a table of upstream check cases (the `tests := []struct{ name; pod; expectReason; expectDetail; ... }`
 * tables of `policy/check_*_test.go`) as mocha tests: each case calls one check function with the pod's metadata
 * and spec and compares allowed, reason and detail exactly, as the Go tests do (an allowed result has empty
 * reason and detail).
 */
import { strict as assert } from "node:assert";
import type { CheckPodFn } from "./check";
import type { ObjectMeta, PodSpec } from "./podTypes";

/** One row of an upstream table. */
export interface CheckTableCase {
  /** The Go case's `name`. */
  name: string;
  /** The pod (`&corev1.Pod{ObjectMeta: ..., Spec: ...}`) as JSON; a missing spec is Go's zero `PodSpec`. */
  pod: { metadata?: ObjectMeta; spec?: PodSpec };
  /** Expected verdict: allowed, or forbidden with this reason and detail. */
  expect: "allowed" | { reason: string; detail: string };
}

/**
 * Declares one mocha test per case.
 * @param checkPod the ported check function under test (e.g. `hostPorts_1_0`)
 * @param cases the upstream table, in its order
 */
export function runCheckTable(checkPod: CheckPodFn, cases: readonly CheckTableCase[]): void {
  for (const c of cases) {
    it(c.name, () => {
      const result = checkPod(c.pod.metadata ?? {}, c.pod.spec ?? {});
      const expected =
        c.expect === "allowed"
          ? { allowed: true, forbiddenReason: "", forbiddenDetail: "" }
          : { allowed: false, forbiddenReason: c.expect.reason, forbiddenDetail: c.expect.detail };
      assert.deepEqual(
        {
          allowed: result.allowed,
          forbiddenReason: result.forbiddenReason,
          forbiddenDetail: result.forbiddenDetail,
        },
        expected,
      );
    });
  }
}
