/**
 * What assembly opens for one gateway, in one place: the app is built from these, and `start`,
 * the CLI and the tests reach the same objects. Modules below the server never see this whole;
 * each is handed the two or three parts it uses.
 */
import type { CredentialTransports } from '../auth/credentials.js';
import type { JwtRuntime } from '../auth/jwt/runtime.js';
import type { KeyLifecycle } from '../auth/keys/lifecycle.js';
import type { KeyVerifier } from '../auth/keys/verify.js';
import type { RefreshTokenService } from '../auth/login/refresh-tokens.js';
import type { LoginThrottle } from '../auth/login/throttle.js';
import type { UserService } from '../auth/login/users.js';
import type { ChangeBus } from '../bus/bus.js';
import type { Clock } from '../clock.js';
import type { CompiledConfig } from '../config/compile.js';
import type { ConfigProblem } from '../config/problems.js';
import type { RateLimiter } from '../limits/limiter.js';
import type { WebSocketHub } from '../proxy/websocket/hub.js';
import type { RedisConnection } from '../redis/connection.js';
import type { SecretVault } from '../secrets/vault.js';
import type { Store } from '../store/db.js';
import type { Logger } from '../telemetry/logger.js';
import type { GatewayMetrics } from '../telemetry/metrics.js';
import type { Tracing } from '../telemetry/tracing.js';
import type { UsageRecorder } from '../telemetry/usage.js';
import type { ProxyRoutes } from './websockets.js';

/** What a config reload did. */
export interface ReloadOutcome {
  reloaded: boolean;
  /** Why the config was not applied (empty when it was). */
  problems: ConfigProblem[];
}

export interface GatewayParts {
  config: CompiledConfig;
  logger: Logger;
  clock: Clock;
  store: Store;
  transports: CredentialTransports;
  keyVerifier: KeyVerifier;
  keys: KeyLifecycle;
  /** Signing keys, issuer and token verifier; null when the config uses no JWT. */
  jwt: JwtRuntime | null;
  users: UserService;
  /** Present when JWT is (refresh tokens exist only for local logins). */
  refreshTokens: RefreshTokenService | null;
  loginThrottle: LoginThrottle;
  vault: SecretVault;
  usage: UsageRecorder;
  metrics: GatewayMetrics;
  limiter: RateLimiter;
  /** Spans to the OTLP endpoint; null when tracing is off. */
  tracing: Tracing | null;
  /**
   * Reloads the config, once a running gateway has set it (the app is built before the
   * reloader that replaces it); null for a gateway that only serves `inject` (tests).
   */
  reloadConfig: { run: (() => Promise<ReloadOutcome>) | null };
  /** This config's compiled routes with their upstream targets. */
  routes: ProxyRoutes;
  /** The process's open WebSockets (kept across reloads). */
  websockets: WebSocketHub;
  /** Tells the process which parts serve now (for what reads the current routes, like /metrics). */
  serving: (parts: GatewayParts) => void;
  /** Tells every process serving this store what changed (keys, users, secrets, signing keys). */
  bus: ChangeBus;
  /** The Redis connection when `redis.url` is set (for readiness). */
  redis: RedisConnection | null;
}
