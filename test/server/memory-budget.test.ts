import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { MIN_MEMORY_BYTES } from '../../src/config/semantics.js';
import {
  BUDGETED_QUOTA_COUNTERS,
  budgetLeftAlone,
  heapFlags,
  heldQuotaCounters,
  MIN_OLD_SPACE_MB,
  OUTSIDE_HEAP_MB,
  SEMI_SPACE_MB,
} from '../../src/server/memory-budget.js';
import { runCli, spawnCli, waitFor } from '../helpers/cli.js';
import { freePort } from '../helpers/ports.js';

const MB = 2 ** 20;

describe('server.memory', () => {
  test.each([
    [192, ['--max-old-space-size=68', '--max-semi-space-size=8']],
    [256, ['--max-old-space-size=132', '--max-semi-space-size=8']],
    [512, ['--max-old-space-size=388', '--max-semi-space-size=8']],
    // below the config's minimum (callers never pass it): the old generation keeps its least
    [150, ['--max-old-space-size=64', '--max-semi-space-size=8']],
  ])('a budget of %i MB becomes %j', (budget, flags) => {
    expect(heapFlags(budget * MB)).toEqual(flags);
  });

  test.each([
    [null, undefined],
    [192 * MB, BUDGETED_QUOTA_COUNTERS],
    [2048 * MB, BUDGETED_QUOTA_COUNTERS],
  ])('with a budget of %j bytes the limiter keeps %j quota counters in memory', (budget, held) => {
    expect(heldQuotaCounters(budget)).toBe(held);
  });

  test('the smallest budget the config accepts leaves the heap its least old generation unclamped', () => {
    expect(heapFlags(MIN_MEMORY_BYTES)[0]).toBe(
      `--max-old-space-size=${MIN_MEMORY_BYTES / MB - OUTSIDE_HEAP_MB - 2 * SEMI_SPACE_MB}`,
    );
    expect(MIN_MEMORY_BYTES / MB - OUTSIDE_HEAP_MB - 2 * SEMI_SPACE_MB).toBeGreaterThanOrEqual(
      MIN_OLD_SPACE_MB,
    );
  });

  test.each([
    [[], {}, null],
    [['--max-old-space-size=300'], {}, 'operator'],
    [[], { NODE_OPTIONS: '--trace-gc --max-semi-space-size=2' }, 'operator'],
    [[], { KEYWARD_MEMORY_BUDGET_APPLIED: '157286400' }, 'applied'],
  ])('with execArgv %j and env %j it is left alone because %s', (argv, env, why) => {
    expect(budgetLeftAlone(argv, env)).toBe(why);
  });

  test('start applies it to its own process: same pid, heap flags on its command line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'keyward-memory-'));
    const port = await freePort();
    const file = join(dir, 'keyward.yaml');
    writeFileSync(
      file,
      `server: { host: 127.0.0.1, port: ${port}, memory: 256mb }\nstorage: { url: "sqlite:${join(dir, 'k.db')}" }\n`,
    );
    const server = spawnCli(['start', '--config', file], { cwd: dir, env: { NODE_OPTIONS: '' } });
    try {
      await waitFor(() => server.output.stdout.includes('keyward listening'), 20_000, 'listening');
      const cmdline = readFileSync(`/proc/${server.child.pid}/cmdline`, 'utf8').split('\0');
      expect(cmdline).toContain('--max-old-space-size=132');
      expect(cmdline).toContain('--max-semi-space-size=8');
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    } finally {
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a budget a gateway cannot fit in is a config error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'keyward-memory-'));
    try {
      const file = join(dir, 'keyward.yaml');
      writeFileSync(file, 'server: { memory: 150mb }\n');
      const res = runCli(['check', '--config', file], { cwd: dir });
      expect(res.status).toBe(1);
      expect(res.stderr).toContain('server.memory: is below 192mb, too little for a gateway process');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
