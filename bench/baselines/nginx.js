// Runs a private nginx (one worker, no daemon, everything under a temp prefix) from a config
// body; used for the static upstream and for the API-key-checking reverse proxy baseline.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startProcess, waitForHttp } from '../lib/procs.js';

const NGINX_PATHS = ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/local/nginx/sbin/nginx'];

/** The nginx binary, or null when it is not installed. */
export function findNginx() {
  for (const candidate of [...NGINX_PATHS, 'nginx']) {
    try {
      execFileSync(candidate, ['-v'], { stdio: 'ignore' });
      return candidate;
    } catch {
      // try the next one
    }
  }
  return null;
}

/** Starts nginx with `httpBody` inside `http { }`; resolves once `readyUrl` answers `readyStatus`. */
export async function startNginx(binary, dir, name, httpBody, readyUrl, readyStatus = 200) {
  const prefix = join(dir, name);
  mkdirSync(join(prefix, 'temp'), { recursive: true, mode: 0o755 });
  const conf = join(prefix, 'nginx.conf');
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
    .map((t) => `  ${t}_temp_path ${join(prefix, 'temp', t)};`)
    .join('\n');
  writeFileSync(
    conf,
    `worker_processes 1;
daemon off;
${process.getuid?.() === 0 ? 'user root;' : ''}
pid ${join(prefix, 'nginx.pid')};
error_log ${join(prefix, 'error.log')} warn;
events { worker_connections 4096; }
http {
  access_log off;
${temp}
${httpBody}
}
`,
  );
  const proc = startProcess(binary, ['-p', prefix, '-c', conf, '-e', join(prefix, 'error.log')]);
  await waitForHttp(readyUrl, proc, { status: readyStatus, timeoutMs: 10000 });
  return proc;
}
