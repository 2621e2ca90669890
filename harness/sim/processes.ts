// Small long-running processes the simulation starts inside network namespaces
// (`ip netns exec NS node processes.js <role> ...`). Bundled with esbuild by
// cluster.ts, so this file must not import anything but Node built-ins.
//
// Roles:
//   worker <tcpPort> <udpPort>   TCP and UDP echo servers ("REQ m" -> "RSP m"),
//                                and a client driven by JSON lines on stdin.
//   sensor <port> <dir>          saves every TCP connection to <dir>/<peer>-<n>.pcap
//   api <port> <dir> <token>     a fake Kubernetes API: GET /api/v1/<res> -> <dir>/<res>.json
import * as child from "child_process";
import * as dgram from "dgram";
import * as fs from "fs";
import * as http from "http";
import * as net from "net";
import * as path from "path";
import * as readline from "readline";

export interface Command {
  id: number;
  op: "tcp" | "udp" | "ping" | "udp-closed" | "tcp-bulk";
  host: string;
  port?: number;
  marker: string;
  /** UDP datagram size in bytes (padding after the marker); tcp-bulk: bytes of bulk data. */
  size?: number;
  /** UDP: the local address to send from (one of the worker's namespace's addresses); default: the route's. */
  source?: string;
}

export interface Reply {
  id: number;
  ok: boolean;
  detail: string;
}

function echoServers(tcpPort: number, udpPort: number): Promise<void> {
  const tcp = net.createServer((s) => {
    let buf = "";
    s.on("data", (d) => {
      buf += d.toString("latin1");
      let i: number;
      while ((i = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        if (line.startsWith("REQ ")) {
          s.write(`RSP ${line.slice(4)}\n`);
        } else if (line.startsWith("END ")) {
          s.write(`FIN ${line.slice(4)}\n`);
        }
      }
    });
    s.on("error", () => undefined);
  });
  const udp = dgram.createSocket("udp4");
  udp.on("message", (msg, rinfo) => {
    const text = msg.toString("latin1");
    if (text.startsWith("REQ ")) {
      const marker = text.slice(4, 4 + 16);
      udp.send(Buffer.from(`RSP ${marker}`), rinfo.port, rinfo.address);
    }
  });
  return Promise.all([
    new Promise<void>((res) => tcp.listen(tcpPort, "0.0.0.0", () => res())),
    new Promise<void>((res) => udp.bind(udpPort, "0.0.0.0", () => res())),
  ]).then(() => undefined);
}

function tcpClient(c: Command): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: c.host, port: c.port! });
    let buf = "";
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error("tcp timeout"));
    }, 4000);
    s.on("connect", () => s.write(`REQ ${c.marker}\n`));
    s.on("data", (d) => {
      buf += d.toString("latin1");
      if (buf.includes(`RSP ${c.marker}\n`)) {
        clearTimeout(timer);
        s.end();
        resolve("ok");
      }
    });
    s.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

/** Sends "REQ m\n", `size` bytes of bulk data, "\nEND m\n"; resolves once the server answered "FIN m". */
function tcpBulkClient(c: Command): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: c.host, port: c.port! });
    let buf = "";
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error("tcp-bulk timeout"));
    }, 15000);
    s.on("connect", () => {
      s.write(`REQ ${c.marker}\n`);
      s.write(Buffer.alloc(c.size ?? 0, "x"));
      s.write(`\nEND ${c.marker}\n`);
    });
    s.on("data", (d) => {
      buf += d.toString("latin1");
      if (buf.includes(`FIN ${c.marker}\n`)) {
        clearTimeout(timer);
        s.end();
        resolve(String(c.size));
      }
    });
    s.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

