/**
 * A process's view of limits held by an authority shared with other processes (Redis, or the
 * primary of `--workers`). A request whose every check holds a live lease is decided here,
 * synchronously; otherwise all of its checks go to the authority in one atomic call, which may
 * grant a lease on top (see algorithms/lease.ts: only limits of 1,000 requests or more, only
 * when the check is busy here, never more than an eighth of what remains). Leased cells are
 * counted by the authority when granted, so no caller is ever admitted past a limit; unused
 * calendar cells are given back when the lease ends. With a durable store (Redis mode), the
 * calendar cells this process admitted are also added to SQL every second.
 */
import { gcraPhantom, leasable, leaseLifetimeMs } from '../algorithms/lease.js';
import {
  calendarPeriod,
  decide,
  isCalendar,
  type LimitCheck,
  type LimitDecision,
  type LimitResult,
} from '../policy.js';
import type { AcquireItem, AcquireReply, CellReturn, LimitAuthority, LimitBackend } from './backend.js';
import type { QuotaKey, QuotaPersistence } from './local.js';

/** A lease is asked for only when the check saw enough requests here to use this many cells. */
const MIN_WANT = 8;
/** The most cells one lease may ask for. */
const MAX_WANT = 10_000;
/** Entries idle this long (and holding nothing) are dropped. */
const IDLE_MS = 10_000;

/** Per check: the live lease, the demand seen here, and calendar cells not yet written to SQL. */
interface Entry {
  check: LimitCheck;
  /** Leased cells left, usable until `expiresAt`. */
  cells: number;
  expiresAt: number;
  /** What the authority had left besides our lease when it granted it. */
  remaining: number;
  /** When the allowance is full again / the period ends, as of the grant. */
  resetAt: number;
  /** The calendar period the lease (and `used`) belongs to. */
  periodStart: number;
  periodEnd: number;
  /** Requests seen since `windowStart`, and the rate measured over the window before. */
  windowCount: number;
  windowStart: number;
  rate: number;
  asking: boolean;
  /** Calendar cells admitted here and not yet added to the durable store. */
  used: number;
  usedPeriod: number;
  lastSeen: number;
}

export interface LeasingBackendOptions {
  authority: LimitAuthority;
  /** Where admitted calendar cells are added (Redis mode); null when the authority writes them. */
  durable?: QuotaPersistence | null;
  maxEntries?: number;
}

export class LeasingBackend implements LimitBackend {
  readonly #authority: LimitAuthority;
  readonly #durable: QuotaPersistence | null;
  readonly #maxEntries: number;
  readonly #entries = new Map<string, Entry>();
  #returns: CellReturn[] = [];
  /** Admitted calendar cells of periods entries have moved past, waiting for the durable write. */
  #usedElsewhere: (QuotaKey & { delta: number })[] = [];

  constructor(options: LeasingBackendOptions) {
    this.#authority = options.authority;
    this.#durable = options.durable ?? null;
    this.#maxEntries = options.maxEntries ?? 100_000;
  }

  get available(): boolean {
    return this.#authority.available;
  }

