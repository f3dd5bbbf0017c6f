/**
 * The deployment files, checked as far as this machine can without a container engine: the
 * Dockerfile's pinned Node, stages, user, volume and entry point, with its health check run
 * against a real Keyward on the image's config; the compose file's services and the configs it
 * mounts (Keyward started on them against real Postgres and Redis, nginx's checked by `nginx -t`);
 * the systemd unit checked by `systemd-analyze verify`.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { runCli, spawnCli, waitFor } from '../helpers/cli.js';
import { findTool, freePort, type RunningService, startPostgres, startRedis } from '../helpers/services.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const pinnedNode: string = JSON.parse(read('package-lock.json')).packages['node_modules/node'].version;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'keyward-deploy-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Dockerfile instructions, continuation lines joined, comments dropped. */
function dockerInstructions(): { op: string; args: string }[] {
  const joined = read('Dockerfile')
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('#'))
    .join('\n')
    .replace(/\\\n/g, ' ');
  return joined
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [op = '', ...rest] = line.trim().split(/\s+/);
      return { op: op.toUpperCase(), args: rest.join(' ') };
    });
}

/** Starts Keyward with a config file and environment; returns its URL and a stop function. */
async function startKeyward(config: string, env: Record<string, string>) {
  const port = await freePort();
  const server = spawnCli(['start', '--config', config, '--port', String(port)], {
    cwd: dir,
    env: { ...env, PORT: String(port) },
  });
  await waitFor(
    () => server.output.stdout.includes('keyward listening') || server.child.exitCode !== null,
    20_000,
    'listening',
  );
  expect(server.child.exitCode, server.output.stderr).toBeNull();
  return {
    port,
    stderr: () => server.output.stderr,
    async stop() {
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
    },
  };
}

describe('Dockerfile', () => {
  const steps = dockerInstructions();
  const froms = steps.filter((s) => s.op === 'FROM');
  const finalStage = steps.slice(steps.lastIndexOf(froms[froms.length - 1] as (typeof steps)[number]));

  test('multi-stage, every stage on the Node.js pinned in package-lock.json', () => {
    expect(froms.length).toBeGreaterThanOrEqual(2);
    expect(steps.find((s) => s.op === 'ARG' && s.args.startsWith('NODE_VERSION='))?.args).toBe(
      `NODE_VERSION=${pinnedNode}`,
    );
    for (const from of froms) expect(from.args).toMatch(/^node:\$\{NODE_VERSION\}-[a-z]+-slim( AS \w+)?$/);
  });

  test('the final stage runs as a non-root user, keeps state on a volume, is health-checked and starts keyward', () => {
    const op = (name: string) => finalStage.filter((s) => s.op === name).map((s) => s.args);
    expect(op('USER')).toEqual(['node']);
    expect(op('VOLUME')).toEqual(['["/data"]']);
    expect(op('HEALTHCHECK')[0]).toMatch(/\/healthz/);
    expect(op('ENTRYPOINT')).toEqual(['["node", "/app/dist/cli/bin.js"]']);
    expect(op('CMD')).toEqual(['["start"]']);
    expect(op('ENV').join(' ')).toContain('KEYWARD_CONFIG=/etc/keyward/keyward.yaml');
    // Production dependencies only: the build stage prunes the rest before they are copied.
    expect(steps.find((s) => s.op === 'RUN' && s.args.includes('npm prune --omit=dev'))).toBeDefined();
  });

  test('everything copied from the build context exists and is not excluded by .dockerignore', () => {
    const ignored = read('.dockerignore')
      .split('\n')
      .filter((l) => l.trim() !== '' && !l.startsWith('#'));
    const sources = steps
      .filter((s) => s.op === 'COPY' && !s.args.startsWith('--from'))
      .flatMap((s) => s.args.split(/\s+/).slice(0, -1));
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) {
      expect(existsSync(join(ROOT, source)), source).toBe(true);
      expect(ignored.includes(source.split('/')[0] as string), source).toBe(false);
    }
    for (const secret of ['.env', 'data', 'node_modules', 'keyward.yaml']) expect(ignored).toContain(secret);
  });

  test("the image's config and health check work: healthy while Keyward runs, unhealthy once it stops", async () => {
    const healthcheck = finalStage.find((s) => s.op === 'HEALTHCHECK')?.args ?? '';
    const command = JSON.parse(healthcheck.slice(healthcheck.indexOf('CMD ') + 4)) as string[];
    expect(command[0]).toBe('node');
    const env = {
      KEYWARD_DATA_DIR: join(dir, 'image-data'),
      KEYWARD_MASTER_KEY: randomBytes(32).toString('base64'),
    };
    const server = await startKeyward(join(ROOT, 'deploy/docker/keyward.yaml'), env);
    const probe = () =>
      spawnSync(process.execPath, command.slice(1), { env: { PORT: String(server.port) }, timeout: 10_000 })
        .status;
    try {
      expect(server.stderr()).toMatch(/^export ADMIN_KEY=kw_/m);
      expect(existsSync(join(dir, 'image-data', 'keyward.db'))).toBe(true);
      expect(probe()).toBe(0);
    } finally {
      await server.stop();
    }
    expect(probe()).toBe(1);
  });
});

