/**
 * Upstream's serialized Pod Security fixtures (`staging/src/k8s.io/pod-security-admission/test/testdata`), stored
 * in `fixtures.json` by `generate.ts`: each pod once, with the level, minor policy versions and outcome upstream
 * expects for it. `pass` pods are allowed at that level and version; `fail` pods are forbidden by it. Apache-2.0,
 * The Kubernetes Authors.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

/** One upstream fixture name and the versions at which it holds one document. */
export interface UpstreamFixtureCase {
  /** Level the fixture is filed under. */
  level: "baseline" | "restricted";
  /** `pass`: allowed at that level; `fail`: forbidden. */
  expect: "pass" | "fail";
  /** File name without `.yaml`: the lower-cased check id and an index (`sysctls0`), or `base`, `base_linux`... */
  name: string;
  /** Minor versions (of v1) the fixture is filed under, as ranges: `0-24,26`. */
  minors: string;
  /** Index into {@link UpstreamFixtures.documents}. */
  document: number;
}

/** The stored corpus. */
export interface UpstreamFixtures {
  /** Where it was read. */
  source: { mirrorRepository: string; mirrorCommit: string; kubernetesCommit: string; path: string };
  /** Every (level, outcome, name, document) with its versions. */
  cases: UpstreamFixtureCase[];
  /** The distinct Pod objects, as decoded from YAML. */
  documents: unknown[];
}

/** Expands `0-2,5` to `[0, 1, 2, 5]`. */
export function expandMinors(minors: string): number[] {
  return minors.split(",").flatMap((part) => {
    const [from, to = from] = part.split("-").map(Number);
    return Array.from({ length: to - from + 1 }, (_, i) => from + i);
  });
}

/** Reads the stored corpus. */
export function loadUpstreamFixtures(): UpstreamFixtures {
  return JSON.parse(readFileSync(join(__dirname, "fixtures.json"), "utf8")) as UpstreamFixtures;
}
