/**
 * The pino logger every part of Keyward writes through. Credentials are removed twice over:
 * request serializers never copy headers, and `redact` censors the usual places in case a
 * header object is logged anyway. `Secret` values serialize as `[redacted]` on their own.
 */
import { type Logger, type LoggerOptions, pino } from 'pino';

export type { Logger };

export interface LoggerSettings {
  level: string;
  /** Name of the API-key header (config `auth.apiKeys.header`). */
  apiKeyHeader: string;
  /** Query parameter carrying API keys when enabled; removed from logged URLs. */
  apiKeyQueryParam: string | null;
  destination?: pino.DestinationStream;
}

const ALWAYS_REDACTED_HEADERS = ['authorization', 'proxy-authorization', 'x-api-key', 'cookie', 'set-cookie'];

/** Builds the process logger with redaction configured for this config. */
export function createLogger(settings: LoggerSettings): Logger {
  const headers = [...new Set([...ALWAYS_REDACTED_HEADERS, settings.apiKeyHeader.toLowerCase()])];
  const paths = headers.flatMap((h) => [
    `req.headers["${h}"]`,
    `res.headers["${h}"]`,
    `headers["${h}"]`,
    `*.headers["${h}"]`,
  ]);
  const options: LoggerOptions = {
    level: settings.level,
    base: { service: 'keyward', pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths, censor: '[redacted]' },
    formatters: { level: (label) => ({ level: label }) },
  };
  // Asynchronous stdout: with one line per request, synchronous writes were the single largest
  // cost on the hot path (profiled: ~40% of CPU in writeUtf8String). Lines written while a write
  // is in flight are batched; `flushLogs` drains them before the process exits.
  return pino(options, settings.destination ?? pino.destination({ dest: 1, sync: false }));
}

/** Writes out buffered log lines synchronously (before process.exit). */
export function flushLogs(logger: Logger): void {
  try {
    const stream = (logger as unknown as Record<symbol, unknown>)[pino.symbols.streamSym] as
      | { flushSync?: () => void }
      | undefined;
    stream?.flushSync?.();
  } catch {
    // Nothing useful can be done if stdout is gone.
  }
}

/** Removes credential-bearing query parameters from a URL before it is logged. */
export function redactUrl(url: string, queryParam: string | null): string {
  const q = url.indexOf('?');
  if (q === -1 || queryParam === null) return url;
  const params = new URLSearchParams(url.slice(q + 1));
  if (!params.has(queryParam)) return url;
  params.set(queryParam, '[redacted]');
  return `${url.slice(0, q)}?${params.toString().replace('%5Bredacted%5D', '[redacted]')}`;
}
