/**
 * The no-leak sweep's capture side. Every gateway a test builds (test/helpers/gateway.ts) and
 * every `keyward start` a reliability test runs hands this what it saw: each log line, each
 * response body as it left on the socket or through `inject()`, and the secrets in play — API
 * keys as they were issued, passwords and refresh tokens as they travelled, injected upstream
 * secrets, the master key. At close it scans everything against those secrets and writes one
 * report to test-artifacts/leak-sweep/; test/security/leak-sweep.test.ts runs after the whole
 * suite and fails on any finding. A secret may appear in exactly one place: the response that
 * issued it (the key-creation answer, the login answer).
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';

export const SWEEP_DIR = fileURLToPath(new URL('../../test-artifacts/leak-sweep/', import.meta.url));

/** Only values this long are looked for: shorter ones match by chance. */
const MIN_SECRET_LENGTH = 8;
/** Fields whose values are credentials wherever they appear in a JSON body. */
const SECRET_FIELDS = new Set([
  'key',
  'password',
  'newPassword',
  'refresh_token',
  'access_token',
  'client_secret',
]);

export type SecretKind =
  | 'api key'
  | 'password'
  | 'refresh token'
  | 'access token'
  | 'injected secret'
  | 'master key'
  | 'canary';

export interface Finding {
  kind: SecretKind;
  where: 'log' | 'body';
  /** The request the body answered, or the log line's message. */
  context: string;
}

export interface SweepReport {
  source: string;
  secrets: number;
  logLines: number;
  logBytes: number;
  bodies: number;
  bodyBytes: number;
  /** How many bodies were seen leaving on a socket and through inject(). */
  channels: { socket: number; inject: number };
  findings: Finding[];
}

interface CapturedBody {
  context: string;
  text: string;
  channel: 'socket' | 'inject';
}

const KIND_OF_FIELD: Record<string, SecretKind> = {
  key: 'api key',
  password: 'password',
  newPassword: 'password',
  refresh_token: 'refresh token',
  access_token: 'access token',
  client_secret: 'api key',
};

/** Collects what one gateway (or one process) saw, and scans it at the end. */
export class LeakCapture {
  readonly #source: string;
  readonly #secrets = new Map<string, SecretKind>();
  /** Secret → the one body allowed to carry it (the answer that issued it). */
  readonly #issuedIn = new Map<string, CapturedBody>();
  readonly #bodies: CapturedBody[] = [];
  readonly #logs: string[][] = [];
  #written = false;

  constructor(source: string) {
    this.#source = source;
  }

