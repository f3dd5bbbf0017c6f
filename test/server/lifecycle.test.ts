import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { spawnCli, waitFor } from '../helpers/cli.js';
import { freePort } from '../helpers/ports.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'keyward-life-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function startServer(args: string[]) {
  const port = await freePort();
  const server = spawnCli(['start', '--port', String(port), ...args], {
    cwd: dir,
    env: { HOST: '127.0.0.1' },
  });
  await waitFor(
    () => server.output.stdout.includes('keyward listening') || server.child.exitCode !== null,
    15_000,
    'listening',
  );
  const adminKey = /(kw_[0-9A-Za-z]{49})/.exec(server.output.stderr)?.[1] ?? '';
  return { ...server, port, adminKey };
}

describe('keyward start', () => {
  test('serves the demo config with no config file, on ./data/keyward.db, and prints an admin key once', async () => {
    const server = await startServer([]);
    try {
      const health = await fetch(`http://127.0.0.1:${server.port}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ status: 'ok' });
      expect(server.adminKey).not.toBe('');
      const keys = await fetch(`http://127.0.0.1:${server.port}/admin/v1/keys`, {
        headers: { 'x-api-key': server.adminKey },
      });
      expect(keys.status).toBe(200);
    } finally {
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
    }
    // A second start reuses the store and its admin: no new key is printed.
    const again = await startServer([]);
    again.child.kill('SIGTERM');
    expect(await again.exited).toBe(0);
    expect(again.adminKey).toBe('');
  });

  test('SIGTERM lets an in-flight request finish, then exits 0', async () => {
    const server = await startServer([]);
    const body = JSON.stringify({ name: 'created during shutdown' });
    const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: server.port,
          method: 'POST',
          path: '/admin/v1/keys',
          headers: {
            'content-type': 'application/json',
            'content-length': body.length,
            'x-api-key': server.adminKey,
          },
        },
        (res) => {
          let text = '';
          res.on('data', (d) => {
            text += d;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        },
      );
      req.on('error', reject);
      // Half the body now; the signal arrives while the request is still being received.
      req.write(body.slice(0, 10));
      setTimeout(() => {
        server.child.kill('SIGTERM');
        setTimeout(() => req.end(body.slice(10)), 400);
      }, 200);
    });
    const result = await response;
    expect(result.status).toBe(201);
    expect(JSON.parse(result.body).name).toBe('created during shutdown');
    expect(await server.exited).toBe(0);
    // New connections are refused once it has stopped.
    await expect(fetch(`http://127.0.0.1:${server.port}/healthz`)).rejects.toThrow();
  });

  test('a broken config refuses to start with the problem on one line per path', async () => {
    writeFileSync(join(dir, 'keyward.yaml'), 'server: { port: eighty }\n');
    const server = spawnCli(['start'], { cwd: dir });
    expect(await server.exited).toBe(1);
    expect(server.output.stderr).toContain(
      'keyward.yaml: server.port: expected a port 0-65535, got "eighty" (line 1)',
    );
  });

  test('a bad --port is a one-line usage error', async () => {
    const server = spawnCli(['start', '--port', 'abc'], { cwd: dir });
    expect(await server.exited).not.toBe(0);
    expect(server.output.stderr.trim()).toMatch(/^keyward: .*--port: expected 0-65535, got "abc"$/);
  });
});

describe('the demo proxy route', () => {
  test('reaches the built-in echo upstream with the injected key, masked in what comes back', async () => {
    const server = await startServer([]);
    try {
      const res = await fetch(`http://127.0.0.1:${server.port}/demo/echo/hello?x=1`, {
        headers: { 'x-api-key': server.adminKey },
      });
      expect(res.status).toBe(200);
      const body = (await res.json()) as {
        path: string;
        query: Record<string, string>;
        headers: Record<string, string>;
      };
      expect(body.path).toBe('/hello');
      expect(body.query).toEqual({ x: '1' });
      expect(body.headers['x-upstream-key']).toBe('*'.repeat('demo-upstream-secret-0001'.length));
      expect(body.headers['x-api-key']).toBeUndefined();
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  });
});

describe('keyward start --workers', () => {
  test('N processes share the port; SIGTERM to the primary stops them all cleanly', async () => {
    const server = await startServer(['--workers', '2']);
    await waitFor(
      () => (server.output.stdout.match(/keyward listening/g) ?? []).length === 2,
      15_000,
      'two workers',
    );
    expect(server.adminKey).not.toBe('');
    const pids = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const res = await fetch(`http://127.0.0.1:${server.port}/admin/v1/keys`, {
        headers: { 'x-api-key': server.adminKey, connection: 'close' },
      });
      expect(res.status).toBe(200);
    }
    for (const line of server.output.stdout.split('\n')) {
      const pid = /"pid":(\d+)/.exec(line)?.[1];
      if (pid && line.includes('"msg":"request"')) pids.add(pid);
    }
    // Linux cluster hands new connections to workers round-robin, so both served some.
    expect(pids.size).toBe(2);
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  });

  test('a bad --workers value is a one-line error', async () => {
    const server = spawnCli(['start', '--workers', 'many'], { cwd: dir });
    expect(await server.exited).not.toBe(0);
    expect(server.output.stderr.trim()).toMatch(/^keyward: --workers: expected 1-64, got "many"$/);
  });
});
