/**
 * Last line of defence for injected secrets: some upstreams echo the credential back (in an
 * error message, a "request URL" field, a header). Every response from a route that injects
 * secrets passes through here, and any occurrence of a secret value, raw or URL-encoded, is
 * overwritten with asterisks of the same length (so Content-Length stays correct).
 */

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

/** Overwrites every needle in `data` with asterisks. */
export function maskInPlace(data: Buffer, needles: readonly Buffer[]): void {
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

/**
 * Masks needles in a body that arrives in chunks, even when a needle straddles two of them:
 * the last `longest needle - 1` bytes are held back until the next chunk (or the end).
 */
export class StreamMasker {
  readonly #needles: readonly Buffer[];
  readonly #keep: number;
  #pending: Buffer = Buffer.alloc(0);

  constructor(needles: readonly Buffer[]) {
    this.#needles = needles;
    this.#keep = Math.max(0, ...needles.map((n) => n.length - 1));
  }

  /** The masked bytes that can be sent now (possibly none). */
  push(chunk: Buffer): Buffer {
    // Copy: the upstream's buffers are not ours to overwrite.
    const data = Buffer.concat([this.#pending, chunk]);
    maskInPlace(data, this.#needles);
    // Only a tail that could begin a needle is held back: a stream (SSE) is not delayed
    // until its next event unless its last bytes might be the start of a secret.
    const cut = data.length - heldBack(data, this.#needles, this.#keep);
    this.#pending = data.subarray(cut);
    return data.subarray(0, cut);
  }

  /** The rest, masked, once the body has ended. */
  end(): Buffer {
    maskInPlace(this.#pending, this.#needles);
    return this.#pending;
  }
}

/** The length of the longest tail of `data` (shorter than `max`) that some needle starts with. */
function heldBack(data: Buffer, needles: readonly Buffer[], max: number): number {
  for (let length = Math.min(max, data.length); length > 0; length--) {
    const tail = data.subarray(data.length - length);
    if (needles.some((n) => n.length > length && n.subarray(0, length).equals(tail))) return length;
  }
  return 0;
}

/** A copy of a whole body with every needle masked. */
export function maskedCopy(body: Buffer, needles: readonly Buffer[]): Buffer {
  const copy = Buffer.from(body);
  maskInPlace(copy, needles);
  return copy;
}
