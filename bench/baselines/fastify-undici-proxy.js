// Reference: the smallest useful Node gateway — Fastify + an undici Pool, a SHA-256 digest
// of the key looked up in a Map, the upstream body streamed back. No limits, no usage.
// argv: port upstreamUrl apiKey
import { createHash } from 'node:crypto';
import Fastify from 'fastify';
import { Pool } from 'undici';

const [port, upstream, apiKey] = process.argv.slice(2);
const digest = (key) => createHash('sha256').update(key).digest('hex');
const keys = new Map([[digest(apiKey), { id: 'bench' }]]);
const pool = new Pool(upstream, { connections: 64 });
const app = Fastify({ logger: false });
app.get('/api/*', async (request, reply) => {
  const key = request.headers['x-api-key'];
  if (typeof key !== 'string' || !keys.has(digest(key)))
    return reply.code(401).send({ error: 'invalid key' });
  const res = await pool.request({ path: `/${request.params['*']}`, method: 'GET' });
  reply.code(res.statusCode);
  const type = res.headers['content-type'];
  if (type) reply.header('content-type', type);
  return reply.send(res.body);
});
await app.listen({ port: Number(port), host: '127.0.0.1' });
process.on('SIGTERM', () => app.close().then(() => process.exit(0)));
