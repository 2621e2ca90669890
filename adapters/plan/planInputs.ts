/**
 * What the plan runs: a configuration (the built-in sample's, or the user's file read as the Pulumi CLI would pass
 * a stack file) and a fake AWS account (the built-in sample, or one built from the user's AWS CLI output), made
 * consistent with each other, with a note for everything the plan substituted.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ConfigFileError, readConfigFile } from "../automation/configFile";
import { SECRET_KEYS } from "../stack/stackConfig";
import { SAMPLE_FARGATE_PROFILES } from "../../harness/kube/sample/sampleKubernetes";
import { readAwsCliWorld, type AwsCliFiles } from "./awsCliJson";
import { SAMPLE_CLUSTER, sampleWorld, type AwsWorld } from "./offlineEngine";
import { PlanInputError } from "./planInputError";

/**
 * The sample stack: two sensors, mirroring to an NLB, the sample cluster's Fargate profiles, tags; the package is a
 * stand-in (the plan never builds).
 */
export const SAMPLE_CONFIG: Readonly<Record<string, unknown>> = {
  clusterName: SAMPLE_CLUSTER,
  sensorIps: ["10.0.200.10", "10.0.200.11"],
  sensorPort: 2003,
  rpcapdPackage: "rpcapd_9.6.0_amd64.deb",
  mirrorTarget: {
    networkLoadBalancerArn:
      "arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/net/extrahop-sensors/50dc6c495c0c9188",
  },
  fargateProfiles: SAMPLE_FARGATE_PROFILES,
  tags: { environment: "sample" },
};

/** Where stand-in vendor packages are written (the plan stages a build context but never builds it). */
const STAND_IN_DIR = path.join(os.tmpdir(), "pod-packet-forwarding", "plan-stand-in");

/** The value the plan gives an encrypted secret: the mocks never use it. */
const ENCRYPTED_PLACEHOLDER = "(encrypted in the stack file; not decrypted by the offline plan)";

/** What the plan was asked to run on. */
export interface PlanRequest extends AwsCliFiles {
  /** `--config`: JSON or YAML config keys, or a `Pulumi.<stack>.yaml`. */
  config?: string;
}

/** The configuration and account the plan runs with. */
export interface PlanInputs {
  /** Config values by key, as the stack program takes them. */
  config: Record<string, unknown>;
  /** Folder a relative `rpcapdPackage` is resolved against (the config file's, as for a stack file). */
  projectDir: string;
  /** The fake account. */
  world: AwsWorld;
  /** Where the account came from, for the report's first line. */
  worldSource: "sample" | "aws-cli";
  /** What the plan changed or ignored in the given config, one sentence each. */
  notes: string[];
}

/** A stand-in file for a vendor package that is not on this machine (same name: the architecture check reads it). */
function standInPackage(name: string): string {
  fs.mkdirSync(STAND_IN_DIR, { recursive: true });
  const file = path.join(STAND_IN_DIR, path.basename(name));
  fs.writeFileSync(file, "stand-in for the vendor's rpcapd package (offline plan only)\n");
  return file;
}

function worldOf(files: AwsCliFiles): { world: AwsWorld; source: PlanInputs["worldSource"] } {
  const read = readAwsCliWorld(files);
  if (!read) {
    return { world: sampleWorld(), source: "sample" };
  }
  return {
    world: {
      accountId: read.accountId,
      region: read.region,
      clusters: [read.cluster],
      vpcs: read.vpcs,
      subnets: [],
      instances: read.instances,
      networkInterfaces: [],
      trafficMirrorSessions: [],
    },
    source: "aws-cli",
  };
}

