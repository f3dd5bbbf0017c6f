/**
 * A migrated Keyward store on a real Postgres for one suite: started in beforeAll, closed and
 * stopped in afterAll. `available` is false (and the suite should skip) when Postgres is not
 * installed; with KEYWARD_REQUIRE_SERVICES=1 that is an error instead.
 */
import { afterAll, beforeAll } from 'vitest';
import type { Clock } from '../../src/clock.js';
import { openStore, type Store } from '../../src/store/db.js';
import { startPostgres } from './services.js';

/** Registers the suite's hooks; read `.store` inside tests. */
export async function usePostgresStore(
  clock: Clock,
): Promise<{ available: boolean; readonly store: Store; url: string }> {
  const postgres = await startPostgres();
  let store: Store | undefined;
  beforeAll(async () => {
    if (postgres) store = await openStore(postgres.url, { clock });
  });
  afterAll(async () => {
    await store?.close();
    await postgres?.stop();
  });
  return {
    available: postgres !== null,
    url: postgres?.url ?? '',
    get store() {
      if (!store) throw new Error('the Postgres store is only open inside the suite');
      return store;
    },
  };
}
