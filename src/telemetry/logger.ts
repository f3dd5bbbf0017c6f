/**
 * The pino logger every part of Keyward writes through. Credentials are removed twice over:
 * request serializers never copy headers, and `redact` censors the credential headers (the
 * transport table's list, see auth/credentials.ts) in case a header object is logged anyway.
 * `Secret` values serialize as `[redacted]` on their own.
 */
import { type Logger, type LoggerOptions, pino } from 'pino';

export type { Logger };

export interface LoggerSettings {
  level: string;
  /** Header names (lower case) whose values never appear in a log line. */
  redactedHeaders: readonly string[];
  destination?: pino.DestinationStream;
}

/** Builds the process logger with redaction configured for this config. */
export function createLogger(settings: LoggerSettings): Logger {
  const paths = settings.redactedHeaders.flatMap((h) => [
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