function udpClient(c: Command, expectRefused: boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket("udp4");
    const body = Buffer.alloc(Math.max(c.size ?? 0, 4 + c.marker.length), "u");
    body.write(`REQ ${c.marker}`, 0, "latin1");
    const timer = setTimeout(() => {
      s.close();
      reject(new Error("udp timeout"));
    }, 4000);
    const done = (err: Error | null, v?: string): void => {
      clearTimeout(timer);
      s.close();
      if (err) {
        reject(err);
      } else {
        resolve(v!);
      }
    };
    s.on("message", (msg) => {
      if (msg.toString("latin1").startsWith(`RSP ${c.marker}`)) {
        done(expectRefused ? new Error("unexpected reply") : null, "ok");
      }
    });
    s.on("error", (e: NodeJS.ErrnoException) => {
      if (expectRefused && e.code === "ECONNREFUSED") {
        done(null, "refused");
      } else {
        done(e);
      }
    });
    // A connected socket reports ICMP port unreachable as ECONNREFUSED.
    const connect = (): void => s.connect(c.port!, c.host, () => s.send(body));
    if (c.source) {
      s.bind(0, c.source, connect);
    } else {
      connect();
    }
  });
}

function pingClient(c: Command): Promise<string> {
  return new Promise((resolve, reject) => {
    const pattern = Buffer.from(c.marker, "latin1").toString("hex");
    child.execFile("ping", ["-n", "-c", "1", "-W", "3", "-p", pattern, c.host], (err, out) => {
      if (err) {
        reject(new Error(`ping failed: ${out}`));
      } else {
        resolve("ok");
      }
    });
  });
}

async function worker(tcpPort: number, udpPort: number): Promise<void> {
  await echoServers(tcpPort, udpPort);
  process.stdout.write(JSON.stringify({ id: 0, ok: true, detail: "ready" }) + "\n");
  const rl = readline.createInterface({ input: process.stdin });
  rl.on("line", (line) => {
    const c = JSON.parse(line) as Command;
    const run =
      c.op === "tcp"
        ? tcpClient(c)
        : c.op === "tcp-bulk"
          ? tcpBulkClient(c)
          : c.op === "udp"
            ? udpClient(c, false)
            : c.op === "udp-closed"
              ? udpClient(c, true)
              : pingClient(c);
    run.then(
      (detail) => process.stdout.write(JSON.stringify({ id: c.id, ok: true, detail }) + "\n"),
      (e: Error) => process.stdout.write(JSON.stringify({ id: c.id, ok: false, detail: e.message }) + "\n"),
    );
  });
  rl.on("close", () => process.exit(0));
}

function sensor(port: number, dir: string): void {
  let n = 0;
  const server = net.createServer((s) => {
    const file = path.join(dir, `${s.remoteAddress}-${++n}.pcap`);
    const out = fs.createWriteStream(file);
    s.pipe(out);
    s.on("error", () => undefined);
  });
  server.listen(port, "0.0.0.0", () => process.stdout.write("ready\n"));
}

interface ObjectLike {
  metadata: {
    uid: string;
    name: string;
    namespace?: string;
    resourceVersion?: string;
    labels?: Record<string, string>;
  };
  spec?: { nodeName?: string };
  status?: { phase?: string };
}

type Resource = "pods" | "nodes";
interface WatchEvent {
  rv: number;
  resource: Resource;
  type: "ADDED" | "MODIFIED" | "DELETED";
  old?: ObjectLike;
  obj: ObjectLike;
}

/** Field selectors the agents use: `spec.nodeName=x`, `status.phase!=y`, comma-joined (ANDed). */
function fieldMatches(selector: string | null, o: ObjectLike): boolean {
  if (!selector) {
    return true;
  }
  return selector.split(",").every((term) => {
    const m = /^([a-zA-Z.]+)(!=|==|=)(.*)$/.exec(term);
    if (!m) {
      return true;
    }
    const value =
      m[1] === "spec.nodeName"
        ? (o.spec?.nodeName ?? "")
        : m[1] === "status.phase"
          ? (o.status?.phase ?? "")
          : m[1] === "metadata.name"
            ? o.metadata.name
            : m[1] === "metadata.namespace"
              ? (o.metadata.namespace ?? "")
              : "";
    return m[2] === "!=" ? value !== m[3] : value === m[3];
  });
}

