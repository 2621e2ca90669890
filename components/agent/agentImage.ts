/**
 * The agent image: built from the staged `agent/` context and pushed either to a dedicated ECR repository (scan on
 * push, immutable tags, lifecycle policy; the default on EKS) or to a registry the user names; referenced by digest.
 */
import * as aws from "@pulumi/aws";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { StagedBuildContext } from "./buildContext";

/** A registry other than ECR. */
export interface ExternalRegistry {
  /** Repository without tag, e.g. `registry.example.com/secops/extrahop-rpcapd`. */
  repository: pulumi.Input<string>;
  /** User name; absent = the Docker config's credentials. */
  username?: pulumi.Input<string>;
  /** Password or token (secret). */
  password?: pulumi.Input<string>;
  /** Whether `username`/`password` are used (false: the Docker config's credentials). Default: `username` is set. */
  withCredentials?: pulumi.Input<boolean>;
}

/** Arguments of `AgentImage`. */
export interface AgentImageArgs {
  /** The staged build context (see `stageBuildContext`). */
  context: StagedBuildContext;
  /** Target platform, e.g. `linux/amd64`. */
  platform: string;
  /** Tags for the ECR repository. */
  tags: pulumi.Input<Record<string, string>>;
  /** Push here instead of a new ECR repository. */
  registry?: ExternalRegistry;
  /** How many images the ECR lifecycle policy keeps. Default 10. */
  keepImages?: number;
}

/** Builds the agent image and pushes it. */
export class AgentImage extends pulumi.ComponentResource {
  /** The ECR repository (absent when pushing to another registry). */
  public readonly repository?: aws.ecr.Repository;
  /** The build-and-push resource. */
  public readonly image: docker.Image;
  /** The repository URL the image was pushed to. */
  public readonly repositoryUrl: pulumi.Output<string>;
  /** `repo@sha256:...`: what the DaemonSet runs. */
  public readonly imageRef: pulumi.Output<string>;

  constructor(name: string, args: AgentImageArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pod-packet-forwarding:index:AgentImage", name, {}, opts);
    const keep = args.keepImages ?? 10;
    let registry: pulumi.Input<docker.types.input.Registry> | undefined;
    if (args.registry) {
      this.repositoryUrl = pulumi.output(args.registry.repository);
      const ext = args.registry;
      // Without a registry block the provider pushes with the Docker config's credentials.
      registry = pulumi.output(ext.withCredentials ?? ext.username !== undefined).apply((creds) =>
        creds
          ? {
              server: pulumi.output(ext.repository).apply((r) => r.split("/")[0]),
              username: ext.username ?? "",
              password: pulumi.secret(ext.password ?? ""),
            }
          : undefined,
      ) as pulumi.Output<docker.types.input.Registry>;
    } else {
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
                description: `keep the last ${keep} agent images`,
                selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: keep },
                action: { type: "expire" },
              },
            ],
          }),
        },
        { parent: this },
      );
      const auth = aws.ecr.getAuthorizationTokenOutput(
        { registryId: repository.registryId },
        { parent: this },
      );
      this.repository = repository;
      this.repositoryUrl = repository.repositoryUrl;
      registry = {
        server: repository.repositoryUrl,
        username: auth.userName,
        password: pulumi.secret(auth.password),
      };
    }
    this.image = new docker.Image(
      `${name}-image`,
      {
        // The content hash as tag: immutable tags (ECR) need a new tag whenever the content changes.
        imageName: pulumi.interpolate`${this.repositoryUrl}:agent-${args.context.contentHash}`,
        build: {
          context: args.context.dir,
          dockerfile: `${args.context.dir}/Dockerfile`,
          platform: args.platform,
          args: { RPCAPD_PACKAGE: args.context.packagePath },
        },
        registry,
      },
      { parent: this },
    );
    this.imageRef = this.image.repoDigest;
    this.registerOutputs({ repositoryUrl: this.repositoryUrl, imageRef: this.imageRef });
  }
}
