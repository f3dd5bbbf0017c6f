/**
 * When JWT is on, and what start says when it cannot be: a config that accepts jwt needs the
 * master key (it seals the signing keys), a wrong one stops start with a clear message, and a
 * config without JWT starts without any master key.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { JwtRuntime } from '../../../src/auth/jwt/runtime.js';
import { compileConfig } from '../../../src/config/compile.js';
import { jwtNeeded } from '../../../src/config/jwt-settings.js';
import { parseConfig } from '../../../src/config/load.js';
import { runCli } from '../../helpers/cli.js';
import { createTestGateway } from '../../helpers/gateway.js';

const masterKey = () => randomBytes(32).toString('base64');
const JWT_SERVICE = 'services:\n  time: { path: /v1/time, auth: [apiKey, jwt] }\n';
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'keyward-jwt-start-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const withMaster = (key: string, extra = '') => `secrets: { masterKey: "${key}" }\n${extra}`;

describe('deciding whether JWT is on', () => {
  test.each([
    ['API keys only', JWT_SERVICE.replace(', jwt', ''), false],
    ['a service accepting jwt', JWT_SERVICE, true],
    ['a master key alone', withMaster(masterKey()), true],
    [
      'a route accepting jwt',
      'routes:\n  - { name: r, path: /r/*, auth: [jwt], upstream: { url: "http://127.0.0.1:9" } }\n',
      true,
    ],
  ])('%s → %s', (_name, yaml, enabled) => {
    // Configs accepting jwt must carry a master key to load at all (see the next test), so the
    // decision itself is checked on the validated config with the key taken out again.
    const uses = yaml.includes('jwt]') && !yaml.includes('masterKey');
    const { config } = parseConfig(uses ? withMaster(masterKey(), yaml) : yaml, 'test.yaml', {});
    if (uses) config.secrets.masterKey = '';
    expect(jwtNeeded(config)).toBe(enabled);
    if (!uses) expect(compileConfig(parseConfig(yaml, 'test.yaml', {})).jwt.enabled).toBe(enabled);
  });

  test('accepting jwt without a master key is a config error, so check and start both refuse', () => {
    expect(() => parseConfig(JWT_SERVICE, 'test.yaml', {})).toThrow(
      'services.time.auth: accepts jwt, which needs secrets.masterKey (KEYWARD_MASTER_KEY)',
    );
  });
});

describe('starting', () => {
  test('a config without JWT starts with no master key and serves no token endpoints', async () => {
    const gw = await createTestGateway({ dir });
    try {
      expect(gw.jwt).toBeNull();
      expect((await gw.app.inject({ method: 'POST', url: '/auth/login', payload: {} })).statusCode).toBe(404);
      expect((await gw.app.inject({ url: '/.well-known/jwks.json' })).statusCode).toBe(404);
      // The admin API still takes keys; a JWT-looking bearer is just a malformed key here.
      const res = await gw.app.inject({ url: '/admin/v1/keys', headers: { authorization: 'Bearer a.b.c' } });
      expect(res.statusCode).toBe(401);
      expect(res.json().code).toBe('KW_ERR_KEY_MALFORMED');
      const rotate = await gw.app.inject({
        method: 'POST',
        url: '/admin/v1/signing-keys/rotate',
        headers: { 'x-api-key': gw.adminKey },
      });
      expect(rotate.statusCode).toBe(404);
      expect(rotate.json().detail).toContain('secrets.masterKey');
    } finally {
      await gw.close();
    }
  });

  test('jwt accepted but no master key: start fails naming the setting, the variable and the use', async () => {
    await expect(createTestGateway({ dir, yaml: JWT_SERVICE })).rejects.toThrow(
      'services.time.auth: accepts jwt, which needs secrets.masterKey (KEYWARD_MASTER_KEY) to seal the JWT signing keys',
    );
  });

  test('a malformed master key is a startup error that does not echo it', async () => {
    const bad = 'not-a-key';
    const attempt = createTestGateway({ dir, yaml: withMaster(bad, JWT_SERVICE) });
    await expect(attempt).rejects.toThrow(/^secrets\.masterKey: /);
    await expect(attempt).rejects.not.toThrow(bad);
  });

  test('the signing key survives a restart; another master key stops start', async () => {
    const key = masterKey();
    const first = await createTestGateway({ dir, yaml: withMaster(key, JWT_SERVICE) });
    const kid = (first.jwt as JwtRuntime).ring.current().kid;
    await first.close();

    const again = await createTestGateway({ dir, yaml: withMaster(key, JWT_SERVICE) });
    expect((again.jwt as JwtRuntime).ring.current().kid).toBe(kid);
    await again.close();

    await expect(createTestGateway({ dir, yaml: withMaster(masterKey(), JWT_SERVICE) })).rejects.toThrow(
      /secrets\.masterKey \(KEYWARD_MASTER_KEY\) is not the key the JWT signing keys were sealed with/,
    );
  });

  test('`secrets rotate-master` re-seals the signing keys too: start works with the new key, same kid', async () => {
    const [oldText, newText] = [masterKey(), masterKey()];
    const first = await createTestGateway({ dir, yaml: withMaster(oldText, JWT_SERVICE) });
    const kid = (first.jwt as JwtRuntime).ring.current().kid;
    await first.close();
    // As a user does it: the CLI, on a config file naming the same store and the old key.
    const file = join(dir, 'keyward.yaml');
    writeFileSync(
      file,
      `storage: { url: "sqlite:${join(dir, 'keyward.db')}" }\n${withMaster(oldText, JWT_SERVICE)}`,
    );
    const rotated = runCli(['secrets', 'rotate-master', '--config', file], { input: newText });
    expect(rotated.stderr).toBe('');
    expect(rotated.status).toBe(0);
    const second = await createTestGateway({ dir, yaml: withMaster(newText, JWT_SERVICE) });
    expect((second.jwt as JwtRuntime).ring.current().kid).toBe(kid);
    await second.close();
  });

  test.each(['ES256', 'RS256', 'PS256'])(
    'changing the algorithm to %s makes a new key; the old one stays published while it may verify',
    async (algorithm) => {
      const key = masterKey();
      const first = await createTestGateway({ dir, yaml: withMaster(key, JWT_SERVICE) });
      const oldKid = (first.jwt as JwtRuntime).ring.current().kid;
      await first.close();
      const second = await createTestGateway({
        dir,
        yaml: withMaster(key, `${JWT_SERVICE}auth: { jwt: { local: { algorithm: ${algorithm} } } }\n`),
      });
      try {
        const jwks = (await second.app.inject({ url: '/.well-known/jwks.json' })).json().keys;
        expect(jwks.map((k: { alg: string }) => k.alg).sort()).toEqual(['EdDSA', algorithm].sort());
        expect(jwks.map((k: { kid: string }) => k.kid)).toContain(oldKid);
        expect((second.jwt as JwtRuntime).ring.current().algorithm).toBe(algorithm);
      } finally {
        await second.close();
      }
    },
  );

  test('a provider may not claim the local issuer', async () => {
    const yaml = withMaster(
      masterKey(),
      'auth:\n  jwt:\n    providers:\n      - { name: evil, issuer: keyward, audience: x, jwksUri: "http://127.0.0.1:9/jwks" }\n',
    );
    await expect(createTestGateway({ dir, yaml })).rejects.toThrow(/provider evil has the same issuer/);
  });
});
