/**
 * A fake ExtraHop sensor REST API for tests: HTTPS on loopback with a test certificate, API-key authentication,
 * and the running config endpoints with the semantics the vendor documents.
 *
 * Ported from the vendor's published REST API description (ExtraHop REST API Guide,
 * https://docs.extrahop.com/current/rest-api-guide/, and the API Explorer's operations as listed in
 * github.com/ExtraHop/agent-skills extrahop-rest-api/references/admin.md, "Running Config"):
 * - every call carries `Authorization: ExtraHop apikey=<key>`; a missing or unknown key is 401, a key whose user
 *   lacks the privilege for a write is 403, an unknown resource is 404;
 * - `GET /api/v1/runningconfig[?section=<name>]` returns the running config (or one top-level section);
 * - `PUT /api/v1/runningconfig` replaces the whole running config, "not automatically saved", answers 204; a
 *   changing PUT "creates a job", modelled as reads that still show the previous config (`staleReadsAfterPut`);
 * - `POST /api/v1/runningconfig/save` saves the running config, answers 204;
 * - `GET /api/v1/runningconfig/saved` returns the saved config.
 * Error bodies are `{"error_message": "..."}`, the shape third-party clients of the API parse
 * (github.com/TedDriggs/extrahop src/errors.rs, `ErrorBody`); the message texts are this fake's own.
 * Not modelled: the jobs API, rate limits, CORS, the rest of the API.
 */
import * as https from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { testCertificates } from "./testCertificates";

/** What an API key's user may do. */
export type FakeKeyPrivilege = "full" | "read-only";

/** One request the fake answered. */
export interface FakeRequest {
  /** HTTP method. */
  method: string;
  /** Path and query. */
  path: string;
  /** Status answered. */
  status: number;
}

/** Options of the fake sensor. */
export interface FakeExtraHopOptions {
  /** API keys and their privileges. Default: `{ "test-key": "full" }`. */
  apiKeys?: Record<string, FakeKeyPrivilege>;
  /** Initial running config. */
  runningConfig: Record<string, unknown>;
  /** Initial saved config. Default: the initial running config. */
  savedConfig?: Record<string, unknown>;
  /**
   * What the sensor makes of a PUT document before keeping it (default: keeps it as sent); models a sensor
   * that drops or normalises keys it does not know.
   */
  acceptPut?: (doc: Record<string, unknown>) => Record<string, unknown>;
  /**
   * How many `GET /runningconfig` after a PUT still answer the previous config: the replace job the vendor
   * says a changing PUT creates, still running. Default 0.
   */
  staleReadsAfterPut?: number;
}

/** A running fake sensor. */
export interface FakeExtraHop {
  /** Base URL, `https://127.0.0.1:<port>`. */
  url: string;
  /** The running config now. */
  running(): Record<string, unknown>;
  /** The saved config now. */
  saved(): Record<string, unknown>;
  /** Replaces the running config (someone editing the sensor by hand). */
  setRunning(doc: Record<string, unknown>): void;
  /** Every request answered, in order. */
  requests: FakeRequest[];
  /** Number of PUT and save calls answered with success. */
  writes(): number;
  /** Stops listening. */
  stop(): Promise<void>;
}

const API = "/api/v1";

/** Starts the fake on a free loopback port. */
export async function startFakeExtraHop(options: FakeExtraHopOptions): Promise<FakeExtraHop> {
  const tls = testCertificates();
  const keys = options.apiKeys ?? { "test-key": "full" };
  let running = structuredClone(options.runningConfig);
  let saved = structuredClone(options.savedConfig ?? options.runningConfig);
  const requests: FakeRequest[] = [];
  let previous = running;
  let staleReads = 0;

  const answer = (res: ServerResponse, req: IncomingMessage, status: number, body?: unknown) => {
    requests.push({ method: req.method ?? "", path: req.url ?? "", status });
    if (body === undefined) {
      res.writeHead(status).end();
      return;
    }
    res.writeHead(status, { "Content-Type": "application/json" }).end(JSON.stringify(body));
  };
  const fail = (res: ServerResponse, req: IncomingMessage, status: number, message: string) =>
    answer(res, req, status, { error_message: message });

  const handle = (req: IncomingMessage, res: ServerResponse, body: string) => {
    const url = new URL(req.url ?? "/", "https://sensor");
    const auth = /^ExtraHop apikey=(\S+)$/.exec(req.headers.authorization ?? "");
    const privilege = auth ? keys[auth[1] as string] : undefined;
    if (!privilege) {
      fail(res, req, 401, auth ? "Invalid API key" : "Missing API key in the Authorization header");
      return;
    }
    const route = `${req.method} ${url.pathname.replace(/\/+$/, "")}`;
    const writing = req.method !== "GET";
    const known = [
      `GET ${API}/runningconfig`,
      `PUT ${API}/runningconfig`,
      `POST ${API}/runningconfig/save`,
      `GET ${API}/runningconfig/saved`,
    ];
    if (!known.includes(route)) {
      const pathKnown = known.some((k) => k.endsWith(` ${url.pathname.replace(/\/+$/, "")}`));
      fail(
        res,
        req,
        pathKnown ? 405 : 404,
        pathKnown ? "Method not allowed" : `No such resource: ${url.pathname}`,
      );
      return;
    }
    if (writing && privilege !== "full") {
      fail(res, req, 403, "The user does not have the privileges to modify the running config");
      return;
    }
    switch (route) {
      case `GET ${API}/runningconfig`: {
        const section = url.searchParams.get("section");
        const shown = staleReads > 0 ? previous : running;
        staleReads = Math.max(0, staleReads - 1);
        if (section === null) {
          answer(res, req, 200, shown);
        } else if (section in shown) {
          answer(res, req, 200, shown[section]);
        } else {
          fail(res, req, 404, `No running config section named ${section}`);
        }
        return;
      }
      case `PUT ${API}/runningconfig`: {
        let doc: unknown;
        try {
          doc = JSON.parse(body);
        } catch {
          fail(res, req, 400, "The request body is not valid JSON");
          return;
        }
        if (!doc || typeof doc !== "object" || Array.isArray(doc)) {
          fail(res, req, 400, "The running config must be a JSON object");
          return;
        }
        const kept = options.acceptPut ? options.acceptPut(doc as Record<string, unknown>) : doc;
        previous = running;
        running = structuredClone(kept as Record<string, unknown>);
        staleReads = options.staleReadsAfterPut ?? 0;
        answer(res, req, 204);
        return;
      }
      case `POST ${API}/runningconfig/save`:
        // While the replace job runs, the sensor still holds (and so saves) the previous config.
        saved = structuredClone(staleReads > 0 ? previous : running);
        answer(res, req, 204);
        return;
      default:
        answer(res, req, 200, saved);
    }
  };

  const server = https.createServer({ key: tls.serverKey, cert: tls.serverCertificate }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => handle(req, res, Buffer.concat(chunks).toString("utf8")));
  });
  // A client that rejects our certificate aborts the handshake; that is the client's story, not a fake failure.
  server.on("tlsClientError", () => undefined);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `https://127.0.0.1:${port}`,
    running: () => structuredClone(running),
    saved: () => structuredClone(saved),
    setRunning: (doc) => {
      running = structuredClone(doc);
    },
    requests,
    writes: () => requests.filter((r) => r.method !== "GET" && r.status < 300).length,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
