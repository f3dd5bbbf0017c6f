/**
 * The caller's request body on its way upstream, held to `server.bodyLimit` as parsed bodies
 * are: a declared Content-Length over the limit is refused before the upstream is called, and a
 * chunked body (length unknown until its end) is collected up to the limit before anything is
 * sent, then forwarded with a Content-Length. Either way a body that is too large is 413 and the
 * upstream receives not one byte of it. Transfer codings other than `chunked` are refused.
 */
import type { IncomingMessage } from 'node:http';
import { KeywardError } from '../errors.js';

/** What goes upstream: nothing, the caller's stream (length already checked), or a collected body. */
export type ForwardedBody = undefined | IncomingMessage | Buffer;

function tooLarge(limit: number): KeywardError {
  return new KeywardError('KW_ERR_BODY_TOO_LARGE', {
    detail: `The request body is larger than ${limit} bytes.`,
    // The rest of the body is not read: close rather than wait for it on a kept-alive connection.
    headers: { connection: 'close' },
  });
}

/** The body to forward for `raw`, or a 413 KeywardError when it is over `limit` bytes. */
export function forwardedBody(raw: IncomingMessage, limit: number): ForwardedBody | Promise<ForwardedBody> {
  const { 'content-length': length, 'transfer-encoding': coding } = raw.headers;
  if (coding === undefined) {
    if (length === undefined || length === '0') return undefined;
    // Node's parser has already refused a Content-Length that is not a number.
    if (Number(length) > limit) throw tooLarge(limit);
    return raw;
  }
  // Node has decoded `chunked`; any other transfer coding would reach the upstream still applied.
  if (coding.trim().toLowerCase() !== 'chunked') {
    throw new KeywardError('KW_ERR_BAD_REQUEST', {
      detail: 'Transfer-Encoding other than chunked is not accepted.',
      headers: { connection: 'close' },
    });
  }
  return collect(raw, limit);
}

function collect(raw: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (error: unknown, body?: Buffer) => {
      raw.off('data', onData).off('end', onEnd).off('error', finish).off('close', onClose);
      if (error) reject(error);
      else resolve(body as Buffer);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) finish(tooLarge(limit));
      else chunks.push(chunk);
    };
    const onEnd = () => finish(null, Buffer.concat(chunks, size));
    const onClose = () => finish(new Error('the caller closed the connection during the body'));
    raw.on('data', onData).once('end', onEnd).once('error', finish).once('close', onClose);
  });
}
