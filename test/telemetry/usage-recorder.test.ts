import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { openStore, type Store } from '../../src/store/db.js';
import type { UsageCount, UsageRepository } from '../../src/store/repositories/usage.js';
import { UsageRecorder } from '../../src/telemetry/usage.js';
import { type RunningService, startPostgres } from '../helpers/services.js';

// On both storage engines: Postgres refuses a statement that updates one row twice, SQLite not.
const postgres = await startPostgres();
const dir = mkdtempSync(join(tmpdir(), 'keyward-usage-'));
const T0 = Date.UTC(2026, 10, 3, 9, 15, 0);
const stores: Record<string, Store> = {};

beforeAll(async () => {
  stores.sqlite = await openStore(`sqlite:${join(dir, 'usage.db')}`);
  if (postgres) stores.postgres = await openStore((postgres as RunningService).url);
});
afterAll(async () => {
  for (const store of Object.values(stores)) await store.close();
  await postgres?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe.each(['sqlite', 'postgres'])('usage recorder on %s', (engine) => {
  let store: Store;
  beforeEach(async (context) => {
    if (!stores[engine]) context.skip();
    store = stores[engine] as Store;
    await store.db.deleteFrom('usage_minutes').execute();
  });

  async function rows() {
    const all = await store.db.selectFrom('usage_minutes').selectAll().execute();
    return all
      .map((r) => ({
        bucket: Number(r.bucket),
        principal: r.principal,
        route: r.route,
        statusClass: r.status_class,
        count: Number(r.count),
      }))
      .sort(
        (a, b) =>
          a.bucket - b.bucket ||
          `${a.principal}${a.route}${a.statusClass}`.localeCompare(
            `${b.principal}${b.route}${b.statusClass}`,
          ),
      );
  }

  test('counts per minute, principal, route and status class, written once', async () => {
    const clock = new ManualClock(T0);
    const usage = new UsageRecorder(store.usage, clock, 60_000);
    usage.record('key_a', 'weather', 200);
    usage.record('key_a', 'weather', 204);
    usage.record('key_a', 'weather', 429);
    usage.record(null, 'weather', 401);
    usage.record('key_b', 'time', 503);
    clock.advance(60_000);
    usage.record('key_a', 'weather', 200);
    await usage.flush();
    await usage.flush();
    expect(await rows()).toEqual([
      { bucket: T0, principal: '-', route: 'weather', statusClass: '4xx', count: 1 },
      { bucket: T0, principal: 'key_a', route: 'weather', statusClass: '2xx', count: 2 },
      { bucket: T0, principal: 'key_a', route: 'weather', statusClass: '429', count: 1 },
      { bucket: T0, principal: 'key_b', route: 'time', statusClass: '5xx', count: 1 },
      { bucket: T0 + 60_000, principal: 'key_a', route: 'weather', statusClass: '2xx', count: 1 },
    ]);
    await usage.close();
  });

  test('counts of a failed write are kept and written with later ones of the same minute', async () => {
    const clock = new ManualClock(T0);
    let failNext = true;
    // The real repository, with one write failing as a locked or unreachable store would.
    const flaky = {
      add(counts: readonly UsageCount[]) {
        if (failNext) {
          failNext = false;
          return Promise.reject(new Error('store unavailable'));
        }
        return store.usage.add(counts);
      },
    } as unknown as UsageRepository;
    const usage = new UsageRecorder(flaky, clock, 60_000);
    usage.record('key_a', 'weather', 200);
    await expect(usage.flush()).rejects.toThrow('store unavailable');
    usage.record('key_a', 'weather', 200);
    usage.record('key_a', 'weather', 200);
    await usage.flush();
    expect(await rows()).toEqual([
      { bucket: T0, principal: 'key_a', route: 'weather', statusClass: '2xx', count: 3 },
    ]);
    // Later flushes add to the stored row instead of replacing it.
    usage.record('key_a', 'weather', 200);
    await usage.close();
    expect((await rows())[0]?.count).toBe(4);
  });
});
