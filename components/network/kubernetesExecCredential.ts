/**
 * Runs a kubeconfig exec credential plugin (e.g. `aws eks get-token`) and reads the `ExecCredential` it prints, as
 * client-go does (k8s.io/client-go/plugin/pkg/client/auth/exec/exec.go; the exchange is documented at
 * https://kubernetes.io/docs/reference/access-authn-authz/authentication/#client-go-credential-plugins): the
 * request goes in the `KUBERNETES_EXEC_INFO` environment variable, the answer's `status` carries a bearer token or
 * a client certificate and key, and an optional `expirationTimestamp`.
 */
import { execFile } from "node:child_process";
import * as path from "node:path";
import type { ExecCredentialPlugin } from "./kubernetesKubeconfig";

/** Credentials returned by a plugin. */
export interface ExecCredential {
  /** Bearer token. */
  token?: string;
  /** PEM client certificate. */
  clientCertificate?: Buffer;
  /** PEM client key. */
  clientKey?: Buffer;
  /** When the credential stops being valid (ms since the epoch); absent: until the server refuses it. */
  expiresAt?: number;
}

/** The cluster a plugin may be told about (`provideClusterInfo: true`). */
export interface ExecClusterInfo {
  /** API server URL. */
  server: string;
  /** PEM CA bundle. */
  certificateAuthority?: Buffer;
  /** `insecure-skip-tls-verify`. */
  insecureSkipTlsVerify: boolean;
  /** `tls-server-name`. */
  tlsServerName?: string;
}

/** A plugin that could not be run or whose answer cannot be used. */
export class ExecCredentialError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ExecCredentialError";
  }
}

/** The `KUBERNETES_EXEC_INFO` request: never interactive, since a Pulumi program has no terminal to offer. */
export function execCredentialRequest(plugin: ExecCredentialPlugin, cluster: ExecClusterInfo): string {
  const spec: Record<string, unknown> = { interactive: false };
  if (plugin.provideClusterInfo) {
    spec.cluster = {
      server: cluster.server,
      ...(cluster.certificateAuthority
        ? { "certificate-authority-data": cluster.certificateAuthority.toString("base64") }
        : {}),
      ...(cluster.insecureSkipTlsVerify ? { "insecure-skip-tls-verify": true } : {}),
      ...(cluster.tlsServerName ? { "tls-server-name": cluster.tlsServerName } : {}),
    };
  }
  return JSON.stringify({ apiVersion: plugin.apiVersion, kind: "ExecCredential", spec });
}

/**
 * Checks a plugin's standard output and extracts the credential.
 * @param stdout what the plugin printed
 * @param plugin the plugin, for its expected apiVersion and for messages
 */
export function parseExecCredential(stdout: string, plugin: ExecCredentialPlugin): ExecCredential {
  const name = JSON.stringify(plugin.command);
  let doc: unknown;
  try {
    doc = JSON.parse(stdout);
  } catch {
    throw new ExecCredentialError(`exec plugin ${name} did not print an ExecCredential (output is not JSON)`);
  }
  const cred = doc as { kind?: unknown; apiVersion?: unknown; status?: Record<string, unknown> };
  if (cred?.kind !== "ExecCredential") {
    throw new ExecCredentialError(
      `exec plugin ${name} printed kind ${JSON.stringify(cred?.kind)}, not ExecCredential`,
    );
  }
  if (cred.apiVersion !== plugin.apiVersion) {
    throw new ExecCredentialError(
      `exec plugin ${name} is configured for ${plugin.apiVersion} but answered ${JSON.stringify(cred.apiVersion)}`,
    );
  }
  const status = cred.status ?? {};
  const text = (key: string): string | undefined =>
    typeof status[key] === "string" && status[key] !== "" ? (status[key] as string) : undefined;
  const token = text("token");
  const certificate = text("clientCertificateData");
  const key = text("clientKeyData");
  if (Boolean(certificate) !== Boolean(key)) {
    throw new ExecCredentialError(
      `exec plugin ${name} returned a client certificate without its key (or a key without its certificate)`,
    );
  }
  if (!token && !certificate) {
    throw new ExecCredentialError(`exec plugin ${name} returned neither a token nor a client certificate`);
  }
  const expiry = text("expirationTimestamp");
  const expiresAt = expiry ? Date.parse(expiry) : undefined;
  if (expiresAt !== undefined && Number.isNaN(expiresAt)) {
    throw new ExecCredentialError(`exec plugin ${name} returned an unreadable expirationTimestamp`);
  }
  return {
    token,
    clientCertificate: certificate ? Buffer.from(certificate) : undefined,
    clientKey: key ? Buffer.from(key) : undefined,
    expiresAt,
  };
}

/**
 * Runs the plugin once and returns its credential.
 * @param plugin the kubeconfig's exec section
 * @param cluster what the plugin may be told about the cluster
 * @param baseDirectory directory a relative command path resolves against
 * @param timeoutMs how long the plugin may run
 */
export function runExecCredentialPlugin(
  plugin: ExecCredentialPlugin,
  cluster: ExecClusterInfo,
  baseDirectory: string,
  timeoutMs = 60_000,
): Promise<ExecCredential> {
  if (plugin.interactiveMode === "Always") {
    return Promise.reject(
      new ExecCredentialError(
        `exec plugin ${JSON.stringify(plugin.command)} requires a terminal (interactiveMode: Always), which a deployment does not have`,
      ),
    );
  }
  // As client-go: a command with a path separator is a file relative to the kubeconfig, anything else goes to PATH.
  const command =
    plugin.command.includes(path.sep) && !path.isAbsolute(plugin.command)
      ? path.resolve(baseDirectory, plugin.command)
      : plugin.command;
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const { name, value } of plugin.env) {
    env[name] = value;
  }
  env.KUBERNETES_EXEC_INFO = execCredentialRequest(plugin, cluster);
  return new Promise((resolve, reject) => {
    const child = execFile(
      command,
      plugin.args,
      { env, timeout: timeoutMs, maxBuffer: 1024 * 1024, windowsHide: true },
      (err, stdout, stderr) => {
        if (err) {
          const code = (err as NodeJS.ErrnoException).code;
          if (code === "ENOENT") {
            reject(
              new ExecCredentialError(
                `exec plugin ${JSON.stringify(plugin.command)} not found` +
                  (plugin.installHint ? `: ${plugin.installHint.trim()}` : " (is it installed and on PATH?)"),
              ),
            );
            return;
          }
          // The arguments are left out of the message: they are configuration, and may be sensitive.
          const detail = String(stderr).trim().slice(-500);
          const how = (err as { killed?: boolean }).killed
            ? `was stopped after ${timeoutMs} ms`
            : `failed (${code})`;
          reject(
            new ExecCredentialError(
              `exec plugin ${JSON.stringify(plugin.command)} ${how}${detail ? `: ${detail}` : ""}`,
            ),
          );
          return;
        }
        try {
          resolve(parseExecCredential(String(stdout), plugin));
        } catch (parseErr) {
          reject(parseErr);
        }
      },
    );
    // The plugin must never wait for input: there is nobody to type it.
    child.stdin?.end();
  });
}
