/**
 * Shared pieces of the automation tests: a fake Automation API stack that runs the inline program it is handed
 * under the Pulumi mocks (what the CLI's engine would do, minus the CLI), and the prod example config.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type {
  ConfigMap,
  EngineEvent,
  OpMap,
  OutputMap,
  PulumiCommand,
  PulumiFn,
} from "@pulumi/pulumi/automation";
import * as YAML from "yaml";
import type {
  ApiDependencies,
  EngineOptions,
  OpenStackRequest,
  StackHandle,
} from "../../adapters/automation/api";
import { settle } from "../../harness/pulumi/mocks";

export const ROOT = path.resolve(__dirname, "..", "..");

/** The prod example stack file's config, as written (namespaced keys). */
export function prodExample(): Record<string, unknown> {
  return (
    YAML.parse(fs.readFileSync(path.join(ROOT, "Pulumi.prod.example.yaml"), "utf8")) as {
      config: Record<string, unknown>;
    }
  ).config;
}

/** Config values as the Pulumi CLI hands them to a program: strings as they are, everything else as JSON. */
export function asCliConfig(config: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(config).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]),
  );
}

/** Resolves a value with Outputs inside (mocks, not preview: every Output is known). */
export function resolved<T>(value: T): Promise<pulumi.Unwrap<T>> {
  return new Promise((resolve) => pulumi.output(value).apply((v) => resolve(v as pulumi.Unwrap<T>)));
}

/** What the fake stack saw. */
export interface FakeStackLog {
  /** openStack requests. */
  opened: OpenStackRequest[];
  /** CLI lookups. */
  cliLookups: number;
  /** Calls in order: `getAllConfig`, `removeAllConfig:<keys>`, `setAllConfig`, `preview`, `up`, `destroy`, `outputs`. */
  calls: string[];
  /** The stack's config after the calls. */
  config: ConfigMap;
  /** The inline program of the last open. */
  program?: PulumiFn;
}

/** Behaviour of the fake stack's operations. */
export interface FakeStackBehaviour {
  /** Config the stack holds before the operation. */
  initialConfig?: ConfigMap;
  /** Engine events to emit during preview/up/destroy. */
  events?: EngineEvent[];
  /** Run the inline program on up (under whatever mocks are installed), as the engine would. */
  runProgram?: boolean;
  /** Called after the config is written and before the program runs (the world changing in between). */
  beforeProgram?: () => void;
  /** Change summary to report. */
  changes?: OpMap;
  /** Outputs to report when the program is not run. */
  outputs?: OutputMap;
  /** Error to throw from the operation. */
  fail?: unknown;
  /** Error to throw from openStack. */
  openFails?: unknown;
}

/** Fake dependencies of the embedding API, and the log of what it did. */
export function fakeDependencies(behaviour: FakeStackBehaviour = {}): {
  deps: ApiDependencies;
  log: FakeStackLog;
} {
  const log: FakeStackLog = { opened: [], cliLookups: 0, calls: [], config: { ...behaviour.initialConfig } };
  async function operate(opts: EngineOptions, runProgram: boolean): Promise<OutputMap> {
    for (const e of behaviour.events ?? []) {
      opts.onEvent(e);
    }
    if (runProgram && log.program) {
      behaviour.beforeProgram?.();
      const secretKeys = Object.entries(log.config)
        .filter(([, v]) => v.secret)
        .map(([k]) => k);
      pulumi.runtime.setAllConfig(
        Object.fromEntries(Object.entries(log.config).map(([k, v]) => [k, v.value])),
        secretKeys,
      );
      const outs = (await log.program()) as Record<string, unknown>;
      const values = (await resolved(outs)) as Record<string, unknown>;
      await settle();
      return Object.fromEntries(
        Object.entries(values)
          .filter(([, v]) => v !== undefined)
          .map(([k, value]) => [k, { value, secret: false }]),
      );
    }
    if (behaviour.fail) {
      throw behaviour.fail;
    }
    return behaviour.outputs ?? {};
  }
  const handle: StackHandle = {
    async getAllConfig() {
      log.calls.push("getAllConfig");
      return { ...log.config };
    },
    async setAllConfig(config) {
      log.calls.push("setAllConfig");
      Object.assign(log.config, config);
    },
    async removeAllConfig(keys) {
      log.calls.push(`removeAllConfig:${keys.join(",")}`);
      for (const k of keys) {
        delete log.config[k];
      }
    },
    async preview(opts) {
      log.calls.push("preview");
      await operate(opts, false);
      return { changeSummary: behaviour.changes ?? {} };
    },
    async up(opts) {
      log.calls.push("up");
      const outputs = await operate(opts, behaviour.runProgram ?? false);
      return { outputs, summary: { resourceChanges: behaviour.changes ?? {} } };
    },
    async destroy(opts) {
      log.calls.push("destroy");
      await operate(opts, false);
      return { summary: { resourceChanges: behaviour.changes ?? {} } };
    },
    async outputs() {
      log.calls.push("outputs");
      if (behaviour.fail) {
        throw behaviour.fail;
      }
      return behaviour.outputs ?? {};
    },
  };
  const deps: ApiDependencies = {
    locateCli: async () => {
      log.cliLookups += 1;
      return { command: "pulumi", version: null } as unknown as PulumiCommand;
    },
    openStack: async (request) => {
      log.opened.push(request);
      log.program = request.program;
      if (behaviour.openFails) {
        throw behaviour.openFails;
      }
      return handle;
    },
  };
  return { deps, log };
}

/** A stand-in vendor package in a fresh temp folder. */
export function standInPackage(dir: string): string {
  const file = path.join(dir, "rpcapd_9.6.0_amd64.deb");
  fs.writeFileSync(file, "!<arch>\ndebian-binary   stand-in\n");
  return file;
}

/**
 * Stack outputs as the engine returns them (each value wrapped with its secret flag), for a deployed dev stack
 * without mirroring (so without `mirrorReconcileResult`); `overrides` replaces single outputs.
 */
export function engineOutputs(overrides: Record<string, unknown> = {}): OutputMap {
  const values: Record<string, unknown> = {
    podCidrs: ["10.0.0.0/16"],
    serviceCidrs: ["172.20.0.0/16"],
    networkSources: {
      pods: [{ range: "10.0.0.0/16", from: "VPC vpc-0a1b2c3d4e5f60718 associated CIDR block" }],
      services: [
        { range: "172.20.0.0/16", from: "EKS cluster demo kubernetesNetworkConfig.serviceIpv4Cidr" },
      ],
    },
    agentEnvironment: {
      EXTRAHOP_SENSOR_IP: "10.0.200.10",
      RPCAPD_TARGET_PORT: "2003",
      PODNET: "10.0.0.0/16",
      SVCNET: "172.20.0.0/16",
      VPC_MIRRORING: "false",
    },
    agentImage: `r.example.com/a@sha256:${"a".repeat(64)}`,
    daemonSetNamespace: "extrahop",
    daemonSetName: "extrahop-rpcapd",
    mirroredEnis: [],
    skippedMirrorSources: [],
    sensorSteps: ["Enable RPCAP"],
    ...overrides,
  };
  return Object.fromEntries(Object.entries(values).map(([k, value]) => [k, { value, secret: false }]));
}
