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
import type { Clock } from '../clock.js';
import type { CompiledConfig } from '../config/compile.js';
import type { RateLimiter } from '../limits/limiter.js';
import type { SecretVault } from '../secrets/vault.js';
import type { Store } from '../store/db.js';
import type { Logger } from '../telemetry/logger.js';
import type { GatewayMetrics } from '../telemetry/metrics.js';
import type { Tracing } from '../telemetry/tracing.js';
import type { UsageRecorder } from '../telemetry/usage.js';
import type { ProxyRuntime } from './websockets.js';

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
  /** Compiled routes with their upstream targets, and the open WebSockets. */
  proxy: ProxyRuntime;
}
