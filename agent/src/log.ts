/**
 * Structured logs: one JSON object per line on stderr (what `kubectl logs` and log shippers read), with a time, a
 * level, a message and the fields that make the line searchable. Messages keep the wording operators know from the
 * shell agent, so a grep for "no sensor has had a connection" still finds the event.
 */
import type { LogLevel } from "../../components/contract/agentEnv";

/** Severity of a line. */
export type Level = "debug" | "info" | "warn" | "error";

/** A logger bound to a set of fields. */
export interface Logger {
  /** Writes one line. */
  log(level: Level, msg: string, fields?: Record<string, unknown>): void;
  /** Detail for troubleshooting (LOG_LEVEL=debug only). */
  debug(msg: string, fields?: Record<string, unknown>): void;
  /** Normal operation. */
  info(msg: string, fields?: Record<string, unknown>): void;
  /** Something degraded but the agent goes on. */
  warn(msg: string, fields?: Record<string, unknown>): void;
  /** The agent cannot go on, or a step failed. */
  error(msg: string, fields?: Record<string, unknown>): void;
  /** A logger adding `fields` to every line. */
  child(fields: Record<string, unknown>): Logger;
}

/** Where lines go; the default writes synchronously to stderr so the last line before an exit is never lost. */
export type LineSink = (line: string) => void;

const stderrSink: LineSink = (line) => {
  process.stderr.write(line + "\n");
};

/** Errors become their message (and code), which JSON.stringify would otherwise drop. */
function plain(value: unknown): unknown {
  if (value instanceof Error) {
    const code = (value as NodeJS.ErrnoException).code;
    return code ? `${value.message} (${code})` : value.message;
  }
  return value;
}

/** Creates a logger; `level` debug also writes debug lines. */
export function createLogger(
  level: LogLevel = "info",
  base: Record<string, unknown> = {},
  sink: LineSink = stderrSink,
): Logger {
  const write = (lvl: Level, msg: string, fields: Record<string, unknown> = {}): void => {
    if (lvl === "debug" && level !== "debug") {
      return;
    }
    const entry: Record<string, unknown> = { time: new Date().toISOString(), level: lvl, msg, ...base };
    for (const [k, v] of Object.entries(fields)) {
      entry[k] = plain(v);
    }
    sink(JSON.stringify(entry));
  };
  return {
    log: write,
    debug: (m, f) => write("debug", m, f),
    info: (m, f) => write("info", m, f),
    warn: (m, f) => write("warn", m, f),
    error: (m, f) => write("error", m, f),
    child: (fields) => createLogger(level, { ...base, ...fields }, sink),
  };
}
