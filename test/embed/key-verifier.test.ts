/**
 * `import { openKeyVerifier } from 'keyward'` as another Node.js app would do it: the package
 * resolved by name through its `exports` (from a node_modules link in a temp dir), keys made
 * with the CLI checked against the same store.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runCli } from '../helpers/cli.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'keyward-embed-'));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(ROOT, join(dir, 'node_modules', 'keyward'), 'dir');
  writeFileSync(join(dir, 'keyward.yaml'), 'storage: { url: "sqlite:./state/k.db" }\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs an ES module in the app directory and returns what it printed as JSON. */
function runApp(source: string): unknown {
  writeFileSync(join(dir, 'app.mjs'), source);
  const r = spawnSync(process.execPath, ['app.mjs'], { cwd: dir, encoding: 'utf8', timeout: 30_000 });
  // Node 22 (not 24) flags node:sqlite as experimental in the embedding app; nothing else may show.
  const stderr = r.stderr.replace(
    /^\(node:\d+\) ExperimentalWarning: SQLite is an experimental feature.*\n\(Use `node --trace-warnings.*\n/m,
    '',
  );
  expect(stderr).toBe('');
  expect(r.status).toBe(0);
  return JSON.parse(r.stdout);
}

describe("import … from 'keyward'", () => {
  test('exports the key format helpers, the verifier and the version; types are published', async () => {
    const exported = runApp(
      "import * as keyward from 'keyward';\nconsole.log(JSON.stringify(Object.keys(keyward).sort()));\n",
    );
    expect(exported).toEqual([
      'KEYWARD_VERSION',
      'checkKeyFormat',
      'digestApiKey',
      'generateApiKey',
      'openKeyVerifier',
    ]);
    expect(existsSync(join(ROOT, 'dist', 'index.d.ts'))).toBe(true);
  });

  test('verifies keys made by the gateway: a good key, a revoked one, a mistyped one, an unknown one', () => {
    const good = runCli(['keys', 'create', '--name', 'app', '--roles', 'reader', '--plan', 'free'], {
      cwd: dir,
    });
    const revoked = JSON.parse(runCli(['keys', 'create', '--name', 'old', '--json'], { cwd: dir }).stdout);
    expect(runCli(['keys', 'revoke', revoked.id], { cwd: dir }).status).toBe(0);
    const key = good.stdout.trim();
    const results = runApp(`
import { generateApiKey, openKeyVerifier } from 'keyward';
const verifier = await openKeyVerifier({ storageUrl: 'sqlite:./state/k.db' });
const out = [];
for (const k of [${JSON.stringify(key)}, ${JSON.stringify(revoked.key)}, ${JSON.stringify(`${key.slice(0, -1)}${key.endsWith('x') ? 'y' : 'x'}`)}, generateApiKey('kw')]) {
  const r = await verifier.verify(k);
  out.push(r.ok ? { ok: true, name: r.key.name, roles: r.key.roles, plan: r.key.plan } : r);
}
await verifier.close();
console.log(JSON.stringify(out));
`);
    expect(results).toEqual([
      { ok: true, name: 'app', roles: ['reader'], plan: 'free' },
      { ok: false, reason: 'revoked' },
      { ok: false, reason: 'checksum' },
      { ok: false, reason: 'unknown' },
    ]);
  });
});
