import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Agent, request } from 'undici';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { WebSocket } from 'ws';
import { compileConfig } from '../../src/config/compile.js';
import { loadConfigFile } from '../../src/config/load.js';
import { type RunningGateway, startGateway } from '../../src/server/lifecycle.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { runCli, spawnCli, waitFor } from '../helpers/cli.js';
import { freePort } from '../helpers/ports.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';
import { startWsUpstream } from '../helpers/ws-upstream.js';

let upstream: TestUpstream;
beforeAll(async () => {
  upstream = await startUpstream();
});
afterAll(() => upstream.close());

let dir: string;
let file: string;
let gateway: RunningGateway;
let logs: string[];
let adminKey: string;
let appKey: string;
let base: string;

/** A config with route `a`, the time service on a plan of `perDay` a day, and `extra` YAML. */
function config(perDay: number, extra = ''): string {
  return `server: { host: 127.0.0.1, port: 0 }
storage: { url: "sqlite:${join(dir, 'keyward.db')}" }
plans:
  daily: { limits: [{ requests: ${perDay}, per: day }] }
routes:
  - name: a
    path: /a/*
    auth: [none]
    upstream: { url: "${upstream.url}/echo" }
${extra}services:
  time: { path: /v1/time, auth: [apiKey] }
`;
}

const routeB = `  - name: b
    path: /b/*
    auth: [none]
    upstream: { url: "${'${UP}'}/echo" }
`;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'keyward-reload-'));
  file = join(dir, 'keyward.yaml');
  writeFileSync(file, config(5));
  logs = [];
  const destination = new Writable({
    write(chunk, _e, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const env = { ...process.env, UP: upstream.url };
  const load = () => compileConfig(loadConfigFile(file, env));
  gateway = await startGateway(load(), {
    load,
    bootstrapAdmin: false,
    logger: createLogger({ level: 'info', redactedHeaders: ['x-api-key'], destination }),
  });
  base = gateway.url;
  adminKey = (await gateway.parts.keys.create({ name: 'admin', roles: ['admin'] }, { id: 'test' })).key;
  appKey = (await gateway.parts.keys.create({ name: 'app', plan: 'daily' }, { id: 'test' })).key;
});
afterEach(async () => {
  await gateway.stop();
  rmSync(dir, { recursive: true, force: true });
});

const status = async (path: string, headers: Record<string, string> = {}) =>
  (await fetch(`${base}${path}`, { headers })).status;

describe('a valid config', () => {
  test('replaces the routes: one added serves at once, the others keep serving', async () => {
    expect(await status('/b/x')).toBe(404);
    writeFileSync(file, config(5, routeB.replace('${UP}', upstream.url)));
    expect(await gateway.reload()).toEqual({ reloaded: true, problems: [] });
    expect(await status('/b/x')).toBe(200);
    expect(await status('/a/x')).toBe(200);
    expect(logs.join('')).toContain('config reloaded');
  });

  test('keeps every counter: a plan raised from 5 to 7 a day allows 7 in all, not 7 more', async () => {
    for (let i = 0; i < 5; i++) expect(await status('/v1/time', { 'x-api-key': appKey })).toBe(200);
    expect(await status('/v1/time', { 'x-api-key': appKey })).toBe(429);
    writeFileSync(file, config(7));
    expect((await gateway.reload()).reloaded).toBe(true);
    expect(await status('/v1/time', { 'x-api-key': appKey })).toBe(200);
    expect(await status('/v1/time', { 'x-api-key': appKey })).toBe(200);
    expect(await status('/v1/time', { 'x-api-key': appKey })).toBe(429);
  });

  test('POST /admin/v1/config/reload does the same for an admin, and nothing for others', async () => {
    writeFileSync(file, config(5, routeB.replace('${UP}', upstream.url)));
    const post = (key: string) =>
      fetch(`${base}/admin/v1/config/reload`, { method: 'POST', headers: { 'x-api-key': key } });
    expect((await post(appKey)).status).toBe(403);
    expect(await status('/b/x')).toBe(404);
    const res = await post(adminKey);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ reloaded: true });
    expect(await status('/b/x')).toBe(200);
  });
});

describe('a config that cannot be applied changes nothing', () => {
  test.each([
    ['an unknown key', () => config(5, '  - bogus: 1\n'), /routes\[1\]/],
    ['a YAML error', () => 'routes: [\n', /\(yaml\)/],
    ['a new storage.url', () => config(5).replace('keyward.db', 'other.db'), /^storage\.url$/],
    ['a new port', () => config(5).replace('port: 0', 'port: 1'), /^server\.port$/],
  ])('%s: the problems are logged and returned, the old routes serve', async (_name, yaml, path) => {
    writeFileSync(file, yaml());
    const outcome = await gateway.reload();
    expect(outcome.reloaded).toBe(false);
    expect(outcome.problems.map((p) => p.path).some((p) => path.test(p))).toBe(true);
    expect(await status('/a/x')).toBe(200);
    expect(logs.join('')).toContain('config not reloaded; the running config stays');
    const res = await fetch(`${base}/admin/v1/config/reload`, {
      method: 'POST',
      headers: { 'x-api-key': adminKey },
    });
    expect(res.status).toBe(422);
    expect(((await res.json()) as { code: string }).code).toBe('KW_ERR_VALIDATION');
  });
});

