import { Writable } from 'node:stream';
import { describe, expect, test } from 'vitest';
import { createAccessLog } from '../../src/telemetry/access-log.js';
import { createLogger } from '../../src/telemetry/logger.js';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _e, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const logger = createLogger({ level: 'info', redactedHeaders: [], destination });
  return { logger, lines };
}

describe('access log', () => {
  test('writes the line pino would, as one JSON object per line', () => {
    const { logger, lines } = capture();
    logger.info({ reqId: 'r-1', method: 'GET' }, 'request');
    createAccessLog(logger)({
      reqId: 'r-1',
      method: 'GET',
      url: '/v1/time?tz=Europe/Paris',
      status: 200,
      durationMs: 1.25,
      route: 'time',
      principal: null,
      ip: '127.0.0.1',
    });
    const [fromPino, ours] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(Object.keys(ours ?? {}).slice(0, 5)).toEqual(Object.keys(fromPino ?? {}).slice(0, 5));
    expect(ours).toEqual({
      level: 'info',
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      service: 'keyward',
      pid: process.pid,
      reqId: 'r-1',
      method: 'GET',
      url: '/v1/time?tz=Europe/Paris',
      status: 200,
      durationMs: 1.25,
      route: 'time',
      principal: null,
      ip: '127.0.0.1',
      msg: 'request',
    });
    expect(lines[1]?.endsWith('}\n')).toBe(true);
  });

  test.each([
    ['quotes and backslashes', '/a?q="x"\\y'],
    ['a newline', '/a\nforged-line'],
    ['control and unicode characters', '/a\u0000b\u2028c/é'],
  ])('a URL with %s stays one valid line', (_name, url) => {
    const { logger, lines } = capture();
    createAccessLog(logger)({
      reqId: 'r"2',
      method: 'GET',
      url,
      status: 404,
      durationMs: 0.5,
      route: null,
      principal: 'key_x',
      ip: '::1',
    });
    expect(lines).toHaveLength(1);
    expect(lines[0]?.split('\n')).toHaveLength(2);
    expect(JSON.parse(lines[0] as string)).toMatchObject({ url, reqId: 'r"2', route: null });
  });
});
