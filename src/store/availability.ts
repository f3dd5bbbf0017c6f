/**
 * Tells a store that is away (Postgres restarting, unreachable, out of connections) from a bug:
 * the first is answered 503 KW_ERR_NOT_READY — try again shortly — and heals by itself when the
 * pool reconnects; the second stays a 500.
 */

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
]);
const MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'is not queryable',
  'database is locked',
];

/** Whether `error` means the store cannot be reached right now (rather than a failed query). */
export function isStoreUnavailable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === 'string') {
    if (NETWORK_CODES.has(code)) return true;
    // Postgres SQLSTATE class 08 (connection exception) and 57P0x (shutting down, starting up).
    if (/^08[0-9A-Z]{3}$/.test(code) || /^57P0[1-4]$/.test(code)) return true;
  }
  return typeof message === 'string' && MESSAGES.some((m) => message.includes(m));
}
