/**
 * The primes service over HTTP: `POST {path}/check` and `POST {path}/next`. The math lives in
 * math.ts; this file only validates, bounds the cost and shapes the answers.
 */
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { KeywardError } from '../../errors.js';
import { parsePrimeInput } from './math.js';
import type { PrimePool } from './pool.js';

/**
 * Largest input `/next` takes, whatever `maxBits` says: the search runs a primality test per
 * candidate, ~0.2 s at 1024 bits but seconds at 2048 and ~18 s at 4096, all on the event loop.
 */
export const NEXT_PRIME_MAX_BITS = 1024;

const NumberBody = Type.Object(
  {
    // No `type` keyword on purpose: the app's Ajv coerces types, which would turn `true` or a
    // rounded float into a string; parsePrimeInput checks the value and says exactly what is wrong.
    number: Type.Unknown({
      description:
        'A non-negative integer: a decimal string, or a JSON integer (integers beyond 2^53 are read exactly from the request text).',
      examples: ['172983479832623897492387592384682937659382477', 97],
    }),
  },
  { additionalProperties: false },
);

const Certainty = Type.Union([Type.Literal('proven'), Type.Literal('probable')], {
  description: '"probable" only for a number ≥ 3.3·10^24 that passed Baillie–PSW; "proven" otherwise.',
});

const CheckReply = Type.Object({
  number: Type.String({ description: 'The number checked, in decimal.' }),
  isPrime: Type.Boolean(),
  certainty: Certainty,
  bits: Type.Integer({ description: 'Bit length of the number.' }),
});

const NextReply = Type.Object({
  number: Type.String({ description: 'The number the search started from, in decimal.' }),
  nextPrime: Type.String({ description: 'The smallest prime ≥ number, in decimal.' }),
  certainty: Certainty,
  bits: Type.Integer({ description: 'Bit length of nextPrime.' }),
});

/** The number in the body, or a 422 naming `body.number` and what is wrong with it. */
function numberFrom(body: Static<typeof NumberBody>, maxBits: number): bigint {
  const parsed = parsePrimeInput(body.number, maxBits);
  if (parsed.ok) return parsed.n;
  throw new KeywardError('KW_ERR_VALIDATION', {
    detail: `number is not acceptable: ${parsed.message}.`,
    errors: [{ path: 'body.number', message: parsed.message }],
  });
}

/** Registers `check` and `next` on an already prefixed, already guarded scope; big inputs go to `pool`. */
export function registerPrimeRoutes(app: FastifyInstance, maxBits: number, pool: PrimePool): void {
  const nextMaxBits = Math.min(maxBits, NEXT_PRIME_MAX_BITS);
  app.post(
    '/check',
    {
      schema: {
        summary: 'Is this number prime?',
        tags: ['primes'],
        body: NumberBody,
        response: { 200: CheckReply },
      },
    },
    async (request) => {
      const n = numberFrom(request.body as Static<typeof NumberBody>, maxBits);
      return { number: n.toString(), ...(await pool.check(n)) };
    },
  );
  app.post(
    '/next',
    {
      schema: {
        summary: `The smallest prime ≥ number (inputs up to ${nextMaxBits} bits)`,
        tags: ['primes'],
        body: NumberBody,
        response: { 200: NextReply },
      },
    },
    async (request) => {
      const n = numberFrom(request.body as Static<typeof NumberBody>, nextMaxBits);
      return { number: n.toString(), ...(await pool.next(n)) };
    },
  );
}
