/**
 * The built-in demo as a new user meets it: `keyward start` with no config in an empty
 * directory prints an admin key and a demo user's password once, as `export` lines; JWT login
 * works with that user; a key on the demo's `free` plan gets 5 requests a day; a restart keeps
 * everything (same master key from ./data/master.key) and prints nothing again.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { runCli, spawnCli, waitFor } from '../helpers/cli.js';
import { freePort } from '../helpers/ports.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'keyward-demo-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function startDemo() {
  const port = await freePort();
  const server = spawnCli(['start', '--port', String(port)], { cwd: dir, env: { HOST: '127.0.0.1' } });
  await waitFor(
    () => server.output.stdout.includes('keyward listening') || server.child.exitCode !== null,
    20_000,
    'listening',
  );
  const exported = (name: string) =>
    new RegExp(`^export ${name}=(\\S+)$`, 'm').exec(server.output.stderr)?.[1];
  const stop = async () => {
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  };
  return { url: `http://127.0.0.1:${port}`, stderr: () => server.output.stderr, exported, stop };
}

async function login(url: string, password: string) {
  return fetch(`${url}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'demo', password }),
  });
}

describe('the built-in demo', () => {
  test('first start: admin key and demo password once; JWT login; the free plan; a restart keeps it all', async () => {
    const demo = await startDemo();
    let password = '';
    try {
      const adminKey = demo.exported('ADMIN_KEY') ?? '';
      password = demo.exported('DEMO_PASSWORD') ?? '';
      expect(adminKey).toMatch(/^kw_[0-9A-Za-z]{49}$/);
      expect(password).toMatch(/^[A-Za-z0-9_-]{20}$/);
      expect(statSync(join(dir, 'data', 'master.key')).mode & 0o077).toBe(0);

      const wrong = await login(demo.url, `${password}x`);
      expect(wrong.status).toBe(401);
      const ok = await login(demo.url, password);
      expect(ok.status).toBe(200);
      const { access_token: token } = (await ok.json()) as { access_token: string };
      const time = await fetch(`${demo.url}/v1/time`, { headers: { authorization: `Bearer ${token}` } });
      expect(time.status).toBe(200);
      // The demo user is an editor: it may add places.
      const place = await fetch(`${demo.url}/v1/places`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Florianópolis', latitude: -27.5954, longitude: -48.548 }),
      });
      expect(place.status).toBe(201);

      // A key on the free plan: 5 requests a day, then 429 with Retry-After.
      const trial = runCli(['keys', 'create', '--name', 'trial', '--plan', 'free'], {
        cwd: dir,
      }).stdout.trim();
      const statuses: number[] = [];
      let last: Response | undefined;
      for (let i = 0; i < 6; i++) {
        last = await fetch(`${demo.url}/v1/time`, { headers: { 'x-api-key': trial } });
        statuses.push(last.status);
      }
      expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
      expect(Number(last?.headers.get('retry-after'))).toBeGreaterThan(0);
    } finally {
      await demo.stop();
    }

    const again = await startDemo();
    try {
      expect(again.stderr()).not.toMatch(/^export /m);
      expect((await login(again.url, password)).status).toBe(200);
    } finally {
      await again.stop();
    }
    // Two starts, a CLI run and a dozen requests: more than the default 20 s on a loaded machine.
  }, 90_000);
});
