/**
 * The request pipeline, written once. Every protected request passes the stages in `PIPELINE`
 * order — CORS, authenticate, authorize, limits — then its handler; any stage may refuse with a
 * KeywardError (→ problem+json). Every route, service, login, admin and /metrics mount goes
 * through `mount`, whose spec names each stage; a stage a mount leaves out is spelled `'none'`
 * there, never left out by omission. A mount with CORS also answers the preflights of its paths
 * (no credentials needed, never forwarded). The model is fastify's `lifecycleHooks` list.
 */
import type { FastifyInstance, RouteOptions } from 'fastify';
import { type Authentication, type AuthScheme, createAuthenticator } from '../auth/authenticate.js';
import { requireRoles } from '../authz/roles.js';
import type { PlanTable } from '../config/compile.js';
import type { LimitPolicyConfig } from '../config/schema.js';
import { KeywardError } from '../errors.js';
import type { FailureMode, RateLimiter } from '../limits/limiter.js';
import type { Period } from '../limits/policy.js';
import { createLimitStage } from '../limits/stage.js';
import { type Stage, stageHook } from '../stages.js';
import { endSpan, type Tracing } from '../telemetry/tracing.js';
import { type CorsPolicy, corsHeaders, preflightHandler } from './cors.js';

/** The stages of a protected request, in the order they run. */
export const PIPELINE = ['cors', 'authenticate', 'authorize', 'limits'] as const;

export interface MountLimits {
  /** Counter scope; defaults to the mount's name. Mounts sharing a scope share their counters. */
  scope?: string;
  rateLimit: readonly LimitPolicyConfig[];
  /** Calls to the upstream, all callers together. */
  budget?: { requests: number; per: Period } | undefined;
  onFailure: FailureMode;
  /** Whether the caller's plan limits apply too (not for Keyward's own built-in limits). */
  plan: boolean;
}

export interface MountSpec {
  /** Name in logs, usage and metrics; also the default scope of the mount's limits. */
  name: string;
  /** Path prefix of the mount's routes; '' for none. */
  prefix: string;
  cors: CorsPolicy | 'none';
  /** Accepted credential schemes (`none` in the list makes a credential optional). */
  authenticate: readonly AuthScheme[] | 'none';
  /** Roles of which the caller needs one. */
  authorize: readonly string[] | 'none';
  limits: MountLimits | 'none';
}

/** A public mount: no CORS, no credential, no roles, no limits (health, docs, the map page). */
export function publicMount(name: string, prefix = ''): MountSpec {
  return { name, prefix, cors: 'none', authenticate: 'none', authorize: 'none', limits: 'none' };
}

/** What the stages are built from, opened once at assembly. */
export interface PipelineParts {
  authentication: Authentication;
  limiter: RateLimiter;
  plans: PlanTable;
  /** When tracing is on, each stage runs in a child span of the request's span. */
  tracing: Tracing | null;
}

/** Registers routes as one mount. */
export type Mount = (
  app: FastifyInstance,
  spec: MountSpec,
  routes: (scope: FastifyInstance) => void | Promise<void>,
) => Promise<void>;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Name logged with each request: the mount that answered. */
    routeName?: string;
  }
}

/** `stage` in a span of its own under the request's span (refusals end it as failed). */
function traced(stage: Stage, name: string, tracing: Tracing): Stage {
  return function tracedStage(request, reply) {
    const parent = request.span;
    if (parent === undefined) return stage(request, reply);
    const span = tracing.startChild(parent, name);
    let outcome: ReturnType<Stage>;
    try {
      outcome = stage(request, reply);
    } catch (error) {
      endSpan(span, error);
      throw error;
    }
    if (outcome === undefined || outcome instanceof KeywardError) {
      endSpan(span, outcome);
      return outcome;
    }
    return outcome.then(
      (settled) => {
        endSpan(span, settled instanceof KeywardError ? settled : undefined);
        return settled;
      },
      (error: unknown) => {
        endSpan(span, error);
        throw error;
      },
    );
  };
}

/** The stages a spec asks for, in pipeline order. */
export function stagesFor(spec: MountSpec, parts: PipelineParts): Stage[] {
  if (spec.authenticate === 'none' && spec.authorize !== 'none')
    throw new Error(`mount ${spec.name}: roles need an authentication stage`);
  const stages: Stage[] = [];
  const add = (name: (typeof PIPELINE)[number], stage: Stage) =>
    stages.push(parts.tracing ? traced(stage, name, parts.tracing) : stage);
  for (const stage of PIPELINE) {
    switch (stage) {
      case 'cors':
        // With no origin allowed, no response varies by Origin: nothing to add (preflights are
        // still answered, with 403).
        if (spec.cors !== 'none' && spec.cors.origins.size > 0) add(stage, corsHeaders(spec.cors));
        break;
      case 'authenticate':
        if (spec.authenticate !== 'none')
          add(stage, createAuthenticator(spec.authenticate, parts.authentication));
        break;
      case 'authorize':
        if (spec.authorize !== 'none' && spec.authorize.length > 0) add(stage, requireRoles(spec.authorize));
        break;
      case 'limits':
        if (spec.limits !== 'none') {
          const { scope, rateLimit, budget, onFailure, plan } = spec.limits;
          add(
            stage,
            createLimitStage(
              { scope: scope ?? spec.name, rateLimit, budget, onFailure, applyPlan: plan },
              parts.limiter,
              parts.plans,
            ),
          );
        }
        break;
    }
  }
  return stages;
}

function withHook(route: RouteOptions, hook: RouteOptions['onRequest']): RouteOptions['onRequest'] {
  const existing = route.onRequest;
  if (existing === undefined) return hook;
  return [hook, ...(Array.isArray(existing) ? existing : [existing])] as RouteOptions['onRequest'];
}

/** Marks a scope inside a mount: mounts do not nest (the outer stages would run twice). */
const INSIDE_MOUNT = 'keywardMount';

/** Builds the `mount` function every module registers its routes with. */
export function createMount(parts: PipelineParts): Mount {
  /** Methods answered at each path that has a preflight, across mounts (places' reads and writes share paths). */
  const preflights = new Map<string, Set<string>>();
  return async function mount(app, spec, routes) {
    if (app.hasDecorator(INSIDE_MOUNT)) throw new Error(`mount ${spec.name}: mounts do not nest`);
    const stages = stagesFor(spec, parts);
    const hook = stages.length > 0 ? stageHook(...stages) : undefined;
    /** Methods answered at each full path, for the preflights. */
    const paths = new Map<string, Set<string>>();
    await app.register(
      async (scope) => {
        scope.decorate(INSIDE_MOUNT, spec.name);
        scope.addHook('onRoute', (route) => {
          route.config = { ...route.config, routeName: route.config?.routeName ?? spec.name };
          if (hook) route.onRequest = withHook(route, hook);
          const methods = paths.get(route.url) ?? new Set<string>();
          for (const m of Array.isArray(route.method) ? route.method : [route.method]) methods.add(m);
          paths.set(route.url, methods);
        });
        await routes(scope);
      },
      { prefix: spec.prefix },
    );
    const cors = spec.cors;
    if (cors === 'none') return;
    // Beside the mount, not in it: a preflight carries no credential and passes no stage.
    await app.register(async (scope) => {
      for (const [url, methods] of paths) {
        if (methods.has('OPTIONS')) continue;
        const known = preflights.get(url);
        if (known) {
          for (const m of methods) known.add(m);
          continue;
        }
        preflights.set(url, methods);
        scope.options(url, { config: { routeName: spec.name } }, preflightHandler(cors, methods));
      }
    });
  };
}