/** Equality label selectors (`k=v,k2=v2`). */
function labelsMatch(selector: string | null, o: ObjectLike): boolean {
  if (!selector) {
    return true;
  }
  return selector.split(",").every((term) => {
    const [k, v] = term.split("=");
    return (o.metadata.labels ?? {})[k] === v;
  });
}

/**
 * A fake Kubernetes API (shapes of k8s.io/apimachinery: List, WatchEvent, Status): lists of nodes and pods from
 * <dir>/{nodes,pods}.json, re-read on change so the test can change membership. Each change gets the next
 * resourceVersion; the server diffs every new file against the previous one and keeps the events (ADDED, MODIFIED,
 * DELETED). Lists honour `fieldSelector` (spec.nodeName, status.phase, metadata.name/namespace; `=`, `==`, `!=`),
 * `labelSelector` (equality) and `limit`/`continue`. Watches (`?watch=1`) replay the kept events after the given
 * resourceVersion, then stream new ones as JSON lines; with a field selector an object leaving the selection is sent
 * as DELETED and one entering it as ADDED, as the real API does; `allowWatchBookmarks=true` adds a BOOKMARK event
 * every second; `timeoutSeconds` ends the watch. A resourceVersion older than the kept events, or the one-shot file
 * <dir>/expire-next-watch, gets an ERROR event with a 410 Gone Status (the client must list again).
 */
