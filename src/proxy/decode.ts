/**
 * Compressed upstream bodies on routes that inject a secret. Keyward asks such upstreams for
 * `Accept-Encoding: identity` so it can mask an echoed secret; one that compresses anyway has
 * its body decoded here (gzip, deflate, br, zstd), with the decoded size bounded, and the
 * caller receives it plain and masked. Masking compressed bytes would find nothing, and
 * relaying them would hand the caller a secret it can decompress, so a coding Keyward cannot
 * decode (or a stack of several) is refused instead.
 */
import {
  brotliDecompressSync,
  gunzipSync,
  inflateRawSync,
  inflateSync,
  type ZlibOptions,
  zstdDecompressSync,
} from 'node:zlib';

/** Decodes a whole body; throws when it is corrupt or decodes to more than `maxBytes`. */
export type BodyDecoder = (body: Buffer, maxBytes: number) => Buffer;

const bounded = (maxBytes: number): ZlibOptions => ({ maxOutputLength: maxBytes });

const DECODERS: Readonly<Record<string, BodyDecoder>> = {
  gzip: (body, max) => gunzipSync(body, bounded(max)),
  'x-gzip': (body, max) => gunzipSync(body, bounded(max)),
  // "deflate" means zlib-wrapped, but some servers send raw deflate under that name.
  deflate: (body, max) =>
    body[0] === 0x78 ? inflateSync(body, bounded(max)) : inflateRawSync(body, bounded(max)),
  br: (body, max) => brotliDecompressSync(body, { maxOutputLength: max }),
  zstd: (body, max) => zstdDecompressSync(body, { maxOutputLength: max }),
};

/**
 * How to read a body sent with this Content-Encoding: null when it is plain (absent or
 * `identity`), 'unsupported' when Keyward cannot decode it.
 */
export function decoderFor(
  contentEncoding: string | string[] | undefined,
): BodyDecoder | null | 'unsupported' {
  if (contentEncoding === undefined) return null;
  if (Array.isArray(contentEncoding)) return 'unsupported';
  const coding = contentEncoding.trim().toLowerCase();
  if (coding === '' || coding === 'identity') return null;
  return DECODERS[coding] ?? 'unsupported';
}

/** Whether a decoding failure was the size bound (the body is too large) rather than corruption. */
export function isOverLimit(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE';
}
