/**
 * A kubeconfig for the Kubernetes provider, built from the cluster lookup. Credentials come from
 * `aws eks get-token` at run time, so no token is ever stored in the Pulumi state.
 */
import * as YAML from "yaml";

/** What a kubeconfig for an EKS cluster needs. */
export interface EksKubeconfigInputs {
  /** EKS cluster name. */
  clusterName: string;
  /** Region of the cluster. */
  region: string;
  /** API server URL from DescribeCluster. */
  endpoint: string;
  /** Base64 CA bundle from DescribeCluster. */
  certificateAuthorityData: string;
  /** AWS CLI profile the token is requested with (the stack's `aws:profile`); absent = the CLI's default chain. */
  profile?: string;
}

/** Renders a kubeconfig (YAML) that authenticates with `aws eks get-token`. */
export function eksKubeconfig(inputs: EksKubeconfigInputs): string {
  const name = `eks-${inputs.clusterName}`;
  return YAML.stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [
      {
        name,
        cluster: { server: inputs.endpoint, "certificate-authority-data": inputs.certificateAuthorityData },
      },
    ],
    contexts: [{ name, context: { cluster: name, user: name } }],
    "current-context": name,
    users: [
      {
        name,
        user: {
          exec: {
            apiVersion: "client.authentication.k8s.io/v1beta1",
            command: "aws",
            args: [
              "eks",
              "get-token",
              "--cluster-name",
              inputs.clusterName,
              "--region",
              inputs.region,
              "--output",
              "json",
            ],
            interactiveMode: "Never",
            ...(inputs.profile ? { env: [{ name: "AWS_PROFILE", value: inputs.profile }] } : {}),
          },
        },
      },
    ],
  });
}
