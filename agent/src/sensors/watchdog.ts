/**
 * Whether rpcapd still forwards to anyone. The vendor's rpcapd retries a failed connect every 30 s forever, but
 * after a sensor closes the control connection (RPCAP CLOSE, a sensor restart) that client ends for good while the
 * process stays up: alive, forwarding nothing. So the agent looks at the node's established TCP connections to each
 * sensor's RPCAP port: the agent is ready while at least one sensor is connected, a sensor missing longer than
 * SENSOR_GRACE is reported lost once, and when no sensor has had a connection for longer than SENSOR_GRACE the agent
 * gives up (exit 1, Kubernetes restarts it and the new rpcapd connects afresh). On a node only this agent's rpcapd
 * talks to the sensors' RPCAP port (hostNetwork), so any such connection counts as rpcapd's.
 */

/** Something worth a log line. */
export interface WatchdogEvent {
  /** Severity. */
  level: "info" | "warn" | "error";
  /** Message. */
  msg: string;
  /** The sensor concerned, if one. */
  sensor?: string;
}

/** What one check concluded. */
export interface WatchdogVerdict {
  /** At least one sensor is connected now. */
  ready: boolean;
  /** No sensor has had a connection for longer than the grace: stop the agent. */
  exhausted: boolean;
  /** Transitions to log. */
  events: WatchdogEvent[];
}

/** One sensor's state, for metrics. */
export interface SensorState {
  /** Sensor address. */
  sensor: string;
  /** Connected at the last check. */
  connected: boolean;
  /** Connections that came back after having been up and gone. */
  reconnects: number;
  /** Missing for longer than the grace. */
  lost: boolean;
}

interface Tracked extends SensorState {
  seenMs: number;
  everUp: boolean;
}

/** Tracks the sensors' connections across checks. */
export class SensorWatchdog {
  private readonly tracked: Tracked[];
  private wasReady = false;

  /**
   * @param sensors sensor addresses
   * @param port the RPCAP port rpcapd connects to
   * @param graceSeconds SENSOR_GRACE
   * @param startMs when rpcapd started: every sensor counts as seen then
   */
  constructor(
    sensors: readonly string[],
    private readonly port: number,
    private readonly graceSeconds: number,
    startMs: number,
  ) {
    this.tracked = sensors.map((sensor) => ({
      sensor,
      connected: false,
      reconnects: 0,
      lost: false,
      seenMs: startMs,
      everUp: false,
    }));
  }

  /** Folds one look at the established connections (`host:port` peers) taken at `nowMs`. */
  check(peers: readonly string[], nowMs: number): WatchdogVerdict {
    const events: WatchdogEvent[] = [];
    const set = new Set(peers);
    let alive = 0;
    const missing: string[] = [];
    for (const t of this.tracked) {
      const id = `${t.sensor}:${this.port}`;
      if (set.has(id)) {
        if (t.lost) {
          events.push({
            level: "info",
            sensor: t.sensor,
            msg: `sensor ${id}: connected again after ${Math.round((nowMs - t.seenMs) / 1000)} s without a connection`,
          });
        } else if (!t.connected) {
          events.push({ level: "info", sensor: t.sensor, msg: `sensor ${id}: connected` });
        }
        if (!t.connected && t.everUp) {
          t.reconnects++;
        }
        t.connected = true;
        t.everUp = true;
        t.lost = false;
        t.seenMs = nowMs;
        alive++;
        continue;
      }
      t.connected = false;
      missing.push(t.sensor);
      const missingS = Math.round((nowMs - t.seenMs) / 1000);
      if (nowMs - t.seenMs > this.graceSeconds * 1000) {
        if (!t.lost) {
          t.lost = true;
          events.push({
            level: "warn",
            sensor: t.sensor,
            msg: `sensor ${id}: no connection for ${missingS} s (> SENSOR_GRACE ${this.graceSeconds} s): rpcapd forwards nothing to it`,
          });
        }
      } else {
        alive++;
      }
    }
    const ready = this.tracked.some((t) => t.connected);
    if (!ready && this.wasReady) {
      events.push({
        level: "warn",
        msg: `no sensor connected (${missing.join(", ")}); not ready until one is`,
      });
    }
    this.wasReady = ready;
    const exhausted = alive === 0;
    if (exhausted) {
      events.push({
        level: "error",
        msg:
          `no sensor has had a connection for more than SENSOR_GRACE ${this.graceSeconds} s ` +
          `(${missing.join(", ")}; port ${this.port}): rpcapd is alive but forwarding nothing; ` +
          "stopping so that Kubernetes restarts the agent",
      });
    }
    return { ready, exhausted, events };
  }

  /** Each sensor's state after the last check. */
  states(): SensorState[] {
    return this.tracked.map(({ sensor, connected, reconnects, lost }) => ({
      sensor,
      connected,
      reconnects,
      lost,
    }));
  }
}
