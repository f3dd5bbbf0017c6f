/**
 * When the cluster primary replaces a worker that exited, and when it stops trying. A worker
 * that was serving is replaced after a short pause. One that died before it listened failed at
 * start, and that rarely fixes itself (a port in use, a store it cannot open): each such failure
 * in a row doubles the wait (0.5 s, 1 s, 2 s), and the fourth in a row means give up, so a
 * broken start ends in a clear failure instead of a respawn loop.
 */

/** The primary's memory of start failures in a row, and the wait it implies. */
export class RestartPolicy {
  /** Start failures in a row after which the primary gives up. */
  readonly maxStartFailures: number;
  readonly #firstDelayMs: number;
  #startFailures = 0;

  constructor(maxStartFailures = 4, firstDelayMs = 500) {
    this.maxStartFailures = maxStartFailures;
    this.#firstDelayMs = firstDelayMs;
  }

  /** A worker is listening: starting works, earlier failures no longer count. */
  started(): void {
    this.#startFailures = 0;
  }

  /** How long to wait before replacing a worker that exited, or null to give up. */
  afterExit(wasListening: boolean): number | null {
    if (wasListening) return this.#firstDelayMs;
    this.#startFailures++;
    if (this.#startFailures >= this.maxStartFailures) return null;
    return this.#firstDelayMs * 2 ** (this.#startFailures - 1);
  }
}
