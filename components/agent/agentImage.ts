/**
 * The agent image in ECR: a repository (scan on push, immutable tags, lifecycle policy) and the image built
 * from the staged `agent/` context, referenced by digest.
 */
import * as aws from "@pulumi/aws";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { StagedBuildContext } from "./buildContext";

/** Arguments of `AgentImage`. */
export interface AgentImageArgs {
  /** The staged build context (see `stageBuildContext`). */
  context: StagedBuildContext;
  /** Target platform, e.g. `linux/amd64`. */
  platform: string;
  /** Tags for the ECR repository. */
  tags: Record<string, string>;
  /** How many images the lifecycle policy keeps. Default 10. */
  keepImages?: number;
}

/** Builds the agent image and pushes it to a dedicated ECR repository. */
export class AgentImage extends pulumi.ComponentResource {
  /** The ECR repository URL. */
  public readonly repositoryUrl: pulumi.Output<string>;
  /** `repo@sha256:...`: what the DaemonSet runs. */
  public readonly imageRef: pulumi.Output<string>;

  constructor(name: string, args: AgentImageArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pod-packet-forwarding:index:AgentImage", name, {}, opts);
    const repository = new aws.ecr.Repository(
      `${name}-repo`,
      {
        imageTagMutability: "IMMUTABLE",
        imageScanningConfiguration: { scanOnPush: true },
        encryptionConfigurations: [{ encryptionType: "AES256" }],
        forceDelete: true,
        tags: args.tags,
      },
      { parent: this },
    );
    new aws.ecr.LifecyclePolicy(
      `${name}-lifecycle`,
      {
        repository: repository.name,
        policy: JSON.stringify({
          rules: [
            {
              rulePriority: 1,
              description: `keep the last ${args.keepImages ?? 10} agent images`,
              selection: {
                tagStatus: "any",
                countType: "imageCountMoreThan",
                countNumber: args.keepImages ?? 10,
              },
              action: { type: "expire" },
            },
          ],
        }),
      },
      { parent: this },
    );
    const auth = aws.ecr.getAuthorizationTokenOutput({ registryId: repository.registryId }, { parent: this });
    const image = new docker.Image(
      `${name}-image`,
      {
        imageName: pulumi.interpolate`${repository.repositoryUrl}:agent-${args.context.contentHash}`,
        build: {
          context: args.context.dir,
          dockerfile: `${args.context.dir}/Dockerfile`,
          platform: args.platform,
          args: { RPCAPD_PACKAGE: args.context.packagePath },
        },
        registry: {
          server: repository.repositoryUrl,
          username: auth.userName,
          password: pulumi.secret(auth.password),
        },
      },
      { parent: this },
    );
    this.repositoryUrl = repository.repositoryUrl;
    this.imageRef = image.repoDigest;
    this.registerOutputs({ repositoryUrl: this.repositoryUrl, imageRef: this.imageRef });
  }
}
