/**
 * The Kubernetes API over HTTP(S) with Node's own http/https modules (no client library in the image): paged
 * lists, chunked watch streams read line by line, a bearer token read from its file for every request, and a count
 * of requests by verb (the API server's own verb names: list, watch, get, create, update, patch, delete).
 */
import * as fs from "fs";
import * as http from "http";
import * as https from "https";
import { isApiStatus, ListMeta, ListPage, WatchEvent } from "./apiTypes";
import type { KubeClientConfig } from "./clientConfig";
import { KubeApi, KubeApiError, QueryParams, RequestCounts, WatchRequest } from "./kubeApi";
import { LineSplitter } from "./lineSplitter";
import { ListStreamReader } from "./listStream";

const VERB_OF_METHOD: Record<string, string> = {
  GET: "get",
  POST: "create",
  PUT: "update",
  PATCH: "patch",
  DELETE: "delete",
};

function readToken(file: string | undefined): string | undefined {
  if (!file) {
    return undefined;
  }
  try {
    const token = fs.readFileSync(file, "utf8").trim();
    return token === "" ? undefined : token;
  } catch {
    return undefined;
  }
}

function readBody(res: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: string[] = [];
    res.setEncoding("utf8");
    res.on("data", (chunk: string) => parts.push(chunk));
    res.on("end", () => resolve(parts.join("")));
    res.on("error", reject);
    res.on("aborted", () => reject(new KubeApiError("response aborted", res.statusCode ?? 0)));
  });
}

function errorFromResponse(what: string, status: number, body: string): KubeApiError {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    parsed = undefined;
  }
  const apiStatus = isApiStatus(parsed) ? parsed : undefined;
  const detail = apiStatus?.message ?? body.slice(0, 200);
  return new KubeApiError(`${what}: HTTP ${status}${detail ? `: ${detail}` : ""}`, status, apiStatus);
}

