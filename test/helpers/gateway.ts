/**
 * An in-process Keyward for HTTP tests: a real SQLite store in a temp dir, a real Fastify app
 * driven with `inject()`, an injectable clock, and every log line captured for assertions.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { compileCredentialTransports } from '../../src/auth/credentials.js';
import type { JwtRuntime } from '../../src/auth/jwt/runtime.js';
import type { KeyLifecycle } from '../../src/auth/keys/lifecycle.js';
import type { KeyVerifier } from '../../src/auth/keys/verify.js';
import { type Clock, systemClock } from '../../src/clock.js';
import { type CompiledConfig, compileConfig } from '../../src/config/compile.js';
import { parseConfig } from '../../src/config/load.js';
import type { RateLimiter } from '../../src/limits/limiter.js';
import { SqlQuotaPersistence } from '../../src/limits/persistence.js';
import type { SecretVault } from '../../src/secrets/vault.js';
import { type AssembleOptions, assembleGateway } from '../../src/server/assemble.js';
import type { GatewayParts } from '../../src/server/parts.js';
import { openStore, type Store } from '../../src/store/db.js';
import { createLogger } from '../../src/telemetry/logger.js';
import type { GatewayMetrics } from '../../src/telemetry/metrics.js';
import type { UsageRecorder } from '../../src/telemetry/usage.js';
import { callingTestFile, LeakCapture } from './leak-sweep.js';

export interface TestGateway {
  app: FastifyInstance;
  /** Everything assembly opened. */
  parts: GatewayParts;
  store: Store;
  keys: KeyLifecycle;
  keyVerifier: KeyVerifier;
  jwt: JwtRuntime | null;
  secrets: SecretVault;
  usage: UsageRecorder;
  limiter: RateLimiter;
  metrics: GatewayMetrics;
  config: CompiledConfig;
  logs: string[];
  /** What the no-leak sweep scans: this gateway's logs and answers (plant extra secrets here). */
  capture: LeakCapture;
  dir: string;
  /** A key with the admin role, created for the test. */
  adminKey: string;
  /** Listens on 127.0.0.1 with an ephemeral port; returns the base URL. */
  listen(): Promise<string>;
  close(): Promise<void>;
}

export interface TestGatewayOptions {
  yaml?: string;
  env?: Record<string, string>;
  /** Use this directory (kept on close) instead of a fresh temp dir, e.g. to restart on the same store. */
  dir?: string;
  /** Give the rate limiter a quota store whose database is closed, to exercise failure modes. */
  brokenQuotaStore?: boolean;
  clock?: Clock;
  keyOptions?: AssembleOptions['keyOptions'];
}

/** Quota persistence on a database whose connection is already closed: every load fails. */
async function closedQuotaStore(dir: string): Promise<SqlQuotaPersistence> {
  const broken = await openStore(`sqlite:${join(dir, 'broken-quotas.db')}`, { migrate: false });
  await broken.close();
  return new SqlQuotaPersistence(broken.db);
}

/** Builds a gateway on a fresh temp store; close() removes everything. */
export async function createTestGateway(options: TestGatewayOptions = {}): Promise<TestGateway> {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'keyward-test-'));
  const yaml = `storage: { url: "sqlite:${join(dir, 'keyward.db')}" }\nlog: { level: debug }\n${options.yaml ?? ''}`;
  const config = compileConfig(parseConfig(yaml, 'test.yaml', options.env ?? {}));
  const clock = options.clock ?? systemClock;
  const brokenQuotas = options.brokenQuotaStore ? await closedQuotaStore(dir) : undefined;
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const logger = createLogger({
    level: 'debug',
    redactedHeaders: compileCredentialTransports(config.apiKeys).redactedHeaders,
    destination,
  });
  const { app, parts, closeConnections, closeResources } = await assembleGateway(config, {
    clock,
    logger,
    ...(options.keyOptions ? { keyOptions: options.keyOptions } : {}),
    ...(brokenQuotas ? { quotaPersistence: () => brokenQuotas } : {}),
  });
  const { store, keys, keyVerifier, jwt, vault, usage, limiter, metrics } = parts;
  const capture = watchForLeaks(app, parts, logs);
  await app.ready();
  const { key: adminKey } = await keys.create({ name: 'test admin', roles: ['admin'] }, { id: 'test' });
  return {
    app,
    parts,
    store,
    keys,
    keyVerifier,
    jwt,
    secrets: vault,
    usage,
    limiter,
    metrics,
    config,
    logs,
    capture,
    dir,
    adminKey,
    listen: () => app.listen({ host: '127.0.0.1', port: 0 }),
    async close() {
      closeConnections();
      await app.close();
      await closeResources();
      capture.write();
      if (!options.dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Hands the leak sweep everything this gateway logs and answers, and every secret it holds. */
function watchForLeaks(app: FastifyInstance, parts: GatewayParts, logs: string[]): LeakCapture {
  const capture = new LeakCapture(callingTestFile());
  capture.watchLogs(logs);
  capture.attach(app);
  capture.plant(parts.config.masterKey, 'master key');
  const { keys, vault } = parts;
  const create = keys.create.bind(keys);
  keys.create = async (...args) => {
    const created = await create(...args);
    capture.plant(created.key, 'api key');
    return created;
  };
  const rotate = keys.rotate.bind(keys);
  keys.rotate = async (...args) => {
    const rotated = await rotate(...args);
    capture.plant(rotated?.key, 'api key');
    return rotated;
  };
  const set = vault.set.bind(vault);
  vault.set = async (name, value, actor) => {
    capture.plant(value, 'injected secret');
    return set(name, value, actor);
  };
  return capture;
}
