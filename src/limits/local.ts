/**
 * The in-process limiter: GCRA state for short windows, calendar counters for day/month
 * quotas. Calendar counters are loaded from and saved to a durable store (batched), so a daily
 * quota does not reset when the gateway restarts. Checking is atomic: after any loads finish,
 * every limit of a request is evaluated and, only if all allow, consumed, in one synchronous
 * step — so N concurrent requests against a limit of L admit exactly L, and a rejected request
 * consumes nothing from any limit.
 */
import { evaluateGcra } from './gcra.js';
import {
  calendarPeriod,
  decide,
  isCalendar,
  type LimitCheck,
  type LimitDecision,
  type LimitResult,
} from './policy.js';

export interface QuotaKey {
  id: string;
  periodStart: number;
}

/** Durable storage for calendar quota counters. */
export interface QuotaPersistence {
  /** Current counts for the given counters (absent = 0). */
  load(keys: readonly QuotaKey[]): Promise<Map<string, number>>;
  /** Writes absolute counts. */
  save(entries: readonly (QuotaKey & { count: number })[]): Promise<void>;
}

/** `id@periodStart`, the key calendar counters are held under. */
export function quotaKey(id: string, periodStart: number): string {
  return `${id}@${periodStart}`;
}

interface CalendarCounter {
  id: string;
  start: number;
  end: number;
  count: number;
  dirty: boolean;
}

const SWEEP_EVERY = 10_000;

export class LocalLimiter {
  readonly #persistence: QuotaPersistence | null;
  readonly #maxCounters: number;
  readonly #tats = new Map<string, number>();
  /** The current period's counter of each calendar check, by check id. */
  readonly #counters = new Map<string, CalendarCounter>();
  /** Counters with counts not yet saved, including ones whose period has just ended. */
  #dirty = new Set<CalendarCounter>();
  readonly #loading = new Map<string, Promise<void>>();
  #calls = 0;
  readonly #periods: { day?: { start: number; end: number }; month?: { start: number; end: number } } = {};

  constructor(persistence: QuotaPersistence | null = null, maxCounters = 50_000) {
    this.#persistence = persistence;
    this.#maxCounters = maxCounters;
  }

