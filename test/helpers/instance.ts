/**
 * A gateway as operators run it: the built CLI (`dist/cli/main.js start`) in its own process on
 * a free port, with a config file — for tests where several instances, or `--workers`, share a
 * store and Redis. Ready once every process logged "keyward listening".
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, spawnCli, waitFor } from './cli.js';
import { freePort } from './ports.js';

export interface Instance {
  url: string;
  port: number;
  output: { stdout: string; stderr: string };
  /** Process ids that answered requests so far (from the request log lines). */
  servingPids(): Set<string>;
  /** SIGTERM, then the exit code (SIGKILL after 10 s). */
  stop(): Promise<number | null>;
}

/** Writes `yaml` to `dir/name` and returns its path. */
export function writeConfig(dir: string, yaml: string, name = 'keyward.yaml'): string {
  const file = join(dir, name);
  writeFileSync(file, yaml);
  return file;
}

/** Creates a key with `keyward keys create --json`; returns its id and plaintext. */
export function createKeyWithCli(config: string, args: string[] = []): { id: string; key: string } {
  const result = runCli(['keys', 'create', '--name', 'test', '--json', '--config', config, ...args]);
  if (result.status !== 0) throw new Error(`keys create failed: ${result.stderr}`);
  const parsed = JSON.parse(result.stdout) as { id: string; key: string };
  return { id: parsed.id, key: parsed.key };
}

/**
 * Stores keys (made by the test, e.g. with generateApiKey) with one `keyward keys import`, which
 * is much quicker than one `keys create` process per key.
 */
export function importKeysWithCli(
  config: string,
  dir: string,
  keys: { name: string; key: string; plan?: string }[],
): void {
  const file = join(dir, 'keys.jsonl');
  writeFileSync(file, `${keys.map((k) => JSON.stringify(k)).join('\n')}\n`);
  const result = runCli(['keys', 'import', file, '--config', config]);
  if (result.status !== 0) throw new Error(`keys import failed: ${result.stderr}`);
}

/** Starts `keyward start --config FILE --port P [--workers N]` and waits until every process listens. */
export async function startInstance(
  config: string,
  options: { workers?: number; env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<Instance> {
  const port = await freePort();
  const workers = options.workers ?? 1;
  const args = ['start', '--config', config, '--port', String(port)];
  if (workers > 1) args.push('--workers', String(workers));
  const server = spawnCli(args, { ...(options.cwd ? { cwd: options.cwd } : {}), env: options.env ?? {} });
  const listening = () => (server.output.stdout.match(/keyward listening/g) ?? []).length;
  try {
    await waitFor(() => listening() >= workers || server.child.exitCode !== null, 30_000, 'listening');
  } catch (error) {
    server.child.kill('SIGKILL');
    throw new Error(`${(error as Error).message}\n${server.output.stderr}`);
  }
  if (server.child.exitCode !== null) throw new Error(`keyward start exited:\n${server.output.stderr}`);
  let stopped: Promise<number | null> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    output: server.output,
    servingPids() {
      const pids = new Set<string>();
      for (const line of server.output.stdout.split('\n')) {
        const pid = /"pid":(\d+)/.exec(line)?.[1];
        if (pid && line.includes('"msg":"request"')) pids.add(pid);
      }
      return pids;
    },
    stop() {
      stopped ??= (async () => {
        if (server.child.exitCode === null) server.child.kill('SIGTERM');
        const timer = setTimeout(() => server.child.kill('SIGKILL'), 10_000);
        try {
          return await server.exited;
        } finally {
          clearTimeout(timer);
        }
      })();
      return stopped;
    },
  };
}
