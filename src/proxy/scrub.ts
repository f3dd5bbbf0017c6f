/**
 * Last line of defence for injected secrets: some upstreams echo the credential back (in an
 * error message, a "request URL" field, a header). Every response from a route that injects
 * secrets passes through here, and any occurrence of a secret value, raw or URL-encoded, is
 * overwritten with asterisks of the same length (so Content-Length stays correct).
 */
import { Transform, type TransformCallback } from 'node:stream';

/** The byte patterns to mask for a set of secret values (short values are ignored: too noisy). */
export function secretNeedles(values: readonly string[]): Buffer[] {
  const needles = new Set<string>();
  for (const value of values) {
    if (value.length < 4) continue;
    needles.add(value);
    needles.add(encodeURIComponent(value));
    needles.add(JSON.stringify(value).slice(1, -1));
  }
  return [...needles].map((n) => Buffer.from(n, 'utf8'));
}

function maskInPlace(data: Buffer, needles: readonly Buffer[]): void {
  for (const needle of needles) {
    let at = data.indexOf(needle);
    while (at !== -1) {
      data.fill(0x2a, at, at + needle.length);
      at = data.indexOf(needle, at + needle.length);
    }
  }
}

/** Masks secret values in a header value. */
export function scrubText(text: string, needles: readonly Buffer[]): string {
  const data = Buffer.from(text, 'utf8');
  maskInPlace(data, needles);
  return data.toString('utf8');
}

/** A stream that masks needles even when they straddle chunk boundaries. */
export class SecretScrubber extends Transform {
  readonly #needles: readonly Buffer[];
  readonly #keep: number;
  #pending: Buffer = Buffer.alloc(0);

  constructor(needles: readonly Buffer[]) {
    super();
    this.#needles = needles;
    this.#keep = Math.max(0, ...needles.map((n) => n.length - 1));
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    // Copy: the upstream's buffers are not ours to overwrite.
    const data = Buffer.concat([this.#pending, chunk]);
    maskInPlace(data, this.#needles);
    // Any needle starting before `cut` ends inside `data`, so it has been masked already.
    const cut = Math.max(0, data.length - this.#keep);
    this.#pending = data.subarray(cut);
    if (cut > 0) this.push(data.subarray(0, cut));
    done();
  }

  override _flush(done: TransformCallback): void {
    maskInPlace(this.#pending, this.#needles);
    if (this.#pending.length > 0) this.push(this.#pending);
    done();
  }
}