  /** Registers a secret that must never be logged or sent back. */
  plant(value: string | undefined | null, kind: SecretKind): void {
    if (typeof value !== 'string' || value.length < MIN_SECRET_LENGTH) return;
    if (!this.#secrets.has(value)) this.#secrets.set(value, kind);
  }

  /** Registers the log lines array a logger appends to (read when the capture is written). */
  watchLogs(lines: string[]): void {
    this.#logs.push(lines);
  }

  /** Plants the credential fields of a request body (passwords, refresh tokens, client secrets). */
  plantFromRequest(body: unknown): void {
    for (const [field, value] of jsonFields(body)) {
      if (field !== 'key' && typeof value === 'string') this.plant(value, KIND_OF_FIELD[field] as SecretKind);
    }
  }

  /** Records a response body; credential fields in it are planted, this body being where they were issued. */
  body(context: string, text: string, channel: 'socket' | 'inject'): void {
    const captured = { context, text, channel };
    this.#bodies.push(captured);
    const trimmed = text.trimStart();
    if (!trimmed.startsWith('{') && !trimmed.startsWith('[')) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return;
    }
    for (const [field, value] of jsonFields(parsed)) {
      if (typeof value !== 'string' || value.length < MIN_SECRET_LENGTH || value.includes('*')) continue;
      // Only an issued secret: a key (never the masked key ids and prefixes) or a token.
      if (field === 'key' && !/^[a-z][a-z0-9]{0,15}_[0-9A-Za-z]{49}$/.test(value)) continue;
      if (field === 'password' || field === 'newPassword') continue;
      if (!this.#issuedIn.has(value)) this.#issuedIn.set(value, captured);
      this.plant(value, KIND_OF_FIELD[field] as SecretKind);
    }
  }

  /** Captures every byte the server writes to its sockets and every `inject()` answer. */
  attach(app: FastifyInstance): void {
    app.server.on('connection', (socket: Socket) => this.#captureSocket(socket));
    const inject = app.inject.bind(app) as (options: unknown) => Promise<{ payload: string }>;
    (app as { inject: unknown }).inject = (options?: unknown) => {
      if (options === undefined) return inject(options);
      const opts = (typeof options === 'string' ? { url: options } : options) as {
        url?: string | { pathname?: string };
        method?: string;
        payload?: unknown;
        body?: unknown;
      };
      this.plantFromRequest(opts.payload ?? opts.body);
      return inject(options).then((res) => {
        this.body(`${opts.method ?? 'GET'} ${String(opts.url)}`, res.payload, 'inject');
        return res;
      });
    };
    // Request bodies are read once parsed: passwords and tokens sent over real sockets.
    app.addHook('preHandler', (request, _reply, done) => {
      this.plantFromRequest(request.body);
      done();
    });
  }

  #captureSocket(socket: Socket): void {
    const chunks: Buffer[] = [];
    const keep = (chunk: unknown, encoding?: unknown) => {
      if (chunk === undefined || chunk === null || typeof chunk === 'function') return;
      chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string, encoding as BufferEncoding));
    };
    const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
    const end = socket.end.bind(socket) as (...args: unknown[]) => Socket;
    (socket as { write: unknown }).write = (chunk: unknown, ...rest: unknown[]) => {
      keep(chunk, typeof rest[0] === 'string' ? rest[0] : undefined);
      return write(chunk, ...rest);
    };
    (socket as { end: unknown }).end = (chunk: unknown, ...rest: unknown[]) => {
      keep(chunk, typeof rest[0] === 'string' ? rest[0] : undefined);
      return end(chunk, ...rest);
    };
    socket.once('close', () => {
      if (chunks.length === 0) return;
      const text = Buffer.concat(chunks).toString('latin1');
      // One record per response on the connection, so each can be matched to what it issued.
      for (const response of text.split(/(?=HTTP\/1\.1 \d{3} )/)) {
        const head = response.indexOf('\r\n\r\n');
        const body = head === -1 ? response : response.slice(head + 4);
        this.body(
          `socket ${response.slice(0, response.indexOf('\r\n'))}`,
          decodeChunked(response, body),
          'socket',
        );
      }
    });
  }

  /** Scans everything captured and writes the report; safe to call twice. */
  write(): SweepReport {
    const logs = this.#logs.flat();
    const findings: Finding[] = [];
    const needles = [...this.#secrets].flatMap(([value, kind]) => {
      const forms = new Set([value, encodeURIComponent(value)]);
      return [...forms].map((form) => ({ form, value, kind }));
    });
    // The report names where a secret was seen, never the secret itself.
    const hide = (text: string, form: string) => text.split(form).join('[the secret]');
    for (const line of logs) {
      for (const { form, kind } of needles) {
        if (line.includes(form)) findings.push({ kind, where: 'log', context: hide(logContext(line), form) });
      }
    }
    for (const body of this.#bodies) {
      for (const { form, value, kind } of needles) {
        if (this.#issuedIn.get(value) === body) continue;
        if (body.text.includes(form))
          findings.push({ kind, where: 'body', context: hide(body.context, form) });
      }
    }
    const report: SweepReport = {
      source: this.#source,
      secrets: this.#secrets.size,
      logLines: logs.length,
      logBytes: logs.reduce((n, l) => n + l.length, 0),
      bodies: this.#bodies.length,
      bodyBytes: this.#bodies.reduce((n, b) => n + b.text.length, 0),
      channels: {
        socket: this.#bodies.filter((b) => b.channel === 'socket').length,
        inject: this.#bodies.filter((b) => b.channel === 'inject').length,
      },
      findings,
    };
    if (!this.#written) {
      this.#written = true;
      mkdirSync(SWEEP_DIR, { recursive: true });
      writeFileSync(join(SWEEP_DIR, `${process.pid}-${randomUUID()}.json`), JSON.stringify(report));
    }
    return report;
  }
}

/** Every [field, value] pair of a JSON value, at any depth. */
function* jsonFields(value: unknown, depth = 0): Generator<[string, unknown]> {
  if (depth > 8 || value === null || typeof value !== 'object') return;
  for (const [field, inner] of Object.entries(value)) {
    if (SECRET_FIELDS.has(field)) yield [field, inner];
    yield* jsonFields(inner, depth + 1);
  }
}

/** A chunked body's data without its chunk-size lines (so a secret split by one is still seen). */
function decodeChunked(response: string, body: string): string {
  if (!/\r\ntransfer-encoding: chunked\r\n/i.test(response)) return body;
  let out = '';
  let at = 0;
  while (at < body.length) {
    const eol = body.indexOf('\r\n', at);
    if (eol === -1) break;
    const size = Number.parseInt(body.slice(at, eol), 16);
    if (!Number.isFinite(size) || size === 0) break;
    out += body.slice(eol + 2, eol + 2 + size);
    at = eol + 2 + size + 2;
  }
  return out;
}

function logContext(line: string): string {
  try {
    const parsed = JSON.parse(line) as { msg?: string; url?: string };
    return `${parsed.msg ?? ''} ${parsed.url ?? ''}`.trim();
  } catch {
    return line.slice(0, 80).replace(/[^\x20-\x7e]/g, '?');
  }
}

/** The test file that is running (for the report), from the call stack. */
export function callingTestFile(): string {
  const match = /\/(test\/[^:)]+\.test\.ts)/.exec(new Error().stack ?? '');
  return match?.[1] ?? 'unknown';
}
