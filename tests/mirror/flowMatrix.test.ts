import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import {
  flowScenarios,
  renderFlowMatrixMarkdown,
  runScenario,
  summarize,
} from "../../harness/mirror/flowMatrix";

// Every packet of every layout, followed leg by leg: AWS's copies (the egress-only filter evaluated rule by rule at
// each node interface) + the node agents' + the Fargate sidecars', in both agent modes.
describe("mirror flow matrix: copies per packet (AWS + agents + sidecars)", () => {
  for (const scenario of flowScenarios()) {
    for (const mode of [false, true]) {
      describe(`layout ${scenario.id}, VPC_MIRRORING=${mode}`, () => {
        const { cells } = runScenario(scenario, mode);
        for (const cell of cells) {
          it(`${cell.flowClass}: ${cell.packet.label} -> ${cell.expected}`, () => {
            assert.equal(cell.copies.total, cell.expected, `${cell.why} ${JSON.stringify(cell.copies)}`);
          });
        }
      });
    }
  }

  it("has an expectation for every packet in both modes and a reason for every residual", () => {
    for (const s of flowScenarios()) {
      for (const row of s.rows) {
        for (const mode of ["false", "true"] as const) {
          assert.equal(row.expected[mode].length, row.packets.length, `${s.id}/${row.flowClass}`);
          const residual = row.expected[mode].some((n) => (row.intent === "once" ? n !== 1 : n !== 0));
          if (residual) {
            assert.match(
              row.why,
              /RESIDUAL/,
              `${s.id}/${row.flowClass} deviates from its intent without saying why`,
            );
          }
        }
      }
    }
  });
});

describe("mirror flow matrix: the documented totals", () => {
  const tally = (id: string, mode: boolean) => {
    const s = flowScenarios().find((x) => x.id === id);
    assert.ok(s);
    const { cells } = runScenario(s, mode);
    return summarize(cells.filter((c) => !c.transition));
  };

  for (const id of ["vpc-cni", "custom-networking"]) {
    it(`${id}: steady state, every packet once but the documented residuals, in both modes`, () => {
      // false: the same-node traffic of the node without agent (1) and the NLB hairpin's reply (1).
      assert.deepEqual(tally(id, false), {
        "exactly once": 62,
        duplicate: 1,
        gap: 1,
        "excluded by design": 6,
      });
      // true: plus the request a node forwards to a NodePort backend elsewhere (1) and NodePort reply fragments (1).
      assert.deepEqual(tally(id, true), {
        "exactly once": 60,
        duplicate: 3,
        gap: 1,
        "excluded by design": 6,
      });
    });
  }

  it("the layouts need no CIDR declaration: 5 rules with the Fargate subnets excluded, egress only", () => {
    for (const s of flowScenarios()) {
      const { plan } = runScenario(s, true);
      assert.equal(plan.budget, "5/10");
      assert.ok(plan.rules.every((r) => r.trafficDirection === "egress"));
    }
  });

  it("docs/mirroring.md prints the current matrix, verbatim", () => {
    const doc = readFileSync(path.join(__dirname, "..", "..", "docs", "mirroring.md"), "utf8");
    assert.ok(
      doc.includes(renderFlowMatrixMarkdown()),
      "docs/mirroring.md is stale: regenerate the matrix section",
    );
  });
});
