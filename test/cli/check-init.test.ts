import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { runCli } from '../helpers/cli.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'keyward-cli-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('keyward check', () => {
  test('names every bad path, exits 1, no stack trace', () => {
    writeFileSync(
      join(dir, 'bad.yaml'),
      [
        'server: { port: 8080, colour: blue }',
        'routes:',
        '  - name: weather',
        '    path: /weather/*',
        '    auth: [apiKey]',
        '    upstream: { url: "https://api.example.com", timeout: banana }',
        '',
      ].join('\n'),
    );
    const r = runCli(['check', '--config', 'bad.yaml'], { cwd: dir });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('bad.yaml: server.colour: unknown key (line 1)');
    expect(r.stderr).toContain(
      'bad.yaml: routes[0].upstream.timeout: expected a duration like 10s, got "banana" (line 6)',
    );
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).toBe('');
  });

  test('a valid config passes, with no note for Redis (it is used)', () => {
    writeFileSync(
      join(dir, 'ok.yaml'),
      'redis: { url: "redis://127.0.0.1:6379" }\nsecrets: { masterKey: "${MK}" }\n',
    );
    const r = runCli(['check', '-c', 'ok.yaml'], { cwd: dir, env: { MK: 'A'.repeat(43) + '=' } });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('ok.yaml: OK');
    expect(r.stdout).not.toContain('note:');
  });

  test('problems come in file order, whichever check found them first', () => {
    // The unset variable (line 3) is found before the schema problems (lines 1 and 4).
    writeFileSync(
      join(dir, 'order.yaml'),
      'server: { colour: blue }\nlog: { level: info }\nsecrets: { masterKey: "${KEYWARD_TEST_UNSET_VAR}" }\nadmin: { shade: x }\n',
    );
    const r = runCli(['check', '-c', 'order.yaml'], { cwd: dir });
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual([
      'order.yaml: server.colour: unknown key (line 1)',
      'order.yaml: secrets.masterKey: environment variable KEYWARD_TEST_UNSET_VAR is not set (line 3)',
      'order.yaml: admin.shade: unknown key (line 4)',
    ]);
    const json = runCli(['check', '-c', 'order.yaml', '--json'], { cwd: dir });
    expect(json.status).toBe(1);
    expect(json.stderr).toBe('');
    expect(JSON.parse(json.stdout)).toEqual({
      file: 'order.yaml',
      ok: false,
      problems: [
        { path: 'server.colour', message: 'unknown key', line: 1 },
        {
          path: 'secrets.masterKey',
          message: 'environment variable KEYWARD_TEST_UNSET_VAR is not set',
          line: 3,
        },
        { path: 'admin.shade', message: 'unknown key', line: 4 },
      ],
      notes: [],
    });
  });

  test('--json on a valid config: ok, no problems, the notes', () => {
    writeFileSync(join(dir, 'ok.yaml'), 'redis: { url: "redis://127.0.0.1:6379" }\n');
    const r = runCli(['check', '-c', 'ok.yaml', '--json'], { cwd: dir });
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ file: 'ok.yaml', ok: true, problems: [] });
    expect(report.notes).toEqual(expect.any(Array));
  });

  test('--json on a missing file is a report too', () => {
    const r = runCli(['check', '-c', 'nope.yaml', '--json'], { cwd: dir });
    expect(r.status).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({
      ok: false,
      problems: [{ path: '(file)', message: 'nope.yaml: file not found' }],
    });
  });

  test('KEYWARD_CONFIG names the config when --config is not given; --config still wins', () => {
    mkdirSync(join(dir, 'conf'));
    writeFileSync(join(dir, 'conf', 'gw.yaml'), 'server: { port: 9999 }\n');
    writeFileSync(join(dir, 'broken.yaml'), 'server: { port: banana }\n');
    const env = { KEYWARD_CONFIG: join('conf', 'gw.yaml') };
    expect(runCli(['check'], { cwd: dir, env }).stdout).toBe('conf/gw.yaml: OK\n');
    expect(runCli(['check', '-c', 'broken.yaml'], { cwd: dir, env }).status).toBe(1);
    const missing = runCli(['check'], { cwd: dir, env: { KEYWARD_CONFIG: 'absent.yaml' } });
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('absent.yaml: file not found');
  });

  test('row: a master key that decodes to 2 bytes is the error start gives, not OK', () => {
    writeFileSync(join(dir, 'short.yaml'), 'secrets: { masterKey: "${MK}" }\n');
    const env = { MK: 'AAA=' };
    const check = runCli(['check', '-c', 'short.yaml'], { cwd: dir, env });
    const start = runCli(['start', '-c', 'short.yaml', '--port', '0'], { cwd: dir, env });
    const reason = 'secrets.masterKey: the master key must be 32 bytes of base64, but it decodes to 2 bytes';
    expect(check.status).toBe(1);
    expect(check.stdout).not.toContain('OK');
    expect(check.stderr).toBe(`short.yaml: ${reason}\n`);
    expect(start.status).toBe(1);
    expect(start.stderr).toContain(reason);
  });

  test('an unset ${ENV} is an error naming the variable', () => {
    writeFileSync(join(dir, 'env.yaml'), 'secrets: { masterKey: "${KEYWARD_TEST_UNSET_VAR}" }\n');
    const r = runCli(['check', '-c', 'env.yaml'], { cwd: dir });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('secrets.masterKey: environment variable KEYWARD_TEST_UNSET_VAR is not set');
  });

  test('a missing file is one line and exit 1', () => {
    const r = runCli(['check', '--config', 'nope.yaml'], { cwd: dir });
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('file not found');
  });

  test('without a config it checks the built-in demo', () => {
    const r = runCli(['check'], { cwd: dir });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('built-in demo config: OK');
  });

  test('an unknown command or option is a one-line error, non-zero', () => {
    const r = runCli(['frobnicate'], { cwd: dir });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/^keyward: unknown command 'frobnicate'/);
  });
});

