/**
 * How much of their plan's day and month quotas a developer's keys have used. The counts are
 * the rate limiter's own calendar counters (written to the store at most a second late, and
 * flushed first), so what the portal shows is what the next request will be checked against.
 */
import { type QuotaKey, quotaKey } from '../limits/backends/local.js';
import { calendarPeriod, isCalendar, type Period } from '../limits/policy.js';

/** Reads calendar counters (the limiter's store). */
export interface QuotaReader {
  /** Writes counts the limiter still holds in memory. */
  flush(): Promise<void>;
  load(keys: readonly QuotaKey[]): Promise<Map<string, number>>;
}

export interface PlanLimit {
  requests: number;
  per: Period;
  by?: string | undefined;
}

/** One limit of a key's plan, with what is left of it when it is a calendar quota. */
export interface QuotaStatus {
  requests: number;
  per: Period;
  /** Requests used this period; null for smooth per-second/minute/hour limits (nothing to count). */
  used: number | null;
  remaining: number | null;
  resetsAt: string | null;
}

/**
 * The id the limit stage (limits/stage.ts) gives a plan limit's counter for one key:
 * `plan:<plan>:<index>:<key id>`. The portal's quota test spends a quota through the gateway
 * and reads it back here, so a change of format there fails that test.
 */
export function planCounterId(plan: string, index: number, keyId: string): string {
  return `plan:${plan}:${index}:${keyId}`;
}

/** The quota status of each key on `plan` with `limits`, by key id. */
export async function quotaStatus(
  reader: QuotaReader,
  plan: string,
  limits: readonly PlanLimit[],
  keyIds: readonly string[],
  now: number,
): Promise<Map<string, QuotaStatus[]>> {
  await reader.flush();
  const wanted: QuotaKey[] = [];
  limits.forEach((limit, i) => {
    // Only per-key calendar quotas are a developer's own to report.
    if (!isCalendar(limit.per) || (limit.by !== undefined && limit.by !== 'key')) return;
    const { start } = calendarPeriod(limit.per, now);
    for (const keyId of keyIds) wanted.push({ id: planCounterId(plan, i, keyId), periodStart: start });
  });
  const counts = await reader.load(wanted);
  const result = new Map<string, QuotaStatus[]>();
  for (const keyId of keyIds) {
    result.set(
      keyId,
      limits.map((limit, i) => {
        if (!isCalendar(limit.per) || (limit.by !== undefined && limit.by !== 'key'))
          return { requests: limit.requests, per: limit.per, used: null, remaining: null, resetsAt: null };
        const { start, end } = calendarPeriod(limit.per, now);
        const used = Math.min(
          limit.requests,
          counts.get(quotaKey(planCounterId(plan, i, keyId), start)) ?? 0,
        );
        return {
          requests: limit.requests,
          per: limit.per,
          used,
          remaining: limit.requests - used,
          resetsAt: new Date(end).toISOString(),
        };
      }),
    );
  }
  return result;
}
