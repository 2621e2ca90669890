import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import {
  flowScenarios,
  renderFlowMatrixMarkdown,
  runScenario,
  summarize,
} from "../../harness/mirror/flowMatrix";

// Every packet of every layout: the copies AWS + the agent deliver, evaluated rule by rule at each ENI crossed.
describe("mirror flow matrix: copies per packet (VPC_MIRRORING=true, default dedup)", () => {
  for (const scenario of flowScenarios()) {
    describe(`layout ${scenario.id}`, () => {
      const { cells } = runScenario(scenario);
      for (const cell of cells) {
        it(`${cell.flowClass}: ${cell.packet.label} -> ${cell.expected}`, () => {
          assert.equal(cell.copies.total, cell.expected, cell.why);
        });
      }
    });
  }

  it("has an expectation for every packet and a reason for every residual", () => {
    for (const s of flowScenarios()) {
      for (const row of s.rows) {
        assert.equal(row.expected.length, row.packets.length, `${s.id}/${row.flowClass}`);
        const residual = row.expected.some((n) => (row.intent === "once" ? n !== 1 : n !== 0));
        if (residual) {
          assert.match(
            row.why,
            /RESIDUAL/,
            `${s.id}/${row.flowClass} deviates from its intent without saying why`,
          );
        }
      }
    }
  });
});

describe("mirror flow matrix: the documented totals", () => {
  const tally = (id: string, dedup?: "mirrored-end" | "sender" | "none") => {
    const s = flowScenarios().find((x) => x.id === id);
    assert.ok(s);
    const { cells } = runScenario(s, dedup);
    return {
      steady: summarize(cells.filter((c) => !c.degraded)),
      degraded: summarize(cells.filter((c) => c.degraded)),
    };
  };

  it("custom networking, mirrored-end: steady state duplicates node<->node (2), loses IMDS/NTP (2), a node's probe to an unused pod address (1) and the NLB hairpin's inner legs (2)", () => {
    const t = tally("custom-networking");
    assert.deepEqual(t.steady, { "exactly once": 36, duplicate: 2, gap: 5, "excluded by design": 7 });
    assert.deepEqual(t.degraded, { "exactly once": 6, duplicate: 0, gap: 6, "excluded by design": 0 });
  });

  it("custom networking, sender: duplicates every node->remote-pod packet instead (4), loses 3", () => {
    const t = tally("custom-networking", "sender");
    assert.deepEqual(t.steady, { "exactly once": 36, duplicate: 4, gap: 3, "excluded by design": 7 });
    assert.deepEqual(t.degraded, { "exactly once": 7, duplicate: 0, gap: 5, "excluded by design": 0 });
  });

  it("custom networking, no dedup: 13 steady-state duplicates", () => {
    assert.equal(tally("custom-networking", "none").steady.duplicate, 13);
  });

  it("default CNI: cross-node pod and node traffic is duplicated whatever the strategy (4 of 9 packets)", () => {
    for (const d of ["mirrored-end", "sender", "none"] as const) {
      assert.deepEqual(tally("default-cni", d).steady, {
        "exactly once": 5,
        duplicate: 4,
        gap: 0,
        "excluded by design": 2,
      });
    }
  });

  it("dedicated node subnets declared mirrored-only: exactly once everywhere (10 rules)", () => {
    const s = flowScenarios().find((x) => x.id === "dedicated-subnets");
    assert.ok(s);
    assert.equal(runScenario(s).plan.rules.length, 10);
    assert.deepEqual(tally("dedicated-subnets").steady, {
      "exactly once": 8,
      duplicate: 0,
      gap: 0,
      "excluded by design": 2,
    });
  });

  it("docs/mirroring.md prints the current matrix, verbatim", () => {
    const doc = readFileSync(path.join(__dirname, "..", "..", "docs", "mirroring.md"), "utf8");
    assert.ok(
      doc.includes(renderFlowMatrixMarkdown()),
      "docs/mirroring.md is stale: regenerate the matrix section",
    );
  });

  it("renders the matrix as markdown for the docs", () => {
    const md = renderFlowMatrixMarkdown();
    assert.match(md, /### Layout `custom-networking`/);
    assert.match(
      md,
      /\| node<->node, both in shared subnets \| nodeA -> nodeB:10250 \|.*\| \*\*2\*\* \| duplicate \|/,
    );
    assert.match(md, /\| custom-networking \| mirrored-end \| 7\/10 \| 36 \/ 2 \/ 5 \/ 7 \| 6 \/ 0 \/ 6 \|/);
  });
});