describe('keyward init', () => {
  test('writes a config that checks OK and a .env with a 32-byte master key', () => {
    const r = runCli(['init', 'proj'], { cwd: dir });
    expect(r.status).toBe(0);
    const env = readFileSync(join(dir, 'proj', '.env'), 'utf8');
    const key = /KEYWARD_MASTER_KEY=(\S+)/.exec(env)?.[1] ?? '';
    expect(Buffer.from(key, 'base64')).toHaveLength(32);
    expect(statSync(join(dir, 'proj', '.env')).mode & 0o077).toBe(0);
    // The .env beside the config supplies KEYWARD_MASTER_KEY to check.
    const check = runCli(['check', '--config', join('proj', 'keyward.yaml')], {
      cwd: dir,
      env: { KEYWARD_MASTER_KEY: undefined },
    });
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
  });

  test('init here says that start now serves the new file instead of the demo, and how to get the demo back', () => {
    const r = runCli(['init'], { cwd: dir });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('wrote keyward.yaml and .env');
    expect(r.stdout).toContain('now serve keyward.yaml instead of the built-in demo');
    expect(r.stdout).toContain('mv keyward.yaml gateway.yaml');
    // Its database is not the demo's ./data/keyward.db.
    expect(readFileSync(join(dir, 'keyward.yaml'), 'utf8')).toContain('sqlite:./state/keyward.db');
    expect(runCli(['check'], { cwd: dir }).stdout).toBe('keyward.yaml: OK\n');
  });

  test('init into another directory changes nothing here, so it says nothing about the demo', () => {
    const r = runCli(['init', 'gw'], { cwd: dir });
    expect(r.stdout).toBe(
      'wrote gw/keyward.yaml and gw/.env\nnext: keyward check --config gw/keyward.yaml && keyward start --config gw/keyward.yaml\n',
    );
  });

  test('never overwrites', () => {
    writeFileSync(join(dir, 'keyward.yaml'), 'mine: true\n');
    const r = runCli(['init'], { cwd: dir });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^keyward: .*keyward\.yaml already exist/);
    expect(readFileSync(join(dir, 'keyward.yaml'), 'utf8')).toBe('mine: true\n');
    expect(existsSync(join(dir, '.env'))).toBe(false);
  });
});

describe('relative paths', () => {
  test('a relative SQLite path is relative to the config file, wherever the command runs', () => {
    mkdirSync(join(dir, 'gw'));
    writeFileSync(join(dir, 'gw', 'keyward.yaml'), 'storage: { url: "sqlite:./state/k.db" }\n');
    const r = runCli(['migrate', '--config', join('gw', 'keyward.yaml')], { cwd: dir });
    expect(r.status).toBe(0);
    expect(existsSync(join(dir, 'gw', 'state', 'k.db'))).toBe(true);
    expect(existsSync(join(dir, 'state'))).toBe(false);
  });
});

describe('keyward migrate', () => {
  test('applies migrations once, then reports up to date', () => {
    writeFileSync(join(dir, 'keyward.yaml'), 'storage: { url: "sqlite:./state/k.db" }\n');
    const first = runCli(['migrate'], { cwd: dir });
    expect(first.status).toBe(0);
    expect(first.stdout).toMatch(/applied: 0001_settings_and_audit, 0002_api_keys/);
    expect(existsSync(join(dir, 'state', 'k.db'))).toBe(true);
    const second = runCli(['migrate'], { cwd: dir });
    expect(second.stdout).toBe('database is up to date\n');
  });
});
