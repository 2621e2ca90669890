/**
 * Runs rpcapd as a supervised child and watches it until the agent must stop: TERM/INT (graceful: capture
 * SHUTDOWN_DELAY seconds more, then forward the signal), rpcapd's death (exit 1), no sensor connected for longer
 * than SENSOR_GRACE (exit 1), or a fatal condition another part of the agent reports (exit 1). The loop beats the
 * liveness heartbeat every second and keeps readiness in step with the sensor connections: every second until
 * ready, then every SENSOR_CHECK_INTERVAL seconds.
 */
import * as fs from "fs";
import * as path from "path";
import type { CommonAgentSettings } from "../../components/contract/agentEnv";
import type { Heartbeat, Readiness } from "./health";
import type { Logger } from "./log";
import { startChild, SupervisedChild } from "./process/child";
import { runCommand } from "./process/run";
import { rpcapdArgs } from "./rpcapd/command";
import { rpcapdIni } from "./rpcapd/ini";
import { establishedPeers } from "./sensors/established";
import { SensorState, SensorWatchdog } from "./sensors/watchdog";
import type { StopSignals } from "./signals";

/** Options of {@link superviseRpcapd}. */
export interface SupervisorOptions {
  /** Validated settings. */
  settings: CommonAgentSettings;
  /** The device rpcapd captures. */
  device: string;
  /** rpcapd's capture filter. */
  filter: string;
  /** Logger. */
  log: Logger;
  /** Liveness. */
  heartbeat: Heartbeat;
  /** Readiness. */
  readiness: Readiness;
  /** Stop signals. */
  signals: StopSignals;
  /** Resolves with a reason when the agent must stop (exit 1). */
  fatal: Promise<string>;
  /** Called each loop turn (about once a second). */
  onTick?: () => void;
}

/** What the supervision loop exposes while it runs. */
export interface SupervisorView {
  /** Each sensor's connection state. */
  sensors(): SensorState[];
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms).unref());

/** Writes rpcapd.ini into the state directory; returns its path. */
export function writeIni(settings: CommonAgentSettings): string {
  fs.mkdirSync(settings.stateDir, { recursive: true, mode: 0o700 });
  const ini = path.join(settings.stateDir, "rpcapd.ini");
  fs.writeFileSync(ini, rpcapdIni(settings.sensors, settings.sensorPort));
  return ini;
}

/**
 * Starts rpcapd and supervises it; resolves with the exit code the agent should end with (0 after a graceful stop,
 * 1 otherwise). `view` is filled in as soon as the loop runs.
 */
export async function superviseRpcapd(
  o: SupervisorOptions,
  view: { current?: SupervisorView },
): Promise<number> {
  const s = o.settings;
  const ini = writeIni(s);
  const rlog = o.log.child({ source: "rpcapd" });
  const args = rpcapdArgs(ini, o.device, o.filter);
  const rpcapd: SupervisedChild = startChild(
    s.rpcapdBin,
    args,
    (line) => rlog.info(line),
    (e) => o.log.error("rpcapd could not start", { error: e, bin: s.rpcapdBin }),
  );
  o.log.info(`started ${s.rpcapdBin} (pid ${rpcapd.pid}) with filter: ${o.filter}`, {
    pid: rpcapd.pid,
    device: o.device,
    filter: o.filter,
    args,
  });
  const watchdog = new SensorWatchdog(s.sensors, s.sensorPort, s.sensorGraceSeconds, Date.now());
  view.current = { sensors: () => watchdog.states() };
  let fatal: string | undefined;
  void o.fatal.then((why) => (fatal = why));
  let ssWarned = false;
  let nextCheck = 0;
  let stop: "signal" | "rpcapd" | "sensors" | "fatal" | undefined;
  while (!stop) {
    o.heartbeat.beat();
    o.onTick?.();
    if (o.signals.received() > 0) {
      stop = "signal";
      break;
    }
    if (!rpcapd.running()) {
      stop = "rpcapd";
      break;
    }
    if (fatal !== undefined) {
      stop = "fatal";
      break;
    }
    const now = Date.now();
    if (now >= nextCheck || !o.readiness.isReady()) {
      nextCheck = now + s.sensorCheckIntervalSeconds * 1000;
      const ss = await runCommand("ss", ["-tnH", "state", "established"], { timeoutMs: 10_000 });
      if (ss.code !== 0) {
        if (!ssWarned) {
          o.log.warn("ss failed, sensor connections not checked; supervising the process only", {
            error: ss.stderr.trim(),
          });
          ssWarned = true;
        }
        o.readiness.set(true, "sensor connections not checked (ss failed)");
      } else {
        const verdict = watchdog.check(establishedPeers(ss.stdout), Date.now());
        for (const e of verdict.events) {
          o.log.log(e.level, e.msg, e.sensor ? { sensor: e.sensor } : {});
        }
        o.readiness.set(
          verdict.ready,
          verdict.ready ? "a sensor is connected" : "no sensor connected (rpcapd retries every 30 s)",
        );
        if (verdict.exhausted) {
          stop = "sensors";
          break;
        }
      }
    }
    await Promise.race([sleep(1000), rpcapd.exited, o.signals.atLeast(1), o.fatal]);
  }
  if (stop === "signal") {
    const sig = o.signals.first() ?? "SIGTERM";
    if (s.shutdownDelaySeconds > 0 && o.signals.received() < 2 && rpcapd.running()) {
      o.log.info(
        `received ${sig}; capturing ${s.shutdownDelaySeconds} s more while the other agents take over`,
      );
      const until = Date.now() + s.shutdownDelaySeconds * 1000;
      while (Date.now() < until && o.signals.received() < 2 && rpcapd.running()) {
        o.heartbeat.beat();
        await Promise.race([sleep(Math.min(1000, until - Date.now())), rpcapd.exited, o.signals.atLeast(2)]);
      }
    }
    o.readiness.clear();
    rpcapd.signal(sig);
    const t = setTimeout(() => rpcapd.signal("SIGKILL"), 10_000);
    await rpcapd.exited;
    clearTimeout(t);
    return 0;
  }
  o.readiness.clear();
  if (stop === "rpcapd") {
    const x = await rpcapd.exited;
    o.log.error("rpcapd exited unexpectedly; stopping so that Kubernetes restarts the agent", {
      code: x.code,
      signal: x.signal,
    });
  } else if (stop === "fatal") {
    o.log.error(`${fatal}; stopping so that Kubernetes restarts the agent`);
  }
  rpcapd.signal("SIGTERM");
  const t = setTimeout(() => rpcapd.signal("SIGKILL"), 10_000);
  await rpcapd.exited;
  clearTimeout(t);
  return 1;
}
