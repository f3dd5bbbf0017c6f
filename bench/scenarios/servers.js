// The servers the throughput and latency scenarios need, all on 127.0.0.1 free ports, each in
// its own process: the upstream (up for the whole run) and, started on demand, the baselines
// and one Keyward per scenario (so each one's peak RSS is its own). Idle servers are not free
// (eight idle gateways beside one cost it up to 18 %), so run.js starts a scenario group's
// servers just before its rounds and stops them right after.
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { findNginx } from '../baselines/nginx.js';
import { startNginxKeyCheck } from '../baselines/nginx-keycheck.js';
import { startUpstream } from '../baselines/upstream.js';
import { freePort, startProcess, waitForHttp } from '../lib/procs.js';
import { jwtBuilt, startJwtProvider } from './jwt-provider.js';
import { createKey, pendingNotes, prepareKeyward, startKeyward } from './keyward.js';
import { startRedisServer } from './redis.js';

async function nodeBaseline(benchDir, script, extra, readyPath, readyStatus = 200) {
  const port = await freePort();
  const proc = startProcess(process.execPath, [join(benchDir, 'baselines', script), String(port), ...extra], {
    cwd: benchDir,
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}${readyPath}`, proc, { status: readyStatus });
  return { url, proc };
}

/** A provider-JWT Keyward with its JWKS server, after checking that tokens are enforced. */
async function startJwtKeyward(root, work, upstreamUrl, nodeArgs) {
  if (!jwtBuilt(root)) return { skipped: 'JWT not built yet' };
  const jwt = await startJwtProvider();
  try {
    const jwtConfig = await prepareKeyward(root, join(work, 'keyward-jwt'), upstreamUrl, { jwt });
    const pending = (await pendingNotes(root, jwtConfig)).filter((note) =>
      note.includes('auth.jwt.providers'),
    );
    if (pending.length > 0) {
      await jwt.close();
      return { skipped: 'JWT not built yet (provider tokens not enforced)' };
    }
    const server = await startKeyward(root, jwtConfig, { nodeArgs });
    const get = (token) =>
      fetch(`${server.url}/jwt/hello`, { headers: { authorization: `Bearer ${token}` } });
    const good = await get(jwt.token);
    const forged = await get(`${jwt.token.slice(0, -8)}AAAAAAAA`);
    if (good.status !== 200 || forged.status !== 401) {
      await server.proc.stop();
      throw new Error(
        `provider tokens: valid got ${good.status}, forged got ${forged.status} (want 200, 401)`,
      );
    }
    return { ...server, token: jwt.token, also: [{ stop: () => jwt.close() }] };
  } catch (error) {
    await jwt.close();
    throw error;
  }
}

/**
 * Starts the upstream, prepares the Keyward stores and keys; returns { upstream, key, keys,
 * start(name) } where `start` resolves { url, proc, stop(), … } or { skipped: reason }.
 * `keys`: `tiny` (a key on the 1-a-day plan). `track(proc)` registers each process for cleanup.
 */
export async function prepareServers({ root, benchDir, work, nodeArgs, track, log }) {
  const upstream = await startUpstream(work);
  track(upstream.proc);
  const dir = join(work, 'keyward');
  const config = await prepareKeyward(root, dir, upstream.url);
  const key = await createKey(root, config);
  // The same store, with the role-locked route, the 1-a-day plan and the primes service.
  const extraConfig = await prepareKeyward(root, dir, upstream.url, {
    rejections: true,
    primes: true,
    file: 'keyward-extra.yaml',
  });
  const keys = { tiny: await createKey(root, extraConfig, 'bench-tiny', 'tiny') };
  const keyward = (options) => () => startKeyward(root, config, { nodeArgs, ...options });
  const nginx = findNginx();
  const starters = {
    'nginx-keycheck': () =>
      nginx ? startNginxKeyCheck(nginx, work, upstream.url, key) : { skipped: 'nginx not installed' },
    express: () => nodeBaseline(benchDir, 'express-proxy.js', [upstream.url, key], '/api/hello', 401),
    'fastify-hello': () => nodeBaseline(benchDir, 'fastify-hello.js', [], '/'),
    'fastify-undici': () =>
      nodeBaseline(benchDir, 'fastify-undici-proxy.js', [upstream.url, key], '/api/hello', 401),
    'node-floor': () => nodeBaseline(benchDir, 'node-floor.js', [upstream.url, key], '/api/hello', 401),
    'node-floor-workers2': () =>
      nodeBaseline(benchDir, 'node-floor-cluster.js', [upstream.url, key], '/api/hello', 401),
    'keyward-proxy': keyward(),
    'keyward-time': keyward(),
    'keyward-1mb': keyward(),
    'keyward-workers2': keyward({ workers: 2 }),
    'keyward-extra': () => startKeyward(root, extraConfig, { nodeArgs }),
    // log.level info: one access line per request, into a file as an operator's redirect would
    'keyward-info': async () => {
      const infoConfig = await prepareKeyward(root, dir, upstream.url, {
        logLevel: 'info',
        file: 'keyward-info.yaml',
      });
      const logFile = join(work, 'keyward-info.log');
      const fd = openSync(logFile, 'w');
      try {
        return { ...(await startKeyward(root, infoConfig, { nodeArgs, stdout: fd })), logFile };
      } finally {
        closeSync(fd); // the child has its own copy
      }
    },
    // The same store and key, with limits shared in Redis (leased: the bench's limits are huge).
    'keyward-redis': async () => {
      const redis = await startRedisServer(work);
      if (!redis) return { skipped: 'redis-server not installed' };
      track(redis.proc);
      try {
        const redisConfig = await prepareKeyward(root, dir, upstream.url, {
          redisUrl: redis.url,
          file: 'keyward-redis.yaml',
        });
        return { ...(await startKeyward(root, redisConfig, { nodeArgs })), also: [redis.proc] };
      } catch (error) {
        await redis.proc.stop();
        throw error;
      }
    },
    'keyward-jwt': () => startJwtKeyward(root, work, upstream.url, nodeArgs),
  };

  /** Starts server `name`; failures become { skipped } with the reason (and are logged). */
  async function start(name) {
    log(`starting ${name}`);
    try {
      const server = await starters[name]();
      if (server.skipped) return server;
      track(server.proc);
      return {
        ...server,
        async stop() {
          await server.proc.stop();
          for (const other of server.also ?? []) await other.stop();
        },
      };
    } catch (error) {
      console.error(error);
      return { skipped: `failed to start: ${String(error.message).split('\n')[0]}` };
    }
  }
  return { upstream, key, keys, start };
}
