import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openStore, type Store } from '../../../src/store/db.js';
import { type ApiKeyRecord, LAST_USED_CHUNK_ROWS } from '../../../src/store/repositories/api-keys.js';

const dir = mkdtempSync(join(tmpdir(), 'keyward-last-used-'));
let store: Store;
const KEYS = LAST_USED_CHUNK_ROWS * 4 + 7;

function record(i: number): ApiKeyRecord {
  return {
    id: `key_${String(i).padStart(6, '0')}`,
    name: `k${i}`,
    prefix: 'kw',
    digest: i.toString(16).padStart(64, '0'),
    last4: 'abcd',
    roles: [],
    plan: null,
    metadata: {},
    createdAt: 1,
    updatedAt: 1,
    expiresAt: null,
    revokedAt: null,
    lastUsedAt: null,
    remainingUses: null,
    allowedOrigins: null,
    allowedIps: null,
    rotatedTo: null,
    graceUntil: null,
    ownerId: null,
  };
}

beforeAll(async () => {
  store = await openStore(`sqlite:${join(dir, 'keys.db')}`);
  for (let i = 0; i < KEYS; i++) await store.apiKeys.insert(record(i));
});
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('last-used times written in batches', () => {
  test('every key in a batch larger than one transaction gets its time', async () => {
    const batch = new Map(Array.from({ length: KEYS }, (_, i) => [record(i).id, 1000 + i]));
    await store.apiKeys.touchLastUsed(batch);
    for (const i of [0, LAST_USED_CHUNK_ROWS - 1, LAST_USED_CHUNK_ROWS, KEYS - 1])
      expect((await store.apiKeys.findById(record(i).id))?.lastUsedAt).toBe(1000 + i);
  });

  test('requests waiting on the store are answered while a large batch is still being written', async () => {
    const batch = new Map(Array.from({ length: KEYS }, (_, i) => [record(i).id, 5000 + i]));
    const order: string[] = [];
    const flush = store.apiKeys.touchLastUsed(batch).then(() => order.push('flush done'));
    // Asked on the next turn of the event loop, as a request arriving meanwhile would be.
    await new Promise((resolve) => setImmediate(resolve));
    const lookup = store.apiKeys
      .findById(record(0).id)
      .then((r) => order.push(`lookup saw ${r?.lastUsedAt}`));
    await Promise.all([flush, lookup]);
    // The first transaction was committed before the lookup ran; the last one after it.
    expect(order).toEqual(['lookup saw 5000', 'flush done']);
    expect((await store.apiKeys.findById(record(KEYS - 1).id))?.lastUsedAt).toBe(5000 + KEYS - 1);
  });

  test('an empty batch writes nothing', async () => {
    await store.apiKeys.touchLastUsed(new Map());
    expect((await store.apiKeys.findById(record(1).id))?.lastUsedAt).toBe(5001);
  });
});
