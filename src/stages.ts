/**
 * What a request stage is, and the one Fastify hook that runs a list of them (the pipeline,
 * http/pipeline.ts, decides which and in what order). A stage inspects the request, may set
 * state (`request.principal`, response headers) and refuses it by returning a KeywardError
 * (throwing one works too). It returns nothing when it decided synchronously — the common case:
 * a cached key, counters in memory — and a promise only when it had to wait (a store lookup).
 * Running a route's stages in one callback-style hook, instead of one async hook each, saves a
 * promise and a hook turn per stage on every request.
 */
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction, onRequestHookHandler } from 'fastify';
import { KeywardError, sendProblem } from './errors.js';

/**
 * Nothing (go on) or the refusal to answer with. Refusals are returned on the hot paths rather
 * than thrown: a throw makes V8 record where it happened, a few µs that every refused request
 * (a key-stuffing or over-quota client) would pay.
 */
export type StageOutcome = undefined | KeywardError;

export type Stage = (request: FastifyRequest, reply: FastifyReply) => StageOutcome | Promise<StageOutcome>;

/** Runs `stages` in order from `from`; synchronous until a stage returns a promise. */
function runFrom(
  stages: readonly Stage[],
  from: number,
  request: FastifyRequest,
  reply: FastifyReply,
): StageOutcome | Promise<StageOutcome> {
  for (let i = from; i < stages.length; i++) {
    const outcome = (stages[i] as Stage)(request, reply);
    if (outcome === undefined) continue;
    if (outcome instanceof KeywardError) return outcome;
    return outcome.then((settled) =>
      settled instanceof KeywardError ? settled : runFrom(stages, i + 1, request, reply),
    );
  }
  return undefined;
}

/**
 * Answers a refusal: an expected one (below 500) right here, without Fastify's error path; any
 * other error through the error handler, which logs it.
 */
function refuse(error: unknown, reply: FastifyReply, done: HookHandlerDoneFunction): void {
  if (error instanceof KeywardError && error.status < 500) sendProblem(reply, error);
  else done(error instanceof Error ? error : new Error(String(error)));
}

/** One onRequest hook running `stages` in order; the first refusal answers the request. */
export function stageHook(...stages: Stage[]): onRequestHookHandler {
  return function runStages(request, reply, done) {
    let outcome: StageOutcome | Promise<StageOutcome>;
    try {
      outcome = runFrom(stages, 0, request, reply);
    } catch (error) {
      refuse(error, reply, done);
      return;
    }
    if (outcome === undefined) done();
    else if (outcome instanceof KeywardError) refuse(outcome, reply, done);
    else
      outcome.then(
        (settled) => (settled instanceof KeywardError ? refuse(settled, reply, done) : done()),
        (error: unknown) => refuse(error, reply, done),
      );
  };
}
