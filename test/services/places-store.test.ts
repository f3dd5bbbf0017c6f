import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { openStore, type Store } from '../../src/store/db.js';
import type { PlaceInput } from '../../src/store/repositories/places.js';
import { type RunningService, startPostgres } from '../helpers/services.js';

// The places repository on both storage engines: SQLite always, Postgres when it is installed.
const postgres = await startPostgres();
const dir = mkdtempSync(join(tmpdir(), 'keyward-places-'));
const clock = new ManualClock(Date.UTC(2026, 6, 1, 9, 30));
const stores: Record<string, Store> = {};

beforeAll(async () => {
  stores.sqlite = await openStore(`sqlite:${join(dir, 'places.db')}`, { clock });
  if (postgres) stores.postgres = await openStore((postgres as RunningService).url, { clock });
});
afterAll(async () => {
  for (const store of Object.values(stores)) await store.close();
  await postgres?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const GRAZ: PlaceInput = { name: 'Graz', latitude: 47.09113253131379, longitude: 15.475817295884495 };
const SAO_JOSE: PlaceInput = {
  name: 'São José',
  latitude: -27.597724533718875,
  longitude: -48.61495221317449,
};

describe.each(['sqlite', 'postgres'])('places on %s', (engine) => {
  const store = () => stores[engine]!;
  beforeEach(async (context) => {
    if (!stores[engine]) context.skip();
    await store().db.deleteFrom('places').execute();
  });

  test('create, list in creation order, get, update, remove; doubles kept exactly', async () => {
    const graz = await store().places.create(GRAZ);
    clock.advance(1000);
    const saoJose = await store().places.create(SAO_JOSE);
    expect(await store().places.list()).toEqual([graz, saoJose]);
    expect(await store().places.get(saoJose.id)).toEqual({
      ...SAO_JOSE,
      id: saoJose.id,
      createdAt: clock.now(),
      updatedAt: clock.now(),
    });
    clock.advance(1000);
    const renamed = await store().places.update(saoJose.id, { name: 'São José (SC)' });
    expect(renamed).toMatchObject({
      name: 'São José (SC)',
      latitude: SAO_JOSE.latitude,
      updatedAt: clock.now(),
    });
    expect(await store().places.update('place_missing', { name: 'x' })).toBeUndefined();
    expect(await store().places.remove(graz.id)).toBe(true);
    expect(await store().places.remove(graz.id)).toBe(false);
    expect((await store().places.list()).map((p) => p.name)).toEqual(['São José (SC)']);
  });

  test('import is all or nothing, including the delete of mode=replace', async () => {
    await store().places.import([GRAZ]);
    const broken = [SAO_JOSE, { ...GRAZ, name: null as unknown as string }];
    await expect(store().places.import(broken, { replace: true })).rejects.toThrow();
    expect((await store().places.list()).map((p) => p.name)).toEqual(['Graz']);
    const many = Array.from({ length: 1200 }, (_, i) => ({ ...GRAZ, name: `p${i}` }));
    expect(await store().places.import(many, { replace: true })).toMatchObject({ removed: 1 });
    const names = (await store().places.list()).map((p) => p.name);
    expect(names).toHaveLength(1200);
    expect(names.slice(0, 3)).toEqual(['p0', 'p1', 'p2']);
  });
});

test('0005_places reaches a store that already ran later migrations (names leave gaps)', async () => {
  const path = join(dir, 'older.db');
  const older = await openStore(`sqlite:${path}`, { clock });
  // As a store from before places existed: 0006 and 0007 applied, 0005 not.
  await older.db.schema.dropTable('places').execute();
  await older.db
    .deleteFrom('kw_migrations' as never)
    .where('name' as never, '=', '0005_places' as never)
    .execute();
  await older.close();
  const upgraded = await openStore(`sqlite:${path}`, { clock });
  try {
    expect((await upgraded.places.create(GRAZ)).name).toBe('Graz');
  } finally {
    await upgraded.close();
  }
});
