/**
 * The in-process limit store: GCRA state for short windows, calendar counters for day/month
 * quotas. Calendar counters are loaded from a durable store and their changes written back as
 * increments (batched), so a daily quota survives a restart and several writers never overwrite
 * each other's counts. Deciding is atomic: after any loads finish, every check of a request is
 * evaluated and, only if all allow, committed, in one synchronous step — so N concurrent
 * requests against a limit of L admit exactly L, and a refused request consumes nothing.
 *
 * It is the backend of a single process, and, in the primary of `--workers`, the authority the
 * workers lease from (`acquire`, `release`).
 */
import { acquireCalendar } from '../algorithms/calendar.js';
import { acquireGcra } from '../algorithms/gcra.js';
import type { Grant } from '../algorithms/grant.js';
import {
  calendarPeriod,
  decide,
  isCalendar,
  type LimitCheck,
  type LimitDecision,
  type LimitResult,
} from '../policy.js';
import type { AcquireItem, AcquireReply, CellReturn, LimitBackend } from './backend.js';

export interface QuotaKey {
  id: string;
  periodStart: number;
}

/** Durable storage for calendar quota counters. */
export interface QuotaPersistence {
  /** Current counts for the given counters (absent = 0). */
  load(keys: readonly QuotaKey[]): Promise<Map<string, number>>;
  /** Adds each delta to its stored count (an increment, never an overwrite); returns the new totals. */
  add(entries: readonly (QuotaKey & { delta: number })[]): Promise<Map<string, number>>;
}

/** `id@periodStart`, the key calendar counters are held under. */
export function quotaKey(id: string, periodStart: number): string {
  return `${id}@${periodStart}`;
}

interface CalendarCounter {
  id: string;
  start: number;
  end: number;
  /** The count as this process knows it: the stored total plus `pending`. */
  count: number;
  /** Change not yet written to the durable store. */
  pending: number;
  dirty: boolean;
}

/** What one request asks for beyond its own cell, per check (the primary's workers lease). */
interface Wants {
  want: readonly number[];
  hold: readonly number[];
}

const SWEEP_EVERY = 10_000;

export class LocalLimiter implements LimitBackend {
  readonly available = true;
  readonly #persistence: QuotaPersistence | null;
  readonly #maxCounters: number;
  readonly #tats = new Map<string, number>();
  /** The current period's counter of each calendar check, by check id. */
  readonly #counters = new Map<string, CalendarCounter>();
  /** Counters with changes not yet saved, including ones whose period has just ended. */
  #dirty = new Set<CalendarCounter>();
  readonly #loading = new Map<string, Promise<void>>();
  #calls = 0;
  readonly #periods: { day?: { start: number; end: number }; month?: { start: number; end: number } } = {};
  /** One grant written over by every evaluation: no allocation per check on the hot path. */
  readonly #scratch: Grant = { granted: 0, remaining: 0, resetMs: 0, retryAfterMs: 0, next: 0 };

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
    if (loading) return loading.then(() => this.#decide(checks, now, null, null));
    return this.#decide(checks, now, null, null);
  }

  /** As `consume`, granting each check up to `want` leased cells on top (the primary's side of a lease). */
  async acquire(items: readonly AcquireItem[], now: number): Promise<AcquireReply> {
    const checks = items.map((i) => i.check);
    const wants: Wants = { want: items.map((i) => i.want), hold: items.map((i) => i.hold) };
    await this.#ensureLoaded(checks, now);
    const grants: Omit<Grant, 'next'>[] = new Array(items.length);
    const decision = this.#decide(checks, now, wants, grants);
    return { allowed: decision.allowed, grants };
  }

  /** Takes back unused leased calendar cells (for a period still held; others stay counted). */
  async release(returns: readonly CellReturn[]): Promise<void> {
    for (const r of returns) {
      const counter = this.#counters.get(r.id);
      if (counter === undefined || counter.start !== r.periodStart) continue;
      const cells = Math.min(r.cells, counter.count);
      counter.count -= cells;
      this.#changed(counter, -cells);
    }
  }

