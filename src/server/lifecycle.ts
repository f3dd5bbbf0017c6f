/**
 * Running Keyward: open the store (migrating it), create the first admin key when there is
 * none, build the app, listen, reload the config on SIGHUP, and shut down gracefully on
 * SIGTERM/SIGINT — stop accepting, let in-flight requests finish, flush and close the store —
 * within a bounded wait.
 */
import type { FastifyInstance } from 'fastify';
import { compileCredentialTransports } from '../auth/credentials.js';
import { openJwtRuntime } from '../auth/jwt/runtime.js';
import { KeyLifecycle, NO_KEY_CACHES } from '../auth/keys/lifecycle.js';
import { keyState } from '../auth/keys/status.js';
import { type Clock, systemClock } from '../clock.js';
import type { CompiledConfig } from '../config/compile.js';
import { openStore, type Store } from '../store/db.js';
import { createLogger, flushLogs, type Logger } from '../telemetry/logger.js';
import { assembleGateway } from './assemble.js';
import { GatewayHost } from './host.js';
import type { GatewayParts } from './parts.js';
import { Reloader, type ReloadOutcome } from './reload.js';
import { openVault } from './vault.js';

export interface RunningGateway {
  /** The app serving now (a reload replaces it). */
  readonly app: FastifyInstance;
  /** Its parts. */
  readonly parts: GatewayParts;
  logger: Logger;
  /** The address actually bound (useful with port 0). */
  url: string;
  /** Reads the config again and applies it when valid (see reload.ts). */
  reload(): Promise<ReloadOutcome>;
  /** Graceful stop; resolves when everything is closed. Safe to call twice. */
  stop(): Promise<void>;
}

export interface StartOptions {
  clock?: Clock;
  logger?: Logger;
  /** Where the one-time admin key notice goes (stderr by default). */
  announce?: (line: string) => void;
  /** Create the first admin key when there is none (cluster workers leave it to the primary). */
  bootstrapAdmin?: boolean;
  /** Reads the config again, for reloads (default: reloading keeps `config` as it is). */
  load?: () => CompiledConfig;
  /** Also runs on a reload through the admin API (cluster workers tell the others). */
  onReload?: (outcome: ReloadOutcome) => void;
}

const BOOTSTRAP_KEY_SETTING = 'bootstrap.adminKeyId';

/** Creates an admin API key when the store has no usable one; prints it once. */
export async function bootstrapAdminKey(
  keys: KeyLifecycle,
  store: Store,
  config: CompiledConfig,
  clock: Clock,
  announce: (line: string) => void,
): Promise<string | null> {
  const role = config.admin.roles[0] ?? 'admin';
  // Fast path: the admin key found or made last time is still usable (no scan of every key).
  const known = await store.settings.get(BOOTSTRAP_KEY_SETTING);
  const knownRecord = known ? await store.apiKeys.findById(known) : undefined;
  if (knownRecord?.roles.includes(role) && keyState(knownRecord, clock.now()) === 'active') return null;
  // The scan reads every key when the only admin is the oldest (1 s on a million keys), so the
  // admin it finds is remembered for the next start.
  const found = await store.apiKeys.findActiveWithRole(role, clock.now());
  if (found !== undefined) {
    await store.settings.set(BOOTSTRAP_KEY_SETTING, found);
    return null;
  }
  const { record, key } = await keys.create({ name: 'bootstrap admin', roles: [role] }, { id: 'system' });
  await store.settings.set(BOOTSTRAP_KEY_SETTING, record.id);
  // An `export` line, so it can be pasted into a shell (or picked out of the log) as it is.
  announce(
    `keyward: created admin API key ${record.id}; it is shown once, store it now:\nexport ADMIN_KEY=${key}`,
  );
  return key;
}

/** Migrates the store, checks the master key, creates the first signing and admin keys, without serving (cluster primary). */
export async function prepareStore(config: CompiledConfig, clock: Clock = systemClock): Promise<void> {
  const store = await openStore(config.storageUrl, { clock });
  try {
    await openVault(store, config, clock);
    // Creates the first JWT signing key here, so workers find it instead of racing to make one.
    await openJwtRuntime(store, config.jwt, config.masterKey, clock);
    const keys = new KeyLifecycle(store, { prefix: config.apiKeys.prefix, clock, caches: NO_KEY_CACHES });
    await bootstrapAdminKey(keys, store, config, clock, (line) => process.stderr.write(`${line}\n`));
  } finally {
    await store.close();
  }
}

/** Starts a gateway for the compiled config and returns a handle to stop it. */
export async function startGateway(
  config: CompiledConfig,
  options: StartOptions = {},
): Promise<RunningGateway> {
  const clock = options.clock ?? systemClock;
  const logger =
    options.logger ??
    createLogger({
      level: config.logLevel,
      redactedHeaders: compileCredentialTransports(config.apiKeys).redactedHeaders,
    });
  const host = new GatewayHost(config.server.requestTimeoutMs);
  const { app, parts, closeConnections, closeResources } = await assembleGateway(config, {
    clock,
    logger,
    serverFactory: host.serverFactory,
  });
  const reloader = new Reloader({ host, load: options.load ?? (() => config), app, parts });
  parts.reloadConfig.run = async () => {
    const outcome = await reloader.reload();
    options.onReload?.(outcome);
    return outcome;
  };
  try {
    await app.ready();
    if (options.bootstrapAdmin !== false) {
      await bootstrapAdminKey(
        parts.keys,
        parts.store,
        config,
        clock,
        options.announce ?? ((line) => process.stderr.write(`${line}\n`)),
      );
    }
    await host.serve(app);
    const url = await host.listen(config.server.host, config.server.port);
    let stopping: Promise<void> | undefined;
    return {
      get app() {
        return reloader.app;
      },
      get parts() {
        return reloader.parts;
      },
      logger,
      url,
      reload: () => reloader.reload(),
      stop: () => {
        // WebSockets first (they would keep the socket busy), then drain requests, then close
        // the app, then flush batched writes and close the store.
        closeConnections();
        stopping ??= host
          .close()
          .then(() => reloader.close())
          .then(closeResources);
        return stopping;
      },
    };
  } catch (error) {
    await app.close().catch(() => {});
    await closeResources().catch(() => {});
    throw error;
  }
}

/**
 * Wires SIGTERM/SIGINT to a graceful stop with a hard deadline, then exits; and SIGHUP to a
 * reload of the config.
 */
export function handleShutdownSignals(gateway: RunningGateway): void {
  process.on('SIGHUP', () => {
    gateway.logger.info('SIGHUP: reloading the config');
    gateway.reload().catch((error: unknown) => gateway.logger.error({ err: error }, 'reload failed'));
  });
  const onSignal = (signal: NodeJS.Signals) => {
    // The deadline of the config serving now (a reload may have changed it).
    const timeoutMs = gateway.parts.config.server.shutdownTimeoutMs;
    gateway.logger.info({ signal }, 'shutting down: draining in-flight requests');
    const deadline = setTimeout(() => {
      gateway.logger.error({ timeoutMs }, 'shutdown deadline passed; exiting with requests still open');
      flushLogs(gateway.logger);
      process.exit(1);
    }, timeoutMs);
    deadline.unref();
    gateway.stop().then(
      () => {
        gateway.logger.info('stopped');
        flushLogs(gateway.logger);
        process.exit(0);
      },
      (error: unknown) => {
        gateway.logger.error({ err: error }, 'error during shutdown');
        flushLogs(gateway.logger);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
}
