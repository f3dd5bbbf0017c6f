/**
 * A JSON body parser that keeps integers exact. Clients such as Python's `requests` send big
 * integers as bare JSON numbers (Python clients post a 45-digit number that way); `JSON.parse` would
 * round them to a double. With JSON.parse's source-text access (V8 11.4+, Node 21+), an integer
 * literal too large for a double is handed on as its decimal text instead, so nothing is lost.
 */
import type { FastifyInstance } from 'fastify';
import { KeywardError } from '../errors.js';

const INTEGER_LITERAL = /^-?(0|[1-9][0-9]*)$/;

type SourceReviver = (key: string, value: unknown, context?: { source?: string }) => unknown;

/** Unsafe integers become their exact decimal text; prototype-poisoning keys are refused. */
const exactIntegers: SourceReviver = (key, value, context) => {
  // The same rule as Fastify's own parser (secure-json-parse): such keys only ever mean harm.
  if (key === '__proto__') throw new SyntaxError('forbidden key');
  if (
    key === 'constructor' &&
    typeof value === 'object' &&
    value !== null &&
    Object.hasOwn(value, 'prototype')
  ) {
    throw new SyntaxError('forbidden key');
  }
  if (typeof value !== 'number' || Number.isSafeInteger(value)) return value;
  const source = context?.source;
  return source !== undefined && INTEGER_LITERAL.test(source) ? source : value;
};

/** Parses JSON text, keeping integer literals beyond 2^53 exact as decimal strings. */
export function parseExactJson(text: string): unknown {
  return JSON.parse(text, exactIntegers as Parameters<typeof JSON.parse>[1]);
}

/** Replaces the scope's application/json parser with the exact one (encapsulated to the scope). */
export function useExactJsonParser(scope: FastifyInstance): void {
  scope.removeContentTypeParser('application/json');
  scope.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    if (body === '') {
      done(new KeywardError('KW_ERR_INVALID_JSON', { detail: 'The request body is empty.' }), undefined);
      return;
    }
    try {
      done(null, parseExactJson(body as string));
    } catch {
      done(
        new KeywardError('KW_ERR_INVALID_JSON', { detail: 'The request body is not valid JSON.' }),
        undefined,
      );
    }
  });
}
