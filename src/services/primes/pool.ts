/**
 * Big prime work off the event loop. A check of a 1024-bit prime takes ~60 ms and of a 4096-bit
 * one ~100-500 ms, a next-prime search at 1024 bits ~0.3 s: done on the loop, every other
 * request of the process would wait that long. Inputs above a size threshold run in a small
 * pool of worker threads (piscina) instead; small ones stay inline, where a worker's round
 * trip (~0.2 ms) would cost more than the math. The queue is bounded: when it is full the
 * request is refused with 503 KW_ERR_OVERLOADED and Retry-After, rather than queued without end.
 */
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { KeywardError } from '../../errors.js';
import { bitLength, checkPrime, nextPrime } from './math.js';
import type { PrimeAnswer, PrimeTask } from './worker.js';

/** Checks of numbers wider than this run in the pool (a 256-bit prime takes ~1 ms inline). */
export const INLINE_CHECK_MAX_BITS = 256;
/** Next-prime searches from numbers wider than this run in the pool (~15 ms at 128 bits). */
export const INLINE_NEXT_MAX_BITS = 64;

export interface PrimePoolOptions {
  /** Worker threads (default: one less than the cores, at least 1, at most 4). */
  threads?: number;
  /** Tasks that may wait for a thread before new ones are refused. */
  maxQueue?: number;
}

/**
 * The compiled worker. Under the test runner this module is TypeScript source, and a worker
 * thread needs JavaScript, so the build's copy (`npm test` builds first) is used.
 */
function workerFile(): string {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.js')) return here.replace(/pool\.js$/, 'worker.js');
  return here.replace(/[\\/]src[\\/]/, '/dist/').replace(/pool\.ts$/, 'worker.js');
}

function overloaded(): KeywardError {
  return new KeywardError('KW_ERR_OVERLOADED', {
    detail: 'Too many large numbers are being checked right now; try again shortly.',
    headers: { 'retry-after': '1' },
  });
}

export class PrimePool {
  readonly #pool: Piscina<PrimeTask, PrimeAnswer>;

  constructor(options: PrimePoolOptions = {}) {
    const threads = options.threads ?? Math.max(1, Math.min(4, availableParallelism() - 1));
    this.#pool = new Piscina({
      filename: workerFile(),
      minThreads: 0,
      maxThreads: threads,
      maxQueue: options.maxQueue ?? threads * 16,
      // Idle threads are released after a while, so a quiet gateway holds none.
      idleTimeout: 30_000,
    });
  }

  /** `checkPrime(n)`, in a worker when n is large. */
  async check(n: bigint): Promise<{ isPrime: boolean; certainty: 'proven' | 'probable'; bits: number }> {
    if (bitLength(n) <= INLINE_CHECK_MAX_BITS) return checkPrime(n);
    const { isPrime, certainty, bits } = (await this.#run({
      op: 'check',
      n: n.toString(),
    })) as PrimeAnswer & {
      op: 'check';
    };
    return { isPrime, certainty, bits };
  }

  /** `nextPrime(n)` with its certainty and bit length, in a worker when n is large. */
  async next(n: bigint): Promise<{ nextPrime: string; certainty: 'proven' | 'probable'; bits: number }> {
    if (bitLength(n) <= INLINE_NEXT_MAX_BITS) {
      const p = nextPrime(n);
      return { nextPrime: p.toString(), certainty: checkPrime(p).certainty, bits: bitLength(p) };
    }
    const {
      nextPrime: p,
      certainty,
      bits,
    } = (await this.#run({ op: 'next', n: n.toString() })) as PrimeAnswer & {
      op: 'next';
    };
    return { nextPrime: p, certainty, bits };
  }

  /** Stops the threads (tasks still running are cut off). */
  close(): Promise<void> {
    return this.#pool.destroy();
  }

  async #run(task: PrimeTask): Promise<PrimeAnswer> {
    // Piscina would queue past maxQueue only to reject; refusing first keeps the error ours.
    if (this.#pool.queueSize >= this.#pool.options.maxQueue) throw overloaded();
    try {
      return await this.#pool.run(task);
    } catch (error) {
      if (error instanceof Error && error.message === 'Task queue is at limit') throw overloaded();
      throw error;
    }
  }
}
