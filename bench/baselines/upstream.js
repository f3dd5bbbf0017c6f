// The upstream every proxy in the bench forwards to: nginx serving two static files when
// nginx is installed, else a fast node:http server. GET /hello is a small JSON body, GET /1mb
// is 1 MiB.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, startProcess, waitForHttp } from '../lib/procs.js';
import { findNginx, startNginx } from './nginx.js';

export const SMALL_BODY = '{"hello":"world","n":42,"items":[1,2,3],"note":"a small JSON answer"}\n';
export const BIG_SIZE = 1 << 20;

/** Starts the upstream; returns { kind, url, proc }. */
export async function startUpstream(dir) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const nginx = findNginx();
  if (nginx) {
    const root = join(dir, 'upstream-root');
    mkdirSync(root, { recursive: true, mode: 0o755 });
    writeFileSync(join(root, 'hello'), SMALL_BODY, { mode: 0o644 });
    writeFileSync(join(root, '1mb'), Buffer.alloc(BIG_SIZE, 'x'), { mode: 0o644 });
    const proc = await startNginx(
      nginx,
      dir,
      'upstream',
      `  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:${port} backlog=4096;
    root ${root};
    default_type application/json;
    etag off;
  }`,
      `${url}/hello`,
    );
    return { kind: 'nginx', url, proc };
  }
  const script = fileURLToPath(new URL('./upstream-node.js', import.meta.url));
  const proc = startProcess(process.execPath, [script, String(port)]);
  await waitForHttp(`${url}/hello`, proc);
  return { kind: 'node', url, proc };
}
