import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { KeywardError } from '../../src/errors.js';
import { installProblemHandlers } from '../../src/server/problems.js';
import { type Stage, stageHook } from '../../src/stages.js';

/** Which stages and handlers ran, per request (reset by each test). */
let ran: string[] = [];
const errorsLogged: string[] = [];
let app: FastifyInstance;

const mark =
  (name: string): Stage =>
  (_request, reply) => {
    ran.push(name);
    reply.header(`x-ran-${name}`, '1');
    return undefined;
  };

function route(path: string, ...stages: Stage[]): void {
  app.get(path, { onRequest: stageHook(...stages) }, async () => {
    ran.push('handler');
    return { ok: true };
  });
}

beforeAll(async () => {
  app = Fastify({
    logger: {
      level: 'error',
      stream: { write: (line: string) => errorsLogged.push(line) },
    },
  });
  installProblemHandlers(app);
  route('/open', mark('first'), mark('second'));
  route(
    '/returned',
    mark('first'),
    () => new KeywardError('KW_ERR_FORBIDDEN', { detail: 'Not you.' }),
    mark('after'),
  );
  route('/thrown', mark('first'), () => {
    throw new KeywardError('KW_ERR_FORBIDDEN', { detail: 'Not you either.' });
  });
  route(
    '/later',
    mark('first'),
    async () =>
      new KeywardError('KW_ERR_RATE_LIMITED', { detail: 'Slow down.', headers: { 'retry-after': '7' } }),
    mark('after'),
  );
  route('/waited', mark('first'), async () => undefined, mark('second'));
  route('/broken', () => {
    throw new Error('a bug, with internals');
  });
  route('/unavailable', () => new KeywardError('KW_ERR_LIMITER_UNAVAILABLE'));
  await app.ready();
});
afterAll(() => app.close());

async function get(path: string) {
  ran = [];
  errorsLogged.length = 0;
  return app.inject({ url: path });
}

describe('a route’s stages', () => {
  test('all passing: they run in order, then the handler', async () => {
    const res = await get('/open');
    expect(res.statusCode).toBe(200);
    expect(ran).toEqual(['first', 'second', 'handler']);
  });

  test('a stage that waits (a promise) is followed by the rest', async () => {
    const res = await get('/waited');
    expect(res.statusCode).toBe(200);
    expect(ran).toEqual(['first', 'second', 'handler']);
  });

  test('a returned refusal answers problem+json at once: later stages and the handler never run', async () => {
    const res = await get('/returned');
    expect(res.statusCode).toBe(403);
    expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(res.json()).toMatchObject({ code: 'KW_ERR_FORBIDDEN', status: 403, detail: 'Not you.' });
    expect(res.json().requestId).toEqual(expect.any(String));
    // Headers set by the stages before the refusal stay on it (CORS, request id, RateLimit…).
    expect(res.headers['x-ran-first']).toBe('1');
    expect(ran).toEqual(['first']);
  });

  test('a refusal a promise resolves to answers the same way, with its own headers', async () => {
    const res = await get('/later');
    expect(res.statusCode).toBe(429);
    expect(res.headers['retry-after']).toBe('7');
    expect(res.json()).toMatchObject({ code: 'KW_ERR_RATE_LIMITED', detail: 'Slow down.' });
    expect(ran).toEqual(['first']);
  });

  test('a thrown refusal answers exactly like a returned one', async () => {
    const res = await get('/thrown');
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ code: 'KW_ERR_FORBIDDEN', detail: 'Not you either.' });
    expect(res.headers['x-ran-first']).toBe('1');
    expect(ran).toEqual(['first']);
    expect(errorsLogged).toEqual([]);
  });

  test('an unexpected error is a 500 that says nothing of it, and is logged', async () => {
    const res = await get('/broken');
    expect(res.statusCode).toBe(500);
    expect(res.json()).toMatchObject({ code: 'KW_ERR_INTERNAL' });
    expect(res.body).not.toContain('internals');
    expect(errorsLogged.join('')).toContain('a bug, with internals');
  });

  test('a 5xx refusal goes through the error handler too (logged, never silent)', async () => {
    const res = await get('/unavailable');
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ code: 'KW_ERR_LIMITER_UNAVAILABLE' });
    expect(errorsLogged.length).toBeGreaterThan(0);
  });
});
