// Starts every server the throughput scenarios need, all on 127.0.0.1 free ports, each in its
// own process: the upstream, the baselines and one Keyward per scenario (so each one's peak
// RSS is its own). Idle servers cost nothing measurable, so they all stay up while the rounds
// alternate between them.
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

/**
 * Starts everything (or, with `only`, the servers named in it); `track(proc)` registers each
 * process for cleanup. Returns { upstream, key, servers: { name: { url, proc } | { skipped } }, jwt }.
 */
export async function startServers({ root, benchDir, work, nodeArgs, track, log, only = null }) {
  const upstream = await startUpstream(work);
  track(upstream.proc);
  const config = await prepareKeyward(root, join(work, 'keyward'), upstream.url);
  const key = await createKey(root, config);
  const servers = { upstream };
  const start = async (name, fn) => {
    if (only && !only.has(name)) {
      servers[name] = { skipped: 'not selected (--only)' };
      return;
    }
    log(`starting ${name}`);
    try {
      servers[name] = await fn();
      if (servers[name].proc) track(servers[name].proc);
    } catch (error) {
      console.error(error);
      servers[name] = { skipped: `failed to start: ${String(error.message).split('\n')[0]}` };
    }
  };
  const nginx = findNginx();
  if (nginx) await start('nginx-keycheck', () => startNginxKeyCheck(nginx, work, upstream.url, key));
  else servers['nginx-keycheck'] = { skipped: 'nginx not installed' };
  await start('express', () =>
    nodeBaseline(benchDir, 'express-proxy.js', [upstream.url, key], '/api/hello', 401),
  );
  await start('fastify-hello', () => nodeBaseline(benchDir, 'fastify-hello.js', [], '/'));
  await start('fastify-undici', () =>
    nodeBaseline(benchDir, 'fastify-undici-proxy.js', [upstream.url, key], '/api/hello', 401),
  );
  const keyward = (options) => () => startKeyward(root, config, { nodeArgs, ...options });
  await start('keyward-proxy', keyward());
  await start('keyward-time', keyward());
  await start('keyward-1mb', keyward());
  await start('keyward-workers2', keyward({ workers: 2 }));
  // The same store and key, with limits shared in Redis (leased: the bench's limits are huge).
  await start('keyward-redis', async () => {
    const redis = await startRedisServer(work);
    if (!redis) return { skipped: 'redis-server not installed' };
    track(redis.proc);
    const redisConfig = await prepareKeyward(root, join(work, 'keyward'), upstream.url, {
      redisUrl: redis.url,
      file: 'keyward-redis.yaml',
    });
    return startKeyward(root, redisConfig, { nodeArgs });
  });

  let jwt = null;
  if (only && !only.has('keyward-jwt')) servers['keyward-jwt'] = { skipped: 'not selected (--only)' };
  else if (!jwtBuilt(root)) servers['keyward-jwt'] = { skipped: 'JWT not built yet' };
  else {
    jwt = await startJwtProvider();
    await start('keyward-jwt', async () => {
      const jwtConfig = await prepareKeyward(root, join(work, 'keyward-jwt'), upstream.url, { jwt });
      const pending = (await pendingNotes(root, jwtConfig)).filter((note) =>
        note.includes('auth.jwt.providers'),
      );
      if (pending.length > 0) return { skipped: 'JWT not built yet (provider tokens not enforced)' };
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
      return server;
    });
  }
  return { upstream, key, config, servers, jwt };
}
