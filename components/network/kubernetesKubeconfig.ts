/**
 * Reads a kubeconfig (the YAML `kubectl` uses) into the settings of one connection: the selected context's server,
 * trust (CA data or file, `insecure-skip-tls-verify`, `tls-server-name`) and credentials (bearer token or token
 * file, client certificate and key, basic auth, or an exec credential plugin such as `aws eks get-token`).
 *
 * Field names and precedence follow client-go's kubeconfig types (k8s.io/client-go/tools/clientcmd/api/v1/types.go):
 * `*-data` fields override their file counterparts, a readable `tokenFile` takes precedence over `token`. Messages
 * never quote credential values: the kubeconfig is a secret.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as YAML from "yaml";

/** A kubeconfig that cannot be used: malformed, incomplete, or using a feature this client does not implement. */
export class KubeconfigError extends Error {
  constructor(message: string) {
    super(`kubeconfig: ${message}`);
    this.name = "KubeconfigError";
  }
}

/** An exec credential plugin (kubeconfig `users[].user.exec`), e.g. `aws eks get-token`. */
export interface ExecCredentialPlugin {
  /** `client.authentication.k8s.io/v1` or `.../v1beta1`: the ExecCredential version exchanged with the plugin. */
  apiVersion: string;
  /** Program to run: a name looked up on PATH, or a path (relative paths resolve against the base directory). */
  command: string;
  /** Its arguments. */
  args: string[];
  /** Extra environment variables for the plugin. */
  env: { name: string; value: string }[];
  /** Shown when the command cannot be found (e.g. how to install the AWS CLI). */
  installHint?: string;
  /** Pass the cluster's server and CA to the plugin in `KUBERNETES_EXEC_INFO`. */
  provideClusterInfo: boolean;
  /** `Never`, `IfAvailable` or `Always`; this client never has a terminal, so `Always` is refused. */
  interactiveMode: "Never" | "IfAvailable" | "Always";
}

/** Everything needed to open authenticated connections to one API server. */
export interface KubernetesConnection {
  /** The context the settings came from. */
  contextName: string;
  /** API server URL, e.g. `https://10.0.0.10:6443` (may carry a path prefix behind a proxy). */
  server: string;
  /** PEM CA bundle to verify the server with; absent: the system's trust store. */
  certificateAuthority?: Buffer;
  /** Skip server certificate verification (kubeconfig `insecure-skip-tls-verify`). */
  insecureSkipTlsVerify: boolean;
  /** Name to verify the server certificate against instead of the URL's host (`tls-server-name`). */
  tlsServerName?: string;
  /** PEM client certificate. */
  clientCertificate?: Buffer;
  /** PEM client key. */
  clientKey?: Buffer;
  /** Static bearer token. */
  token?: string;
  /** File holding a bearer token, re-read for every request (it wins over `token` when readable). */
  tokenFile?: string;
  /** Basic authentication. */
  basicAuth?: { username: string; password: string };
  /** Credential plugin run for a token or client certificate. */
  exec?: ExecCredentialPlugin;
  /** Directory relative paths resolve against. */
  baseDirectory: string;
}

/** Options of {@link parseKubeconfig}. */
export interface KubeconfigOptions {
  /** Context to use instead of `current-context`. */
  context?: string;
  /** Directory for relative file paths in the kubeconfig. Default: the working directory. */
  baseDirectory?: string;
}

type Dict = Record<string, unknown>;

