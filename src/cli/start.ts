/** `keyward start`: serve the config (or the built-in demo) until SIGTERM/SIGINT. */
import type { Command } from 'commander';
import { pendingFeatureNotes } from '../config/features.js';
import { startEchoServer } from '../demo/echo.js';
import { ensureDemoUser } from '../demo/user.js';
import { isClusterWorker, requestReloadOfOtherWorkers, runPrimary } from '../server/cluster.js';
import { handleShutdownSignals, prepareStore, startGateway } from '../server/lifecycle.js';
import { boundYoungGeneration } from '../server/memory.js';
import { applyMemoryBudget } from '../server/memory-budget.js';
import { openPrimaryHub } from '../server/primary-hub.js';
import { chooseConfigFile, resolveConfig } from './config-source.js';
import { reportFailure, UsageError } from './output.js';

function parsePort(text: string): number {
  if (!/^[0-9]{1,5}$/.test(text) || Number(text) > 65535)
    throw new UsageError(`--port: expected 0-65535, got "${text}"`);
  return Number(text);
}

function parseWorkers(text: string): number {
  if (!/^[0-9]{1,3}$/.test(text) || Number(text) < 1 || Number(text) > 64) {
    throw new UsageError(`--workers: expected 1-64, got "${text}"`);
  }
  return Number(text);
}

const announce = (lines: string) => process.stderr.write(`${lines}\n`);

/** Registers the start command. */
export function registerStartCommand(program: Command): void {
  program
    .command('start')
    .description('serve the gateway (without a config: the built-in demo, state in ./data)')
    .option(
      '-c, --config <file>',
      'config file (default: $KEYWARD_CONFIG, else ./keyward.yaml, else the built-in demo)',
    )
    .option('-p, --port <n>', 'listen on this port instead of server.port', parsePort)
    .option('-w, --workers <n>', 'number of processes sharing the port (and every limit)', '1')
    .action(async (options: { config?: string; port?: number; workers: string }) => {
      const workers = parseWorkers(options.workers);
      boundYoungGeneration();
      if (chooseConfigFile(options.config) === undefined && !isClusterWorker()) {
        // The demo's proxy route needs an upstream that works offline (workers inherit its URL).
        process.env.KEYWARD_DEMO_ECHO_URL = (await startEchoServer()).url;
      }
      const { compiled, loaded, isDemo } = resolveConfig(options.config);
      if (options.port !== undefined) compiled.server.port = options.port;
      // Restarts this process image with heap limits that fit server.memory (returns when set).
      if (compiled.server.memoryBytes !== null) applyMemoryBudget(compiled.server.memoryBytes);
      // The demo user is announced after the admin key, which the store preparation prints.
      const demoUser = isDemo && !isClusterWorker();
      if (workers > 1 && !isClusterWorker()) {
        const log = (line: string) => process.stderr.write(`${line}\n`);
        await prepareStore(compiled);
        if (demoUser) await ensureDemoUser(compiled.storageUrl, announce);
        // Without Redis the primary holds the limits, throttles and change relay the workers share.
        const hub = compiled.redisUrl !== '' ? null : await openPrimaryHub(compiled, log);
        const code = await runPrimary(workers, log, compiled.server.port);
        await hub?.close();
        process.exit(code);
      }
      const gateway = await startGateway(compiled, {
        bootstrapAdmin: !isClusterWorker(),
        // A reload reads the same file (or the demo) again, with the same --port.
        load: () => {
          const again = resolveConfig(options.config).compiled;
          if (options.port !== undefined) again.server.port = options.port;
          return again;
        },
        // A worker reloaded through the admin API has the primary tell the others.
        ...(isClusterWorker() ? { onReload: requestReloadOfOtherWorkers } : {}),
      }).catch((error) => {
        if (!isClusterWorker()) throw error;
        // Its channel to the primary would keep a failed worker alive: exit, so the primary sees
        // the failure (and backs off) instead of waiting on it forever.
        process.exit(reportFailure(error));
      });
      if (demoUser) await ensureDemoUser(compiled.storageUrl, announce);
      for (const note of pendingFeatureNotes(compiled)) gateway.logger.warn(note);
      gateway.logger.info(
        { url: gateway.url, config: isDemo ? 'built-in demo' : loaded.file },
        'keyward listening',
      );
      handleShutdownSignals(gateway);
    });
}
