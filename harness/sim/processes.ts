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
    s.connect(c.port!, c.host, () => s.send(body));
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

interface PodLike {
  metadata: { uid: string; resourceVersion?: string };
}

/**
 * A fake Kubernetes API: lists of nodes and pods from <dir>/{nodes,pods}.json (re-read on change, so the test can
 * change membership), and watches on pods: the server diffs each new pods.json against the previous one and sends
 * ADDED/MODIFIED/DELETED events with increasing resourceVersions. A watch from an older resourceVersion than the
 * current one gets an ERROR event with 410 Gone (the client must list again), as the real API does once its
 * event window has passed (also forced once by creating <dir>/expire-next-watch). timeoutSeconds ends the watch.
 */
function api(port: number, dir: string, token: string): void {
  let version = 1;
  let raw = "";
  let pods = new Map<string, PodLike>();
  const watchers = new Set<(type: string, obj: object) => void>();
  const refresh = (): void => {
    let text: string;
    try {
      text = fs.readFileSync(path.join(dir, "pods.json"), "utf8");
    } catch {
      return;
    }
    if (text === raw) {
      return;
    }
    const first = raw === "";
    raw = text;
    const next = new Map<string, PodLike>();
    for (const p of (JSON.parse(text) as { items: PodLike[] }).items) {
      next.set(p.metadata.uid, p);
    }
    if (!first) {
      version++;
      const rv = String(version);
      for (const [uid, p] of next) {
        const old = pods.get(uid);
        if (!old) {
          watchers.forEach((w) => w("ADDED", { ...p, metadata: { ...p.metadata, resourceVersion: rv } }));
        } else if (JSON.stringify(old) !== JSON.stringify(p)) {
          watchers.forEach((w) => w("MODIFIED", { ...p, metadata: { ...p.metadata, resourceVersion: rv } }));
        }
      }
      for (const [uid, p] of pods) {
        if (!next.has(uid)) {
          watchers.forEach((w) => w("DELETED", { ...p, metadata: { ...p.metadata, resourceVersion: rv } }));
        }
      }
    }
    pods = next;
  };
  refresh();
  setInterval(refresh, 100);

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    fs.appendFileSync(path.join(dir, "requests.log"), `${req.method} ${req.url}\n`);
    if (req.headers.authorization !== `Bearer ${token}`) {
      res.writeHead(401, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          kind: "Status",
          apiVersion: "v1",
          status: "Failure",
          reason: "Unauthorized",
          code: 401,
        }),
      );
      return;
    }
    const m = /^\/api\/v1\/(pods|nodes)$/.exec(url.pathname);
    if (req.method !== "GET" || !m) {
      res.writeHead(404, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          kind: "Status",
          apiVersion: "v1",
          status: "Failure",
          reason: "NotFound",
          code: 404,
        }),
      );
      return;
    }
    refresh();
    if (m[1] === "pods" && url.searchParams.get("watch") === "1") {
      res.writeHead(200, { "content-type": "application/json" });
      const send = (type: string, object: object): void => {
        res.write(JSON.stringify({ type, object }) + "\n");
      };
      const from = url.searchParams.get("resourceVersion");
      const expire = path.join(dir, "expire-next-watch");
      if ((from && from !== "0" && from !== String(version)) || fs.existsSync(expire)) {
        fs.rmSync(expire, { force: true });
        send("ERROR", { kind: "Status", apiVersion: "v1", status: "Failure", reason: "Expired", code: 410 });
        res.end();
        return;
      }
      watchers.add(send);
      const timeout = Number(url.searchParams.get("timeoutSeconds") ?? "1800");
      const timer = setTimeout(() => res.end(), timeout * 1000);
      res.on("close", () => {
        clearTimeout(timer);
        watchers.delete(send);
      });
      return;
    }
    const body = JSON.parse(fs.readFileSync(path.join(dir, `${m[1]}.json`), "utf8")) as { metadata: object };
    body.metadata = { ...body.metadata, resourceVersion: String(version) };
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
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
