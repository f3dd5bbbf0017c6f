import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { KeyLifecycle, NO_KEY_CACHES } from '../../src/auth/keys/lifecycle.js';
import { systemClock } from '../../src/clock.js';
import { openStore } from '../../src/store/db.js';
import { runCli, spawnCli, waitFor } from '../helpers/cli.js';
import { freePort } from '../helpers/ports.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'keyward-users-'));
  writeFileSync(
    join(dir, 'keyward.yaml'),
    [
      'storage: { url: "sqlite:./data/k.db" }',
      'secrets: { masterKey: "${KEYWARD_MASTER_KEY}" }',
      'services:',
      '  time: { path: /v1/time, auth: [jwt], roles: [reader] }',
      '',
    ].join('\n'),
  );
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const MASTER = randomBytes(32).toString('base64');
const cli = (args: string[], input = '') =>
  runCli(args, { cwd: dir, input, env: { KEYWARD_MASTER_KEY: MASTER } });

async function auditActions(): Promise<{ action: string; targetType: string; details: unknown }[]> {
  const store = await openStore(`sqlite:${join(dir, 'data', 'k.db')}`);
  try {
    return (await store.audit.list({ limit: 100 })).items.reverse();
  } finally {
    await store.close();
  }
}

describe('keyward users', () => {
  test('add reads the password from stdin; list shows names and roles, never the password or hash', async () => {
    const add = cli(['users', 'add', 'Alice', '--roles', 'reader,editor'], 'correct horse battery\n');
    expect(add.stderr).toBe('');
    expect(add.status).toBe(0);
    expect(add.stdout).toMatch(/^created user alice \(usr_[0-9A-Za-z]+\)\n$/);

    const list = cli(['users', 'list', '--json']);
    const users = JSON.parse(list.stdout);
    expect(users).toEqual([
      {
        id: expect.stringMatching(/^usr_/),
        username: 'alice',
        roles: ['reader', 'editor'],
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      },
    ]);
    expect(list.stdout).not.toContain('argon2');
    const table = cli(['users', 'list']);
    expect(table.stdout).toMatch(/^ID\s+NAME\s+ROLES\s+CREATED\s+UPDATED\n/);
    expect(table.stdout).toContain('reader,editor');
    expect(readFileSync(join(dir, 'data', 'k.db')).includes('correct horse battery')).toBe(false);
  });

  test('passwd and remove; every change is audited without the password', async () => {
    cli(['users', 'add', 'bob'], 'first-password-1');
    const passwd = cli(['users', 'passwd', 'bob'], 'second-password-2\n');
    expect(passwd.status).toBe(0);
    expect(passwd.stdout).toContain('changed the password of bob');
    const remove = cli(['users', 'remove', 'bob']);
    expect(remove.status).toBe(0);
    expect(remove.stdout).toBe('removed user bob\n');
    expect(JSON.parse(cli(['users', 'list', '--json']).stdout)).toEqual([]);

    const audit = await auditActions();
    expect(audit.map((e) => [e.action, e.targetType])).toEqual([
      ['user.create', 'user'],
      ['user.passwd', 'user'],
      ['user.remove', 'user'],
    ]);
    const text = JSON.stringify(audit);
    expect(text).not.toContain('first-password-1');
    expect(text).not.toContain('second-password-2');
    expect(text).not.toContain('argon2');
  });

  test('remove revokes the API keys the user made on the portal, and only theirs', async () => {
    cli(['users', 'add', 'dora'], 'dora-password-1');
    const store = await openStore(`sqlite:${join(dir, 'data', 'k.db')}`);
    let ids: string[];
    try {
      const dora = await store.users.findByUsername('dora');
      const keys = new KeyLifecycle(store, { prefix: 'kw', clock: systemClock, caches: NO_KEY_CACHES });
      const actor = { id: 'test' };
      ids = [
        (await keys.create({ name: 'd1', ownerId: dora!.id }, actor)).record.id,
        (await keys.create({ name: 'd2', ownerId: dora!.id }, actor)).record.id,
        (await keys.create({ name: 'operator' }, actor)).record.id,
      ];
    } finally {
      await store.close();
    }
    const remove = cli(['users', 'remove', 'dora']);
    expect(remove.status).toBe(0);
    expect(remove.stdout).toBe('removed user dora; revoked the 2 API key(s) they made on the portal\n');
    const after = await openStore(`sqlite:${join(dir, 'data', 'k.db')}`);
    try {
      const revoked = await Promise.all(
        ids.map(async (id) => (await after.apiKeys.findById(id))?.revokedAt ?? null),
      );
      expect(revoked.map((at) => at !== null)).toEqual([true, true, false]);
    } finally {
      await after.close();
    }
  });

  test.each([
    [
      'a password given as an argument',
      ['users', 'add', 'carol', 'hunter22hunter22'],
      'ok-password-1',
      /too many arguments/,
    ],
    [
      'a short password',
      ['users', 'add', 'carol'],
      'short',
      /^keyward: the password must be at least 8 characters\n$/,
    ],
    [
      'an empty password',
      ['users', 'add', 'carol'],
      '',
      /^keyward: the password must be at least 8 characters\n$/,
    ],
    [
      'a bad username',
      ['users', 'add', 'no spaces'],
      'ok-password-1',
      /^keyward: "no spaces" is not a valid username/,
    ],
    [
      'a bad role',
      ['users', 'add', 'carol', '--roles', 'ok,<b>'],
      'ok-password-1',
      /^keyward: "<b>" is not a valid role name\n$/,
    ],
    [
      'passwd for nobody',
      ['users', 'passwd', 'nobody'],
      'ok-password-1',
      /^keyward: no user named nobody\n$/,
    ],
    ['remove nobody', ['users', 'remove', 'nobody'], '', /^keyward: no user named nobody\n$/],
  ])('%s: one-line reason, non-zero exit', (_name, args, input, message) => {
    const result = cli(args, input);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stdout).toBe('');
  });

  test('a duplicate user is refused', () => {
    cli(['users', 'add', 'dave'], 'dave-password-1');
    const again = cli(['users', 'add', 'DAVE'], 'dave-password-2');
    expect(again.status).toBe(1);
    expect(again.stderr).toBe('keyward: user dave already exists\n');
  });

  test('--help lists the users commands', () => {
    const help = cli(['users', '--help']);
    for (const command of ['add', 'list', 'passwd', 'remove']) expect(help.stdout).toContain(command);
    expect(cli(['--help']).stdout).toContain('users');
  });
});

