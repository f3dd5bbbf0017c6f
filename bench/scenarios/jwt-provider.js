// The provider-JWT scenario's parts: an RS256 key pair, a JWKS endpoint on loopback, and a
// signed access token, all with node:crypto (no JWT library needed to *issue* a test token).
import { createSign, generateKeyPairSync, randomUUID } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';

/** Whether provider-JWT verification has landed in src/auth (a jwt file or folder). */
export function jwtBuilt(root) {
  const dir = join(root, 'src/auth');
  return existsSync(dir) && readdirSync(dir).some((name) => /jwt/i.test(name));
}

const b64url = (value) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** Starts a JWKS server; returns { issuer, audience, jwksUri, token, close }. */
export async function startJwtProvider() {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = randomUUID();
  const jwks = JSON.stringify({
    keys: [{ ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' }],
  });
  const server = createServer((req, res) => {
    res.writeHead(req.url === '/.well-known/jwks.json' ? 200 : 404, { 'content-type': 'application/json' });
    res.end(req.url === '/.well-known/jwks.json' ? jwks : '{}');
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${server.address().port}`;
  const issuer = `${base}/`;
  const audience = 'keyward-bench';
  const now = Math.floor(Date.now() / 1000);
  const header = b64url({ alg: 'RS256', typ: 'JWT', kid });
  const payload = b64url({
    iss: issuer,
    aud: audience,
    sub: 'bench-user',
    iat: now,
    exp: now + 3600,
    permissions: [],
  });
  const signature = createSign('RSA-SHA256')
    .update(`${header}.${payload}`)
    .sign(privateKey)
    .toString('base64url');
  return {
    issuer,
    audience,
    jwksUri: `${base}/.well-known/jwks.json`,
    token: `${header}.${payload}.${signature}`,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}