  consume(checks: readonly LimitCheck[], now: number): LimitDecision | Promise<LimitDecision> {
    const entries: Entry[] = new Array(checks.length);
    for (let i = 0; i < checks.length; i++) {
      const e = this.#entries.get((checks[i] as LimitCheck).id);
      if (e === undefined || e.cells < 1 || now >= e.expiresAt) return this.#ask(checks, now);
      entries[i] = e;
    }
    // Every check holds a leased cell: decide here, without a round trip.
    const results: LimitResult[] = new Array(checks.length);
    for (let i = 0; i < checks.length; i++) {
      const e = entries[i] as Entry;
      e.cells--;
      e.windowCount++;
      e.lastSeen = now;
      if (this.#durable !== null && isCalendar(e.check.policy.per)) this.#countUsed(e, e.periodStart);
      results[i] = {
        check: checks[i] as LimitCheck,
        allowed: true,
        remaining: e.remaining + e.cells,
        resetMs: Math.max(0, e.resetAt - now),
        retryAfterMs: 0,
      };
    }
    return decide(results);
  }

  /** Asks the authority for all of a request's checks, with a lease where the check is busy. */
  #ask(checks: readonly LimitCheck[], now: number): Promise<LimitDecision> {
    const items: AcquireItem[] = new Array(checks.length);
    const entries: Entry[] = new Array(checks.length);
    for (let i = 0; i < checks.length; i++) {
      const check = checks[i] as LimitCheck;
      const e = this.#entry(check, now);
      e.windowCount++;
      e.lastSeen = now;
      const per = check.policy.per;
      const period = isCalendar(per) ? calendarPeriod(per, now) : { start: 0, end: 0 };
      let want = 0;
      let phantom = 0;
      if (!e.asking && leasable(check.policy.requests)) {
        want = this.#demand(e, now, leaseLifetimeMs(per));
        if (want > 0) {
          e.asking = true;
          if (!isCalendar(per)) phantom = gcraPhantom(check.policy.requests, per);
        }
      }
      entries[i] = e;
      items[i] = { check, want, phantom, periodStart: period.start, periodEnd: period.end };
    }
    const settle = () => {
      for (let i = 0; i < items.length; i++)
        if ((items[i] as AcquireItem).want > 0) (entries[i] as Entry).asking = false;
    };
    return this.#authority.acquire(items, now).then(
      (reply) => {
        settle();
        return this.#admit(items, entries, reply, now);
      },
      (error: unknown) => {
        settle();
        throw error;
      },
    );
  }

  #admit(items: AcquireItem[], entries: Entry[], reply: AcquireReply, now: number): LimitDecision {
    const results: LimitResult[] = new Array(items.length);
    for (let i = 0; i < items.length; i++) {
      const item = items[i] as AcquireItem;
      const grant = reply.grants[i] as AcquireReply['grants'][number];
      const leased = reply.allowed ? Math.max(0, grant.granted - 1) : 0;
      const e = entries[i] as Entry;
      if (reply.allowed) {
        const calendar = isCalendar(item.check.policy.per);
        if (leased > 0) this.#lease(e, item, leased, grant.remaining, grant.resetMs, now);
        if (calendar && this.#durable !== null) this.#countUsed(e, item.periodStart);
      }
      results[i] = {
        check: item.check,
        allowed: grant.granted > 0,
        remaining: grant.remaining + leased,
        resetMs: grant.resetMs,
        retryAfterMs: grant.retryAfterMs,
      };
    }
    return decide(results);
  }

  /** Installs a new lease, giving back what is left of the previous calendar lease. */
  #lease(e: Entry, item: AcquireItem, cells: number, remaining: number, resetMs: number, now: number): void {
    this.#endLease(e);
    const per = item.check.policy.per;
    const lifetime = leaseLifetimeMs(per);
    e.cells = cells;
    e.expiresAt = isCalendar(per) ? Math.min(now + lifetime, item.periodEnd) : now + lifetime;
    e.remaining = remaining;
    e.resetAt = now + resetMs;
    e.periodStart = item.periodStart;
    e.periodEnd = item.periodEnd;
  }

  /** Ends the entry's lease: unused calendar cells go back to the authority; GCRA ones lapse. */
  #endLease(e: Entry): void {
    if (e.cells > 0 && isCalendar(e.check.policy.per)) {
      this.#returns.push({
        id: e.check.id,
        periodStart: e.periodStart,
        periodEnd: e.periodEnd,
        cells: e.cells,
      });
    }
    e.cells = 0;
  }

  /** Cells a lease should carry: the rate seen here over the lease's lifetime, with headroom; 0 when quiet. */
  #demand(e: Entry, now: number, lifetime: number): number {
    const elapsed = now - e.windowStart;
    if (elapsed >= lifetime) {
      e.rate = e.windowCount / elapsed;
      e.windowCount = 0;
      e.windowStart = now;
    }
    const current =
      e.windowCount >= MIN_WANT ? e.windowCount / Math.max(now - e.windowStart, lifetime / 10) : 0;
    const want = Math.ceil(Math.max(e.rate, current) * lifetime * 1.5);
    return want >= MIN_WANT ? Math.min(want, MAX_WANT) : 0;
  }

  #countUsed(e: Entry, periodStart: number): void {
    if (e.usedPeriod !== periodStart) {
      if (e.used > 0) this.#usedElsewhere.push({ id: e.check.id, periodStart: e.usedPeriod, delta: e.used });
      e.used = 0;
      e.usedPeriod = periodStart;
    }
    e.used++;
  }

  #entry(check: LimitCheck, now: number): Entry {
    let e = this.#entries.get(check.id);
    if (e === undefined) {
      e = {
        check,
        cells: 0,
        expiresAt: 0,
        remaining: 0,
        resetAt: 0,
        periodStart: 0,
        periodEnd: 0,
        windowCount: 0,
        windowStart: now,
        rate: 0,
        asking: false,
        used: 0,
        usedPeriod: 0,
        lastSeen: now,
      };
      this.#entries.set(check.id, e);
    }
    return e;
  }

  /**
   * Every second: gives back unused cells of ended calendar leases, adds admitted calendar cells
   * to the durable store, and drops idle entries. What fails stays pending for the next flush.
   */
  async flush(now = Date.now()): Promise<void> {
    const used: (QuotaKey & { delta: number })[] = this.#usedElsewhere;
    this.#usedElsewhere = [];
    for (const [id, e] of this.#entries) {
      if (e.cells > 0 && now >= e.expiresAt) this.#endLease(e);
      if (e.used > 0) {
        used.push({ id, periodStart: e.usedPeriod, delta: e.used });
        e.used = 0;
      }
      const idle = now - e.lastSeen > IDLE_MS || this.#entries.size > this.#maxEntries;
      if (idle && e.cells === 0 && !e.asking) this.#entries.delete(id);
    }
    const returns = this.#returns;
    this.#returns = [];
    const writes: Promise<unknown>[] = [];
    if (returns.length > 0) {
      writes.push(
        this.#authority.release(returns).catch((error: unknown) => {
          this.#returns.push(...returns);
          throw error;
        }),
      );
    }
    if (used.length > 0 && this.#durable !== null) {
      writes.push(
        this.#durable.add(used).catch((error: unknown) => {
          this.#usedElsewhere.push(...used);
          throw error;
        }),
      );
    }
    const failed = (await Promise.allSettled(writes)).find((r) => r.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
  }

  /** Gives back every leased calendar cell, writes pending counts, and closes the authority. */
  async close(): Promise<void> {
    for (const e of this.#entries.values()) this.#endLease(e);
    await this.flush(Number.POSITIVE_INFINITY).catch(() => {});
    await this.#authority.close();
  }
}
