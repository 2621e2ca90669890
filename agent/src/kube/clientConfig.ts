/**
 * Where the API server is and how to authenticate, for a pod in the cluster: the ServiceAccount token and CA that
 * the kubelet mounts, the `KUBERNETES_SERVICE_HOST`/`_PORT` variables every pod (hostNetwork ones too) receives, and
 * overrides for tests and unusual clusters (`KUBE_API_URL`, `KUBE_TOKEN_FILE`, `KUBE_CA_FILE`, as the v1 agent).
 */

/** Default token path of a projected ServiceAccount token. */
export const SERVICE_ACCOUNT_TOKEN_FILE = "/var/run/secrets/kubernetes.io/serviceaccount/token";
/** Default CA bundle path that comes with it. */
export const SERVICE_ACCOUNT_CA_FILE = "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt";

/** How to reach the API server. */
export interface KubeClientConfig {
  /** Base URL, `https://host:port` (http is accepted for tests and local proxies). */
  baseUrl: string;
  /**
   * File holding the bearer token, read again for every request so that a rotated token (the kubelet refreshes
   * projected tokens before they expire) is used at once. Absent or unreadable: no Authorization header.
   */
  tokenFile?: string;
  /** PEM CA bundle that signs the server's certificate (https only). Absent: the system's trust store. */
  caFile?: string;
  /** Per-request timeout of non-watch requests, in ms (default 60 s). */
  requestTimeoutMs?: number;
}

/** The configuration from the environment of an in-cluster pod. */
export function kubeConfigFromEnv(env: NodeJS.ProcessEnv): KubeClientConfig {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT ?? "443";
  // An IPv6 service host needs brackets in a URL.
  const defaultUrl = host
    ? `https://${host.includes(":") ? `[${host}]` : host}:${port}`
    : "https://kubernetes.default.svc";
  return {
    baseUrl: env.KUBE_API_URL || defaultUrl,
    tokenFile: env.KUBE_TOKEN_FILE || SERVICE_ACCOUNT_TOKEN_FILE,
    caFile: env.KUBE_CA_FILE || SERVICE_ACCOUNT_CA_FILE,
  };
}
