/**
 * The coverage report as text: a summary line, then one line per entry (uncovered first) with its reasons and notes
 * indented under it. What the CLI prints and the plan shows.
 */
import type { CoverageEntry, CoverageReport, CoverageStatus } from "./coverageReport";

const LABELS: Record<CoverageStatus, string> = {
  "not-covered": "NOT COVERED",
  partial: "PARTIAL",
  covered: "covered",
  "no-pods": "no pods",
};

const KIND_NAMES: Record<CoverageEntry["kind"], string> = {
  node: "node",
  "fargate-profile": "Fargate profile",
  workload: "workload",
};

/** One summary line, e.g. `2 not covered, 1 partial, 14 covered (nodes: 3 covered; ...)`. */
export function coverageSummaryLine(report: CoverageReport): string {
  const total = (s: CoverageStatus) => Object.values(report.summary).reduce((n, counts) => n + counts[s], 0);
  const perKind = (Object.keys(report.summary) as CoverageEntry["kind"][])
    .map((k) => {
      const c = report.summary[k];
      const parts = (Object.keys(LABELS) as CoverageStatus[])
        .filter((s) => c[s] > 0)
        .map((s) => `${c[s]} ${LABELS[s].toLowerCase()}`);
      return parts.length ? `${KIND_NAMES[k]}s: ${parts.join(", ")}` : undefined;
    })
    .filter(Boolean)
    .join("; ");
  return `Coverage: ${total("not-covered")} not covered, ${total("partial")} partial, ${total("covered")} covered (${perKind || "nothing listed"})`;
}

/**
 * The report as lines.
 * @param report the report
 * @param options `verbose` keeps the notes of covered entries too
 */
export function renderCoverage(report: CoverageReport, options: { verbose?: boolean } = {}): string[] {
  const lines = [coverageSummaryLine(report)];
  for (const e of report.entries) {
    const by = e.coveredBy.length ? ` [${e.coveredBy.join(", ")}]` : "";
    const pods =
      e.pods !== undefined && e.kind !== "node" ? ` (${e.pods} pod${e.pods === 1 ? "" : "s"})` : "";
    lines.push(`${LABELS[e.status].padEnd(11)}  ${KIND_NAMES[e.kind]} ${e.name}${pods}${by}`);
    for (const r of e.reasons) {
      lines.push(`             - ${r}`);
    }
    if (options.verbose || e.status !== "covered") {
      for (const n of e.notes) {
        lines.push(`             note: ${n}`);
      }
    }
  }
  return lines;
}
