/**
 * Rebuilds `fixtures.json` from upstream's serialized fixtures: every `test/testdata/<level>/v1.<minor>/<pass|fail>/
 * <name>.yaml` of the mirror kubernetes/pod-security-admission (`staging/src/k8s.io/pod-security-admission/test/
 * testdata` in kubernetes/kubernetes), which upstream's `TestFixtures` (`test/fixtures_test.go`) renders from the
 * `test/fixtures_*.go` cases. The 4,538 files hold 381 distinct pods, so each pod is stored once, with the minor
 * versions it is expected at.
 *
 * Usage: `npx ts-node --transpile-only harness/kube/podSecurity/upstreamFixtures/generate.ts <git dir of the mirror>
 * <commit>`; it reads the commit with `git`, so no work tree is needed.
 */
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import type { UpstreamFixtures } from "./upstreamFixtures";

const TESTDATA = "test/testdata/";

function git(gitDir: string, ...args: string[]): string {
  return execFileSync("git", ["--git-dir", gitDir, ...args], { encoding: "utf8", maxBuffer: 64 << 20 });
}

/** `0-24,26`: the sorted minors as ranges. */
function ranges(minors: number[]): string {
  const sorted = [...minors].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) {
      j++;
    }
    parts.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(",");
}

function main(gitDir: string, commit: string): void {
  const kubernetesCommit = /Kubernetes-commit: ([0-9a-f]{40})/.exec(
    git(gitDir, "show", "-s", "--format=%B", commit),
  );
  const blobs = new Map<string, number>();
  const documents: unknown[] = [];
  const groups = new Map<
    string,
    { level: string; expect: string; name: string; document: number; minors: number[] }
  >();
  for (const line of git(gitDir, "ls-tree", "-r", commit, TESTDATA).trim().split("\n")) {
    const [meta, path] = line.split("\t");
    const blob = meta.split(" ")[2];
    const match = /^test\/testdata\/(baseline|restricted)\/v1\.(\d+)\/(pass|fail)\/(.+)\.yaml$/.exec(path);
    if (!match) {
      continue;
    }
    const [, level, minor, expect, name] = match;
    let document = blobs.get(blob);
    if (document === undefined) {
      document = documents.length;
      blobs.set(blob, document);
      documents.push(parse(git(gitDir, "cat-file", "blob", blob)));
    }
    const key = `${level}/${expect}/${name}/${document}`;
    const group = groups.get(key) ?? { level, expect, name, document, minors: [] };
    group.minors.push(Number(minor));
    groups.set(key, group);
  }
  const fixtures: UpstreamFixtures = {
    source: {
      mirrorRepository: "kubernetes/pod-security-admission",
      mirrorCommit: commit,
      kubernetesCommit: kubernetesCommit?.[1] ?? "",
      path: TESTDATA,
    },
    cases: [...groups.values()].map((g) => ({
      level: g.level as "baseline" | "restricted",
      expect: g.expect as "pass" | "fail",
      name: g.name,
      minors: ranges(g.minors),
      document: g.document,
    })),
    documents,
  };
  writeFileSync(join(__dirname, "fixtures.json"), `${JSON.stringify(fixtures, null, 1)}\n`);
}

main(process.argv[2], process.argv[3]);
