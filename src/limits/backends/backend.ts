/**
 * Where limit state lives. A backend decides all of a request's checks together — every check
 * is granted or none moves — and answers synchronously when nothing has to be awaited (the
 * common case for the in-process backend and for leased limits), with a promise otherwise.
 * Backends: `local` (this process), `leasing` over an authority (the primary process of
 * `--workers`, or Redis).
 */
import type { Grant } from '../algorithms/grant.js';
import type { LimitCheck, LimitDecision } from '../policy.js';

export interface LimitBackend {
  /**
   * Checks and, only if every check allows, consumes one cell of each. Throws (or rejects)
   * when the backend's store cannot be used; a refusal is a decision, not an error.
   */
  consume(checks: readonly LimitCheck[], now: number): LimitDecision | Promise<LimitDecision>;
  /** False while the backend knows its store is down, so callers go to the fallback at once. */
  readonly available: boolean;
  /** Writes what is pending (durable counts, returned leases); called every second. */
  flush(): Promise<void>;
  /** Flushes and releases what the backend holds. */
  close(): Promise<void>;
}

/** One check sent to an authority: one cell for the request, `want` more as a lease. */
export interface AcquireItem {
  check: LimitCheck;
  want: number;
  /** How long leased GCRA cells may be used after the grant, in ms (see algorithms/gcra.ts). */
  hold: number;
  /** Start of the calendar period the check counts in (ignored for short windows). */
  periodStart: number;
  /** End of that period. */
  periodEnd: number;
}

/**
 * An authority's answer: whether the request is admitted (every check granted), and what each
 * check would grant on its own — cells are committed only when `allowed`.
 */
export interface AcquireReply {
  allowed: boolean;
  grants: Omit<Grant, 'next'>[];
}

/**
 * An AcquireReply as flat numbers — `[allowed ? 1 : 0, then per check: granted, remaining,
 * resetMs, retryAfterMs]` — the shape the Redis script returns and the primary sends over IPC.
 */
export function flattenAcquireReply(reply: AcquireReply): number[] {
  const flat: number[] = [reply.allowed ? 1 : 0];
  for (const g of reply.grants) flat.push(g.granted, g.remaining, g.resetMs, g.retryAfterMs);
  return flat;
}

/** Reads a flattened AcquireReply for `count` checks. */
export function readAcquireReply(flat: readonly number[], count: number): AcquireReply {
  const grants: AcquireReply['grants'] = new Array(count);
  for (let i = 0; i < count; i++) {
    const at = 1 + i * 4;
    grants[i] = {
      granted: flat[at] as number,
      remaining: flat[at + 1] as number,
      resetMs: flat[at + 2] as number,
      retryAfterMs: flat[at + 3] as number,
    };
  }
  return { allowed: flat[0] === 1, grants };
}

/** Unused calendar cells given back when a lease ends. */
export interface CellReturn {
  id: string;
  periodStart: number;
  periodEnd: number;
  cells: number;
}

/**
 * The single place that holds a limit's true count for several processes: it grants cells
 * atomically and takes unused calendar cells back.
 */
export interface LimitAuthority {
  acquire(items: readonly AcquireItem[], now: number): Promise<AcquireReply>;
  release(returns: readonly CellReturn[]): Promise<void>;
  /** False while the authority is known to be unreachable. */
  readonly available: boolean;
  flush(): Promise<void>;
  close(): Promise<void>;
}
