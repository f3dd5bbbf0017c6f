/**
 * `server.memory`: a memory budget per gateway process, which Keyward applies itself. V8's heap
 * limits can only be set on the node command line, so `keyward start` replaces its own process
 * image (`process.execve`: same pid, nothing left behind) with one started with limits that fit
 * the budget. With `--workers`, every worker inherits them. Limits already given in NODE_OPTIONS
 * or on the command line win, as an operator's explicit choice should.
 */

/**
 * What a gateway process holds outside the V8 heap, measured as resident size minus V8's heap
 * under the 1,000,000-key load: the node binary's resident pages (54 MB), malloc arenas, SQLite's
 * page caches and buffers (~37 MB), the WAL checkpoint thread (~17 MB): 108 MB. The heap gets
 * the rest.
 */
export const OUTSIDE_HEAP_MB = 108;
/** The young generation is kept at 16 MB (two 8 MB semi-spaces): smaller cost throughput. */
export const SEMI_SPACE_MB = 8;
/**
 * The least old generation a gateway runs in: its live heap is ~40 MB idle (code, module
 * sources) and ~48 MB under the 1,000,000-key load. With 40 MB it ran out of memory under that
 * load; with 62 MB it collected so often that throughput fell to 0.58-0.81 of the unbudgeted run.
 */
export const MIN_OLD_SPACE_MB = 64;

/**
 * Quota counters a budgeted process keeps in memory (~280 bytes each, measured). Unbudgeted it
 * keeps the limiter's default 50,000 (~14 MB, a quarter of the live heap under the 1,000,000-key
 * load); the others are read back from the store when their key comes back.
 */
export const BUDGETED_QUOTA_COUNTERS = 10_000;

const APPLIED = 'KEYWARD_MEMORY_BUDGET_APPLIED';
const HEAP_FLAGS = /^--(max-old-space-size|max-semi-space-size)\b/;

/** The node flags that keep a process within `budgetBytes`. */
export function heapFlags(budgetBytes: number): string[] {
  const budget = Math.floor(budgetBytes / 2 ** 20);
  const old = Math.max(MIN_OLD_SPACE_MB, budget - OUTSIDE_HEAP_MB - 2 * SEMI_SPACE_MB);
  return [`--max-old-space-size=${old}`, `--max-semi-space-size=${SEMI_SPACE_MB}`];
}

/** How many quota counters to keep in memory under `server.memory` (undefined: the default). */
export function heldQuotaCounters(budgetBytes: number | null): number | undefined {
  return budgetBytes === null ? undefined : BUDGETED_QUOTA_COUNTERS;
}

/** Why the budget is not applied (the operator set heap flags, or it already was), or null. */
export function budgetLeftAlone(
  execArgv: readonly string[] = process.execArgv,
  env: NodeJS.ProcessEnv = process.env,
): 'operator' | 'applied' | null {
  if (env[APPLIED] !== undefined) return 'applied';
  const given = [...execArgv, ...(env.NODE_OPTIONS ?? '').split(/\s+/)];
  return given.some((arg) => HEAP_FLAGS.test(arg)) ? 'operator' : null;
}

/**
 * Restarts this process image with the budget's heap flags, unless they are there already or the
 * operator gave their own. Returns only when nothing had to be done.
 */
export function applyMemoryBudget(budgetBytes: number): void {
  if (budgetLeftAlone() !== null) return;
  const args = [process.execPath, ...process.execArgv, ...heapFlags(budgetBytes), ...process.argv.slice(1)];
  process.execve?.(process.execPath, args, { ...process.env, [APPLIED]: String(budgetBytes) });
}
