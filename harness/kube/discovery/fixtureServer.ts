/**
 * A recorded cluster behind HTTPS, authenticating like kube-apiserver: a bearer token, basic auth, or a client
 * certificate signed by the cluster CA (the TLS handshake asks for one but does not require it, and a request
 * with no accepted credential gets a 401 `Unauthorized` Status). A path prefix can stand in for an authenticating
 * proxy in front of the API (Rancher's `/k8s/clusters/<id>`).
 */
import * as https from "node:https";
import type { AddressInfo } from "node:net";
import type { TLSSocket } from "node:tls";
import { fixtureAnswer, type FixtureCluster } from "./fixtureCluster";
import type { KeyPair } from "./testPki";

/** How the server is set up. */
export interface FixtureServerOptions {
  /** What it answers. */
  cluster: FixtureCluster;
  /** Its certificate and key. */
  tls: KeyPair;
  /** CA that client certificates must chain to. */
  clientCa?: Buffer;
  /** Bearer tokens accepted. */
  tokens?: string[];
  /** Basic-auth `user:password` pairs accepted. */
  basic?: string[];
  /** Path prefix in front of the API paths. */
  prefix?: string;
}

/** A request as the server saw it. */
export interface SeenRequest {
  /** HTTP method. */
  method: string;
  /** Path with query, prefix removed. */
  path: string;
  /** The Authorization header, if any. */
  authorization?: string;
  /** CN of a verified client certificate, if any. */
  clientCommonName?: string;
  /** The User-Agent header. */
  userAgent?: string;
}

/** A running server. */
export interface FixtureServer {
  /** Base URL, e.g. `https://127.0.0.1:41234` (plus the prefix). */
  url: string;
  /** Every request, in order. */
  requests: SeenRequest[];
  /** Stops the server and drops its connections. */
  close(): Promise<void>;
}

function unauthorized(): { status: number; body: unknown } {
  return {
    status: 401,
    body: {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: "Unauthorized",
      reason: "Unauthorized",
      code: 401,
    },
  };
}

/** Starts a server on 127.0.0.1 on a free port. */
export async function startFixtureServer(options: FixtureServerOptions): Promise<FixtureServer> {
  const requests: SeenRequest[] = [];
  const prefix = options.prefix ?? "";
  const server = https.createServer(
    {
      key: options.tls.key,
      cert: options.tls.cert,
      ca: options.clientCa,
      requestCert: Boolean(options.clientCa),
      rejectUnauthorized: false,
    },
    (req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const socket = req.socket as TLSSocket;
        const commonName = socket.authorized ? socket.getPeerCertificate().subject?.CN : undefined;
        const seen: SeenRequest = {
          method: req.method ?? "",
          path: (req.url ?? "").startsWith(prefix) ? (req.url ?? "").slice(prefix.length) : (req.url ?? ""),
          authorization: req.headers.authorization,
          clientCommonName: Array.isArray(commonName) ? commonName[0] : commonName,
          userAgent: req.headers["user-agent"],
        };
        requests.push(seen);
        const auth = req.headers.authorization ?? "";
        const authenticated =
          Boolean(seen.clientCommonName) ||
          (options.tokens ?? []).some((t) => auth === `Bearer ${t}`) ||
          (options.basic ?? []).some((b) => auth === `Basic ${Buffer.from(b).toString("base64")}`);
        let answer: { status: number; body: unknown; contentType?: string };
        if (!(req.url ?? "").startsWith(prefix)) {
          answer = { status: 404, body: "404 page not found\n", contentType: "text/plain; charset=utf-8" };
        } else if (!authenticated) {
          answer = unauthorized();
        } else {
          const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString("utf8")) : undefined;
          answer = fixtureAnswer(options.cluster, seen.method === "POST" ? "POST" : "GET", seen.path, body);
        }
        const text = typeof answer.body === "string" ? answer.body : JSON.stringify(answer.body);
        res.writeHead(answer.status, { "Content-Type": answer.contentType ?? "application/json" });
        res.end(text);
      });
    },
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}${prefix}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
