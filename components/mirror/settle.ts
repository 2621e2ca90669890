/**
 * How long a new node or ENI may run before its mirror session exists: the reconciler creates sessions on the
 * instance's and the attachment's events, and at the latest on its next scheduled run. Until then the agents keep
 * reporting what leaves it (duplicates rather than losses).
 */

const UNIT_SECONDS: Record<string, number> = {
  minute: 60,
  minutes: 60,
  hour: 3600,
  hours: 3600,
  day: 86400,
  days: 86400,
};
/** Margin for the run itself after the schedule fires. */
const RUN_MARGIN_SECONDS = 60;

/**
 * Seconds from an EventBridge schedule (`rate(N unit)`): one period plus a run; `cron(...)` schedules (no fixed
 * period) get the given fallback.
 * @param schedule the reconciler's schedule expression
 * @param fallback seconds for schedules without a fixed period
 */
export function mirrorSettleSeconds(schedule: string, fallback: number): number {
  const m = /^rate\((\d+)\s+(minutes?|hours?|days?)\)$/.exec(schedule.trim());
  return m ? Number(m[1]) * UNIT_SECONDS[m[2]] + RUN_MARGIN_SECONDS : fallback;
}
