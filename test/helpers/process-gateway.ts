/**
 * A real `keyward start` process for fault tests: its own temp dir and config, a free port, the
 * bootstrap admin key read from stderr, and its output and the answers the test read handed to
 * the no-leak sweep when it is stopped.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnCli, waitFor } from './cli.js';
import { callingTestFile, LeakCapture } from './leak-sweep.js';
import { freePort } from './ports.js';

export interface KeywardProcess {
  dir: string;
  port: number;
  base: string;
  adminKey: string;
  child: ReturnType<typeof spawnCli>['child'];
  output: { stdout: string; stderr: string };
  exited: Promise<number | null>;
  capture: LeakCapture;
  /** fetch() against the process, with the answer handed to the leak sweep. */
  call(path: string, init?: RequestInit): Promise<{ status: number; text: string }>;
  /** Kills it if still running, records what it printed, removes the temp dir unless kept. */
  cleanup(options?: { keepDir?: boolean }): Promise<void>;
}

/** Writes `yaml` (which may use `${PORT}`-free config; the port is passed on the command line) and starts. */
export async function startKeyward(
  yaml: string,
  env: Record<string, string> = {},
  options: { dir?: string; args?: string[] } = {},
): Promise<KeywardProcess> {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'keyward-proc-'));
  writeFileSync(join(dir, 'keyward.yaml'), `storage: { url: "sqlite:${join(dir, 'keyward.db')}" }\n${yaml}`);
  const port = await freePort();
  const server = spawnCli(['start', '--port', String(port), ...(options.args ?? [])], {
    cwd: dir,
    env: { HOST: '127.0.0.1', ...env },
  });
  await waitFor(
    () => server.output.stdout.includes('keyward listening') || server.child.exitCode !== null,
    30_000,
    'keyward listening',
  );
  const adminKey = /(kw_[0-9A-Za-z]{49})/.exec(server.output.stderr)?.[1] ?? '';
  const capture = new LeakCapture(callingTestFile());
  capture.plant(adminKey, 'api key');
  for (const value of Object.values(env)) if (value.length >= 32) capture.plant(value, 'master key');
  const base = `http://127.0.0.1:${port}`;
  return {
    dir,
    port,
    base,
    adminKey,
    ...server,
    capture,
    async call(path, init) {
      const res = await fetch(`${base}${path}`, init);
      const text = await res.text();
      capture.body(`${init?.method ?? 'GET'} ${path}`, text, 'socket');
      return { status: res.status, text };
    },
    async cleanup({ keepDir = false } = {}) {
      if (server.child.exitCode === null && server.child.signalCode === null) {
        server.child.kill('SIGKILL');
        await server.exited;
      }
      // Lines other than the one-time notices (`export ADMIN_KEY=…`) are what an operator's log collects.
      const lines = `${server.output.stdout}\n${server.output.stderr}`
        .split('\n')
        .filter((line) => !/^export [A-Z_]+=/.test(line));
      capture.watchLogs(lines);
      capture.write();
      if (!keepDir && !options.dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
