/**
 * The agent's HTTP endpoint (hostNetwork on nodes, the pod's network in a sidecar): `/metrics` (Prometheus text),
 * `/healthz` (liveness: the supervision loop's heartbeat is fresh) and `/readyz` (readiness: a sensor is
 * connected). Nothing else is served; every other path is 404.
 */
import * as http from "http";
import { EXPOSITION_CONTENT_TYPE } from "./exposition";

/** What the endpoint asks the agent. */
export interface EndpointSources {
  /** Exposition text. */
  metrics(): Promise<string>;
  /** Liveness verdict and why. */
  health(): { ok: boolean; detail: string };
  /** Readiness verdict and why. */
  ready(): { ok: boolean; detail: string };
}

/** Starts listening on `port` (all addresses); resolves once bound, rejects when the port is taken. */
export function startEndpoint(port: number, sources: EndpointSources): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    const answer = (code: number, body: string, type = "text/plain; charset=utf-8"): void => {
      res.writeHead(code, { "content-type": type, "cache-control": "no-store" });
      res.end(body);
    };
    if (req.method !== "GET" && req.method !== "HEAD") {
      answer(405, "method not allowed\n");
    } else if (path === "/metrics") {
      sources.metrics().then(
        (text) => answer(200, text, EXPOSITION_CONTENT_TYPE),
        (e: unknown) => answer(500, `metrics failed: ${e instanceof Error ? e.message : String(e)}\n`),
      );
    } else if (path === "/healthz" || path === "/readyz") {
      const v = path === "/healthz" ? sources.health() : sources.ready();
      answer(v.ok ? 200 : 503, `${v.detail}\n`);
    } else {
      answer(404, "not found\n");
    }
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, () => {
      server.off("error", reject);
      resolve(server);
    });
  });
}

/** An endpoint that keeps trying to bind its port. */
export interface RetryingEndpoint {
  /** Stops trying, or closes the server. */
  close(): void;
}

/**
 * Starts the endpoint, and while the port is taken keeps trying every `retryMs`: an instance taking a node over
 * starts while the outgoing one still holds the port, which it frees when it exits. A port taken for good shows as
 * a failing liveness probe (and a warning line every minute).
 */
export function startEndpointRetrying(
  port: number,
  sources: EndpointSources,
  onRetry: (e: Error, attempt: number) => void,
  retryMs = 1000,
): RetryingEndpoint {
  let server: http.Server | undefined;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  let attempt = 0;
  const tryBind = (): void => {
    startEndpoint(port, sources).then(
      (s) => {
        if (closed) {
          s.close();
        } else {
          server = s;
        }
      },
      (e: Error) => {
        attempt++;
        onRetry(e, attempt);
        if (!closed) {
          timer = setTimeout(tryBind, retryMs);
          timer.unref();
        }
      },
    );
  };
  tryBind();
  return {
    close: () => {
      closed = true;
      clearTimeout(timer);
      server?.close();
    },
  };
}
