/**
 * `npm run plan`: the offline plan from the command line. Every mistake in the options, files or configuration is
 * reported as one line per problem naming the option or file, with exit code 2; nothing is written then.
 */
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as YAML from "yaml";
import { ConfigError, toConfigProblem } from "../stack/stackConfig";
import { coverageSection, planCoverage } from "./coverageSection";
import { fargateSection } from "./fargateSection";
import { checkManifestFolder, writeManifestFolder, type ManifestFile } from "./manifestFolder";
import { parsePlanArgs, PLAN_USAGE } from "./planArgs";
import { PlanInputError } from "./planInputError";
import { planInputs } from "./planInputs";
import { planReport } from "./report";
import { runPlan, type PlanResult } from "./runPlan";
import { planSettings } from "./planSettings";
import { sensorPathSection } from "./sensorPathSection";

/** Exit codes of the plan. */
export const PLAN_EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** Where the plan prints. */
export interface PlanIo {
  /** The report. */
  stdout: (text: string) => void;
  /** Errors. */
  stderr: (text: string) => void;
  /** Folder relative paths are resolved against. Default the process's working directory. */
  cwd?: string;
}

/** Secret values never land in the review folder. */
function redacted(kind: unknown, inputs: Record<string, unknown>): Record<string, unknown> {
  if (kind !== "Secret") {
    return inputs;
  }
  const hide = (v: unknown) =>
    v && typeof v === "object" ? Object.fromEntries(Object.keys(v).map((k) => [k, "(redacted)"])) : v;
  return { ...inputs, data: hide(inputs.data), stringData: hide(inputs.stringData) };
}

/** The Kubernetes objects of the plan as manifest files (`NN-Kind-name.yaml`, in registration order). */
export function manifestFiles(result: PlanResult): ManifestFile[] {
  return result.resources
    .filter((r) => r.type.startsWith("kubernetes:"))
    .map((r, i) => {
      const m = r.inputs as { kind?: string; metadata?: { name?: string } };
      return {
        name: `${String(i + 1).padStart(2, "0")}-${m.kind}-${m.metadata?.name}.yaml`,
        text: YAML.stringify(redacted(m.kind, r.inputs)),
      };
    });
}

/** The problems of an error the plan reports as a mistake (exit 2), one line each; undefined for other errors. */
function mistakeLines(err: unknown, configFile: string | undefined): string[] | undefined {
  const where = configFile ? `--config ${configFile}` : "the sample config";
  if (err instanceof PlanInputError) {
    return [err.message];
  }
  if (err instanceof ConfigError) {
    return err.problems.map((p) => `${where}: ${p}`);
  }
  if (pulumi.InputPropertiesError.isInstance(err)) {
    // Found once the lookups resolved (a cluster that does not exist, overlapping ranges): still the config's.
    return err.errors.map((e) => `${where}: ${toConfigProblem(e)}`);
  }
  return undefined;
}

/**
 * Runs the plan's command line; never throws.
 * @returns the exit code
 */
export async function planCli(argv: string[], io: PlanIo): Promise<number> {
  const cwd = io.cwd ?? process.cwd();
  let configFile: string | undefined;
  try {
    const inv = parsePlanArgs(argv);
    if (inv.help) {
      io.stdout(PLAN_USAGE);
      return PLAN_EXIT.ok;
    }
    configFile = inv.config;
    const outDir = path.resolve(cwd, inv.out);
    checkManifestFolder(outDir);
    const resolve = (f?: string) => (f === undefined ? undefined : path.resolve(cwd, f));
    const inputs = planInputs(
      {
        config: resolve(inv.config),
        cluster: resolve(inv.cluster),
        vpcs: resolve(inv.vpcs),
        instances: resolve(inv.instances),
      },
      cwd,
    );
    const result = await runPlan(inputs);
    const args = planSettings(inputs);
    const coverage = planCoverage(inputs, result, args);
    const fargate = fargateSection(args, result.outputs.agentImage, inv.out, coverage);
    const manifests = manifestFiles(result);
    const written = writeManifestFolder(outDir, [...manifests, ...fargate.files])
      .slice(0, manifests.length)
      .map((f) => {
        const relative = path.relative(cwd, f);
        return relative.startsWith("..") ? f : relative;
      });
    const sections = {
      coverage: coverageSection(coverage, args.mirrorTarget !== undefined),
      sensorPath: sensorPathSection(inputs, result, args),
      fargate: fargate.lines,
    };
    io.stdout(planReport(inputs, result, written, inv.out, sections).join("\n"));
    return PLAN_EXIT.ok;
  } catch (err) {
    const lines = mistakeLines(err, configFile);
    if (lines) {
      io.stderr(lines.map((l) => `error: ${l}`).join("\n"));
      return PLAN_EXIT.usage;
    }
    io.stderr(`error: the plan failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    return PLAN_EXIT.failed;
  }
}
