/**
 * Picks the target for the next call among those in rotation. Round-robin is weighted and
 * smooth (nginx's algorithm: a target of weight 2 beside one of weight 1 gets A, B, A — not
 * A, A, B); least-pending takes the target with the fewest calls in flight per unit of weight,
 * ties going round-robin. Targets already tried by this call are avoided while others remain.
 */
import type { Target } from './target.js';

const NONE_TRIED: readonly Target[] = [];

export type Balancing = 'round-robin' | 'least-pending';

export class Balancer {
  readonly #targets: readonly Target[];
  readonly #leastPending: boolean;
  /** Smooth weighted round-robin's running weights, one per target. */
  readonly #current: number[];
  #next = 0;

  constructor(targets: readonly Target[], balancing: Balancing) {
    this.#targets = targets;
    this.#leastPending = balancing === 'least-pending';
    this.#current = targets.map(() => 0);
  }

  /** The target for the next call, or null when none is in rotation. */
  pick(tried: readonly Target[] = NONE_TRIED): Target | null {
    const targets = this.#targets;
    if (targets.length === 1) {
      const only = targets[0] as Target;
      return only.available() ? only : null;
    }
    let candidates = targets.filter((t) => t.available() && !tried.includes(t));
    if (candidates.length === 0 && tried.length > 0) candidates = targets.filter((t) => t.available());
    if (candidates.length === 0) return null;
    return this.#leastPending ? this.#fewestPending(candidates) : this.#smoothWeighted(candidates);
  }

  #smoothWeighted(candidates: Target[]): Target {
    let total = 0;
    let best = -1;
    for (let i = 0; i < this.#targets.length; i++) {
      const target = this.#targets[i] as Target;
      if (!candidates.includes(target)) continue;
      this.#current[i] = (this.#current[i] as number) + target.weight;
      total += target.weight;
      if (best === -1 || (this.#current[i] as number) > (this.#current[best] as number)) best = i;
    }
    this.#current[best] = (this.#current[best] as number) - total;
    return this.#targets[best] as Target;
  }

  #fewestPending(candidates: Target[]): Target {
    // Start the scan at a rotating offset so ties spread over the targets.
    const start = this.#next++ % candidates.length;
    let best = candidates[start] as Target;
    for (let k = 1; k < candidates.length; k++) {
      const target = candidates[(start + k) % candidates.length] as Target;
      if (target.pending / target.weight < best.pending / best.weight) best = target;
    }
    return best;
  }
}
