// Baseline: nginx as an API-key-checking reverse proxy — a `map` of valid X-Api-Key values,
// 401 otherwise, keep-alive to the upstream, the key header stripped before forwarding.
import { freePort } from '../lib/procs.js';
import { startNginx } from './nginx.js';

/** Starts the proxy on a free port; `/api/<path>` goes to `<upstream>/<path>`. */
export async function startNginxKeyCheck(binary, dir, upstreamUrl, apiKey) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const proc = await startNginx(
    binary,
    dir,
    'keycheck',
    `  map_hash_bucket_size 128;
  map $http_x_api_key $bench_key_ok {
    default 0;
    "${apiKey}" 1;
  }
  upstream bench_upstream {
    server ${new URL(upstreamUrl).host};
    keepalive 64;
    keepalive_requests 1000000;
  }
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:${port} backlog=4096;
    location /api/ {
      if ($bench_key_ok = 0) { return 401; }
      proxy_pass http://bench_upstream/;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header X-Api-Key "";
    }
  }`,
    `${url}/api/hello`,
    401,
  );
  return { url, proc };
}
