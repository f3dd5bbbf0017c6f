// A private redis-server for the shared-limits scenario: loopback, a free port, no persistence
// (as a limits-and-cache Redis is usually run), its own temp dir. Null when redis-server is not
// installed, so the row is skipped with the reason.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, startProcess } from '../lib/procs.js';

function findRedis() {
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
    return 'redis-server';
  } catch {
    return null;
  }
}

function pong(port) {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('*1\r\n$4\r\nPING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}

/** Starts redis-server; resolves { url, proc } once it answers PING, or null when not installed. */
export async function startRedisServer(work) {
  const binary = findRedis();
  if (!binary) return null;
  const port = await freePort();
  const dir = join(work, 'redis');
  mkdirSync(dir, { recursive: true });
  const proc = startProcess(binary, [
    ...['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    ...['--dir', dir],
  ]);
  for (let i = 0; i < 200; i++) {
    if (proc.child.exitCode !== null) throw new Error(`redis-server exited:\n${proc.stderr()}`);
    if (await pong(port)) return { url: `redis://127.0.0.1:${port}`, proc };
    await sleep(50);
  }
  await proc.stop();
  throw new Error('redis-server did not answer within 10 s');
}
