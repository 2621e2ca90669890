/**
 * Command line for the agent image tooling (run as root):
 *   npx ts-node --transpile-only harness/image/cli.ts base
 *   npx ts-node --transpile-only harness/image/cli.ts packages
 *   npx ts-node --transpile-only harness/image/cli.ts build [deb|tarball] [--sim]
 *   npx ts-node --transpile-only harness/image/cli.ts size <image>
 *   npx ts-node --transpile-only harness/image/cli.ts run <image> [--netns NS] [--env K=V]... -- cmd...
 */
import {
  buildAgentImage,
  buildSimImage,
  buildTestVendorPackages,
  checkImagePrerequisites,
  ensureBaseImage,
  formatBytes,
  imageSize,
  runInImage,
} from "./index";
import type { PackageKind } from "./index";

async function main(argv: string[]): Promise<number> {
  const [verb, ...rest] = argv;
  const problems = await checkImagePrerequisites();
  if (problems.length) {
    console.error(problems.join("\n"));
    return 2;
  }
  switch (verb) {
    case "base": {
      console.log(JSON.stringify(await ensureBaseImage(), null, 2));
      return 0;
    }
    case "packages": {
      console.log(JSON.stringify(await buildTestVendorPackages(), null, 2));
      return 0;
    }
    case "build": {
      const kind = (rest.find((a) => !a.startsWith("--")) ?? "deb") as PackageKind;
      if (kind !== "deb" && kind !== "tarball") {
        throw new Error(`package kind must be deb or tarball, got ${kind}`);
      }
      const img = await buildAgentImage({ packageKind: kind, echo: true });
      const size = await imageSize(img.tag);
      console.log(
        `${img.tag}: built in ${img.buildSeconds.toFixed(1)} s; ` +
          `${formatBytes(size.uncompressedBytes)} uncompressed, ${formatBytes(size.compressedBytes)} compressed, ${size.layers} layers`,
      );
      if (rest.includes("--sim")) {
        console.log(`sim image: ${await buildSimImage({ packageKind: kind, echo: true })}`);
      }
      return 0;
    }
    case "size": {
      const size = await imageSize(rest[0]);
      console.log(JSON.stringify({ image: rest[0], ...size }));
      return 0;
    }
    case "run": {
      const image = rest[0];
      const dd = rest.indexOf("--");
      if (!image || dd < 0) {
        throw new Error("usage: run <image> [--netns NS] [--env K=V]... -- cmd...");
      }
      const env: Record<string, string> = {};
      let netns: string | undefined;
      for (let i = 1; i < dd; i++) {
        if (rest[i] === "--netns") {
          netns = rest[++i];
        } else if (rest[i] === "--env") {
          const [k, ...v] = rest[++i].split("=");
          env[k] = v.join("=");
        }
      }
      const r = await runInImage({ image, netns, env, cmd: rest.slice(dd + 1) });
      process.stdout.write(r.stdout);
      process.stderr.write(r.stderr);
      return r.code ?? 1;
    }
    default:
      console.error(
        "usage: cli.ts base | packages | build [deb|tarball] [--sim] | size <image> | run <image> ... -- cmd",
      );
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
