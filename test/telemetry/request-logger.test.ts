import { Writable } from 'node:stream';
import type { FastifyBaseLogger } from 'fastify';
import { describe, expect, test } from 'vitest';
import { createLogger } from '../../src/telemetry/logger.js';
import { lazyChildLogger } from '../../src/telemetry/request-logger.js';

function capture(level: string) {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  const root = createLogger({ level, redactedHeaders: ['authorization', 'x-api-key'], destination });
  let children = 0;
  const child = root.child;
  // Count real children: the lazy logger should make one only when it writes.
  root.child = function (this: typeof root, ...args: Parameters<typeof child>) {
    children++;
    return child.apply(this, args);
  } as typeof root.child;
  return { root: root as unknown as FastifyBaseLogger, lines, children: () => children };
}

describe('per-request logger', () => {
  test('writes nothing and builds no child for lines below the level', () => {
    const { root, lines, children } = capture('warn');
    const log = lazyChildLogger(root, { reqId: 'r-1' }, {});
    log.info({ a: 1 }, 'request');
    log.debug('detail');
    expect(lines).toEqual([]);
    expect(children()).toBe(0);
    const levels = log as unknown as { isLevelEnabled(level: string): boolean };
    expect(levels.isLevelEnabled('info')).toBe(false);
    expect(levels.isLevelEnabled('warn')).toBe(true);
    expect(log.level).toBe('warn');
  });

  test('lines at an enabled level carry the request id and stay redacted', () => {
    const { root, lines, children } = capture('warn');
    const log = lazyChildLogger(root, { reqId: 'r-2' }, {});
    log.warn({ headers: { 'x-api-key': 'kw_secret' } }, 'upstream call failed');
    log.error(new Error('boom'));
    expect(children()).toBe(1);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ reqId: 'r-2', msg: 'upstream call failed', level: 'warn' });
    expect(JSON.stringify(lines)).not.toContain('kw_secret');
    expect(lines[1]).toMatchObject({ reqId: 'r-2', level: 'error', err: { message: 'boom' } });
  });

  test('a child of the request logger keeps the request id', () => {
    const { root, lines } = capture('info');
    const log = lazyChildLogger(root, { reqId: 'r-3' }, {});
    log.child({ part: 'jwt' }).info('checked');
    expect(lines[0]).toMatchObject({ reqId: 'r-3', part: 'jwt', msg: 'checked' });
  });
});
