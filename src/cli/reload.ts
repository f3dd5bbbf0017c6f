/**
 * `keyward reload`: makes a running gateway read its config again. With `--pid`, by SIGHUP to
 * that process (for the primary of `--workers`, every worker reloads); otherwise through the
 * admin API (`POST {admin.path}/config/reload` on the config's port, or `--url`), with the admin
 * key from KEYWARD_ADMIN_KEY (never an argument: arguments show up in `ps`). Prints what
 * happened; exits 1 when the config was refused, with each problem and its YAML path.
 */
import type { Command } from 'commander';
import { resolveConfig } from './config-source.js';
import { UsageError } from './output.js';

interface ReloadOptions {
  config?: string;
  url?: string;
  pid?: string;
}

/** Where the running gateway's admin API answers, from its config. */
function adminUrl(options: ReloadOptions): string {
  const { compiled } = resolveConfig(options.config);
  const base = options.url ?? `http://${localHost(compiled.server.host)}:${compiled.server.port}`;
  if (!/^https?:\/\/[^\s/]+/.test(base))
    throw new UsageError(`--url: expected http(s)://host:port, got "${base}"`);
  return `${base.replace(/\/+$/, '')}${compiled.admin.path}/config/reload`;
}

function localHost(host: string): string {
  if (host === '0.0.0.0' || host === '' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

async function reloadOverHttp(options: ReloadOptions): Promise<void> {
  const key = process.env.KEYWARD_ADMIN_KEY;
  if (!key) throw new UsageError('set KEYWARD_ADMIN_KEY to an admin API key (or use --pid to send SIGHUP)');
  const url = adminUrl(options);
  let res: Response;
  try {
    res = await fetch(url, { method: 'POST', headers: { 'x-api-key': key } });
  } catch {
    throw new UsageError(`no gateway answers at ${new URL(url).origin}`);
  }
  const body = (await res.json().catch(() => ({}))) as {
    detail?: string;
    errors?: { path: string; message: string }[];
  };
  if (res.ok) {
    process.stdout.write('config reloaded\n');
    return;
  }
  if (res.status === 422 && body.errors) {
    for (const e of body.errors) process.stderr.write(`${e.path}: ${e.message}\n`);
    throw new UsageError('config not reloaded; the running config stays');
  }
  throw new UsageError(`reload refused (${res.status}): ${body.detail ?? res.statusText}`);
}

/** Registers the reload command. */
export function registerReloadCommand(program: Command): void {
  program
    .command('reload')
    .description('make a running gateway read its config again (admin API, or SIGHUP with --pid)')
    .option('-c, --config <file>', 'config file, to find the port and admin path (default: as start)')
    .option('--url <url>', 'the gateway, e.g. http://127.0.0.1:8080 (default: from the config)')
    .option('--pid <pid>', 'send SIGHUP to this process instead (the outcome is in its log)')
    .action(async (options: ReloadOptions) => {
      if (options.pid !== undefined) {
        if (!/^[1-9][0-9]{0,9}$/.test(options.pid))
          throw new UsageError(`--pid: expected a process id, got "${options.pid}"`);
        try {
          process.kill(Number(options.pid), 'SIGHUP');
        } catch {
          throw new UsageError(`no process ${options.pid} to signal`);
        }
        process.stdout.write(`sent SIGHUP to ${options.pid}; see its log for the outcome\n`);
        return;
      }
      await reloadOverHttp(options);
    });
}