describe('compose file', () => {
  const compose = parse(read('deploy/compose/compose.yaml'), { merge: true });
  let postgres: RunningService | null = null;
  let redis: RunningService | null = null;
  afterAll(async () => {
    await postgres?.stop();
    await redis?.stop();
  });

  test('Postgres, Redis, two Keyward instances built from the Dockerfile, nginx in front', () => {
    expect(Object.keys(compose.services).sort()).toEqual([
      'keyward-a',
      'keyward-b',
      'nginx',
      'postgres',
      'redis',
    ]);
    for (const name of ['keyward-a', 'keyward-b']) {
      const service = compose.services[name];
      expect(service.build).toEqual({ context: '../..', dockerfile: 'Dockerfile' });
      expect(Object.keys(service.environment).sort()).toEqual([
        'DATABASE_URL',
        'KEYWARD_CONFIG',
        'KEYWARD_MASTER_KEY',
        'REDIS_URL',
      ]);
    }
    // The second instance waits for the first, which creates the first admin and signing keys.
    expect(compose.services['keyward-b'].depends_on).toEqual({
      'keyward-a': { condition: 'service_healthy' },
    });
    for (const name of ['postgres', 'redis']) expect(compose.services[name].healthcheck.test).toBeDefined();
    expect(compose.services.nginx.ports).toEqual(['8080:8080']);
    expect(Object.keys(compose.volumes).sort()).toEqual(['postgres-data', 'redis-data']);
  });

  test('every file it mounts exists, and every variable it requires is in env.example', () => {
    const mounts = Object.values(compose.services).flatMap(
      (s) => (s as { volumes?: string[] }).volumes ?? [],
    );
    for (const mount of mounts.filter((m) => m.startsWith('./'))) {
      expect(existsSync(join(ROOT, 'deploy/compose', mount.split(':')[0] as string)), mount).toBe(true);
    }
    const required = [...read('deploy/compose/compose.yaml').matchAll(/\$\{(\w+):\?/g)].map((m) => m[1]);
    const example = read('deploy/compose/env.example');
    for (const name of new Set(required)) expect(example).toMatch(new RegExp(`^${name}=$`, 'm'));
  });

  test("keyward.yaml trusts exactly the compose network's addresses", () => {
    const config = parse(read('deploy/compose/keyward.yaml'));
    expect(config.server.trustProxy).toEqual([compose.networks.default.ipam.config[0].subnet]);
  });

  test('Keyward starts on keyward.yaml against a real Postgres and Redis', async () => {
    postgres = await startPostgres();
    redis = await startRedis();
    if (!postgres || !redis) return;
    const env = {
      DATABASE_URL: postgres.url,
      REDIS_URL: redis.url,
      KEYWARD_MASTER_KEY: randomBytes(32).toString('base64'),
    };
    const config = join(ROOT, 'deploy/compose/keyward.yaml');
    expect(runCli(['check', '--config', config], { cwd: dir, env }).status).toBe(0);
    const server = await startKeyward(config, env);
    try {
      const ready = await fetch(`http://127.0.0.1:${server.port}/readyz`);
      expect(ready.status).toBe(200);
    } finally {
      await server.stop();
    }
  });

  test('nginx accepts nginx.conf (nginx -t, with the instances on loopback)', () => {
    const nginx = findTool('nginx');
    if (!nginx) return;
    const conf = read('deploy/compose/nginx.conf').replace(/keyward-[ab]:8080/g, '127.0.0.1:8080');
    writeFileSync(
      join(dir, 'nginx.conf'),
      conf.replace('events {', `pid ${join(dir, 'nginx.pid')};\nevents {`),
    );
    const r = spawnSync(
      nginx,
      ['-t', '-q', '-p', dir, '-e', join(dir, 'nginx-error.log'), '-c', join(dir, 'nginx.conf')],
      {
        encoding: 'utf8',
      },
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});

describe('systemd unit', () => {
  test('systemd-analyze verify finds nothing wrong (the checkout paths pointed at this one)', () => {
    // Optional even under KEYWARD_REQUIRE_SERVICES: CI installs no systemd, but most machines have it.
    const analyze = 'systemd-analyze';
    if (spawnSync(analyze, ['--version']).status !== 0) {
      console.warn('skipping: systemd-analyze not installed');
      return;
    }
    const unit = read('deploy/systemd/keyward.service')
      .replace('/opt/keyward/node_modules/.bin/node', process.execPath)
      .replace('/opt/keyward/dist/cli/bin.js', join(ROOT, 'dist/cli/bin.js'));
    writeFileSync(join(dir, 'keyward.service'), unit);
    const r = spawnSync(analyze, ['verify', join(dir, 'keyward.service')], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});