function isDict(value: unknown): value is Dict {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function optionalString(owner: Dict, key: string, where: string): string | undefined {
  const value = owner[key];
  if (value === undefined || value === null || value === "") {
    return undefined;
  }
  if (typeof value !== "string") {
    throw new KubeconfigError(`${where}.${key} must be a string`);
  }
  return value;
}

function namedEntry(doc: Dict, listKey: string, itemKey: string, name: string): Dict | undefined {
  const list = doc[listKey];
  if (!Array.isArray(list)) {
    return undefined;
  }
  const entry = list.find((e) => isDict(e) && e.name === name);
  if (!isDict(entry)) {
    return undefined;
  }
  const inner = entry[itemKey];
  return isDict(inner) ? inner : {};
}

function entryNames(doc: Dict, listKey: string): string[] {
  const list = doc[listKey];
  return Array.isArray(list) ? list.filter(isDict).map((e) => String(e.name)) : [];
}

function decodeBase64(value: string, where: string): Buffer {
  const decoded = Buffer.from(value, "base64");
  if (!decoded.length) {
    throw new KubeconfigError(`${where} is not base64 data`);
  }
  return decoded;
}

function readFileField(file: string, baseDirectory: string, where: string): Buffer {
  const resolved = path.resolve(baseDirectory, file);
  try {
    return fs.readFileSync(resolved);
  } catch (err) {
    throw new KubeconfigError(
      `${where}: cannot read ${resolved} (${(err as NodeJS.ErrnoException).code ?? err})`,
    );
  }
}

/** The PEM data of a `<name>-data` field or, failing that, of the file named by `<name>`. */
function pemField(owner: Dict, name: string, where: string, baseDirectory: string): Buffer | undefined {
  const data = optionalString(owner, `${name}-data`, where);
  if (data) {
    return decodeBase64(data, `${where}.${name}-data`);
  }
  const file = optionalString(owner, name, where);
  return file ? readFileField(file, baseDirectory, `${where}.${name}`) : undefined;
}

function parseExec(exec: Dict, where: string): ExecCredentialPlugin {
  const command = optionalString(exec, "command", where);
  if (!command) {
    throw new KubeconfigError(`${where}.command is required`);
  }
  const apiVersion = optionalString(exec, "apiVersion", where);
  const supported = ["client.authentication.k8s.io/v1", "client.authentication.k8s.io/v1beta1"];
  if (!apiVersion || !supported.includes(apiVersion)) {
    throw new KubeconfigError(
      `${where}.apiVersion ${JSON.stringify(apiVersion ?? "")} is not supported (use ${supported.join(" or ")})`,
    );
  }
  const args = exec.args ?? [];
  if (!Array.isArray(args) || args.some((a) => typeof a !== "string")) {
    throw new KubeconfigError(`${where}.args must be a list of strings`);
  }
  const envList = exec.env ?? [];
  if (!Array.isArray(envList)) {
    throw new KubeconfigError(`${where}.env must be a list of {name, value}`);
  }
  const env = envList.map((e, i) => {
    if (!isDict(e) || typeof e.name !== "string" || typeof e.value !== "string") {
      throw new KubeconfigError(`${where}.env[${i}] must have a string name and value`);
    }
    return { name: e.name, value: e.value };
  });
  const mode = optionalString(exec, "interactiveMode", where) ?? "IfAvailable";
  if (mode !== "Never" && mode !== "IfAvailable" && mode !== "Always") {
    throw new KubeconfigError(`${where}.interactiveMode must be Never, IfAvailable or Always`);
  }
  return {
    apiVersion,
    command,
    args: args as string[],
    env,
    installHint: optionalString(exec, "installHint", where),
    provideClusterInfo: exec.provideClusterInfo === true,
    interactiveMode: mode,
  };
}

/**
 * Selects a context of a kubeconfig and returns its connection settings. Files named in the kubeconfig (CA,
 * client certificate and key) are read now; a token file and the exec plugin are left for request time.
 * @param text the kubeconfig YAML (or JSON)
 * @param options context and base directory
 * @throws KubeconfigError naming the field when the kubeconfig cannot be used
 */
export function parseKubeconfig(text: string, options: KubeconfigOptions = {}): KubernetesConnection {
  const baseDirectory = options.baseDirectory ?? process.cwd();
  if (typeof text !== "string" || !text.trim()) {
    throw new KubeconfigError("empty (give the kubeconfig's YAML)");
  }
  let doc: unknown;
  try {
    doc = YAML.parse(text);
  } catch (err) {
    // The parser's message can quote the offending line, which may hold a credential.
    const line = (err as { linePos?: { line: number }[] }).linePos?.[0]?.line;
    throw new KubeconfigError(`not valid YAML${line ? ` (line ${line})` : ""}`);
  }
  if (!isDict(doc)) {
    throw new KubeconfigError("expected a mapping with clusters, users and contexts");
  }
  const contextName = options.context ?? optionalString(doc, "current-context", "kubeconfig");
  if (!contextName) {
    throw new KubeconfigError(
      `no current-context and no context chosen (contexts: ${entryNames(doc, "contexts").join(", ") || "none"})`,
    );
  }
  const context = namedEntry(doc, "contexts", "context", contextName);
  if (!context) {
    throw new KubeconfigError(
      `context ${JSON.stringify(contextName)} not found (contexts: ${entryNames(doc, "contexts").join(", ") || "none"})`,
    );
  }
  const clusterName = optionalString(context, "cluster", `contexts[${contextName}]`);
  const cluster = clusterName ? namedEntry(doc, "clusters", "cluster", clusterName) : undefined;
  if (!cluster) {
    throw new KubeconfigError(
      `context ${JSON.stringify(contextName)} refers to cluster ${JSON.stringify(clusterName ?? "")}, which is not in clusters`,
    );
  }
  const clusterWhere = `clusters[${clusterName}]`;
  const server = optionalString(cluster, "server", clusterWhere);
  if (!server) {
    throw new KubeconfigError(`${clusterWhere}.server is required`);
  }
  let serverUrl: URL;
  try {
    serverUrl = new URL(server);
  } catch {
    throw new KubeconfigError(`${clusterWhere}.server ${JSON.stringify(server)} is not a URL`);
  }
  if (serverUrl.protocol !== "https:" && serverUrl.protocol !== "http:") {
    throw new KubeconfigError(`${clusterWhere}.server must be an https:// (or http://) URL`);
  }
  if (optionalString(cluster, "proxy-url", clusterWhere)) {
    throw new KubeconfigError(`${clusterWhere}.proxy-url is not supported; reach the API server directly`);
  }
  const userName = optionalString(context, "user", `contexts[${contextName}]`);
  const user = userName ? namedEntry(doc, "users", "user", userName) : {};
  if (!user) {
    throw new KubeconfigError(
      `context ${JSON.stringify(contextName)} refers to user ${JSON.stringify(userName)}, which is not in users`,
    );
  }
  const userWhere = `users[${userName ?? ""}]`;
  if (user["auth-provider"] !== undefined) {
    throw new KubeconfigError(
      `${userWhere}.auth-provider is not supported (client-go removed the gcp and azure providers); use exec`,
    );
  }
  if (user.as !== undefined || user["as-groups"] !== undefined || user["as-uid"] !== undefined) {
    throw new KubeconfigError(`${userWhere}: impersonation (as, as-groups, as-uid) is not supported`);
  }
  const username = optionalString(user, "username", userWhere);
  const password = optionalString(user, "password", userWhere);
  const clientCertificate = pemField(user, "client-certificate", userWhere, baseDirectory);
  const clientKey = pemField(user, "client-key", userWhere, baseDirectory);
  if (Boolean(clientCertificate) !== Boolean(clientKey)) {
    throw new KubeconfigError(`${userWhere}: a client certificate needs its key and the key its certificate`);
  }
  return {
    contextName,
    server: server.replace(/\/+$/, ""),
    certificateAuthority: pemField(cluster, "certificate-authority", clusterWhere, baseDirectory),
    insecureSkipTlsVerify: cluster["insecure-skip-tls-verify"] === true,
    tlsServerName: optionalString(cluster, "tls-server-name", clusterWhere),
    clientCertificate,
    clientKey,
    token: optionalString(user, "token", userWhere),
    tokenFile: optionalString(user, "tokenFile", userWhere),
    basicAuth: username !== undefined ? { username, password: password ?? "" } : undefined,
    exec: isDict(user.exec) ? parseExec(user.exec, `${userWhere}.exec`) : undefined,
    baseDirectory,
  };
}
