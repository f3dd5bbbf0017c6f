import { describe, expect, test } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { Balancer, type Balancing } from '../../src/proxy/balancer.js';
import { CircuitBreaker } from '../../src/proxy/breaker.js';
import { ActiveHealth, PassiveHealth } from '../../src/proxy/health.js';
import { Target } from '../../src/proxy/target.js';

const clock = new ManualClock();

function targets(weights: number[], extra: Partial<ConstructorParameters<typeof Target>[0]> = {}): Target[] {
  return weights.map(
    (weight, i) =>
      new Target(
        {
          origin: `http://10.0.0.${i + 1}:9000`,
          weight,
          timeoutMs: 1000,
          bodyIdleMs: 1000,
          connectTimeoutMs: 1000,
          breaker: null,
          passive: null,
          active: null,
          ...extra,
        },
        clock,
      ),
  );
}

const names = (picked: (Target | null)[]) => picked.map((t) => t?.origin.slice(7, 15) ?? 'none').join(' ');

describe('the balancer', () => {
  test.each<[string, number[], Balancing, string]>([
    ['equal weights alternate', [1, 1], 'round-robin', '10.0.0.1 10.0.0.2 10.0.0.1 10.0.0.2'],
    [
      'weights 2:1 interleave smoothly',
      [2, 1],
      'round-robin',
      '10.0.0.1 10.0.0.2 10.0.0.1 10.0.0.1 10.0.0.2 10.0.0.1',
    ],
    ['weights 1:3 (ties go to the first)', [1, 3], 'round-robin', '10.0.0.2 10.0.0.1 10.0.0.2 10.0.0.2'],
  ])('%s', (_name, weights, balancing, expected) => {
    const balancer = new Balancer(targets(weights), balancing);
    const picked = expected.split(' ').map(() => balancer.pick());
    expect(names(picked)).toBe(expected);
  });

  test('least-pending picks the target with the fewest calls in flight per weight', () => {
    const [a, b, c] = targets([1, 1, 2]) as [Target, Target, Target];
    const balancer = new Balancer([a, b, c], 'least-pending');
    a.pending = 2;
    b.pending = 1;
    c.pending = 3; // 1.5 per unit of weight
    expect(balancer.pick()).toBe(b);
    b.pending = 5;
    expect(balancer.pick()).toBe(c);
  });

  test('a retry avoids the targets already tried while another is available', () => {
    const [a, b] = targets([1, 1]) as [Target, Target];
    const balancer = new Balancer([a, b], 'round-robin');
    expect(balancer.pick([a])).toBe(b);
    expect(balancer.pick([a, b])).not.toBeNull();
  });

  test('targets out of rotation are skipped; none left gives null', () => {
    const [a, b] = targets([1, 1], { breaker: { failures: 1, openForMs: 1000 } }) as [Target, Target];
    const balancer = new Balancer([a, b], 'round-robin');
    a.report('failure', false);
    expect([balancer.pick(), balancer.pick()]).toEqual([b, b]);
    b.report('failure', false);
    expect(balancer.pick()).toBeNull();
  });
});

describe('the circuit breaker', () => {
  test('opens after a run of failures, half-opens for one probe, closes on its success', () => {
    const breaker = new CircuitBreaker({ failures: 3, openForMs: 1000 }, clock);
    breaker.failure();
    breaker.failure();
    breaker.success(); // the run is broken
    breaker.failure();
    breaker.failure();
    expect(breaker.state).toBe('closed');
    breaker.failure();
    expect([breaker.state, breaker.admits()]).toEqual(['open', false]);
    clock.advance(999);
    expect(breaker.admits()).toBe(false);
    clock.advance(1);
    expect([breaker.state, breaker.admits()]).toEqual(['half-open', true]);
    expect(breaker.acquire()).toBe(true);
    expect(breaker.admits()).toBe(false); // one probe at a time
    breaker.success();
    expect([breaker.state, breaker.admits(), breaker.opened]).toEqual(['closed', true, 1]);
  });

  test('a failed probe opens it again for another period; a probe the caller abandoned frees the slot', () => {
    const breaker = new CircuitBreaker({ failures: 1, openForMs: 500 }, clock);
    breaker.failure();
    clock.advance(500);
    breaker.acquire();
    breaker.release();
    expect(breaker.admits()).toBe(true);
    breaker.acquire();
    breaker.failure();
    expect([breaker.state, breaker.opened]).toEqual(['open', 2]);
    clock.advance(499);
    expect(breaker.state).toBe('open');
  });
});

describe('health', () => {
  test('passive: N failures within the window take the target out for the cool-down', () => {
    const health = new PassiveHealth({ failures: 3, windowMs: 1000, cooldownMs: 5000 }, clock);
    health.failure();
    clock.advance(600);
    health.failure();
    clock.advance(600); // the first failure left the window
    health.failure();
    expect(health.healthy).toBe(true);
    health.failure();
    expect(health.healthy).toBe(false);
    clock.advance(4999);
    expect(health.healthy).toBe(false);
    clock.advance(1);
    expect(health.healthy).toBe(true);
  });

  test('active: unhealthyAfter failed polls in a row take it out, healthyAfter good ones put it back', async () => {
    const results = [false, true, false, false, true, true];
    const health = new ActiveHealth(
      { path: '/health', intervalMs: 60_000, timeoutMs: 100, healthyAfter: 2, unhealthyAfter: 2 },
      async () => results.shift() as boolean,
    );
    const seen: boolean[] = [];
    for (let i = 0; i < 6; i++) {
      await health.poll();
      seen.push(health.healthy);
    }
    expect(seen).toEqual([true, true, true, false, false, true]);
  });

  test('active: a probe that throws counts as a failed poll', async () => {
    const health = new ActiveHealth(
      { path: '/health', intervalMs: 60_000, timeoutMs: 100, healthyAfter: 1, unhealthyAfter: 1 },
      async () => {
        throw new Error('refused');
      },
    );
    await health.poll();
    expect(health.healthy).toBe(false);
  });
});
