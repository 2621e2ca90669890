/**
 * The four running-config calls of the ExtraHop REST API (`/api/v1/runningconfig`: GET, PUT; `/save`: POST;
 * `/saved`: GET) over HTTPS with an API key, and failures turned into messages that name the input to fix and
 * quote the sensor's answer. Node's https client by a named import: the compiled code holds the module object
 * itself, which Pulumi's closure serializer writes as a `require`. (A namespace or dynamic import would go through
 * TypeScript's `__importStar`, which the serializer leaves out whenever tslib has put its helpers on the global
 * object, as any program using the AWS SDK has, and the provider host then fails.)
 */
import type { IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import type { RunningConfig } from "./runningConfigLayout";
import type { SensorTlsSettings } from "./sensorState";

/** What a call needs to reach the sensor. */
export interface SensorConnection {
  /** Base URL of the sensor's REST API. */
  apiUrl: string;
  /** API key (never echoed in messages). */
  apiKey: string;
  /** Certificate verification settings. */
  tls: SensorTlsSettings;
}

/** Time allowed for one call before it is reported as unreachable. */
const REQUEST_TIMEOUT_MS = 30_000;

/** `https://host[:port]`: the URL without a trailing slash or `/api/v1` suffix. */
export function sensorBaseUrl(apiUrl: string): string {
  return apiUrl.replace(/\/+$/, "").replace(/\/api\/v1$/, "");
}

/**
 * OpenSSL and Node codes that mean "the certificate could not be verified". An array, not a Set: the provider
 * is serialized, and the serializer carries a Set over without its contents.
 */
const CERTIFICATE_CODES = [
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "CERT_UNTRUSTED",
  "CERT_SIGNATURE_FAILURE",
  "CERT_REVOKED",
  "ERR_TLS_CERT_ALTNAME_INVALID",
];

/** The sensor's own words from an error response: `error_message` of its JSON body, else the body itself. */
function sensorWords(body: string): string {
  try {
    const parsed: unknown = JSON.parse(body);
    if (parsed && typeof parsed === "object" && "error_message" in parsed) {
      return String((parsed as { error_message: unknown }).error_message);
    }
  } catch {
    // not JSON: quote it as text
  }
  const text = body.trim().replace(/\s+/g, " ");
  return text.length > 300 ? `${text.slice(0, 300)}...` : text || "(empty body)";
}

/** The message for an HTTP answer that is not a success. */
function httpFailure(action: string, url: string, status: number, statusText: string, body: string): string {
  const answer = `the sensor answered ${status} ${statusText}: ${sensorWords(body)}`;
  switch (status) {
    case 401:
      return (
        `apiKey: the sensor at ${url} did not accept the API key to ${action} (${answer}); generate a key on ` +
        `the sensor's API Access page and pass it as apiKey`
      );
    case 403:
      return (
        `apiKey: the key's user may not ${action} (${answer}); use the key of a sensor user allowed to change ` +
        `the running config (an administrator)`
      );
    case 404:
      return (
        `apiUrl: ${url} does not exist on the sensor (${answer}); apiUrl must be the sensor's address, such as ` +
        `https://sensor.example.com (the /api/v1 suffix is optional)`
      );
    default:
      return `sensor: could not ${action} at ${url} (${answer})`;
  }
}

/** The message for a connection or TLS failure. */
function transportFailure(action: string, url: string, error: NodeJS.ErrnoException): string {
  const code = error.code ?? "ERROR";
  if (CERTIFICATE_CODES.includes(code)) {
    return (
      `tls: could not verify the certificate of ${url} to ${action} (${code}: ${error.message}); give the CA ` +
      `that signed it in tls.caCertificate (PEM), the name it was issued to in tls.serverName, or set ` +
      `tls.insecure to skip verification`
    );
  }
  if (code.startsWith("ERR_SSL") || code === "EPROTO" || code === "ECONNRESET") {
    return `apiUrl: the TLS handshake with ${url} failed (${code}: ${error.message}); is it the sensor's HTTPS port?`;
  }
  return `apiUrl: cannot reach ${url} to ${action} (${code}: ${error.message})`;
}

/** One call; resolves with the status and body of a 2xx answer, rejects with a message naming what to fix. */
async function call(
  connection: SensorConnection,
  method: string,
  path: string,
  action: string,
  body?: unknown,
): Promise<string> {
  const url = `${sensorBaseUrl(connection.apiUrl)}/api/v1${path}`;
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  const { tls } = connection;
  return new Promise<string>((resolve, reject) => {
    const request = httpsRequest(
      url,
      {
        method,
        agent: false,
        headers: {
          Accept: "application/json",
          Authorization: `ExtraHop apikey=${connection.apiKey}`,
          ...(payload ? { "Content-Type": "application/json", "Content-Length": payload.length } : {}),
        },
        ...(tls.caCertificate ? { ca: tls.caCertificate } : {}),
        ...(tls.serverName ? { servername: tls.serverName } : {}),
        rejectUnauthorized: tls.insecure !== true,
      },
      (response: IncomingMessage) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("error", (error: NodeJS.ErrnoException) =>
          reject(new Error(transportFailure(action, url, error))),
        );
        response.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          const status = response.statusCode ?? 0;
          if (status >= 200 && status < 300) {
            resolve(text);
          } else {
            reject(new Error(httpFailure(action, url, status, response.statusMessage ?? "", text)));
          }
        });
      },
    );
    request.setTimeout(REQUEST_TIMEOUT_MS, () => {
      const timeout: NodeJS.ErrnoException = new Error(`no answer within ${REQUEST_TIMEOUT_MS / 1000} s`);
      timeout.code = "ETIMEDOUT";
      request.destroy(timeout);
    });
    request.on("error", (error: NodeJS.ErrnoException) =>
      reject(new Error(transportFailure(action, url, error))),
    );
    request.end(payload);
  });
}

/** Parses a running config answer, which must be a JSON object. */
function parseConfig(text: string, what: string, url: string): RunningConfig {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`sensor: the ${what} from ${url} is not JSON (${sensorWords(text)})`);
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new Error(`sensor: the ${what} from ${url} is not a JSON object`);
  }
  return parsed as RunningConfig;
}

/** GET /api/v1/runningconfig: the running config in force. */
export async function getRunningConfig(connection: SensorConnection): Promise<RunningConfig> {
  const text = await call(connection, "GET", "/runningconfig", "read the running config");
  return parseConfig(text, "running config", sensorBaseUrl(connection.apiUrl));
}

/** GET /api/v1/runningconfig/saved: the config the sensor boots with. */
export async function getSavedRunningConfig(connection: SensorConnection): Promise<RunningConfig> {
  const text = await call(connection, "GET", "/runningconfig/saved", "read the saved running config");
  return parseConfig(text, "saved running config", sensorBaseUrl(connection.apiUrl));
}

/** PUT /api/v1/runningconfig: replaces the whole running config (not saved until `saveRunningConfig`). */
export async function putRunningConfig(connection: SensorConnection, config: RunningConfig): Promise<void> {
  await call(connection, "PUT", "/runningconfig", "replace the running config", config);
}

/** POST /api/v1/runningconfig/save: makes the running config survive a restart. */
export async function saveRunningConfig(connection: SensorConnection): Promise<void> {
  await call(connection, "POST", "/runningconfig/save", "save the running config");
}
