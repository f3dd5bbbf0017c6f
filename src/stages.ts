/**
 * What a request stage is, and the one Fastify hook that runs a list of them (the pipeline,
 * http/pipeline.ts, decides which and in what order). A stage inspects the request, may set
 * state (`request.principal`, response headers) and throws a KeywardError to refuse it. It
 * returns nothing when it decided synchronously — the common case: a cached key, counters in
 * memory — and a promise only when it had to wait (a store lookup). Running a route's stages in
 * one callback-style hook, instead of one async hook each, saves a promise and a hook turn per
 * stage on every request.
 */
import type { FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';

export type Stage = (request: FastifyRequest, reply: FastifyReply) => undefined | Promise<void>;

/** Runs `stages` in order from `from`; synchronous until a stage returns a promise. */
function runFrom(
  stages: readonly Stage[],
  from: number,
  request: FastifyRequest,
  reply: FastifyReply,
): undefined | Promise<void> {
  for (let i = from; i < stages.length; i++) {
    const pending = (stages[i] as Stage)(request, reply);
    if (pending !== undefined) return pending.then(() => runFrom(stages, i + 1, request, reply));
  }
  return undefined;
}

/** One onRequest hook running `stages` in order; the first refusal answers the request. */
export function stageHook(...stages: Stage[]): onRequestHookHandler {
  return function runStages(request, reply, done) {
    let pending: undefined | Promise<void>;
    try {
      pending = runFrom(stages, 0, request, reply);
    } catch (error) {
      done(error as Error);
      return;
    }
    if (pending === undefined) done();
    else
      pending.then(
        () => done(),
        (error: unknown) => done(error instanceof Error ? error : new Error(String(error))),
      );
  };
}
