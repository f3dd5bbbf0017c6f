// Child processes for the bench: start a server, wait until it answers, measure it through
// /proc (peak RSS, CPU time of the whole process tree), stop it. Linux only.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

const TICKS_PER_SECOND = 100; // USER_HZ; `getconf CLK_TCK` is 100 on every Linux we target

/** A free loopback TCP port. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Spawns a long-running server; stderr is kept (last 64 KiB) for error messages. */
export function startProcess(command, args, options = {}) {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', options.stdout ?? 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk) => {
    stderr = (stderr + chunk).slice(-65536);
  });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return {
    child,
    pid: child.pid,
    exited,
    stderr: () => stderr,
    /** SIGTERM, then SIGKILL after `graceMs`. */
    async stop(graceMs = 5000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const done = await Promise.race([exited.then(() => true), sleep(graceMs).then(() => false)]);
      if (!done) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}

/** Polls `url` until it answers `status` (default 200); returns ms waited. Throws on timeout or exit. */
export async function waitForHttp(url, proc, { timeoutMs = 20000, status = 200, intervalMs = 5 } = {}) {
  const started = performance.now();
  for (;;) {
    if (proc && proc.child.exitCode !== null) {
      throw new Error(`process exited (${proc.child.exitCode}) before ${url} answered:\n${proc.stderr()}`);
    }
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.status === status) return performance.now() - started;
    } catch {
      // not listening yet
    }
    if (performance.now() - started > timeoutMs) {
      throw new Error(`${url} did not answer ${status} within ${timeoutMs} ms:\n${proc?.stderr() ?? ''}`);
    }
    await sleep(intervalMs);
  }
}

function readStat(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // comm may contain spaces and parens: fields start after the last ')'
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    const [utime, stime, cutime, cstime] = [11, 12, 13, 14].map((i) => Number(fields[i]));
    return { ppid: Number(fields[1]), ticks: utime + stime, withChildren: utime + stime + cutime + cstime };
  } catch {
    return null;
  }
}

/** `pid` and all its descendants. */
export function processTree(pid) {
  const parents = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(name)) continue;
    const stat = readStat(name);
    if (stat) parents.set(Number(name), stat.ppid);
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) {
    for (const [child, parent] of parents) if (parent === tree[i]) tree.push(child);
  }
  return tree.filter((p) => parents.has(p));
}

/** CPU seconds (user + system) used so far by the tree under `pid`. */
export function cpuSeconds(pids) {
  let ticks = 0;
  for (const pid of pids) ticks += readStat(pid)?.ticks ?? 0;
  return ticks / TICKS_PER_SECOND;
}

/** CPU seconds the whole machine has spent busy (not idle or waiting for I/O), from /proc/stat. */
function machineBusySeconds() {
  const [, user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'utf8')
    .split('\n', 1)[0]
    .trim()
    .split(/\s+/)
    .map(Number);
  return (user + nice + system + irq + softirq + steal) / TICKS_PER_SECOND;
}

/** CPU seconds used by this process and everything it started, including reaped children (wrk). */
function ownTreeSeconds() {
  let ticks = 0;
  for (const pid of processTree(process.pid)) ticks += readStat(pid)?.withChildren ?? 0;
  return ticks / TICKS_PER_SECOND;
}

/**
 * Starts watching the machine for work that is not ours (other users' tests, browsers…):
 * `stop()` returns the average number of cores other processes kept busy meanwhile, so a
 * result taken on a crowded machine can be recognized as such.
 */
export function watchOtherLoad() {
  const busy = machineBusySeconds();
  const own = ownTreeSeconds();
  const started = performance.now();
  return () => {
    const seconds = (performance.now() - started) / 1000;
    const other = machineBusySeconds() - busy - (ownTreeSeconds() - own);
    return Math.max(0, other / seconds);
  };
}

/**
 * Waits (in half-second looks, at most `maxMs`) until processes outside the bench keep fewer
 * than `threshold` cores busy; returns the ms waited. On a shared machine this moves a
 * measurement to a quieter moment instead of charging other people's work to it.
 */
export async function waitForQuiet(maxMs, threshold = 0.25) {
  const started = performance.now();
  while (performance.now() - started < maxMs) {
    const other = watchOtherLoad();
    await sleep(500);
    if (other() < threshold) break;
  }
  return performance.now() - started;
}

function statusField(pid, field) {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(
      readFileSync(`/proc/${pid}/status`, 'utf8'),
    );
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Sum of peak RSS (VmHWM) over the processes, in bytes (an upper bound for several processes). */
export function peakRss(pids) {
  return pids.reduce((sum, pid) => sum + statusField(pid, 'VmHWM'), 0);
}

/** Sum of current RSS (VmRSS) over the processes, in bytes. */
export function currentRss(pids) {
  return pids.reduce((sum, pid) => sum + statusField(pid, 'VmRSS'), 0);
}
