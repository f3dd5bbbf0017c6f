// Baseline: Node's floor for a key-checking proxy — a bare `node:http` server that looks the
// SHA-256 digest of X-Api-Key up in a Map (401 otherwise) and forwards through an undici Pool's
// `dispatch`, relaying status, content type and body. No framework, no limits, no usage, no
// header hygiene: what any Node gateway costs before it does anything of its own.
// argv: port upstreamUrl apiKey
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import { Pool } from 'undici';

const [port, upstream, apiKey] = process.argv.slice(2);
const digest = (key) => createHash('sha256').update(key).digest('hex');
const keys = new Map([[digest(apiKey), { id: 'bench' }]]);
const pool = new Pool(upstream, { connections: 64 });

/** Relays one upstream answer to `res` (undici's dispatch handler interface). */
function relay(res) {
  return {
    onRequestStart() {},
    onResponseStart(_controller, statusCode, headers) {
      const out = {};
      if (headers['content-type']) out['content-type'] = headers['content-type'];
      if (headers['content-length']) out['content-length'] = headers['content-length'];
      res.writeHead(statusCode, out);
    },
    onResponseData(_controller, chunk) {
      res.write(chunk);
    },
    onResponseEnd() {
      res.end();
    },
    onResponseError(_controller, error) {
      if (res.headersSent) res.destroy(error);
      else res.writeHead(502).end();
    },
  };
}

const server = createServer((req, res) => {
  const key = req.headers['x-api-key'];
  if (typeof key !== 'string' || !keys.has(digest(key)) || !req.url.startsWith('/api/')) {
    res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"invalid key"}');
    return;
  }
  pool.dispatch({ path: req.url.slice('/api'.length), method: 'GET' }, relay(res));
});
server.keepAliveTimeout = 60_000;
server.listen(Number(port), '127.0.0.1');
process.on('SIGTERM', () => server.close(() => pool.close().then(() => process.exit(0))));
