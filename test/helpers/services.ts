/**
 * Real Redis and PostgreSQL servers for integration tests, each on its own loopback port and temp
 * dir. A missing binary means "skip" (null plus one warning) so laptops without the servers still
 * run the suite, except under KEYWARD_REQUIRE_SERVICES=1, where CI must fail rather than skip.
 */
import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import {
  accessSync,
  chownSync,
  closeSync,
  constants,
  existsSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
} from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './ports.js';

export { freePort };

export interface RunningService {
  url: string;
  port: number;
  /** Stops the server and deletes its temp dir; safe to call more than once. */
  stop(): Promise<void>;
  /**
   * Stops the server process (SIGKILL with `hard`, else its clean shutdown signal) but keeps
   * its port and data dir, to simulate an outage; `resume()` starts it again on the same port.
   * A Redis resumes empty (persistence is off), as after losing its memory.
   */
  halt(options?: { hard?: boolean }): Promise<void>;
  resume(): Promise<void>;
}

const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 5_000;
/** Another test file may grab our "free" port between probe and bind; a fresh port usually wins. */
const PORT_ATTEMPTS = 3;

/** Running servers and their temp dirs, killed and removed on exit so a forgotten stop() leaks nothing. */
const live = new Map<ChildProcess, string>();
let exitHookInstalled = false;

/** Starts redis-server on a free port with persistence off; null (or a throw in CI) if not installed. */
export async function startRedis(): Promise<RunningService | null> {
  const bin = onPath('redis-server');
  if (!bin) return unavailable('redis-server not installed');
  const dir = mkdtempSync(join(tmpdir(), 'keyward-redis-'));
  return launch(dir, (port) => ({
    child: spawnServer(dir, bin, [
      ...['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      ...['--dir', dir],
    ]),
    url: `redis://127.0.0.1:${port}`,
    ready: () => redisPong(port),
    // SIGTERM is Redis's clean shutdown; with saving off it exits at once.
    stopSignal: 'SIGTERM',
  }));
}

/** Starts a throwaway PostgreSQL cluster (trust auth, user keyward); null (or a throw in CI) if not installed. */
export async function startPostgres(): Promise<RunningService | null> {
  const bin = postgresBinDir();
  if (!bin) return unavailable('postgresql not installed (no initdb/postgres in /usr/lib/postgresql/*/bin)');
  // Postgres refuses to run as root, so as root (CI containers) the cluster belongs to `postgres`.
  const owner = process.getuid?.() === 0 ? systemUser('postgres') : undefined;
  if (owner === null) return unavailable('running as root but there is no postgres system user');
  const dir = mkdtempSync(join(tmpdir(), 'keyward-pg-'));
  if (owner) chownSync(dir, owner.uid, owner.gid);
  const data = join(dir, 'data');
  try {
    await promisify(execFile)(
      join(bin, 'initdb'),
      ['-D', data, '-U', 'keyward', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C'],
      { cwd: dir, timeout: 60_000, ...owner },
    );
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    const hint = owner ? ` (it ran as user postgres, which must be able to reach ${tmpdir()})` : '';
    throw new Error(`initdb failed${hint}: ${(error as { stderr?: string }).stderr || error}`);
  }
  return launch(dir, (port) => ({
    child: spawnServer(
      dir,
      join(bin, 'postgres'),
      ['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off'],
      owner,
    ),
    url: `postgres://keyward@127.0.0.1:${port}/postgres`,
    ready: () => postgresAnswers(`postgres://keyward@127.0.0.1:${port}/postgres`),
    // SIGINT is "fast shutdown"; SIGTERM would wait for every client to disconnect.
    stopSignal: 'SIGINT',
  }));
}

/** Path of a command-line tool on PATH (nginx, jq, systemd-analyze…); null (or a throw in CI) if not installed. */
export function findTool(name: string): string | null {
  return onPath(name) ?? unavailable(`${name} not installed`);
}

/** Path of the Debian chromium launcher; null (or a throw in CI) if not installed. */
export function findChromium(): string | null {
  if (existsSync('/usr/bin/chromium')) return '/usr/bin/chromium';
  return unavailable('chromium not installed (/usr/bin/chromium missing)');
}

interface Launched {
  child: ChildProcess;
  url: string;
  ready: () => Promise<boolean>;
  stopSignal: NodeJS.Signals;
}

/** Starts on a fresh port until the server answers, retrying when it dies early (port taken). */
async function launch(dir: string, start: (port: number) => Launched): Promise<RunningService> {
  let lastError: unknown;
  for (let attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
    const port = await freePort();
    let server = start(port);
    const stop = once(async () => {
      await killGroup(server.child, server.stopSignal);
      rmSync(dir, { recursive: true, force: true });
    });
    const halt = async (options: { hard?: boolean } = {}) => {
      await killGroup(server.child, options.hard ? 'SIGKILL' : server.stopSignal);
    };
    const resume = async () => {
      if (!hasExited(server.child)) return;
      server = start(port);
      await waitReady(server, dir);
    };
    try {
      await waitReady(server, dir);
      return { url: server.url, port, stop, halt, resume };
    } catch (error) {
      lastError = error;
      const diedEarly = hasExited(server.child);
      await killGroup(server.child, 'SIGKILL');
      if (!diedEarly) break; // A hang is not a port clash; retrying would only triple the wait.
    }
  }
  rmSync(dir, { recursive: true, force: true });
  throw lastError;
}

/** Spawns in its own process group (so postgres's backends die with it), output to server.log. */
function spawnServer(dir: string, bin: string, args: string[], owner?: { uid: number; gid: number }) {
  // A log file, not a pipe: the server never blocks on or dies from a parent that stopped reading.
  const log = openSync(join(dir, 'server.log'), 'a');
  const child = spawn(bin, args, { cwd: dir, stdio: ['ignore', log, log], detached: true, ...owner });
  closeSync(log);
  // Unref'd so a forgotten stop() cannot hang the test worker; the exit hook still kills it.
  child.unref();
  child.on('error', () => {}); // ENOENT etc. surface as an early exit in waitReady.
  live.set(child, dir);
  child.once('exit', () => live.delete(child));
  installExitHook();
  return child;
}

/** Polls until ready() says yes; fails fast with the log tail if the process exits first. */
async function waitReady(server: Launched, dir: string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (hasExited(server.child)) throw new Error(`server exited early:\n${logTail(dir)}`);
    if (await server.ready()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`server not ready after ${READY_TIMEOUT_MS} ms:\n${logTail(dir)}`);
}

/** Signals the whole group and waits for the leader to exit, escalating to SIGKILL if it takes too long. */
async function killGroup(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (hasExited(child)) return; // Its pid (and so the group id) may already belong to someone else.
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  signalGroup(child, signal);
  let timer: NodeJS.Timeout | undefined;
  const slow = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(true), STOP_TIMEOUT_MS);
  });
  if (await Promise.race([exited.then(() => false), slow])) {
    signalGroup(child, 'SIGKILL');
    await exited;
  }
  clearTimeout(timer);
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null || child.pid === undefined;
}