/** Creates a client for the API server described by `config`. */
export function createKubeApi(config: KubeClientConfig): KubeApi {
  const base = new URL(config.baseUrl);
  const secure = base.protocol === "https:";
  if (!secure && base.protocol !== "http:") {
    throw new Error(`Kubernetes API URL must be http(s): ${config.baseUrl}`);
  }
  const ca =
    secure && config.caFile && fs.existsSync(config.caFile) ? fs.readFileSync(config.caFile) : undefined;
  const transport = secure ? https : http;
  // Lists and other short requests reuse connections; each watch holds its own for minutes.
  const agent = secure
    ? new https.Agent({ keepAlive: true, maxSockets: 4, ca })
    : new http.Agent({ keepAlive: true });
  const watchAgent = secure
    ? new https.Agent({ keepAlive: false, ca })
    : new http.Agent({ keepAlive: false });
  const requestTimeoutMs = config.requestTimeoutMs ?? 60_000;
  const counts: RequestCounts = {};
  const prefix = base.pathname.replace(/\/+$/, "");

  const urlOf = (path: string, query: QueryParams | undefined): URL => {
    const url = new URL(base.origin + prefix + path);
    for (const [k, v] of Object.entries(query ?? {})) {
      if (v !== undefined) {
        url.searchParams.set(k, String(v));
      }
    }
    return url;
  };

  const send = (
    method: string,
    url: URL,
    verb: string,
    options: { body?: string; watch?: boolean; signal?: AbortSignal },
  ): Promise<http.IncomingMessage> =>
    new Promise((resolve, reject) => {
      counts[verb] = (counts[verb] ?? 0) + 1;
      const headers: http.OutgoingHttpHeaders = { Accept: "application/json" };
      const token = readToken(config.tokenFile);
      if (token) {
        headers.Authorization = `Bearer ${token}`;
      }
      if (options.body !== undefined) {
        headers["Content-Type"] = "application/json";
        headers["Content-Length"] = Buffer.byteLength(options.body);
      }
      const req = transport.request(url, { method, headers, agent: options.watch ? watchAgent : agent });
      if (!options.watch) {
        req.setTimeout(requestTimeoutMs, () =>
          req.destroy(new KubeApiError(`${verb} ${url.pathname}: timed out`, 0)),
        );
      }
      const onAbort = (): void => {
        req.destroy(new KubeApiError(`${verb} ${url.pathname}: aborted`, 0));
      };
      options.signal?.addEventListener("abort", onAbort, { once: true });
      req.on("response", (res) => {
        options.signal?.removeEventListener("abort", onAbort);
        resolve(res);
      });
      req.on("error", (e) => {
        options.signal?.removeEventListener("abort", onAbort);
        reject(e instanceof KubeApiError ? e : new KubeApiError(`${verb} ${url.pathname}: ${e.message}`, 0));
      });
      req.end(options.body);
    });

  const streamPage = async (
    path: string,
    query: QueryParams,
    onItem: (item: unknown) => void,
    signal?: AbortSignal,
  ): Promise<ListMeta> => {
    const res = await send("GET", urlOf(path, query), "list", { signal });
    if (res.statusCode !== 200) {
      throw errorFromResponse(`list ${path}`, res.statusCode ?? 0, await readBody(res));
    }
    const reader = new ListStreamReader();
    await new Promise<void>((resolve, reject) => {
      let failed = false;
      const fail = (e: unknown): void => {
        if (!failed) {
          failed = true;
          res.destroy();
          reject(e instanceof Error ? e : new Error(String(e)));
        }
      };
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        if (failed) {
          return;
        }
        try {
          reader.push(chunk, (json) => onItem(JSON.parse(json)));
        } catch (e) {
          fail(e);
        }
      });
      res.on("end", () => (failed ? undefined : resolve()));
      res.on("error", (e) => fail(new KubeApiError(`list ${path}: ${e.message}`, 0)));
      res.on("aborted", () => fail(new KubeApiError(`list ${path}: connection lost`, 0)));
    });
    const meta = reader.end().members.metadata as { resourceVersion?: string; continue?: string } | undefined;
    return { resourceVersion: meta?.resourceVersion ?? "", continueToken: meta?.continue || undefined };
  };

  const listPage = async (path: string, query: QueryParams, signal?: AbortSignal): Promise<ListPage> => {
    const items: unknown[] = [];
    const meta = await streamPage(path, query, (item) => items.push(item), signal);
    return { ...meta, items };
  };

  const watch = async (w: WatchRequest): Promise<void> => {
    if (w.signal.aborted) {
      return;
    }
    let res: http.IncomingMessage;
    try {
      res = await send("GET", urlOf(w.path, { ...w.query, watch: 1 }), "watch", {
        watch: true,
        signal: w.signal,
      });
    } catch (e) {
      if (w.signal.aborted) {
        return;
      }
      throw e;
    }
    if (res.statusCode !== 200) {
      throw errorFromResponse(`watch ${w.path}`, res.statusCode ?? 0, await readBody(res));
    }
    await new Promise<void>((resolve, reject) => {
      const lines = new LineSplitter();
      let settled = false;
      let idle: NodeJS.Timeout | undefined;
      const finish = (error?: Error): void => {
        if (settled) {
          return;
        }
        settled = true;
        clearTimeout(idle);
        w.signal.removeEventListener("abort", onAbort);
        if (error && !w.signal.aborted) {
          res.destroy();
          reject(error);
        } else {
          resolve();
        }
      };
      const armIdle = (): void => {
        clearTimeout(idle);
        idle = setTimeout(() => {
          finish(new KubeApiError(`watch ${w.path}: nothing received for ${w.idleTimeoutMs} ms`, 0));
        }, w.idleTimeoutMs);
      };
      const onLine = (line: string): void => {
        w.onEvent(JSON.parse(line) as WatchEvent);
      };
      const onAbort = (): void => {
        res.destroy();
        finish();
      };
      w.signal.addEventListener("abort", onAbort, { once: true });
      armIdle();
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        if (settled) {
          return;
        }
        armIdle();
        try {
          lines.push(chunk, onLine);
        } catch (e) {
          finish(e instanceof Error ? e : new Error(String(e)));
        }
      });
      res.on("end", () => {
        try {
          if (lines.rest().trim() !== "") {
            onLine(lines.rest());
          }
          finish();
        } catch (e) {
          finish(e instanceof Error ? e : new Error(String(e)));
        }
      });
      res.on("aborted", () => finish(new KubeApiError(`watch ${w.path}: connection lost`, 0)));
      res.on("error", (e) => finish(new KubeApiError(`watch ${w.path}: ${e.message}`, 0)));
    });
  };

  const request = async (
    method: string,
    path: string,
    query?: QueryParams,
    body?: unknown,
  ): Promise<{ status: number; body: unknown }> => {
    const verb = VERB_OF_METHOD[method.toUpperCase()] ?? method.toLowerCase();
    const res = await send(method.toUpperCase(), urlOf(path, query), verb, {
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await readBody(res);
    let parsed: unknown = text;
    try {
      parsed = text === "" ? undefined : JSON.parse(text);
    } catch {
      // Not JSON: hand the text back as it is.
    }
    return { status: res.statusCode ?? 0, body: parsed };
  };

  return { listPage, streamPage, watch, request, requestCounts: () => ({ ...counts }) };
}
