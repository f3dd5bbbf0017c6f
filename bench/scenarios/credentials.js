// What each bench row sends as its credential (the bench key, a provider JWT, a key over its
// plan, or a different unknown key on every request, as a key-stuffing client would), and the
// status check of the rows: one request after the rounds, whose status must be the row's.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Writes `count` well-formed keys (right prefix and checksum) that are in no store, one per
 * line; returns { file, probe } where `probe` is one more such key for the status check.
 */
export async function writeUnknownKeys(root, work, count) {
  const { generateApiKey } = await import(join(root, 'dist/auth/keys/format.js'));
  const file = join(work, 'unknown-keys.txt');
  writeFileSync(file, `${Array.from({ length: count }, () => generateApiKey('kw')).join('\n')}\n`);
  return { file, probe: generateApiKey('kw') };
}

/**
 * The wrk options for `row`'s credential: { headers } or { keysFile }. `ctx`: { key, keys:
 * { tiny }, unknownKeysFile }; `server`: the started server (a JWT one carries its token).
 */
export function requestOptions(row, ctx, server) {
  switch (row.credential) {
    case 'key':
      return { headers: { 'x-api-key': ctx.key } };
    case 'tiny':
      return { headers: { 'x-api-key': ctx.keys.tiny } };
    case 'jwt':
      return { headers: { authorization: `Bearer ${server.token}` } };
    case 'unknown':
      return { keysFile: ctx.unknownKeysFile };
    default:
      return {};
  }
}

/** The status one request of `row` gets now (an unknown-key row sends a fresh unknown key). */
export async function probeStatus(url, row, ctx, server) {
  const options = requestOptions(row, ctx, server);
  const headers = options.keysFile ? { 'x-api-key': ctx.probeUnknownKey } : options.headers;
  try {
    const res = await fetch(url, { headers, signal: AbortSignal.timeout(5000) });
    await res.arrayBuffer();
    return res.status;
  } catch (error) {
    return `no answer (${error.message})`;
  }
}
