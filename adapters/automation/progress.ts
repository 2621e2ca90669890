/**
 * Engine events of the Automation API turned into a small typed progress stream (one event per resource step,
 * diagnostics, the final summary), and the change summary of an operation.
 */
import type { EngineEvent, OpMap, OpType } from "@pulumi/pulumi/automation";

/** Counts of resource operations. `replace` counts replaced resources once (not their create/delete halves). */
export interface ChangeSummary {
  /** Resources created. */
  create: number;
  /** Resources updated in place. */
  update: number;
  /** Resources replaced. */
  replace: number;
  /** Resources deleted. */
  delete: number;
  /** Resources unchanged. */
  same: number;
  /** create + update + replace + delete. */
  changed: number;
  /** The engine's own counts, by operation. */
  raw: OpMap;
}

/** The change summary of an engine operation map. */
export function summarize(ops: OpMap | undefined): ChangeSummary {
  const n = (op: OpType) => ops?.[op] ?? 0;
  const create = n("create");
  const update = n("update");
  const replace = n("replace");
  const del = n("delete");
  return {
    create,
    update,
    replace,
    delete: del,
    same: n("same"),
    changed: create + update + replace + del,
    raw: { ...ops },
  };
}

/** A resource step: planned (preview), started, finished or failed. */
export interface ResourceProgress {
  /** Discriminator. */
  kind: "resource";
  /** `planned` in a preview; `started` / `finished` / `failed` in an update or destroy. */
  phase: "planned" | "started" | "finished" | "failed";
  /** What the engine does to the resource. */
  operation: OpType;
  /** Resource type token, e.g. `aws:ecr/repository:Repository`. */
  type: string;
  /** Logical name. */
  name: string;
  /** Full URN. */
  urn: string;
  /** Properties that differ (updates and replacements). */
  diffs: string[];
}

/** A message from the program, a provider or the engine. */
export interface DiagnosticProgress {
  /** Discriminator. */
  kind: "diagnostic";
  /** Severity (`info#err` is reported as `info`). */
  severity: "info" | "warning" | "error";
  /** The message, without trailing newline or color codes. */
  message: string;
  /** Logical name of the resource it is about, if any. */
  name?: string;
  /** URN of the resource it is about, if any. */
  urn?: string;
}

/** The end of an operation. */
export interface SummaryProgress {
  /** Discriminator. */
  kind: "summary";
  /** What changed. */
  changes: ChangeSummary;
  /** Duration as the engine measured it. */
  durationSeconds: number;
}

/** One progress event. */
export type ProgressEvent = ResourceProgress | DiagnosticProgress | SummaryProgress;

/** Logical name of a URN (`urn:pulumi:stack::project::type::name`). */
export function nameOfUrn(urn: string): string {
  const i = urn.lastIndexOf("::");
  return i < 0 ? urn : urn.slice(i + 2);
}

// ANSI colors the CLI embeds in messages and the `<{%...%}>` color tags of raw engine text.
// eslint-disable-next-line no-control-regex
const COLORS = /\u001b\[[0-9;]*m|<\{%[^%]*%\}>/g;

/**
 * The progress event of an engine event, or undefined for events that carry no progress (prelude, stdout,
 * cancellation, policy, the stack resource itself, ephemeral diagnostics, outputs of planned steps).
 */
export function toProgressEvent(event: EngineEvent): ProgressEvent | undefined {
  const step = event.resourcePreEvent ?? event.resOutputsEvent ?? event.resOpFailedEvent;
  if (step) {
    const meta = step.metadata;
    if (meta.type === "pulumi:pulumi:Stack") {
      return undefined;
    }
    const planning = "planning" in step && step.planning === true;
    let phase: ResourceProgress["phase"];
    if (event.resOpFailedEvent) {
      phase = "failed";
    } else if (event.resourcePreEvent) {
      phase = planning ? "planned" : "started";
    } else if (planning) {
      return undefined;
    } else {
      phase = "finished";
    }
    return {
      kind: "resource",
      phase,
      operation: meta.op,
      type: meta.type,
      name: nameOfUrn(meta.urn),
      urn: meta.urn,
      diffs: meta.diffs ?? [],
    };
  }
  const diag = event.diagnosticEvent;
  if (diag) {
    if (diag.ephemeral) {
      return undefined;
    }
    const message = diag.message.replace(COLORS, "").trimEnd();
    if (!message) {
      return undefined;
    }
    const severity = diag.severity === "info#err" ? "info" : diag.severity;
    return diag.urn
      ? { kind: "diagnostic", severity, message, name: nameOfUrn(diag.urn), urn: diag.urn }
      : { kind: "diagnostic", severity, message };
  }
  if (event.summaryEvent) {
    return {
      kind: "summary",
      changes: summarize(event.summaryEvent.resourceChanges),
      durationSeconds: event.summaryEvent.durationSeconds,
    };
  }
  return undefined;
}
