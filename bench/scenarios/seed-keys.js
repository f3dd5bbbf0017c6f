// Bulk-creates API keys straight in a migrated Keyward SQLite store, in Keyward's own format
// (dist/auth/keys/format.js: prefix, 43 random base62 chars, CRC32 checksum; SHA-256 digest
// stored). Row 0 is an admin key created "first", as on a real install; then `count` keys on
// `plan`, newest last. Writes a sample of the plaintext keys (spread over the whole table) to
// `keysFile`, one per line. Runs as its own process: argv[2] is JSON options.
import { writeFileSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';

const o = JSON.parse(process.argv[2]);
const dist = new URL(`file://${o.distDir}/`);
const { generateApiKey, digestApiKey, checkKeyFormat } = await import(new URL('auth/keys/format.js', dist));
const { newId } = await import(new URL('ids.js', dist));

const started = performance.now();
const db = new DatabaseSync(o.dbPath);
db.exec('PRAGMA journal_mode = DELETE'); // one big transaction: skip a 300 MB WAL
db.exec('PRAGMA synchronous = OFF');
const insert = db.prepare(`INSERT INTO api_keys (id, name, prefix, digest, last4, roles, plan, metadata,
  created_at, updated_at, version) VALUES (?, ?, ?, ?, ?, ?, ?, '{}', ?, ?, 1)`);
const base = Date.now() - o.count - 1000;
const sampleEvery = Math.max(1, Math.floor(o.count / o.sample));
const sample = [];
let admin = null;
db.exec('BEGIN');
for (let i = -1; i < o.count; i++) {
  const key = generateApiKey(o.prefix);
  const at = base + i;
  const isAdmin = i === -1;
  insert.run(
    newId('key', at),
    isAdmin ? 'bench admin' : `bench-${i}`,
    o.prefix,
    digestApiKey(key),
    key.slice(-4),
    isAdmin ? '["admin"]' : '[]',
    isAdmin ? null : o.plan,
    at,
    at,
  );
  if (isAdmin) admin = key;
  else if (i % sampleEvery === 0 && sample.length < o.sample) sample.push(key);
}
db.exec('COMMIT');
db.exec('PRAGMA journal_mode = WAL');
db.close();
if (checkKeyFormat(sample[0], o.prefix) !== null) throw new Error('generated keys fail the format check');
writeFileSync(o.keysFile, `${sample.join('\n')}\n`);
process.stdout.write(`${JSON.stringify({ admin, seconds: (performance.now() - started) / 1000 })}\n`);
