/**
 * A process's view of limits held by an authority shared with other processes (Redis, or the
 * primary of `--workers`). A request whose every check holds a live lease is decided here,
 * synchronously; otherwise its checks without a leased cell go to the authority in one atomic
 * call (the leased ones hold a cell meanwhile, given back if the request is refused), which may
 * grant a lease on top (see algorithms/lease.ts: only limits of 1,000 requests or more, only
 * when the check is busy here, never more than an eighth of what remains). A busy check fetches
 * its next lease in the background before the current one runs out, and a request that finds a
 * lease on its way waits for it instead of asking too. Leased cells are counted by the
 * authority when granted, so no caller is ever admitted past a limit; unused calendar cells are
 * given back when a lease ends. With a durable store (Redis mode), the calendar cells this
 * process admitted are also added to SQL every second.
 */
import { leasable } from '../algorithms/lease.js';
import { calendarPeriod, decide, type LimitCheck, type LimitDecision, type LimitResult } from '../policy.js';
import type { AcquireItem, AcquireReply, CellReturn, LimitAuthority, LimitBackend } from './backend.js';
import { type Lease, LeaseEntry } from './lease-entry.js';
import type { QuotaKey, QuotaPersistence } from './local.js';

/** Entries idle this long (and holding nothing) are dropped. */
const IDLE_MS = 10_000;
const NO_PERIOD = { start: 0, end: 0 };
const ALL_LEASED: AcquireReply = { allowed: true, grants: [] };

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
  readonly #entries = new Map<string, LeaseEntry>();
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
    const entries: LeaseEntry[] = new Array(checks.length);
    const leases: Lease[] = new Array(checks.length);
    for (let i = 0; i < checks.length; i++) {
      const e = this.#entries.get((checks[i] as LimitCheck).id);
      const lease = e?.usable(now, this.#returns) ?? null;
      if (lease === null) {
        // A lease on its way: wait for it rather than asking too.
        if (e?.pending) return this.#afterPending(e.pending, checks, now);
        return this.#ask(checks, now);
      }
      entries[i] = e as LeaseEntry;
      leases[i] = lease;
    }
    // Every check holds a leased cell: decide here, without a round trip.
    const results: LimitResult[] = new Array(checks.length);
    for (let i = 0; i < checks.length; i++) {
      const e = entries[i] as LeaseEntry;
      const lease = leases[i] as Lease;
      lease.cells--;
      e.windowCount++;
      e.lastSeen = now;
      if (this.#durable !== null && e.calendar) this.#countUsed(e, lease.periodStart);
      results[i] = {
        check: checks[i] as LimitCheck,
        allowed: true,
        remaining: lease.remaining + lease.cells,
        resetMs: Math.max(0, lease.resetAt - now),
        retryAfterMs: 0,
      };
      if (e.wantsRenewal(lease, now)) this.#renew(e, now);
    }
    return decide(results);
  }

  /** After the awaited lease arrives, tries again — on the caller's clock moved on by the wait. */
  #afterPending(
    pending: Promise<unknown>,
    checks: readonly LimitCheck[],
    now: number,
  ): Promise<LimitDecision> {
    const waited = performance.now();
    return pending.then(() => {
      const later = now + (performance.now() - waited);
      const retry = this.#entriesLeased(checks, later)
        ? this.consume(checks, later)
        : this.#ask(checks, later);
      return retry;
    });
  }

  #entriesLeased(checks: readonly LimitCheck[], now: number): boolean {
    for (const check of checks) {
      if (this.#entries.get(check.id)?.usable(now, this.#returns) == null) return false;
    }
    return true;
  }

  /**
   * Asks the authority for the checks that hold no leased cell (with a lease where the check is
   * busy); the others take a cell from their lease now, given back if the request is refused.
   */
  #ask(checks: readonly LimitCheck[], now: number): Promise<LimitDecision> {
    const entries: LeaseEntry[] = new Array(checks.length);
    const held: (Lease | null)[] = new Array(checks.length);
    const items: AcquireItem[] = [];
    const asked: number[] = [];
    const leasing: LeaseEntry[] = [];
    for (let i = 0; i < checks.length; i++) {
      const check = checks[i] as LimitCheck;
      const e = this.#entry(check, now);
      e.windowCount++;
      e.lastSeen = now;
      entries[i] = e;
      const lease = e.usable(now, this.#returns);
      held[i] = lease;
      if (lease !== null) {
        lease.cells--;
        continue;
      }
      const period = e.calendar ? calendarPeriod(check.policy.per as 'day' | 'month', now) : NO_PERIOD;
      let want = 0;
      if (e.pending === null && leasable(check.policy.requests)) {
        want = e.demand(now);
        if (want > 0) leasing.push(e);
      }
      const hold = e.calendar ? 0 : e.lifetimeMs;
      items.push({ check, want, hold, periodStart: period.start, periodEnd: period.end });
      asked.push(i);
    }
    // Every check found a lease after all (one arrived while this request waited): no round trip.
    if (items.length === 0)
      return Promise.resolve(this.#admit(checks, entries, held, items, asked, ALL_LEASED, now));
    const reply = this.#authority.acquire(items, now);
    if (leasing.length > 0) this.#markPending(leasing, reply);
    const refund = () => {
      for (const lease of held) if (lease !== null) lease.cells++;
    };
    return reply.then(
      (r) => {
        if (!r.allowed) refund();
        return this.#admit(checks, entries, held, items, asked, r, now);
      },
      (error: unknown) => {
        refund();
        throw error;
      },
    );
  }

  #admit(
    checks: readonly LimitCheck[],
    entries: LeaseEntry[],
    held: (Lease | null)[],
    items: AcquireItem[],
    asked: number[],
    reply: AcquireReply,
    now: number,
  ): LimitDecision {
    const results: LimitResult[] = new Array(checks.length);
    for (let i = 0; i < checks.length; i++) {
      const lease = held[i];
      if (lease == null) continue;
      const e = entries[i] as LeaseEntry;
      if (reply.allowed && e.calendar && this.#durable !== null) this.#countUsed(e, lease.periodStart);
      results[i] = {
        check: checks[i] as LimitCheck,
        allowed: true,
        remaining: lease.remaining + lease.cells,
        resetMs: Math.max(0, lease.resetAt - now),
        retryAfterMs: 0,
      };
    }
    for (let k = 0; k < items.length; k++) {
      const i = asked[k] as number;
      const item = items[k] as AcquireItem;
      const grant = reply.grants[k] as AcquireReply['grants'][number];
      const e = entries[i] as LeaseEntry;
      const leased = reply.allowed ? Math.max(0, grant.granted - 1) : 0;
      if (reply.allowed) {
        const period = { start: item.periodStart, end: item.periodEnd };
        if (leased > 0) e.install(leased, grant.remaining, grant.resetMs, period, now, this.#returns);
        if (e.calendar && this.#durable !== null) this.#countUsed(e, item.periodStart);
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

  /** Fetches a busy check's next lease in the background; every granted cell goes to the lease. */
  #renew(e: LeaseEntry, now: number): void {
    const want = e.demand(now);
    if (want === 0) return;
    const { check } = e;
    const period = e.calendar ? calendarPeriod(check.policy.per as 'day' | 'month', now) : NO_PERIOD;
    const item: AcquireItem = {
      check,
      want: want - 1,
      hold: e.calendar ? 0 : e.lifetimeMs,
      periodStart: period.start,
      periodEnd: period.end,
    };
    const asked = this.#authority.acquire([item], now).then((reply) => {
      const grant = reply.grants[0];
      // A lone GCRA cell was granted without being held, so it may not be used later: let it lapse.
      if (!reply.allowed || grant === undefined || (!e.calendar && grant.granted < 2)) return;
      e.install(grant.granted, grant.remaining, grant.resetMs, period, now, this.#returns);
    });
    this.#markPending([e], asked);
  }

  /** Marks a lease-bearing call as in flight for these entries until it settles (errors are the caller's). */
  #markPending(entries: LeaseEntry[], asked: Promise<unknown>): void {
    const settled = asked.then(
      () => undefined,
      () => undefined,
    );
    for (const e of entries) e.pending = settled;
    void settled.then(() => {
      for (const e of entries) if (e.pending === settled) e.pending = null;
    });
  }

  #countUsed(e: LeaseEntry, periodStart: number): void {
    if (e.usedPeriod !== periodStart) {
      if (e.used > 0) this.#usedElsewhere.push({ id: e.check.id, periodStart: e.usedPeriod, delta: e.used });
      e.used = 0;
      e.usedPeriod = periodStart;
    }
    e.used++;
  }

  #entry(check: LimitCheck, now: number): LeaseEntry {
    let e = this.#entries.get(check.id);
    if (e === undefined) {
      e = new LeaseEntry(check, now);
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
    const crowded = this.#entries.size > this.#maxEntries;
    for (const [id, e] of this.#entries) {
      e.usable(now, this.#returns);
      if (e.used > 0) {
        used.push({ id, periodStart: e.usedPeriod, delta: e.used });
        e.used = 0;
      }
      if ((crowded || now - e.lastSeen > IDLE_MS) && e.empty) this.#entries.delete(id);
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
    for (const e of this.#entries.values()) e.release(this.#returns);
    await this.flush(Number.POSITIVE_INFINITY).catch(() => {});
    await this.#authority.close();
  }
}
