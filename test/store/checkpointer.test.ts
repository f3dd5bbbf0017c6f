import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { sql } from 'kysely';
import { afterAll, describe, expect, test } from 'vitest';
import { type Checkpointer, startCheckpointer } from '../../src/store/checkpointer.js';
import { openStore } from '../../src/store/db.js';
import { openSqliteDatabase } from '../../src/store/sqlite-database.js';

const dir = mkdtempSync(join(tmpdir(), 'keyward-checkpoint-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ROW = 'x'.repeat(3000); // about one 4 KiB page per row
const pragma = (db: ReturnType<typeof openSqliteDatabase>, name: string) =>
  (db.prepare(`PRAGMA ${name}`).all([])[0] as Record<string, number>)[name];

/** Writes `pages` pages' worth of rows in one commit. */
function writePages(db: ReturnType<typeof openSqliteDatabase>, pages: number) {
  db.prepare('BEGIN').run([]);
  const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
  for (let i = 0; i < pages; i++) insert.run([ROW]);
  db.prepare('COMMIT').run([]);
}

describe('WAL checkpoints off the event loop', () => {
  test('a serving connection never checkpoints in a commit; the worker copies the log back', async () => {
    const path = join(dir, 'serving.db');
    const db = openSqliteDatabase(path, { checkpointInBackground: true });
    db.prepare('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)').run([]);
    expect(pragma(db, 'wal_autocheckpoint')).toBe(0);
    // Past SQLite's own 1,000-page threshold: no commit copied the log back.
    writePages(db, 1200);
    const checkpointer = startCheckpointer(path, () => {});
    const result = await checkpointer.checkpointNow();
    expect(result.log).toBeGreaterThan(1000);
    expect(result.checkpointed).toBe(result.log);
    // Another connection, with the log gone, reads every row from the database file itself.
    await checkpointer.stop();
    await db.stopCheckpoints();
    db.close();
    const reader = new DatabaseSync(path, { timeout: 5000 });
    expect(reader.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 1200 });
    reader.close();
  });

  test('the log stops growing once the worker checkpoints between batches', async () => {
    const path = join(dir, 'bounded.db');
    const db = openSqliteDatabase(path, { checkpointInBackground: true });
    db.prepare('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)').run([]);
    const checkpointer = startCheckpointer(path, () => {});
    const sizes: number[] = [];
    for (let i = 0; i < 4; i++) {
      writePages(db, 500);
      await checkpointer.checkpointNow();
      sizes.push(statSync(`${path}-wal`).size);
    }
    // Each batch reuses the log from its start: its size is that of one batch, not four.
    expect(Math.max(...sizes)).toBeLessThan(600 * 4096 * 1.1);
    await checkpointer.stop();
    await db.stopCheckpoints();
    db.close();
  });

  test('if the checkpoint thread dies, commits checkpoint again themselves', async () => {
    const path = join(dir, 'fallback.db');
    let worker: Checkpointer | undefined;
    const db = openSqliteDatabase(path, {
      checkpointInBackground: true,
      // A worker that cannot open its file dies at once, as one that crashed would.
      startCheckpointer: (_path, onFailure) => {
        worker = startCheckpointer(join(dir, 'missing', 'nothing.db'), onFailure);
        return worker;
      },
    });
    await expect(worker?.checkpointNow()).rejects.toThrow();
    expect(pragma(db, 'wal_autocheckpoint')).toBe(1000);
    db.prepare('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)').run([]);
    writePages(db, 1200);
    // The commit past 1,000 pages copied the log back itself: a new commit starts it over.
    writePages(db, 10);
    expect(statSync(`${path}-wal`).size).toBeLessThan(1300 * 4096);
    const { log } = db.prepare('PRAGMA wal_checkpoint(PASSIVE)').all([])[0] as { log: number };
    expect(log).toBeLessThan(100);
    db.close();
  });

  test('a serving store turns automatic checkpoints off', async () => {
    const store = await openStore(`sqlite:${join(dir, 'store.db')}`, { checkpointInBackground: true });
    expect(
      (await sql<{ wal_autocheckpoint: number }>`PRAGMA wal_autocheckpoint`.execute(store.db)).rows,
    ).toEqual([{ wal_autocheckpoint: 0 }]);
    await store.close();
  });

  test('tools that open the store keep SQLite’s automatic checkpoints', async () => {
    const store = await openStore(`sqlite:${join(dir, 'tool.db')}`);
    expect(
      (await sql<{ wal_autocheckpoint: number }>`PRAGMA wal_autocheckpoint`.execute(store.db)).rows,
    ).toEqual([{ wal_autocheckpoint: 1000 }]);
    await store.close();
  });
});

describe('stopping the checkpoint thread', () => {
  // Runs the built store (npm run build first), in a process of its own.
  test('a process with nothing else to do waits for it and exits 0', () => {
    const path = join(dir, 'exit.db');
    const script = `
      const { openStore } = await import(${JSON.stringify(new URL('../../dist/store/db.js', import.meta.url).href)});
      const store = await openStore(${JSON.stringify(`sqlite:${path}`)}, { checkpointInBackground: true });
      await store.close();
      process.stdout.write('closed');
    `;
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect([result.status, result.stdout]).toEqual([0, 'closed']);
  });
});
