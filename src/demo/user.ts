/**
 * The built-in demo's login user: on the demo's first start, a user `demo` (role editor) with
 * a random password, printed once like the admin key, so `POST /auth/login` works out of the
 * box and no password is ever written in the code or the docs. Made once per store: a demo
 * user removed or renamed later is not made again.
 */
import { randomBytes } from 'node:crypto';
import { UserService } from '../auth/login/users.js';
import { type Clock, systemClock } from '../clock.js';
import { openStore } from '../store/db.js';

/** The demo user's name. */
export const DEMO_USERNAME = 'demo';

const DEMO_ROLES = ['editor'];
const DEMO_USER_SETTING = 'bootstrap.demoUserId';

/** Creates the demo user on a store that never had one; returns its password, or null. */
export async function ensureDemoUser(
  storageUrl: string,
  announce: (lines: string) => void,
  clock: Clock = systemClock,
): Promise<string | null> {
  const store = await openStore(storageUrl, { clock });
  try {
    if ((await store.settings.get(DEMO_USER_SETTING)) !== undefined) return null;
    const existing = await store.users.findByUsername(DEMO_USERNAME);
    if (existing) {
      await store.settings.set(DEMO_USER_SETTING, existing.id);
      return null;
    }
    // 120 random bits in 20 URL-safe characters: nothing to quote when pasted into a shell.
    const password = randomBytes(15).toString('base64url');
    const user = await new UserService(store, clock).add(DEMO_USERNAME, password, DEMO_ROLES, {
      id: 'system',
    });
    await store.settings.set(DEMO_USER_SETTING, user.id);
    announce(
      `keyward: created the demo user "${DEMO_USERNAME}" (role ${DEMO_ROLES.join(', ')}) for POST /auth/login; its password is shown once:\nexport DEMO_PASSWORD=${password}`,
    );
    return password;
  } finally {
    await store.close();
  }
}
