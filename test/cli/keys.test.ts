import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { runCli, spawnCli, waitFor } from '../helpers/cli.js';
import { freePort } from '../helpers/ports.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'keyward-keys-'));
  writeFileSync(
    join(dir, 'keyward.yaml'),
    'storage: { url: "sqlite:./data/k.db" }\nserver: { host: 127.0.0.1 }\n',
  );
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const cli = (...args: string[]) => runCli(args, { cwd: dir });

describe('keyward keys', () => {
  test('create --json prints the key once; list never shows it', () => {
    const created = cli(
      'keys',
      'create',
      '--name',
      'mobile app',
      '--roles',
      'reader,writer',
      '--plan',
      'free',
      '--expires',
      '30d',
      '--uses',
      '100',
      '--origins',
      'https://app.example.com',
      '--ips',
      '10.0.0.0/8',
      '--meta',
      'team=web',
      '--json',
    );
    expect(created.stderr).toBe('');
    expect(created.status).toBe(0);
    const body = JSON.parse(created.stdout);
    expect(body).toMatchObject({
      name: 'mobile app',
      roles: ['reader', 'writer'],
      plan: 'free',
      remainingUses: 100,
      origins: ['https://app.example.com'],
      ips: ['10.0.0.0/8'],
      metadata: { team: 'web' },
    });
    expect(body.id).toMatch(/^key_/);
    expect(body.key).toMatch(/^kw_[0-9A-Za-z]{49}$/);
    const list = cli('keys', 'list');
    expect(list.status).toBe(0);
    expect(list.stdout).toMatch(/^ID\s+NAME\s+KEY\s+STATUS/);
    expect(list.stdout).toContain(body.id);
    expect(list.stdout).not.toContain(body.key);
    const listJson = JSON.parse(cli('keys', 'list', '--json').stdout);
    expect(listJson[0]).toMatchObject({ id: body.id, status: 'active' });
    expect(JSON.stringify(listJson)).not.toContain(body.key);
    // The database file holds no plaintext either.
    expect(readFileSync(join(dir, 'data', 'k.db')).includes(body.key)).toBe(false);
  });

  test('human output: the key alone on stdout (for $(…) capture), the notice on stderr', () => {
    const r = cli('keys', 'create', '--name', 'x');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^kw_[0-9A-Za-z]{49}\n$/);
    expect(r.stderr).toMatch(/^created key_\S+ \(x\); the key is shown once, store it now:\n$/);
    const rotated = cli('keys', 'rotate', /^created (key_\S+)/.exec(r.stderr)?.[1] ?? '');
    expect(rotated.status).toBe(0);
    expect(rotated.stdout).toMatch(/^kw_[0-9A-Za-z]{49}\n$/);
    expect(rotated.stdout).not.toBe(r.stdout);
    expect(rotated.stderr).toMatch(/the old key works until .*The new key is shown once/);
  });

  test.each([
    [['keys', 'create'], /required option '--name <name>' not specified/],
    [['keys', 'create', '--name', 'x', '--expires', 'soon'], /--expires: expected a duration like 30d/],
    [['keys', 'create', '--name', 'x', '--uses', '-3'], /--uses: expected a whole number/],
    [
      ['keys', 'create', '--name', 'x', '--ips', '10.0.0.0/99'],
      /--ips: expected an IP address or CIDR range/,
    ],
    [
      ['keys', 'create', '--name', 'x', '--origins', 'app.example.com'],
      /--origins: expected an exact origin/,
    ],
    [
      ['keys', 'create', '--name', 'x', '--roles', 'bad role'],
      /--roles: "bad role" is not a valid role name/,
    ],
    [['keys', 'create', '--name', 'x', '--meta', 'novalue'], /--meta: expected key=value/],
    [['keys', 'revoke', 'key_nope'], /no API key with id key_nope/],
    [['keys', 'rotate', 'key_nope', '--grace', 'forever'], /--grace: expected a duration like 24h/],
  ])('bad input %j is one line, non-zero', (args, message) => {
    const r = cli(...(args as string[]));
    expect(r.status).not.toBe(0);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
  });

  test('revoke and rotate', () => {
    const a = JSON.parse(cli('keys', 'create', '--name', 'a', '--json').stdout);
    const rotated = cli('keys', 'rotate', a.id, '--grace', '1h', '--json');
    expect(rotated.status).toBe(0);
    const r = JSON.parse(rotated.stdout);
    expect(r.key).not.toBe(a.key);
    expect(r.previous).toMatchObject({ id: a.id, rotatedTo: r.id });
    expect(cli('keys', 'revoke', r.id).stdout).toBe(`revoked ${r.id}\n`);
    const list = JSON.parse(cli('keys', 'list', '--json').stdout);
    expect(list.find((k: { id: string }) => k.id === r.id).status).toBe('revoked');
  });

  test('import takes keys and SHA-256 digests as JSON lines; a bad line imports nothing', () => {
    const sha = createHash('sha256').update('old-system-key-number-two').digest('hex');
    writeFileSync(
      join(dir, 'bad.jsonl'),
      [
        '{"key": "old-system-key-number-one", "name": "one"}',
        '{"sha256": "xyz"}',
        '',
        'not json',
        '{"key": "old-system-key-number-one", "name": "again"}',
        '{"key": "old-system-key-number-three", "roles": ["bad role"]}',
        '{"key": "old-system-key-number-four"}',
      ].join('\n'),
    );
    const bad = cli('keys', 'import', 'bad.jsonl');
    expect(bad.status).toBe(1);
    // Every bad line, with its number, in file order; then that nothing was imported.
    expect(bad.stderr.trim().split('\n')).toEqual([
      'keyward: bad.jsonl line 2: "sha256" must be 64 hex digits',
      'keyward: bad.jsonl line 4: not valid JSON',
      'keyward: bad.jsonl line 5: the same key as line 1',
      'keyward: bad.jsonl line 6: "roles" must be a list of role names',
      'keyward: 4 bad lines; nothing imported (--skip-invalid imports the valid lines)',
    ]);
    expect(bad.stdout).toBe('');
    expect(JSON.parse(cli('keys', 'list', '--json').stdout)).toEqual([]);
    // --skip-invalid imports lines 1 and 7 and reports the rest.
    const skipping = cli('keys', 'import', 'bad.jsonl', '--skip-invalid');
    expect(skipping.status).toBe(0);
    expect(skipping.stdout).toBe('imported 2 keys\n');
    expect(skipping.stderr).toContain('keyward: bad.jsonl line 6: "roles" must be a list of role names\n');
    expect(skipping.stderr).toContain('keyward: skipped 4 bad lines\n');
    const names = JSON.parse(cli('keys', 'list', '--json').stdout).map((k: { name: string }) => k.name);
    expect(names.sort()).toEqual(['imported 7', 'one']);
    // Keys already in the store are bad lines too, found before anything is written.
    const again = cli('keys', 'import', 'bad.jsonl', '--skip-invalid');
    expect(again.status).toBe(1);
    expect(again.stderr).toContain('keyward: bad.jsonl line 1: this key is already in the store\n');
    expect(again.stderr).toContain('keyward: bad.jsonl line 7: this key is already in the store\n');
    expect(again.stderr).toContain('keyward: bad.jsonl: no keys to import\n');
    writeFileSync(
      join(dir, 'ok.jsonl'),
      `{"key": "old-system-key-number-five", "name": "five", "roles": ["reader"]}\n\n{"sha256": "${sha}", "name": "two", "plan": "free"}\n`,
    );
    const ok = cli('keys', 'import', 'ok.jsonl');
    expect(ok.stdout).toBe('imported 2 keys\n');
    const twice = cli('keys', 'import', 'ok.jsonl');
    expect(twice.status).toBe(1);
    expect(twice.stderr).toMatch(/ok\.jsonl line 1: this key is already in the store\n/);
    expect(twice.stderr).toMatch(/ok\.jsonl line 3: this key is already in the store\n/);
    expect(twice.stderr).toMatch(/2 bad lines; nothing imported/);
    // Nine CLI runs of about a second each: more than the default 20 s on a loaded machine.
  }, 90_000);
});

