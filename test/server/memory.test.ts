import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { boundYoungGeneration } from '../../src/server/memory.js';

const dist = join(import.meta.dirname, '../../dist/server/memory.js');

/** Allocates medium-lived objects in a fresh node, as a busy gateway does (a cache churning); returns its new-space size in MB. */
function newSpaceAfterChurn(bound: boolean, nodeArgs: string[] = []): number {
  const script = `
    const { getHeapSpaceStatistics } = await import('node:v8');
    if (${bound}) (await import(${JSON.stringify(dist)})).boundYoungGeneration();
    const cache = new Map();
    for (let i = 0; i < 1_500_000; i++) {
      cache.set(i, { name: 'key-' + i, roles: [i], plan: { id: i } });
      if (cache.size > 20_000) cache.delete(i - 20_000);
      // A server returns to the event loop between requests.
      if (i % 1000 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    const space = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
    process.stdout.write(String(space.space_size / 2 ** 20));`;
  return Number(
    execFileSync(process.execPath, [...nodeArgs, '--input-type=module', '-e', script], { encoding: 'utf8' }),
  );
}

describe('young generation bound', () => {
  test('under churn the new space grows to 16 MB and stops there with the bound, to 128 MB without', () => {
    expect(newSpaceAfterChurn(false)).toBeGreaterThanOrEqual(64);
    const bounded = newSpaceAfterChurn(true);
    expect(bounded).toBeGreaterThanOrEqual(16);
    expect(bounded).toBeLessThanOrEqual(32);
  });

  test("an operator's own size or factor is left alone", () => {
    expect(boundYoungGeneration(['--max-semi-space-size=32'], '')).toBe(false);
    expect(boundYoungGeneration([], '--semi-space-growth-factor=4 --trace-gc')).toBe(false);
    expect(newSpaceAfterChurn(true, ['--max-semi-space-size=32'])).toBeGreaterThanOrEqual(32);
  });
});
