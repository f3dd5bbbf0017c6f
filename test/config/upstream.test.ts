import { describe, expect, test } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { compileConfig } from '../../src/config/compile.js';
import { parseConfig } from '../../src/config/load.js';
import { ConfigError, formatProblem } from '../../src/config/problems.js';
import { compileRoutes } from '../../src/proxy/compile.js';

const route = (upstream: string, extra = '') => `
routes:
  - name: feed
    path: /feed/*
    auth: [none]${extra}
    upstream: ${upstream}
`;

function problemsOf(yaml: string): string[] {
  try {
    parseConfig(yaml, 'test.yaml', {});
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems.map(formatProblem);
  }
  return [];
}

describe('upstream url or targets, checked with YAML paths', () => {
  test.each([
    [
      'neither url nor targets',
      '{ timeout: 5s }',
      '',
      'routes[0].upstream.url: is required (or give targets: [{ url, weight }])',
    ],
    [
      'both',
      '{ url: "http://a:1", targets: [{ url: "http://b:1" }] }',
      '',
      'routes[0].upstream.targets: give either url or targets, not both (line 6)',
    ],
    [
      'targets on different paths',
      '{ targets: [{ url: "http://a:1/v1" }, { url: "http://b:1/v2" }] }',
      '',
      'routes[0].upstream.targets[1].url: must have the same path and query as targets[0] (/v1) (line 6)',
    ],
    [
      'the same host twice',
      '{ targets: [{ url: "http://a:1" }, { url: "http://a:1/" }] }',
      '',
      'routes[0].upstream.targets[1].url: http://a:1 is listed twice (line 6)',
    ],
    [
      'a zero weight',
      '{ targets: [{ url: "http://a:1", weight: 0 }] }',
      '',
      'routes[0].upstream.targets[0].weight: expected a weight 1-1000, got 0 (line 6)',
    ],
    [
      'an unknown balancing',
      '{ url: "http://a:1", balancing: random }',
      '',
      'routes[0].upstream.balancing: expected one of round-robin, least-pending, got "random" (line 6)',
    ],
    [
      'websocket without GET',
      '{ url: "http://a:1", websocket: true }',
      '\n    methods: [POST]',
      'routes[0].methods: a websocket route needs GET (the upgrade is a GET) (line 6)',
    ],
    [
      'an empty healthCheck',
      '{ url: "http://a:1", healthCheck: {} }',
      '',
      'routes[0].upstream.healthCheck: expected passive: {…}, active: {…} or both (line 6)',
    ],
    [
      'a bad stream idle timeout',
      '{ url: "http://a:1", streamIdleTimeout: soon }',
      '',
      'routes[0].upstream.streamIdleTimeout: expected a duration like 10s, got "soon" (line 6)',
    ],
    [
      'an unknown websocket option',
      '{ url: "http://a:1", websocket: { maxSockets: 5 } }',
      '',
      'routes[0].upstream.websocket: expected true, false or { maxConnections, maxConnectionsPerKey, idleTimeout, maxMessageSize } (line 6)',
    ],
  ])('%s', (_name, upstream, extra, problem) => {
    expect(problemsOf(route(upstream, extra))).toContain(problem);
  });

  test('a full multi-target WebSocket route compiles with its defaults', () => {
    const config = compileConfig(
      parseConfig(
        route(`
      targets: [{ url: "http://10.0.0.5:9000/ws" }, { url: "http://10.0.0.6:9000/ws", weight: 2 }]
      balancing: least-pending
      websocket: { maxConnectionsPerKey: 5 }
      streamIdleTimeout: 10m
      healthCheck: { passive: {}, active: { path: /healthz } }
      circuitBreaker: {}`),
        'test.yaml',
        {},
      ),
    );
    const [compiled] = compileRoutes(config, systemClock);
    expect(compiled?.basePath).toBe('/ws');
    expect(compiled?.websocket).toEqual({
      maxConnections: 10_000,
      maxConnectionsPerKey: 5,
      idleTimeoutMs: 600_000,
      maxMessageBytes: 1024 * 1024,
    });
    expect(compiled?.upstream.settings).toMatchObject({
      targets: [
        { origin: 'http://10.0.0.5:9000', weight: 1 },
        { origin: 'http://10.0.0.6:9000', weight: 2 },
      ],
      balancing: 'least-pending',
      bodyIdleMs: 600_000,
      timeoutMs: 30_000,
      breaker: { failures: 5, openForMs: 30_000 },
      passive: { failures: 3, windowMs: 10_000, cooldownMs: 30_000 },
      active: { path: '/healthz', intervalMs: 10_000, timeoutMs: 2000, healthyAfter: 1, unhealthyAfter: 2 },
    });
    return compiled?.upstream.close();
  });
});
