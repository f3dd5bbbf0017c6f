import { Writable } from 'node:stream';
import { describe, expect, test } from 'vitest';
import { Secret } from '../../src/secrets/secret.js';
import { createLogger } from '../../src/telemetry/logger.js';

describe('logger redaction', () => {
  test('Secret values and the named credential headers never reach a log line', () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _e, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const logger = createLogger({
      level: 'info',
      redactedHeaders: ['authorization', 'x-token', 'cookie', 'set-cookie'],
      destination,
    });
    logger.info(
      {
        secret: new Secret('s3cr3t-value'),
        req: { headers: { authorization: 'Bearer abc123', 'x-token': 'kw_tok', cookie: 'sid=1' } },
        res: { headers: { 'set-cookie': 'sid=2' } },
        headers: { authorization: 'Bearer def456' },
      },
      'something',
    );
    const text = lines.join('');
    for (const leaked of ['s3cr3t-value', 'abc123', 'kw_tok', 'sid=1', 'sid=2', 'def456'])
      expect(text).not.toContain(leaked);
    expect(text).toContain('[redacted]');
  });
});
