/**
 * The ordering of `k8s.io/apimachinery/pkg/util/sets` `List()` and Go's `sort.Strings`/`slices.Sort`: strings
 * compared byte by byte in UTF-8, which differs from JavaScript's UTF-16 order for characters above U+FFFF.
 * The checks' details list sets in this order.
 */

/** Go's string comparison (UTF-8 bytes). */
export function compareGoStrings(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

/** The distinct values, sorted as Go sorts strings (`sets.List`). */
export function sortedSet(values: Iterable<string>): string[] {
  return [...new Set(values)].sort(compareGoStrings);
}
