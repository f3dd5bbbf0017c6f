/**
 * A real child process on an IPC channel, standing in for a `--workers` worker: it runs an
 * RpcClient (and a PrimaryBus) from the built `dist/`, and does what the test tells it through
 * plain (non-RPC) messages — make calls, publish a change — reporting back the same way.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const DIST = fileURLToPath(new URL('../../dist/', import.meta.url));

const SCRIPT = `
const { RpcClient } = await import(${JSON.stringify(`${DIST}ipc/rpc.js`)});
const { PrimaryBus } = await import(${JSON.stringify(`${DIST}bus/primary-bus.js`)});
const rpc = new RpcClient(process, Number(process.env.RPC_TIMEOUT_MS || 2000));
const bus = new PrimaryBus(rpc);
bus.subscribe((change) => process.send({ cmd: 'heard', change }));
process.on('message', async (m) => {
  if (m?.cmd === 'calls') {
    const results = await Promise.all(m.calls.map(([method, payload]) =>
      rpc.call(method, payload).then((value) => ({ value }), (error) => ({ error: error.message }))));
    process.send({ cmd: 'results', results });
  } else if (m?.cmd === 'publish') {
    bus.publish(m.change);
  }
});
process.send({ cmd: 'ready' });
`;

export interface IpcChild {
  child: ChildProcess;
  /** Every message the child sent, RPC envelopes included. */
  messages: unknown[];
  /** Makes the calls in one turn; resolves with each value or error message. */
  calls(calls: [string, unknown][]): Promise<({ value: unknown } | { error: string })[]>;
  publish(change: unknown): void;
  /** Changes the child's bus heard from elsewhere. */
  heard: unknown[];
  stop(): void;
}

/** Forks a child worker; `timeoutMs` is its RPC timeout. */
export async function forkIpcChild(timeoutMs = 2000): Promise<IpcChild> {
  const dir = mkdtempSync(join(tmpdir(), 'keyward-ipc-'));
  const file = join(dir, 'child.mjs');
  writeFileSync(file, SCRIPT);
  const child = fork(file, [], {
    env: { ...process.env, RPC_TIMEOUT_MS: String(timeoutMs) },
    stdio: 'ignore',
  });
  const messages: unknown[] = [];
  const heard: unknown[] = [];
  let onResults: ((r: ({ value: unknown } | { error: string })[]) => void) | null = null;
  const ready = new Promise<void>((resolve) => {
    child.on('message', (m: { cmd?: string; results?: never; change?: unknown }) => {
      messages.push(m);
      if (m?.cmd === 'ready') resolve();
      if (m?.cmd === 'results') onResults?.(m.results as never);
      if (m?.cmd === 'heard') heard.push(m.change);
    });
  });
  await ready;
  rmSync(dir, { recursive: true, force: true });
  return {
    child,
    messages,
    heard,
    calls(calls) {
      return new Promise((resolve) => {
        onResults = resolve;
        child.send({ cmd: 'calls', calls });
      });
    },
    publish(change) {
      child.send({ cmd: 'publish', change });
    },
    stop() {
      child.kill();
    },
  };
}
