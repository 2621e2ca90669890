/**
 * A small read-only Kubernetes API client on node:https, for the few requests cluster-network discovery makes from
 * the deploying machine. It authenticates the way kubectl does from a kubeconfig: CA data or file, client
 * certificates, bearer tokens (a token file is re-read for every request, as client-go does, so rotation works),
 * basic auth, and exec credential plugins (cached until their expiry, run again once when the server answers 401).
 *
 * Why not `@kubernetes/client-node`: 1.x and later are ES modules only (this project is CommonJS), and the last
 * CommonJS line (0.22) depends on the deprecated `request` package. Discovery needs GET and one dry-run POST.
 */
import * as fs from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import * as path from "node:path";
import type { KubernetesAnswer, KubernetesReadApi } from "./kubernetesApi";
import { runExecCredentialPlugin, type ExecCredential } from "./kubernetesExecCredential";
import { parseKubeconfig, type KubeconfigOptions, type KubernetesConnection } from "./kubernetesKubeconfig";

/** Tuning of the client. */
export interface KubernetesClientOptions {
  /** Longest wait for one answer, in ms. Default 30 s. */
  timeoutMs?: number;
  /** Longest run of an exec credential plugin, in ms. Default 60 s. */
  execTimeoutMs?: number;
}

/** The API server could not be reached or did not answer in time. */
export class KubernetesTransportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "KubernetesTransportError";
  }
}

const USER_AGENT = "pod-packet-forwarding (cluster network discovery)";
/** Renew a plugin credential this long before its stated expiry, so it does not lapse in flight. */
const EXPIRY_MARGIN_MS = 10_000;

interface Credentials {
  plugin?: ExecCredential;
  authorization?: string;
  clientCertificate?: Buffer;
  clientKey?: Buffer;
}

/**
 * A client for one API server.
 * @param connection settings from {@link parseKubeconfig}
 * @param options timeouts
 */
export function kubernetesClient(
  connection: KubernetesConnection,
  options: KubernetesClientOptions = {},
): KubernetesReadApi {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const server = new URL(connection.server);
  const prefix = server.pathname.replace(/\/+$/, "");
  let pluginRun: Promise<ExecCredential> | undefined;

  function runPlugin(): Promise<ExecCredential> {
    const plugin = connection.exec as NonNullable<KubernetesConnection["exec"]>;
    return runExecCredentialPlugin(
      plugin,
      {
        server: connection.server,
        certificateAuthority: connection.certificateAuthority,
        insecureSkipTlsVerify: connection.insecureSkipTlsVerify,
        tlsServerName: connection.tlsServerName,
      },
      connection.baseDirectory,
      options.execTimeoutMs,
    );
  }

  /**
   * The plugin's current credential. Concurrent requests share one run of the plugin, and a credential the server
   * refused (`rejected`) or that is about to expire is replaced by one new run, however many requests noticed it.
   */
  async function execCredential(rejected?: ExecCredential): Promise<ExecCredential | undefined> {
    if (!connection.exec) {
      return undefined;
    }
    let ranHere = false;
    for (;;) {
      if (!pluginRun) {
        pluginRun = runPlugin();
        ranHere = true;
      }
      const run = pluginRun;
      let credential: ExecCredential;
      try {
        credential = await run;
      } catch (err) {
        if (pluginRun === run) {
          pluginRun = undefined;
        }
        throw err;
      }
      const expiring =
        credential.expiresAt !== undefined && credential.expiresAt - EXPIRY_MARGIN_MS <= Date.now();
      // A credential fresh from a run this call started is used as it is: the server decides.
      if (ranHere || (credential !== rejected && !expiring)) {
        return credential;
      }
      if (pluginRun === run) {
        pluginRun = undefined;
      }
    }
  }

  function bearerToken(): string | undefined {
    if (connection.tokenFile) {
      try {
        const token = fs
          .readFileSync(path.resolve(connection.baseDirectory, connection.tokenFile), "utf8")
          .trim();
        if (token) {
          return token;
        }
      } catch {
        // An unreadable token file falls back to the static token, as client-go's cached token source does.
      }
    }
    return connection.token;
  }

  async function credentials(rejected?: ExecCredential): Promise<Credentials> {
    const plugin = await execCredential(rejected);
    const token = plugin?.token ?? bearerToken();
    const basic = connection.basicAuth;
    return {
      plugin,
      authorization: token
        ? `Bearer ${token}`
        : basic
          ? `Basic ${Buffer.from(`${basic.username}:${basic.password}`).toString("base64")}`
          : undefined,
      clientCertificate: plugin?.clientCertificate ?? connection.clientCertificate,
      clientKey: plugin?.clientKey ?? connection.clientKey,
    };
  }

  function send(
    method: "GET" | "POST",
    apiPath: string,
    body: unknown,
    creds: Credentials,
  ): Promise<KubernetesAnswer> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers: http.OutgoingHttpHeaders = { Accept: "application/json", "User-Agent": USER_AGENT };
    if (creds.authorization) {
      headers.Authorization = creds.authorization;
    }
    if (payload) {
      headers["Content-Type"] = "application/json";
      headers["Content-Length"] = payload.length;
    }
    const requestOptions: https.RequestOptions = {
      method,
      protocol: server.protocol,
      hostname: server.hostname.replace(/^\[|\]$/g, ""),
      port: server.port || undefined,
      path: `${prefix}${apiPath}`,
      headers,
      ca: connection.certificateAuthority,
      cert: creds.clientCertificate,
      key: creds.clientKey,
      rejectUnauthorized: !connection.insecureSkipTlsVerify,
      servername: connection.tlsServerName,
      // A fresh connection per request: discovery makes a dozen, and idle keep-alive sockets would hold the process.
      agent: false,
    };
    const transport = server.protocol === "https:" ? https : http;
    return new Promise((resolve, reject) => {
      const req = transport.request(requestOptions, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("error", reject);
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let parsed: unknown = text === "" ? undefined : text;
          if (text && /^\s*[[{]/.test(text)) {
            try {
              parsed = JSON.parse(text);
            } catch {
              // Keep the raw text: it still tells the reader what the server said.
            }
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
      });
      req.setTimeout(timeoutMs, () => {
        req.destroy(new Error(`no answer within ${timeoutMs} ms`));
      });
      req.on("error", (err) => {
        reject(
          new KubernetesTransportError(
            `cannot reach the Kubernetes API at ${connection.server} (context ${connection.contextName}): ${err.message}`,
          ),
        );
      });
      req.end(payload);
    });
  }

  async function request(method: "GET" | "POST", apiPath: string, body?: unknown): Promise<KubernetesAnswer> {
    const creds = await credentials();
    const answer = await send(method, apiPath, body, creds);
    // A plugin credential can be revoked or expire early: client-go runs the plugin again once on 401.
    if (answer.status === 401 && creds.plugin) {
      return send(method, apiPath, body, await credentials(creds.plugin));
    }
    return answer;
  }

  return {
    get: (apiPath) => request("GET", apiPath),
    createDryRun: (apiPath, body) => request("POST", `${apiPath}?dryRun=All`, body),
  };
}

/**
 * A client from a kubeconfig's selected context.
 * @param kubeconfig the kubeconfig YAML (a secret)
 * @param options context, base directory for relative paths, timeouts
 * @throws KubeconfigError when the kubeconfig cannot be used
 */
export function kubernetesClientFromKubeconfig(
  kubeconfig: string,
  options: KubeconfigOptions & KubernetesClientOptions = {},
): KubernetesReadApi {
  return kubernetesClient(parseKubeconfig(kubeconfig, options), options);
}