  #decide(
    checks: readonly LimitCheck[],
    now: number,
    wants: Wants | null,
    grantsOut: Omit<Grant, 'next'>[] | null,
  ): LimitDecision {
    if (++this.#calls % SWEEP_EVERY === 0) this.sweep(now);
    const results: LimitResult[] = new Array(checks.length);
    // What to commit per check if all allow: its calendar counter and count, or its new GCRA TAT.
    const counters: (CalendarCounter | undefined)[] = new Array(checks.length);
    const nexts: number[] = new Array(checks.length);
    const grant = this.#scratch;
    for (let i = 0; i < checks.length; i++) {
      const check = checks[i] as LimitCheck;
      const want = wants ? (wants.want[i] as number) : 0;
      if (isCalendar(check.policy.per)) {
        const counter = this.#counterFor(check, this.#period(check.policy.per, now));
        acquireCalendar(check.policy, counter.count, counter.end, now, want, grant);
        counters[i] = counter;
      } else {
        const hold = wants ? (wants.hold[i] as number) : 0;
        acquireGcra(check.policy, this.#tats.get(check.id), now, want, hold, grant);
      }
      nexts[i] = grant.next;
      results[i] = {
        check,
        allowed: grant.granted > 0,
        remaining: grant.remaining,
        resetMs: grant.resetMs,
        retryAfterMs: grant.retryAfterMs,
      };
      if (grantsOut) {
        grantsOut[i] = {
          granted: grant.granted,
          remaining: grant.remaining,
          resetMs: grant.resetMs,
          retryAfterMs: grant.retryAfterMs,
        };
      }
    }
    const decision = decide(results);
    if (!decision.allowed) return decision;
    for (let i = 0; i < checks.length; i++) {
      const next = nexts[i] as number;
      const counter = counters[i];
      if (counter) {
        this.#changed(counter, next - counter.count);
        counter.count = next;
      } else {
        this.#tats.set((checks[i] as LimitCheck).id, next);
      }
    }
    return decision;
  }

  #changed(counter: CalendarCounter, delta: number): void {
    if (this.#persistence === null || delta === 0) return;
    counter.pending += delta;
    if (!counter.dirty) {
      counter.dirty = true;
      this.#dirty.add(counter);
    }
  }

  /**
   * Adds pending changes to the durable store, and takes back the totals it returns, so counts
   * other writers added (another instance on the same database) show here within a flush.
   * Failed writes stay pending for the next flush.
   */
  async flush(): Promise<void> {
    if (!this.#persistence || this.#dirty.size === 0) return;
    const dirty = [...this.#dirty];
    this.#dirty = new Set();
    const deltas = dirty.map((c) => c.pending);
    for (const c of dirty) {
      c.dirty = false;
      c.pending = 0;
    }
    let totals: Map<string, number>;
    try {
      totals = await this.#persistence.add(
        dirty.map((c, i) => ({ id: c.id, periodStart: c.start, delta: deltas[i] as number })),
      );
    } catch (error) {
      for (let i = 0; i < dirty.length; i++) this.#changed(dirty[i] as CalendarCounter, deltas[i] as number);
      throw error;
    }
    for (const c of dirty) {
      const total = totals.get(quotaKey(c.id, c.start));
      if (total !== undefined && this.#counters.get(c.id) === c) c.count = Math.max(total + c.pending, 0);
    }
  }

  async close(): Promise<void> {
    await this.flush();
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
      // An earlier period's unsaved change stays in #dirty until flushed.
      counter = { id: check.id, start: period.start, end: period.end, count: 0, pending: 0, dirty: false };
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
          pending: 0,
          dirty: false,
        });
      }
    } finally {
      for (const k of keys) this.#loading.delete(quotaKey(k.id, k.periodStart));
    }
  }
}
