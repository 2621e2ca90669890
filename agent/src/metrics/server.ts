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