function api(port: number, dir: string, token: string): void {
  let version = 1;
  const raw: Record<Resource, string> = { pods: "", nodes: "" };
  const state: Record<Resource, Map<string, ObjectLike>> = { pods: new Map(), nodes: new Map() };
  const events: WatchEvent[] = [];
  const KEEP = 1000;
  const watchers = new Set<(e: WatchEvent) => void>();
  const refresh = (): void => {
    for (const resource of ["nodes", "pods"] as const) {
      let text: string;
      try {
        text = fs.readFileSync(path.join(dir, `${resource}.json`), "utf8");
      } catch {
        continue;
      }
      if (text === raw[resource]) {
        continue;
      }
      const first = raw[resource] === "";
      raw[resource] = text;
      const next = new Map<string, ObjectLike>();
      for (const o of (JSON.parse(text) as { items: ObjectLike[] }).items) {
        // Objects without a uid (hand-written fixtures) are keyed by namespace and name.
        next.set(o.metadata.uid ?? `${o.metadata.namespace ?? ""}/${o.metadata.name}`, o);
      }
      const prev = state[resource];
      state[resource] = next;
      if (first) {
        continue;
      }
      const emit = (type: WatchEvent["type"], obj: ObjectLike, old?: ObjectLike): void => {
        version++;
        const e: WatchEvent = {
          rv: version,
          resource,
          type,
          old,
          obj: { ...obj, metadata: { ...obj.metadata, resourceVersion: String(version) } },
        };
        events.push(e);
        if (events.length > KEEP) {
          events.shift();
        }
        watchers.forEach((w) => w(e));
      };
      for (const [uid, o] of next) {
        const old = prev.get(uid);
        if (!old) {
          emit("ADDED", o);
        } else if (JSON.stringify(old) !== JSON.stringify(o)) {
          emit("MODIFIED", o, old);
        }
      }
      for (const [uid, o] of prev) {
        if (!next.has(uid)) {
          emit("DELETED", o);
        }
      }
    }
  };
  refresh();
  setInterval(refresh, 100);

  const status = (code: number, reason: string, message = reason): object => ({
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message,
    reason,
    code,
  });

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    fs.appendFileSync(path.join(dir, "requests.log"), `${req.method} ${req.url}\n`);
    if (req.headers.authorization !== `Bearer ${token}`) {
      res.writeHead(401, { "content-type": "application/json" });
      res.end(JSON.stringify(status(401, "Unauthorized")));
      return;
    }
    const m = /^\/api\/v1\/(pods|nodes)$/.exec(url.pathname);
    if (req.method !== "GET" || !m) {
      res.writeHead(404, { "content-type": "application/json" });
      res.end(JSON.stringify(status(404, "NotFound")));
      return;
    }
    refresh();
    const resource = m[1] as Resource;
    const kind = resource === "pods" ? "Pod" : "Node";
    const fieldSel = url.searchParams.get("fieldSelector");
    const labelSel = url.searchParams.get("labelSelector");
    const selected = (o: ObjectLike | undefined): boolean =>
      o !== undefined && fieldMatches(fieldSel, o) && labelsMatch(labelSel, o);
    if (url.searchParams.get("watch") === "1" || url.searchParams.get("watch") === "true") {
      res.writeHead(200, { "content-type": "application/json", "transfer-encoding": "chunked" });
      const write = (type: string, object: object): void => {
        res.write(JSON.stringify({ type, object }) + "\n");
      };
      const send = (e: WatchEvent): void => {
        if (e.resource !== resource) {
          return;
        }
        const was = e.type === "ADDED" ? false : selected(e.old ?? e.obj);
        const is = e.type === "DELETED" ? false : selected(e.obj);
        if (was && is) {
          write("MODIFIED", e.obj);
        } else if (!was && is) {
          write("ADDED", e.obj);
        } else if (was && !is) {
          write("DELETED", e.obj);
        }
      };
      const from = Number(url.searchParams.get("resourceVersion") ?? "0");
      const expire = path.join(dir, "expire-next-watch");
      const oldest = events.length > 0 ? events[0].rv - 1 : version;
      if (fs.existsSync(expire) || (from > 0 && from < oldest)) {
        fs.rmSync(expire, { force: true });
        write("ERROR", status(410, "Expired", `too old resource version: ${from} (${version})`));
        res.end();
        return;
      }
      if (from > 0) {
        events.filter((e) => e.rv > from).forEach(send);
      } else {
        // resourceVersion unset or 0: start with synthetic ADDED events for the current state, as the API does.
        [...state[resource].values()].filter(selected).forEach((o) => write("ADDED", o));
      }
      watchers.add(send);
      const bookmarks =
        url.searchParams.get("allowWatchBookmarks") === "true"
          ? setInterval(
              () =>
                write("BOOKMARK", { kind, apiVersion: "v1", metadata: { resourceVersion: String(version) } }),
              1000,
            )
          : undefined;
      const timeout = Number(url.searchParams.get("timeoutSeconds") ?? "1800");
      const timer = setTimeout(() => res.end(), timeout * 1000);
      res.on("close", () => {
        clearTimeout(timer);
        clearInterval(bookmarks);
        watchers.delete(send);
      });
      return;
    }
    const body = JSON.parse(raw[resource] || '{"items":[]}') as {
      kind?: string;
      metadata: object;
      items: ObjectLike[];
    };
    let items = [...state[resource].values()].filter(selected);
    const limit = Number(url.searchParams.get("limit") ?? "0");
    const offset = Number(Buffer.from(url.searchParams.get("continue") ?? "", "base64").toString() || "0");
    let cont: string | undefined;
    if (limit > 0) {
      if (offset + limit < items.length) {
        cont = Buffer.from(String(offset + limit)).toString("base64");
      }
      items = items.slice(offset, offset + limit);
    }
    res.writeHead(200, { "content-type": "application/json" });
    res.end(
      JSON.stringify({
        kind: body.kind ?? `${kind}List`,
        apiVersion: "v1",
        metadata: { resourceVersion: String(version), ...(cont ? { continue: cont } : {}) },
        items,
      }),
    );
  });
  server.listen(port, "0.0.0.0", () => process.stdout.write("ready\n"));
}

if (require.main === module) {
  const [role, ...args] = process.argv.slice(2);
  if (role === "worker") {
    void worker(Number(args[0]), Number(args[1]));
  } else if (role === "sensor") {
    sensor(Number(args[0]), args[1]);
  } else if (role === "api") {
    api(Number(args[0]), args[1], args[2]);
  } else {
    process.stderr.write(`unknown role ${role}\n`);
    process.exit(2);
  }
}