  /**
   * Checks and (if all allow) consumes. Synchronous when every counter is in memory; a promise
   * only while calendar counters load, which rejects when the durable store cannot be read.
   */
  consume(checks: readonly LimitCheck[], now: number): LimitDecision | Promise<LimitDecision> {
    const loading = this.#ensureLoaded(checks, now);
    if (loading) return loading.then(() => this.#decide(checks, now));
    return this.#decide(checks, now);
  }

  #decide(checks: readonly LimitCheck[], now: number): LimitDecision {
    if (++this.#calls % SWEEP_EVERY === 0) this.sweep(now);
    const results: LimitResult[] = new Array(checks.length);
    // What to commit per check if all allow: its calendar counter, or its new GCRA TAT.
    const counters: (CalendarCounter | undefined)[] = new Array(checks.length);
    const tats: number[] = new Array(checks.length);
    for (let i = 0; i < checks.length; i++) {
      const check = checks[i] as LimitCheck;
      if (isCalendar(check.policy.per)) {
        const counter = this.#counterFor(check, this.#period(check.policy.per, now));
        const allowed = counter.count + 1 <= check.policy.requests;
        const untilEnd = counter.end - now;
        results[i] = {
          check,
          allowed,
          remaining: allowed ? check.policy.requests - counter.count - 1 : 0,
          resetMs: untilEnd,
          retryAfterMs: allowed ? 0 : untilEnd,
        };
        counters[i] = counter;
      } else {
        const { result, newTat } = evaluateGcra(check, this.#tats.get(check.id), now);
        results[i] = result;
        tats[i] = newTat;
      }
    }
    const decision = decide(results);
    if (!decision.allowed) return decision;
    for (let i = 0; i < checks.length; i++) {
      const counter = counters[i];
      if (counter) {
        counter.count++;
        if (this.#persistence !== null && !counter.dirty) {
          counter.dirty = true;
          this.#dirty.add(counter);
        }
      } else {
        this.#tats.set((checks[i] as LimitCheck).id, tats[i] as number);
      }
    }
    return decision;
  }

  /** Saves changed calendar counters; failed saves stay pending for the next flush. */
  async flush(): Promise<void> {
    if (!this.#persistence || this.#dirty.size === 0) return;
    const dirty = [...this.#dirty];
    this.#dirty = new Set();
    for (const c of dirty) c.dirty = false;
    try {
      await this.#persistence.save(dirty.map((c) => ({ id: c.id, periodStart: c.start, count: c.count })));
    } catch (error) {
      for (const c of dirty) {
        c.dirty = true;
        this.#dirty.add(c);
      }
      throw error;
    }
  }

  /** Drops state that no longer limits anything (a full GCRA allowance, a past calendar period). */
  sweep(now: number): void {
    for (const [id, tat] of this.#tats) if (tat <= now) this.#tats.delete(id);
    for (const [id, c] of this.#counters) if (c.end <= now && !c.dirty) this.#counters.delete(id);
    // With a durable store, saved counters can be dropped and read back on their next use, so
    // memory stays bounded however many keys are active in a day (oldest first).
    if (this.#persistence === null || this.#counters.size <= this.#maxCounters) return;
    for (const [id, c] of this.#counters) {
      if (this.#counters.size <= this.#maxCounters * 0.9) break;
      if (!c.dirty) this.#counters.delete(id);
    }
  }

  /** Number of subjects with live state (for tests and metrics). */
  get size(): number {
    return this.#tats.size + this.#counters.size;
  }

  /** The calendar period containing `now`; remembered, since nearly every call falls in the same one. */
  #period(per: 'day' | 'month', now: number): { start: number; end: number } {
    const cached = this.#periods[per];
    if (cached && now >= cached.start && now < cached.end) return cached;
    const period = calendarPeriod(per, now);
    this.#periods[per] = period;
    return period;
  }

  /** The check's counter for `period`: a fresh one when none is held or the held one is for an earlier period. */
  #counterFor(check: LimitCheck, period: { start: number; end: number }): CalendarCounter {
    let counter = this.#counters.get(check.id);
    if (counter === undefined || counter.start !== period.start) {
      // An earlier period's unsaved count stays in #dirty until flushed.
      counter = { id: check.id, start: period.start, end: period.end, count: 0, dirty: false };
      this.#counters.set(check.id, counter);
    }
    return counter;
  }

  #ensureLoaded(checks: readonly LimitCheck[], now: number): Promise<unknown> | null {
    if (!this.#persistence || this.#allLoaded(checks, now)) return null;
    const missing: (QuotaKey & { per: 'day' | 'month' })[] = [];
    const waits: Promise<void>[] = [];
    for (const check of checks) {
      if (!isCalendar(check.policy.per) || this.#isLoaded(check, now)) continue;
      const { start } = this.#period(check.policy.per, now);
      const pending = this.#loading.get(quotaKey(check.id, start));
      if (pending) waits.push(pending);
      else missing.push({ id: check.id, periodStart: start, per: check.policy.per });
    }
    if (missing.length > 0) {
      const load = this.#load(missing);
      for (const k of missing) this.#loading.set(quotaKey(k.id, k.periodStart), load);
      waits.push(load);
    }
    return Promise.all(waits);
  }

  #allLoaded(checks: readonly LimitCheck[], now: number): boolean {
    for (const check of checks) if (!this.#isLoaded(check, now)) return false;
    return true;
  }

  /** Whether the check needs nothing from the store: a short window, or its current counter is held. */
  #isLoaded(check: LimitCheck, now: number): boolean {
    const per = check.policy.per;
    return !isCalendar(per) || this.#counters.get(check.id)?.start === this.#period(per, now).start;
  }

  async #load(keys: (QuotaKey & { per: 'day' | 'month' })[]): Promise<void> {
    try {
      const counts = await (this.#persistence as QuotaPersistence).load(
        keys.map(({ id, periodStart }) => ({ id, periodStart })),
      );
      for (const k of keys) {
        if (this.#counters.get(k.id)?.start === k.periodStart) continue;
        const { end } = calendarPeriod(k.per, k.periodStart);
        this.#counters.set(k.id, {
          id: k.id,
          start: k.periodStart,
          end,
          count: counts.get(quotaKey(k.id, k.periodStart)) ?? 0,
          dirty: false,
        });
      }
    } finally {
      for (const k of keys) this.#loading.delete(quotaKey(k.id, k.periodStart));
    }
  }
}
