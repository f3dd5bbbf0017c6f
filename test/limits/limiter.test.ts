/** The rate limiter's failure modes: fall back (still counting) or refuse, log once, recover. */
import { describe, expect, test } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { KeywardError } from '../../src/errors.js';
import type { AcquireItem, LimitAuthority } from '../../src/limits/backends/backend.js';
import { LeasingBackend } from '../../src/limits/backends/leasing.js';
import { LocalLimiter } from '../../src/limits/backends/local.js';
import { RateLimiter } from '../../src/limits/limiter.js';
import type { LimitCheck, LimitDecision } from '../../src/limits/policy.js';
import { GatewayMetrics } from '../../src/telemetry/metrics.js';

const T0 = Date.UTC(2026, 2, 10, 12);
const quota: LimitCheck = { id: 'q', name: 'q', policy: { requests: 5, per: 'day' } };

/** A shared authority (a real LocalLimiter) that can be switched off, as Redis going away. */
function switchable() {
  const limiter = new LocalLimiter();
  const state = { up: true };
  const authority: LimitAuthority = {
    get available() {
      return state.up;
    },
    acquire: (items: readonly AcquireItem[], now: number) =>
      state.up ? limiter.acquire(items, now) : Promise.reject(new Error('connection lost')),
    release: (r) => limiter.release(r),
    flush: async () => {},
    close: async () => {},
  };
  return { authority, state };
}

function setup() {
  const clock = new ManualClock(T0);
  const metrics = new GatewayMetrics();
  const lines: { level: string; message: string }[] = [];
  const log = {
    warn: (_: object, message: string) => lines.push({ level: 'warn', message }),
    info: (_: object, message: string) => lines.push({ level: 'info', message }),
  };
  const { authority, state } = switchable();
  const limiter = new RateLimiter({
    backend: new LeasingBackend({ authority }),
    backendName: 'redis',
    fallbacks: () => [new LocalLimiter(null)],
    metrics,
    clock,
    log,
  });
  return { limiter, state, lines, metrics, clock };
}

const run = async (limiter: RateLimiter, mode: 'open' | 'closed', n: number) => {
  const out: boolean[] = [];
  for (let i = 0; i < n; i++) out.push((await limiter.consume([quota], mode, 'r')).allowed);
  return out;
};

describe('RateLimiter', () => {
  test('open: while the backend is away the process limits on its own, counting; the metric counts each', async () => {
    const { limiter, state, metrics } = setup();
    expect(await run(limiter, 'open', 2)).toEqual([true, true]);
    state.up = false;
    expect(await run(limiter, 'open', 6)).toEqual([true, true, true, true, true, false]);
    const text = await metrics.registry.metrics();
    expect(text).toContain('keyward_limiter_fallback_total{route="r"} 6');
    expect(text).toContain('keyward_limiter_backend_up{backend="redis"} 0');
    await limiter.close();
  });

  test('closed: 503 KW_ERR_LIMITER_UNAVAILABLE while the backend is away', async () => {
    const { limiter, state } = setup();
    state.up = false;
    expect(() => limiter.consume([quota], 'closed', 'r')).toThrow(KeywardError);
    try {
      limiter.consume([quota], 'closed', 'r');
    } catch (error) {
      expect((error as KeywardError).code).toBe('KW_ERR_LIMITER_UNAVAILABLE');
      expect((error as KeywardError).status).toBe(503);
    }
    await limiter.close();
  });

  test('a call that fails while the backend looked fine falls back too', async () => {
    const clock = new ManualClock(T0);
    const failing: LimitAuthority = {
      available: true,
      acquire: () => Promise.reject(new Error('command timed out')),
      release: async () => {},
      flush: async () => {},
      close: async () => {},
    };
    const limiter = new RateLimiter({
      backend: new LeasingBackend({ authority: failing }),
      backendName: 'redis',
      fallbacks: () => [new LocalLimiter(null)],
      metrics: new GatewayMetrics(),
      clock,
    });
    expect(await run(limiter, 'open', 6)).toEqual([true, true, true, true, true, false]);
    await expect(limiter.consume([quota], 'closed', 'r')).rejects.toMatchObject({
      code: 'KW_ERR_LIMITER_UNAVAILABLE',
    });
    await limiter.close();
  });

  test('an outage is logged once, its end once; the next outage starts from fresh local counts', async () => {
    const { limiter, state, lines } = setup();
    state.up = false;
    await run(limiter, 'open', 5);
    expect(lines).toEqual([
      {
        level: 'warn',
        message:
          'rate limits: the redis backend is unavailable; routes with onLimiterFailure: open are limited by this process alone, closed ones answer 503',
      },
    ]);
    state.up = true;
    expect(await run(limiter, 'open', 3)).toEqual([true, true, true]);
    expect(lines.at(-1)).toEqual({
      level: 'info',
      message: 'rate limits: the redis backend is back; shared limits apply again',
    });
    state.up = false;
    // The earlier outage's local count (5) is gone: this one allows 5 again, never more.
    expect(await run(limiter, 'open', 6)).toEqual([true, true, true, true, true, false]);
    expect(lines.filter((l) => l.level === 'warn')).toHaveLength(2);
    await limiter.close();
  });

  test('a local backend decides synchronously: no promise on the hot path', () => {
    const limiter = new RateLimiter({
      backend: new LocalLimiter(null),
      backendName: 'local',
      fallbacks: () => [new LocalLimiter(null)],
      metrics: new GatewayMetrics(),
      clock: new ManualClock(T0),
    });
    const decision = limiter.consume([quota], 'open', 'r');
    expect(decision).not.toBeInstanceOf(Promise);
    expect((decision as LimitDecision).allowed).toBe(true);
    void limiter.close();
  });
});
