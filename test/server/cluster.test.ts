/**
 * `keyward start --workers N` supervising its workers: a worker that crashes at start is retried
 * with a backoff, and a start that keeps failing ends with a clear message and exit code 1.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { RestartPolicy } from '../../src/server/restart-policy.js';
import { spawnCli } from '../helpers/cli.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'keyward-cluster-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('RestartPolicy', () => {
  test('backs off 0.5, 1, 2 s on start failures in a row, gives up at the fourth, resets once one listens', () => {
    const policy = new RestartPolicy();
    expect([false, false, false].map((listened) => policy.afterExit(listened))).toEqual([500, 1000, 2000]);
    policy.started();
    expect(policy.afterExit(false)).toBe(500);
    expect(policy.afterExit(true)).toBe(500);
    expect([false, false, false].map((listened) => policy.afterExit(listened))).toEqual([1000, 2000, null]);
  });
});

describe('row: keyward start --workers N with a worker that crashes at start', () => {
  test('backs off, then fails clearly with exit code 1 instead of respawning forever', async () => {
    // The port is taken, so every worker fails to listen.
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    // A plain config rather than the demo: each worker start is then quicker to fail.
    writeFileSync(join(dir, 'keyward.yaml'), `storage: { url: "sqlite:${join(dir, 'keyward.db')}" }\n`);
    const server = spawnCli(['start', '--workers', '2', '--port', String(port)], {
      cwd: dir,
      env: { HOST: '127.0.0.1' },
    });
    try {
      const code = await Promise.race([
        server.exited,
        new Promise<'still running'>((resolve) => setTimeout(() => resolve('still running'), 40_000)),
      ]);
      expect(code).toBe(1);
      const stderr = server.output.stderr;
      expect(stderr).toMatch(/workers failed at start 4 times in a row \(last: exit code 1\); giving up/);
      expect(stderr).toContain('starting a replacement in 500 ms');
      expect(stderr).toContain('starting a replacement in 2000 ms');
      // Each worker said why it failed.
      expect(stderr).toContain('EADDRINUSE');
    } finally {
      server.child.kill('SIGKILL');
      blocker.close();
    }
  }, 60_000);
});
