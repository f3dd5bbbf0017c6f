/**
 * Everything JWT, opened once at start: the signing key ring (sealed with the master key), the
 * local issuer and verifier, one verifier per third-party provider, and the token verifier the
 * authentication stage uses. A config that uses no JWT gets null and needs no master key; one
 * that does gets a clear startup error when the master key is missing or wrong, never a
 * silent fallback.
 */
import type { Clock } from '../../clock.js';
import type { JwtSettings } from '../../config/jwt-settings.js';
import { parseMasterKey } from '../../secrets/envelope.js';
import type { Store } from '../../store/db.js';
import type { JwtAuthenticator } from './authenticate-jwt.js';
import { LocalIssuer } from './issuer.js';
import { SigningKeyError } from './key-material.js';
import { LocalVerifier } from './local-verifier.js';
import { ProviderVerifier } from './provider-verifier.js';
import type { RemoteJwksOptions } from './remote-jwks.js';
import { SigningKeyRing, type SigningKeyRingOptions } from './signing-keys.js';
import { TokenVerifier } from './token-verifier.js';
import type { TokenVerification } from './verification.js';

export interface JwtRuntimeOptions {
  ring?: SigningKeyRingOptions;
  jwks?: RemoteJwksOptions;
  tokenCacheSize?: number;
}

export class JwtRuntime implements JwtAuthenticator {
  readonly ring: SigningKeyRing;
  readonly issuer: LocalIssuer;
  readonly verifier: TokenVerifier;

  constructor(ring: SigningKeyRing, issuer: LocalIssuer, verifier: TokenVerifier) {
    this.ring = ring;
    this.issuer = issuer;
    this.verifier = verifier;
  }

  /** Verifies a bearer JWT (local or third-party). */
  verify(token: string): Promise<TokenVerification> {
    return this.verifier.verify(token);
  }
}

/** Opens the JWT runtime, or returns null when the config uses no JWT; throws SigningKeyError to stop start. */
export async function openJwtRuntime(
  store: Store,
  settings: JwtSettings,
  masterText: string,
  clock: Clock,
  options: JwtRuntimeOptions = {},
): Promise<JwtRuntime | null> {
  if (!settings.enabled) return null;
  if (masterText === '') {
    throw new SigningKeyError(
      `${settings.firstUse} accepts jwt, which needs secrets.masterKey (KEYWARD_MASTER_KEY) to seal the JWT signing keys; run \`keyward init\` or set it`,
    );
  }
  const parsed = parseMasterKey(masterText);
  if (!parsed.ok) throw new SigningKeyError(`secrets.masterKey: ${parsed.message}`);
  const clash = settings.providers.find((p) => p.issuer === settings.local.issuer);
  if (clash) {
    throw new SigningKeyError(
      `auth.jwt.providers: provider ${clash.name} has the same issuer as auth.jwt.local.issuer ("${clash.issuer}")`,
    );
  }
  const ring = await SigningKeyRing.open(store, parsed.key, settings.local, clock, options.ring);
  const verifier = new TokenVerifier({
    local: new LocalVerifier(ring, settings.local, clock),
    providers: settings.providers.map((p) => new ProviderVerifier(p, clock, options.jwks)),
    clock,
    ...(options.tokenCacheSize === undefined ? {} : { cacheSize: options.tokenCacheSize }),
  });
  return new JwtRuntime(ring, new LocalIssuer(ring, settings.local, clock), verifier);
}