/** Kills leftover servers on exit, and on the SIGTERM vitest sends its workers (which skips 'exit'). */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  const killAll = () => {
    for (const [child, dir] of live) {
      signalGroup(child, 'SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  };
  process.once('exit', killAll);
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    const onSignal = () => {
      killAll();
      process.off(signal, onSignal);
      // A listener cancels the default "die by signal", so re-raise unless someone else handles it.
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }
}

/** True if a raw RESP PING on the port gets +PONG (no client library needed for readiness). */
function redisPong(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('*1\r\n$4\r\nPING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}

/** True once Postgres accepts a login and a query (it refuses logins while still starting up). */
async function postgresAnswers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1_000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/** Newest /usr/lib/postgresql/<ver>/bin (Debian keeps these off PATH), else initdb's dir on PATH. */
function postgresBinDir(): string | null {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  const complete = (bin: string) => ['initdb', 'postgres'].every((name) => isExecutable(join(bin, name)));
  const debian = versions.map((v) => join(root, v, 'bin')).find(complete);
  if (debian) return debian;
  const initdb = onPath('initdb');
  return initdb && complete(dirname(initdb)) ? dirname(initdb) : null;
}

function systemUser(name: string): { uid: number; gid: number } | null {
  try {
    const id = (flag: string) => Number(execFileSync('id', [flag, name], { encoding: 'utf8' }).trim());
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    return null;
  }
}

function onPath(name: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && isExecutable(join(dir, name))) return join(dir, name);
  }
  return null;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function unavailable(reason: string): null {
  if (process.env.KEYWARD_REQUIRE_SERVICES === '1') {
    throw new Error(`${reason} (KEYWARD_REQUIRE_SERVICES=1 forbids skipping)`);
  }
  console.warn(`skipping: ${reason}`);
  return null;
}

function logTail(dir: string): string {
  try {
    return readFileSync(join(dir, 'server.log'), 'utf8').split('\n').slice(-20).join('\n');
  } catch {
    return '(no server.log)';
  }
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  return () => {
    running ??= fn();
    return running;
  };
}
