/**
 * A stand-in identity provider for JWT tests, on 127.0.0.1 with an ephemeral port: it serves
 * its public keys at `/.well-known/jwks.json`, counts every request it receives, can be switched
 * to failing, and signs tokens with real keys (as Auth0 would), including deliberately bad ones.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type CryptoKey,
  calculateJwkThumbprint,
  exportJWK,
  exportSPKI,
  generateKeyPair,
  type JWK,
  type JWTHeaderParameters,
  type JWTPayload,
  SignJWT,
} from 'jose';

export interface ProviderKey {
  kid: string;
  alg: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  publicJwk: JWK;
  /** SPKI PEM of the public key (what an HS256 key-confusion attack uses as the HMAC secret). */
  publicPem: string;
}

export interface SignOptions {
  /** Key to sign with (default: the first published key). */
  key?: ProviderKey;
  /** Header fields to add or override (kid, alg, jku, x5u, typ...). */
  header?: Partial<JWTHeaderParameters> & Record<string, unknown>;
  /** Seconds relative to `now` for exp (default 300) and nbf (unset unless given). */
  expiresIn?: number;
  notBefore?: number;
}

export interface JwksServer {
  /** Base URL, e.g. http://127.0.0.1:41234 */
  url: string;
  /** `${url}/` — the issuer, Auth0-style with a trailing slash. */
  issuer: string;
  jwksUri: string;
  /** Paths of every request received, in order. */
  requests: string[];
  /** Keys currently published. */
  keys: ProviderKey[];
  /** Generates a key; published unless `publish` is false. */
  addKey(alg?: string, options?: { kid?: string; publish?: boolean }): Promise<ProviderKey>;
  /** Stops publishing a key (the provider rotated it out). */
  unpublish(kid: string): void;
  /** While set, the JWKS endpoint answers this status instead of the keys. */
  failWith(status: number | null): void;
  /** Signs a token issued by this provider at `nowMs`; claims override the defaults. */
  sign(claims: JWTPayload, nowMs: number, options?: SignOptions): Promise<string>;
  close(): Promise<void>;
}

/** Generates a standalone key (e.g. an attacker's), not published by any server. */
export async function generateProviderKey(alg = 'RS256', kid?: string): Promise<ProviderKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = await exportJWK(publicKey);
  const id = kid ?? (await calculateJwkThumbprint(jwk)).slice(0, 16);
  return {
    kid: id,
    alg,
    privateKey,
    publicKey,
    publicJwk: { ...jwk, kid: id, alg, use: 'sig' },
    publicPem: await exportSPKI(publicKey),
  };
}

/** Starts a provider with one RS256 key published. */
export async function startJwksServer(options: { audience?: string } = {}): Promise<JwksServer> {
  const requests: string[] = [];
  const keys: ProviderKey[] = [];
  let failure: number | null = null;
  const server: Server = createServer((req, res) => {
    requests.push(req.url ?? '');
    if (req.url !== '/.well-known/jwks.json') {
      res.writeHead(404).end();
      return;
    }
    if (failure !== null) {
      res.writeHead(failure, { 'content-type': 'text/plain' }).end('down');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys: keys.map((k) => k.publicJwk) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  const issuer = `${url}/`;
  const audience = options.audience ?? 'https://api.example.com';

  const provider: JwksServer = {
    url,
    issuer,
    jwksUri: `${url}/.well-known/jwks.json`,
    requests,
    keys,
    async addKey(alg = 'RS256', o = {}) {
      const key = await generateProviderKey(alg, o.kid);
      if (o.publish !== false) keys.push(key);
      return key;
    },
    unpublish(kid) {
      const index = keys.findIndex((k) => k.kid === kid);
      if (index >= 0) keys.splice(index, 1);
    },
    failWith(status) {
      failure = status;
    },
    async sign(claims, nowMs, o = {}) {
      const key = o.key ?? keys[0];
      if (!key) throw new Error('the provider has no key');
      const now = Math.floor(nowMs / 1000);
      const payload: JWTPayload = {
        iss: issuer,
        aud: audience,
        sub: 'auth0|user-1',
        iat: now,
        exp: now + (o.expiresIn ?? 300),
        ...(o.notBefore === undefined ? {} : { nbf: now + o.notBefore }),
        ...claims,
      };
      return new SignJWT(payload)
        .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT', ...o.header } as JWTHeaderParameters)
        .sign(key.privateKey);
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
  await provider.addKey('RS256');
  return provider;
}