describe('a user created with the CLI against a running gateway', () => {
  test('logs in, calls a role-protected service with the token, refreshes', async () => {
    cli(['users', 'add', 'erin', '--roles', 'reader'], 'erin-password-1');
    const port = await freePort();
    const server = spawnCli(['start', '--port', String(port)], {
      cwd: dir,
      env: { KEYWARD_MASTER_KEY: MASTER },
    });
    try {
      await waitFor(() => server.output.stdout.includes('keyward listening'), 15_000, 'listening');
      const base = `http://127.0.0.1:${port}`;
      const post = (path: string, body: unknown) =>
        fetch(`${base}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      const login = await post('/auth/login', { username: 'erin', password: 'erin-password-1' });
      expect(login.status).toBe(200);
      const tokens = (await login.json()) as { access_token: string; refresh_token: string };
      const time = await fetch(`${base}/v1/time`, {
        headers: { authorization: `Bearer ${tokens.access_token}` },
      });
      expect(time.status).toBe(200);
      const refreshed = await post('/auth/refresh', { refresh_token: tokens.refresh_token });
      expect(refreshed.status).toBe(200);
      expect((await fetch(`${base}/.well-known/jwks.json`)).status).toBe(200);
      expect(server.output.stdout).not.toContain('auth.jwt.providers');
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  });

  test('without the master key, start refuses with a one-line reason naming it', async () => {
    writeFileSync(
      join(dir, 'no-master.yaml'),
      'storage: { url: "sqlite:./data/k.db" }\nservices:\n  time: { path: /v1/time, auth: [jwt] }\n',
    );
    const server = spawnCli(['start', '--port', '0', '--config', 'no-master.yaml'], { cwd: dir });
    expect(await server.exited).toBe(1);
    expect(server.output.stderr).toMatch(
      /: services\.time\.auth: accepts jwt, which needs secrets\.masterKey \(KEYWARD_MASTER_KEY\)/m,
    );
  });
});