describe('a key created with the CLI against a running gateway', () => {
  test('works in each transport, and stops working within a second of `keys revoke`', async () => {
    const port = await freePort();
    const server = spawnCli(['start', '--port', String(port)], { cwd: dir });
    try {
      await waitFor(() => server.output.stdout.includes('keyward listening'), 15_000, 'listening');
      const key = JSON.parse(cli('keys', 'create', '--name', 'ops', '--roles', 'admin', '--json').stdout);
      const url = `http://127.0.0.1:${port}/admin/v1/keys`;
      for (const headers of [
        { 'x-api-key': key.key },
        { authorization: key.key },
        { authorization: `Bearer ${key.key}` },
        { authorization: `Basic ${Buffer.from(`:${key.key}`).toString('base64')}` },
      ]) {
        expect((await fetch(url, { headers })).status).toBe(200);
      }
      expect(cli('keys', 'revoke', key.id).status).toBe(0);
      const revokedAt = Date.now();
      let status = 200;
      while (status === 200 && Date.now() - revokedAt < 3000) {
        status = (await fetch(url, { headers: { 'x-api-key': key.key } })).status;
        if (status === 200) await new Promise((r) => setTimeout(r, 50));
      }
      expect(status).toBe(401);
      expect(Date.now() - revokedAt).toBeLessThan(1500);
      const audit = await fetch(`http://127.0.0.1:${port}/admin/v1/audit`, {
        headers: { 'x-api-key': /kw_[0-9A-Za-z]{49}/.exec(server.output.stderr)?.[0] ?? '' },
      });
      const actions = ((await audit.json()) as { items: { action: string; actor: string }[] }).items.map(
        (e: { action: string; actor: string }) => `${e.actor}:${e.action}`,
      );
      expect(actions).toContain('cli:key.revoke');
      expect(actions).toContain('cli:key.create');
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  });
});
