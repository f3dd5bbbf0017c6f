/**
 * What one process holds for one check under a shared authority: the lease it is spending, the
 * next one (fetched before the first runs out, so busy limits never stall on a round trip), the
 * demand it sees (to size the next lease), and calendar cells admitted here that the durable
 * store has not been told about yet.
 */
import { leaseLifetimeMs } from '../algorithms/lease.js';
import { isCalendar, type LimitCheck } from '../policy.js';
import type { CellReturn } from './backend.js';

/** Leases smaller than this are not asked for: a check this quiet asks per request. */
export const MIN_WANT = 8;
/** The most cells one lease may ask for. */
const MAX_WANT = 10_000;

/** Cells granted at once, usable until `expiresAt`. */
export interface Lease {
  cells: number;
  /** Cells granted, to tell when the lease runs low. */
  size: number;
  expiresAt: number;
  /** When to fetch the next lease: three quarters through its lifetime. */
  renewAt: number;
  /** What the authority had left besides this lease when it granted it. */
  remaining: number;
  /** When the allowance is full again / the period ends, as of the grant. */
  resetAt: number;
  periodStart: number;
  periodEnd: number;
}

export class LeaseEntry {
  readonly check: LimitCheck;
  readonly calendar: boolean;
  readonly lifetimeMs: number;
  current: Lease | null = null;
  next: Lease | null = null;
  /** The lease-bearing call to the authority in flight, if any (others wait for it). */
  pending: Promise<unknown> | null = null;
  /** Requests seen since `windowStart`, and the rate (per ms) measured over the window before. */
  windowCount = 0;
  windowStart: number;
  rate = 0;
  lastSeen: number;
  /** Calendar cells admitted here and not yet added to the durable store, and their period. */
  used = 0;
  usedPeriod = 0;

  constructor(check: LimitCheck, now: number) {
    this.check = check;
    this.calendar = isCalendar(check.policy.per);
    this.lifetimeMs = leaseLifetimeMs(check.policy.per);
    this.windowStart = now;
    this.lastSeen = now;
  }

  /** The lease to spend a cell from now (moving to the next one when the current is spent), or null. */
  usable(now: number, returns: CellReturn[]): Lease | null {
    const c = this.current;
    if (c !== null && c.cells >= 1 && now < c.expiresAt) return c;
    this.#end(c, returns);
    this.current = null;
    const n = this.next;
    this.next = null;
    if (n !== null && n.cells >= 1 && now < n.expiresAt) {
      this.current = n;
      return n;
    }
    this.#end(n, returns);
    return null;
  }

  /** Whether to fetch the next lease now: the current one is low or aging, and none is on its way. */
  wantsRenewal(lease: Lease, now: number): boolean {
    return (
      this.pending === null && this.next === null && (lease.cells <= lease.size >> 2 || now >= lease.renewAt)
    );
  }

  /** Takes a granted lease: it becomes the current one if that is spent, else the next. */
  install(
    cells: number,
    remaining: number,
    resetMs: number,
    period: { start: number; end: number },
    now: number,
    returns: CellReturn[],
  ): void {
    const expiresAt = this.calendar ? Math.min(now + this.lifetimeMs, period.end) : now + this.lifetimeMs;
    const lease: Lease = {
      cells,
      size: cells,
      expiresAt,
      renewAt: now + (this.lifetimeMs * 3) / 4,
      remaining,
      resetAt: now + resetMs,
      periodStart: period.start,
      periodEnd: period.end,
    };
    if (this.usable(now, returns) === null) this.current = lease;
    else {
      this.#end(this.next, returns);
      this.next = lease;
    }
  }

  /** Ends every lease held (shutdown): unused calendar cells go back. */
  release(returns: CellReturn[]): void {
    this.#end(this.current, returns);
    this.#end(this.next, returns);
    this.current = null;
    this.next = null;
  }

  /** Whether the entry holds nothing worth keeping. */
  get empty(): boolean {
    return this.current === null && this.next === null && this.pending === null && this.used === 0;
  }

  /** Cells a lease should carry: the rate seen here over a lease's lifetime, with headroom; 0 when quiet. */
  demand(now: number): number {
    const lifetime = this.lifetimeMs;
    const elapsed = now - this.windowStart;
    if (elapsed >= lifetime) {
      this.rate = this.windowCount / elapsed;
      this.windowCount = 0;
      this.windowStart = now;
    }
    const current =
      this.windowCount >= MIN_WANT ? this.windowCount / Math.max(now - this.windowStart, lifetime / 10) : 0;
    const want = Math.ceil(Math.max(this.rate, current) * lifetime * 1.5);
    return want >= MIN_WANT ? Math.min(want, MAX_WANT) : 0;
  }

  /** Unused calendar cells of an ended lease go back to the authority; GCRA cells just lapse. */
  #end(lease: Lease | null, returns: CellReturn[]): void {
    if (lease === null || lease.cells < 1 || !this.calendar) return;
    returns.push({
      id: this.check.id,
      periodStart: lease.periodStart,
      periodEnd: lease.periodEnd,
      cells: lease.cells,
    });
    lease.cells = 0;
  }
}