/** The user's config file, with encrypted secrets replaced and other namespaces set aside. */
function userConfig(file: string, notes: string[]): { config: Record<string, unknown>; region?: string } {
  let read;
  try {
    read = readConfigFile(file);
  } catch (err) {
    throw err instanceof ConfigFileError ? new PlanInputError("--config", file, err.reason) : err;
  }
  const config = { ...read.config };
  for (const key of read.encrypted) {
    if (!SECRET_KEYS.has(key)) {
      throw new PlanInputError(
        "--config",
        file,
        `${key} is encrypted (secure:) and the plan cannot decrypt it; give its plain value in a copy of the file`,
      );
    }
    config[key] = ENCRYPTED_PLACEHOLDER;
    notes.push(`${key} is encrypted in ${file}: the plan uses a placeholder (pulumi up decrypts it)`);
  }
  const others = Object.keys(read.otherNamespaces);
  if (others.length) {
    notes.push(`not used by the offline plan: ${others.join(", ")}`);
  }
  return { config, region: read.region };
}

/**
 * Reads and reconciles the plan's inputs.
 * @throws PlanInputError naming the flag and file of the first problem
 */
export function planInputs(request: PlanRequest, cwd: string = process.cwd()): PlanInputs {
  const notes: string[] = [];
  const { world, source } = worldOf(request);
  const user = request.config ? userConfig(request.config, notes) : undefined;
  const config: Record<string, unknown> = user ? user.config : { ...SAMPLE_CONFIG };
  const projectDir = request.config ? path.dirname(path.resolve(cwd, request.config)) : cwd;
  const worldCluster = world.clusters[0]?.name as string;

  if (source === "aws-cli") {
    if (user && config.clusterName === undefined) {
      throw new PlanInputError(
        "--describe-cluster",
        request.cluster,
        `describes cluster ${worldCluster}, but the config (${request.config}) names no clusterName (a cluster without EKS)`,
      );
    }
    if (user && typeof config.clusterName === "string" && config.clusterName !== worldCluster) {
      throw new PlanInputError(
        "--describe-cluster",
        request.cluster,
        `describes cluster ${worldCluster}, but the config (${request.config}) names clusterName ${config.clusterName}`,
      );
    }
    if (user?.region && user.region !== world.region) {
      throw new PlanInputError(
        "--describe-cluster",
        request.cluster,
        `cluster ${worldCluster} is in ${world.region} (its ARN), but the config's aws:region is ${user.region}: ` +
          "the stack's AWS provider would not find it",
      );
    }
    if (!user) {
      config.clusterName = worldCluster;
    }
    if (config.mirrorTarget !== undefined && !request.instances) {
      notes.push("no --describe-instances: the reconcile sees no nodes, so it mirrors nothing");
    }
  } else if (typeof config.clusterName === "string" && config.clusterName !== SAMPLE_CLUSTER) {
    notes.push(
      `the config names cluster ${config.clusterName}; the plan runs against the built-in sample cluster ` +
        `${SAMPLE_CLUSTER} instead (pass --describe-cluster and --describe-vpcs to plan against ${config.clusterName})`,
    );
    config.clusterName = SAMPLE_CLUSTER;
  }
  if (user?.region && source === "sample" && user.region !== world.region) {
    notes.push(`the config's aws:region is ${user.region}; the sample account is in ${world.region}`);
  }

  if (
    config.clusterName === undefined &&
    config.kubeconfig !== undefined &&
    !(config.podCidrs !== undefined && config.serviceCidrs !== undefined)
  ) {
    // The component would discover the ranges through the cluster's Kubernetes API: not offline.
    throw new PlanInputError(
      "--config",
      request.config,
      "a cluster without EKS (no clusterName) needs podCidrs and serviceCidrs for the offline plan: " +
        "without them the ranges are discovered through the Kubernetes API, which the plan does not reach",
    );
  }
  if (typeof config.rpcapdPackage === "string" && config.agentImage === undefined) {
    const resolved = path.resolve(projectDir, config.rpcapdPackage);
    if (!fs.existsSync(resolved)) {
      config.rpcapdPackage = standInPackage(resolved);
      if (user) {
        notes.push(
          `rpcapdPackage ${resolved} is not on this machine: the plan stages a stand-in of the same name ` +
            "(pulumi up needs the real file)",
        );
      }
    }
  }
  return { config, projectDir, world, worldSource: source, notes };
}
