/**
 * The data directory fails under Keyward: it fills up while serving, or it is read-only at
 * start. A full disk makes writes fail with a clear error while reads, health and the process
 * carry on, and writes work again once space is freed; a read-only directory stops `start` (and
 * `start --workers`) at once with one line naming the cause, exit 1, no crash loop. The
 * directories are small tmpfs mounts, which needs root (CI runs as root); elsewhere the suite
 * skips with a reason, and fails under KEYWARD_REQUIRE_SERVICES=1.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { type KeywardProcess, startKeyward } from '../helpers/process-gateway.js';

const mounts: string[] = [];

/** A fresh tmpfs of `size` at a temp dir, or null when this machine cannot mount one. */
function smallDisk(size: string): string | null {
  const dir = mkdtempSync(join(tmpdir(), 'keyward-disk-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'ignore' });
  } catch {
    rmSync(dir, { recursive: true, force: true });
    return null;
  }
  mounts.push(dir);
  return dir;
}

const canMount = (() => {
  const probe = smallDisk('64k');
  if (probe === null) return false;
  execFileSync('umount', [probe]);
  rmSync(probe, { recursive: true, force: true });
  mounts.pop();
  return true;
})();
if (!canMount) {
  if (process.env.KEYWARD_REQUIRE_SERVICES === '1')
    throw new Error('storage fault tests need tmpfs mounts (root)');
  console.warn('storage fault tests skipped: cannot mount a tmpfs here (needs root)');
}

let proc: KeywardProcess | undefined;
afterEach(async () => {
  await proc?.cleanup();
  proc = undefined;
  for (const dir of mounts.splice(0)) {
    execFileSync('umount', ['-l', dir], { stdio: 'ignore' });
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Fills the file system holding `dir` until it refuses another byte. */
function fill(dir: string): string {
  const file = join(dir, 'filler');
  try {
    execFileSync('dd', ['if=/dev/zero', `of=${file}`, 'bs=4k'], { stdio: 'ignore' });
  } catch {
    // dd exits non-zero at "No space left on device": that is the point.
  }
  return file;
}

describe.skipIf(!canMount)('storage faults', () => {
  test('a disk that fills while serving: writes fail clearly, reads and the process carry on, then recover', async () => {
    const disk = smallDisk('4m') as string;
    proc = await startKeyward('services:\n  time: { path: /v1/time, auth: [apiKey] }\n', {}, { dir: disk });
    const admin = { 'x-api-key': proc.adminKey, 'content-type': 'application/json' };
    const before = await proc.call('/admin/v1/keys', {
      method: 'POST',
      headers: admin,
      body: '{"name":"before"}',
    });
    expect(before.status).toBe(201);
    const existing = JSON.parse(before.text) as { key: string };
    proc.capture.plant(existing.key, 'api key');

    const filler = fill(disk);
    const refused: number[] = [];
    for (let i = 0; i < 20; i++) {
      const res = await proc.call('/admin/v1/keys', {
        method: 'POST',
        headers: admin,
        body: `{"name":"full-${i}"}`,
      });
      refused.push(res.status);
      if (res.status >= 500) {
        expect(res.text).toContain('"code":"KW_ERR_INTERNAL"');
        expect(res.text).not.toMatch(/SQLITE|disk|full/i);
      }
    }
    console.log(`disk full: admin writes answered ${refused.join(',')}`);
    expect(refused.some((s) => s >= 500)).toBe(true);
    // Reads still work, the process is alive, and the operator's log says why writes fail.
    expect((await proc.call('/v1/time', { headers: { 'x-api-key': existing.key } })).status).toBe(200);
    expect((await proc.call('/healthz')).status).toBe(200);
    expect(proc.child.exitCode).toBeNull();
    expect(proc.output.stdout).toMatch(/database or disk is full|SQLITE_FULL/);

    unlinkSync(filler);
    const after = await proc.call('/admin/v1/keys', {
      method: 'POST',
      headers: admin,
      body: '{"name":"after"}',
    });
    expect(after.status).toBe(201);
    proc.capture.plant(JSON.parse(after.text).key, 'api key');
  }, 60_000);

  test.each([
    ['start', []],
    ['start --workers 2', ['--workers', '2']],
  ])('%s on a read-only data directory: one clear line, exit 1, no crash loop', (_name, args) => {
    const disk = smallDisk('1m') as string;
    execFileSync('mount', ['-o', 'remount,ro', disk]);
    const dir = mkdtempSync(join(tmpdir(), 'keyward-ro-'));
    try {
      writeFileSync(join(dir, 'keyward.yaml'), `storage: { url: "sqlite:${join(disk, 'keyward.db')}" }\n`);
      const started = Date.now();
      const result = runCli(['start', '--port', '0', ...args], { cwd: dir, env: { HOST: '127.0.0.1' } });
      expect(result.status).toBe(1);
      expect(result.stderr.trim().split('\n')).toEqual([
        `keyward: cannot open ${join(disk, 'keyward.db')}: unable to open database file (its directory is on a read-only file system)`,
      ]);
      expect(Date.now() - started).toBeLessThan(15_000);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
