/**
 * Usage figures: each response adds one to a counter keyed by minute, principal, route and
 * status class (WebSocket messages count under the class `msg`), held in memory and flushed
 * to the store in one batch every few seconds (and at shutdown) — never a write per request.
 */
import type { Clock } from '../clock.js';
import type { UsageCount, UsageRepository } from '../store/repositories/usage.js';

const MINUTE = 60_000;
// 429 has a class of its own, apart from the other 4xx, so rate-limit rejections can be told
// from client errors in usage charts.
const STATUS_CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx', 'msg', '429'];
/** Where WebSocket messages are counted in a counts array. */
const MESSAGES = 5;
/** Where 429 answers are counted. */
const TOO_MANY = 6;

/** One minute's counts: route → principal → counts by class (0 = 1xx … 4 = 5xx, 5 = msg, 6 = 429). */
type MinuteCounts = Map<string, Map<string, number[]>>;

export class UsageRecorder {
  readonly #repository: UsageRepository;
  readonly #clock: Clock;
  readonly #timer: NodeJS.Timeout;
  #bucket = -1;
  #current: MinuteCounts = new Map();
  /** Earlier minutes not yet written (a flush in progress, or failed). */
  #earlier: UsageCount[] = [];

  constructor(repository: UsageRepository, clock: Clock, flushMs = 5000) {
    this.#repository = repository;
    this.#clock = clock;
    this.#timer = setInterval(() => void this.flush().catch(() => {}), flushMs);
    this.#timer.unref();
  }

  /**
   * Counts one response. Nested maps keyed by the route and principal strings the request
   * already holds, so nothing is concatenated or hashed anew per request.
   */
  record(principal: string | null, route: string, status: number): void {
    const counts = this.#counts(principal, route);
    const index = status === 429 ? TOO_MANY : Math.min(4, Math.max(0, Math.floor(status / 100) - 1));
    counts[index] = (counts[index] as number) + 1;
  }

  /** Counts `count` WebSocket messages relayed on `route` (class `msg`). */
  recordMessages(principal: string | null, route: string, count: number): void {
    const counts = this.#counts(principal, route);
    counts[MESSAGES] = (counts[MESSAGES] as number) + count;
  }

  #counts(principal: string | null, route: string): number[] {
    const bucket = Math.floor(this.#clock.now() / MINUTE) * MINUTE;
    if (bucket !== this.#bucket) this.#closeMinute(bucket);
    let byPrincipal = this.#current.get(route);
    if (byPrincipal === undefined) {
      byPrincipal = new Map();
      this.#current.set(route, byPrincipal);
    }
    const who = principal ?? '-';
    let counts = byPrincipal.get(who);
    if (counts === undefined) {
      counts = [0, 0, 0, 0, 0, 0, 0];
      byPrincipal.set(who, counts);
    }
    return counts;
  }

  /** Writes everything counted so far in one batch. */
  async flush(): Promise<void> {
    this.#closeMinute(this.#bucket);
    if (this.#earlier.length === 0) return;
    const batch = mergeRows(this.#earlier);
    this.#earlier = [];
    try {
      await this.#repository.add(batch);
    } catch (error) {
      // Keep the counts for the next attempt rather than losing them.
      this.#earlier = batch.concat(this.#earlier);
      throw error;
    }
  }

  /** Stops the timer and writes what is pending. */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.flush();
  }

  /** Moves the current minute's counts to the rows awaiting a write, and starts `next`. */
  #closeMinute(next: number): void {
    const bucket = this.#bucket;
    for (const [route, byPrincipal] of this.#current) {
      for (const [principal, counts] of byPrincipal) {
        counts.forEach((count, i) => {
          if (count > 0)
            this.#earlier.push({ bucket, principal, route, statusClass: STATUS_CLASSES[i] as string, count });
        });
      }
    }
    this.#current = new Map();
    this.#bucket = next;
  }
}

/** One row per minute, principal, route and class (a statement may not update a row twice). */
function mergeRows(rows: readonly UsageCount[]): UsageCount[] {
  const merged = new Map<string, UsageCount>();
  for (const row of rows) {
    const key = `${row.bucket}\u0000${row.principal}\u0000${row.route}\u0000${row.statusClass}`;
    const entry = merged.get(key);
    if (entry) entry.count += row.count;
    else merged.set(key, { ...row });
  }
  return [...merged.values()];
}
