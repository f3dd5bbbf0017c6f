import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { runCli, spawnCli } from '../helpers/cli.js';

const MASTER = randomBytes(32).toString('base64');
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'keyward-secrets-'));
  writeFileSync(
    join(dir, 'keyward.yaml'),
    [
      'storage: { url: "sqlite:./data/k.db" }',
      'secrets: { masterKey: "${KEYWARD_MASTER_KEY}" }',
      'routes:',
      '  - name: weather',
      '    path: /weather/*',
      '    auth: [apiKey]',
      '    upstream:',
      '      url: https://api.example-weather.com/v2',
      '      inject: { query: { appid: "${secret:weather}" } }',
      '',
    ].join('\n'),
  );
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const cli = (args: string[], input = '', master = MASTER) =>
  runCli(args, { cwd: dir, input, env: { KEYWARD_MASTER_KEY: master } });

describe('keyward secrets', () => {
  test('set reads the value from stdin, list shows names only, the database holds no plaintext', () => {
    const value = 'owm-key-3f9a8b7c6d5e4f3a2b1c';
    const set = cli(['secrets', 'set', 'weather'], `${value}\n`);
    expect(set.stderr).toBe('');
    expect(set.stdout).toBe('stored secret weather\n');
    const list = cli(['secrets', 'list', '--json']);
    expect(JSON.parse(list.stdout).map((s: { name: string }) => s.name)).toEqual(['weather']);
    expect(list.stdout).not.toContain(value);
    expect(readFileSync(join(dir, 'data', 'k.db')).includes(value)).toBe(false);
  });

  test('check resolves ${secret:NAME}: missing secret, then OK', () => {
    const before = cli(['check']);
    expect(before.status).toBe(1);
    expect(before.stderr).toContain(
      'routes[0].upstream.inject.query.appid: secret "weather" is not in the secret store (run: keyward secrets set weather)',
    );
    cli(['secrets', 'set', 'weather'], 'v4lue-abcdef');
    expect(cli(['check']).status).toBe(0);
  });

  test('a wrong master key is a clear error for check, the CLI and start; nothing is decrypted', async () => {
    cli(['secrets', 'set', 'weather'], 'v4lue-abcdef');
    const other = randomBytes(32).toString('base64');
    const check = cli(['check'], '', other);
    expect(check.status).toBe(1);
    expect(check.stderr).toMatch(
      /secrets\.masterKey: does not match the key 1 stored secret\(s\) were sealed with/,
    );
    expect(cli(['secrets', 'list'], '', other).status).toBe(1);
    const server = spawnCli(['start', '--port', '0'], { cwd: dir, env: { KEYWARD_MASTER_KEY: other } });
    expect(await server.exited).toBe(1);
    expect(server.output.stderr).toMatch(/^keyward: secrets\.masterKey does not match/m);
  });

  test('a missing master key with secret references refuses to start', async () => {
    const server = spawnCli(['start', '--port', '0'], { cwd: dir, env: { KEYWARD_MASTER_KEY: '' } });
    expect(await server.exited).not.toBe(0);
    expect(server.output.stderr).toMatch(/KEYWARD_MASTER_KEY is not set|secrets\.masterKey is not set/);
  });

  test('a malformed master key is named without echoing it', () => {
    const r = cli(['secrets', 'list'], '', 'c2hvcnQ=');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      /secrets\.masterKey: the master key must be 32 bytes of base64, but it decodes to 5 bytes/,
    );
    expect(r.stderr).not.toContain('c2hvcnQ=');
  });

  test('remove, and removing an unknown secret', () => {
    cli(['secrets', 'set', 'weather'], 'v4lue-abcdef');
    expect(cli(['secrets', 'remove', 'weather']).stdout).toBe('removed secret weather\n');
    const again = cli(['secrets', 'remove', 'weather']);
    expect(again.status).toBe(1);
    expect(again.stderr).toBe('keyward: no secret named weather\n');
  });

  test('bad names and empty values are refused', () => {
    expect(cli(['secrets', 'set', 'bad name!'], 'x').stderr).toMatch(/is not a valid secret name/);
    expect(cli(['secrets', 'set', 'weather'], '\n').stderr).toMatch(/the secret value is empty/);
  });

  test('rotate-master re-encrypts; only the new key opens the store afterwards', () => {
    cli(['secrets', 'set', 'weather'], 'v4lue-abcdef');
    const rotated = cli(['secrets', 'rotate-master', '--generate']);
    expect(rotated.status).toBe(0);
    const next = /new master key \(shown once\): (\S+)/.exec(rotated.stdout)?.[1] ?? '';
    expect(Buffer.from(next, 'base64')).toHaveLength(32);
    expect(cli(['secrets', 'list']).status).toBe(1);
    expect(cli(['secrets', 'list'], '', next).status).toBe(0);
    expect(cli(['check'], '', next).status).toBe(0);
  });
});
