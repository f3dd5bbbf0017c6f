import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { withParameters } from '../../src/store/compiled.js';
import { openStore } from '../../src/store/db.js';

const dir = mkdtempSync(join(tmpdir(), 'keyward-compiled-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('queries compiled once', () => {
  test('run with each call’s parameters, and refuse a different number of them', async () => {
    const store = await openStore(`sqlite:${join(dir, 'k.db')}`);
    try {
      await store.settings.set('a', '1');
      await store.settings.set('b', '2');
      const query = store.db.selectFrom('settings').select('value').where('key', '=', '').compile();
      const value = async (key: string) =>
        (await store.db.executeQuery(withParameters(query, [key]))).rows[0]?.value;
      expect([await value('a'), await value('b'), await value('c')]).toEqual(['1', '2', undefined]);
      expect(() => withParameters(query, ['a', 'b'])).toThrow('expected 1 parameters, got 2');
    } finally {
      await store.close();
    }
  });
});
