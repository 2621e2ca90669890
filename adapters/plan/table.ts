/**
 * Aligned columns for the plan's report: each column as wide as its widest cell, two spaces between columns.
 */

/**
 * The rows as aligned lines.
 * @param rows cells by row; the first row sets the number of columns
 * @param indent put before every line
 */
export function table(rows: string[][], indent = "  "): string[] {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return rows.map(
    (r) =>
      `${indent}${r
        .map((c, i) => c.padEnd(widths[i]))
        .join("  ")
        .trimEnd()}`,
  );
}