describe('under load', () => {
  test('ten reloads while clients keep calling: not one request fails or is cut', async () => {
    const agent = new Agent({ connections: 8, pipelining: 1 });
    let stop = false;
    const failures: string[] = [];
    let answered = 0;
    const client = async () => {
      while (!stop) {
        try {
          const res = await request(`${base}/a/x`, { dispatcher: agent });
          await res.body.text();
          if (res.statusCode !== 200) failures.push(`status ${res.statusCode}`);
          answered++;
        } catch (error) {
          failures.push((error as Error).message);
        }
      }
    };
    const clients = Array.from({ length: 8 }, client);
    for (let i = 0; i < 10; i++) {
      writeFileSync(file, config(5 + i, i % 2 ? routeB.replace('${UP}', upstream.url) : ''));
      expect((await gateway.reload()).reloaded).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    stop = true;
    await Promise.all(clients);
    await agent.close();
    expect(failures).toEqual([]);
    expect(answered).toBeGreaterThan(20);
  });
});

describe('WebSockets', () => {
  test('a socket opened before a reload stays open and relays after it; new upgrades get the new config', async () => {
    const ws = await startWsUpstream();
    const feed = (path: string) =>
      `  - name: feed\n    path: ${path}\n    methods: [GET]\n    auth: [none]\n    upstream: { url: "${ws.url}", websocket: true }\n`;
    try {
      writeFileSync(file, config(5, feed('/feed/*')));
      expect((await gateway.reload()).reloaded).toBe(true);
      const socket = new WebSocket(`${base.replace('http', 'ws')}/feed/one`);
      await new Promise((resolve, reject) => {
        socket.once('open', resolve);
        socket.once('error', reject);
      });
      const echo = (text: string) =>
        new Promise<string>((resolve) => {
          socket.once('message', (data) => resolve(String(data)));
          socket.send(text);
        });
      expect(await echo('before')).toContain('before');

      writeFileSync(file, config(5, feed('/stream/*')));
      expect((await gateway.reload()).reloaded).toBe(true);
      // The open socket carries on; the moved route answers new upgrades only at its new path.
      expect(await echo('after')).toContain('after');
      expect(socket.readyState).toBe(WebSocket.OPEN);
      const moved = new WebSocket(`${base.replace('http', 'ws')}/stream/two`);
      await new Promise((resolve, reject) => {
        moved.once('open', resolve);
        moved.once('error', reject);
      });
      moved.close();
      const old = new WebSocket(`${base.replace('http', 'ws')}/feed/three`);
      const refused = await new Promise<number>((resolve) => {
        old.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        old.once('open', () => resolve(101));
      });
      expect(refused).toBe(404);
      socket.close();
    } finally {
      await ws.close();
    }
  });
});

describe('from the command line', () => {
  test('`keyward reload` through the admin API, and SIGHUP with --pid', async () => {
    const port = await freePort();
    const cliDir = mkdtempSync(join(tmpdir(), 'keyward-reload-cli-'));
    const cliFile = join(cliDir, 'keyward.yaml');
    const write = (extra: string) =>
      writeFileSync(
        cliFile,
        `server: { host: 127.0.0.1, port: ${port} }\nstorage: { url: "sqlite:${join(cliDir, 'k.db')}" }\nroutes:\n  - name: a\n    path: /a/*\n    auth: [none]\n    upstream: { url: "${upstream.url}/echo" }\n${extra}`,
      );
    write('');
    const server = spawnCli(['start', '--config', cliFile], { cwd: cliDir });
    try {
      await waitFor(() => server.output.stdout.includes('keyward listening'), 20_000, 'listening');
      const key = /(kw_[0-9A-Za-z]{49})/.exec(server.output.stderr)?.[1] ?? '';
      const at = (path: string) => fetch(`http://127.0.0.1:${port}${path}`).then((r) => r.status);

      write(routeB.replace('${UP}', upstream.url));
      const withoutKey = runCli(['reload', '--config', cliFile], {
        cwd: cliDir,
        env: { KEYWARD_ADMIN_KEY: '' },
      });
      expect(withoutKey.status).not.toBe(0);
      expect(withoutKey.stderr).toContain('KEYWARD_ADMIN_KEY');
      const reloaded = runCli(['reload', '--config', cliFile], {
        cwd: cliDir,
        env: { KEYWARD_ADMIN_KEY: key },
      });
      expect(reloaded.stdout).toBe('config reloaded\n');
      expect(reloaded.status).toBe(0);
      expect(await at('/b/x')).toBe(200);

      write('bogus: 1\n');
      const refused = runCli(['reload', '--config', cliFile], {
        cwd: cliDir,
        env: { KEYWARD_ADMIN_KEY: key },
      });
      expect(refused.status).toBe(1);
      expect(refused.stderr).toContain('bogus: unknown key');
      expect(await at('/b/x')).toBe(200);

      write('');
      const signalled = runCli(['reload', '--pid', String(server.child.pid)], { cwd: cliDir });
      expect(signalled.status).toBe(0);
      await waitFor(
        () => (server.output.stdout.match(/config reloaded/g) ?? []).length === 2,
        10_000,
        'SIGHUP reload',
      );
      expect(await at('/b/x')).toBe(404);
      expect(await at('/a/x')).toBe(200);
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
      rmSync(cliDir, { recursive: true, force: true });
    }
  });
});
