import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { quotaKey } from '../../src/limits/backends/local.js';
import { SqlQuotaPersistence } from '../../src/limits/persistence.js';
import { openStore, type Store } from '../../src/store/db.js';

const dir = mkdtempSync(join(tmpdir(), 'keyward-quota-'));
let store: Store;
beforeAll(async () => {
  store = await openStore(`sqlite:${join(dir, 'q.db')}`);
});
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('quota counters in the store', () => {
  test('adds increments and loads them back, one counter or several at once', async () => {
    const quotas = new SqlQuotaPersistence(store.db);
    await quotas.add([
      { id: 'a', periodStart: 100, delta: 3 },
      { id: 'b', periodStart: 100, delta: 5 },
    ]);
    const totals = await quotas.add([{ id: 'a', periodStart: 100, delta: 2 }]);
    expect(totals.get(quotaKey('a', 100))).toBe(5);
    // one key (the compiled query) and several (the built one) answer alike
    expect(await quotas.load([{ id: 'a', periodStart: 100 }])).toEqual(new Map([[quotaKey('a', 100), 5]]));
    expect(await quotas.load([{ id: 'a', periodStart: 200 }])).toEqual(new Map());
    expect(
      await quotas.load([
        { id: 'a', periodStart: 100 },
        { id: 'b', periodStart: 100 },
        { id: 'c', periodStart: 100 },
      ]),
    ).toEqual(
      new Map([
        [quotaKey('a', 100), 5],
        [quotaKey('b', 100), 5],
      ]),
    );
  });
});
