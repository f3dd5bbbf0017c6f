/**
 * Reloading the config without a restart (SIGHUP, `keyward reload`, or the admin API): the
 * file is read and checked again; a valid config becomes a new app — routes, plans, services,
 * CORS, providers, secrets settings — on the same store, limiter, caches and counters, which
 * the host then serves from the next request on, while requests already begun finish on the
 * old one. An invalid config, or one that changes what only a restart can (the store, the
 * listening address, Redis, the key prefix), changes nothing: the problems are logged and
 * returned. Reloads run one at a time.
 */
import type { FastifyInstance } from 'fastify';
import type { CompiledConfig } from '../config/compile.js';
import { ConfigError, type ConfigProblem } from '../config/problems.js';
import { rebuildGateway } from './assemble.js';
import type { GatewayHost } from './host.js';
import type { GatewayParts, ReloadOutcome } from './parts.js';

export type { ReloadOutcome };

/** Settings a running gateway cannot change in place, with how to read each. */
const RESTART_ONLY: readonly [string, (c: CompiledConfig) => unknown][] = [
  ['storage.url', (c) => c.storageUrl],
  ['server.host', (c) => c.server.host],
  ['server.port', (c) => c.server.port],
  ['redis.url', (c) => c.redisUrl],
  ['auth.apiKeys.prefix', (c) => c.apiKeys.prefix],
];

/** The restart-only settings that differ between two configs, as problems. */
export function restartOnlyChanges(running: CompiledConfig, next: CompiledConfig): ConfigProblem[] {
  return RESTART_ONLY.filter(([, read]) => read(running) !== read(next)).map(([path]) => ({
    path,
    message: 'changed, but only a restart applies it; nothing was reloaded',
  }));
}

export interface ReloaderOptions {
  host: GatewayHost;
  /** Reads and compiles the config again (throws ConfigError when it is invalid). */
  load: () => CompiledConfig;
  /** The app and parts serving now. */
  app: FastifyInstance;
  parts: GatewayParts;
}

export class Reloader {
  readonly #host: GatewayHost;
  readonly #load: () => CompiledConfig;
  #app: FastifyInstance;
  #parts: GatewayParts;
  #dispose: () => Promise<void>;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: ReloaderOptions) {
    this.#host = options.host;
    this.#load = options.load;
    this.#app = options.app;
    this.#parts = options.parts;
    this.#dispose = () => options.app.close();
  }

  /** The app serving now. */
  get app(): FastifyInstance {
    return this.#app;
  }

  /** The parts of the app serving now. */
  get parts(): GatewayParts {
    return this.#parts;
  }

  /** Reads the config again and applies it if it can; waits for any reload already running. */
  reload(): Promise<ReloadOutcome> {
    const next = this.#queue.then(() => this.#reloadNow());
    this.#queue = next.catch(() => {});
    return next;
  }

  /** Closes the app serving now (after the host has stopped handing it requests). */
  close(): Promise<void> {
    return this.#queue.then(() => this.#dispose());
  }

  async #reloadNow(): Promise<ReloadOutcome> {
    const { logger } = this.#parts;
    let config: CompiledConfig;
    try {
      config = this.#load();
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      return this.#refused(error.problems);
    }
    const restart = restartOnlyChanges(this.#parts.config, config);
    if (restart.length > 0) return this.#refused(restart);
    let built: Awaited<ReturnType<typeof rebuildGateway>>;
    try {
      built = await rebuildGateway(config, this.#parts, this.#host.serverFactory);
      await built.app.ready();
    } catch (error) {
      // A master key that no longer opens the store, say: the running app stays.
      return this.#refused([{ path: '(config)', message: (error as Error).message }]);
    }
    const retired = this.#dispose;
    this.#app = built.app;
    this.#parts = built.parts;
    this.#dispose = built.dispose;
    built.parts.serving(built.parts);
    this.#host.setRequestTimeout(config.server.requestTimeoutMs);
    logger.level = config.logLevel;
    const drained = this.#host.serve(built.app);
    logger.info({ file: config.file }, 'config reloaded');
    // The old app closes once its last request is done (its upstream pools with it).
    void drained
      .then(retired)
      .catch((error: unknown) => logger.error({ err: error }, 'closing the old app failed'));
    return { reloaded: true, problems: [] };
  }

  #refused(problems: ConfigProblem[]): ReloadOutcome {
    this.#parts.logger.error({ problems }, 'config not reloaded; the running config stays');
    return { reloaded: false, problems };
  }
}
